// What counts as "the same object" when `shift rollback` finds one of the retired entry's name: a table.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import { restorable } from './retire.js';
import { contentDiffers } from './retire-restore.js';

const recorded: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'orders-vm', namespace: 'shop', labels: { app: 'orders' }, annotations: { owner: 'team-a' } },
  spec: { hosts: ['orders.vm.internal'], endpoints: [{ address: '10.0.0.7' }] },
};
const live = (over: Omit<Partial<KubeObject>, 'metadata'> & { metadata?: Partial<KubeObject['metadata']> } = {}): KubeObject => ({
  ...recorded,
  ...over,
  metadata: { ...recorded.metadata, resourceVersion: '42', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'meshferry' }], ...over.metadata },
});

describe('contentDiffers', () => {
  it.each<[string, KubeObject, string[]]>([
    ['the same spec, labels and annotations; server fields ignored', live(), []],
    ['another endpoint', live({ spec: { hosts: ['orders.vm.internal'], endpoints: [{ address: '10.9.9.9' }] } }), ['spec']],
    ['a label more', live({ metadata: { labels: { app: 'orders', extra: 'x' } } }), ['metadata.labels']],
    ['no annotations where some were recorded', live({ metadata: { annotations: undefined } }), ['metadata.annotations']],
    ['everything else', live({ spec: {}, metadata: { labels: {}, annotations: {} } }), ['spec', 'metadata.labels', 'metadata.annotations']],
  ])('%s', (_name, obj, want) => {
    expect(contentDiffers(obj, recorded)).toEqual(want);
  });

  it('absent and empty labels are the same', () => {
    const bare: KubeObject = { ...recorded, metadata: { name: 'orders-vm', namespace: 'shop' } };
    expect(contentDiffers({ ...bare, metadata: { ...bare.metadata, labels: {}, annotations: {} } }, bare)).toEqual([]);
  });
});

describe('restorable', () => {
  it('keeps what a create needs and drops what the server sets', () => {
    const r = restorable({ ...live(), status: { x: 1 } } as KubeObject);
    expect(r).toEqual(recorded);
  });
});
