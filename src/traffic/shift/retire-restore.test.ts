// What counts as "the same object" when `shift rollback` finds one of the retired entry's name: a table.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import { restorable } from './retire.js';
import type { JournalEntry } from '../../journal/journal.js';
import type { RouterSpec } from '../routers/spec.js';
import { contentDiffers, outOfScope } from './retire-restore.js';

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

describe('outOfScope: a journal entry is only trusted to re-create what the TrafficShift retire names', () => {
  const router: RouterSpec = { virtualService: { targets: [{ context: 'east', name: 'orders' }, { context: 'west', name: 'orders' }], from: { host: 'orders.vm.internal' }, to: { host: 'orders' } } };
  const scope = { namespace: 'shop', router, retire: [{ kind: 'ServiceEntry' as const, name: 'orders-vm' }, { kind: 'WorkloadEntry' as const, name: 'vm-1', namespace: 'vms', context: 'east' }] };
  const entry = (target: JournalEntry['target'], before: unknown, context: string | null = 'east'): JournalEntry =>
    ({ seq: 1, step: 'retire', state: 'done', target, before, intent: { delete: target, context }, result: { deleted: true } }) as unknown as JournalEntry;
  const se = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', namespace: 'shop', name: 'orders-vm' };
  const we = { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', namespace: 'vms', name: 'vm-1' };
  const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'pwned' };
  it.each<[string, JournalEntry, RegExp | undefined]>([
    ['the named ServiceEntry in a router cluster', entry(se, recorded), undefined],
    ['the same in the other router cluster', entry(se, recorded, 'west'), undefined],
    ['a WorkloadEntry in the namespace and cluster the entry names', entry(we, { ...recorded, kind: 'WorkloadEntry', metadata: { name: 'vm-1', namespace: 'vms' } }), undefined],
    ['that WorkloadEntry in another cluster', entry(we, { ...recorded, kind: 'WorkloadEntry', metadata: { name: 'vm-1', namespace: 'vms' } }, 'west'), /not an entry the TrafficShift's retire names/],
    ['a cluster the router does not use', entry(se, recorded, 'prod-admin'), /ServiceEntry shop\/orders-vm in prod-admin is not an entry/],
    ['another name', entry({ ...se, name: 'payments-vm' }, { ...recorded, metadata: { name: 'payments-vm', namespace: 'shop' } }), /not an entry/],
    ['another namespace', entry({ ...se, namespace: 'kube-system' }, { ...recorded, metadata: { name: 'orders-vm', namespace: 'kube-system' } }), /not an entry/],
    ['another kind (a ClusterRoleBinding)', entry(crb, { apiVersion: crb.apiVersion, kind: crb.kind, metadata: { name: 'pwned' } }), /ClusterRoleBinding pwned in east is not an entry/],
    ['the right target recording another object', entry(se, { apiVersion: crb.apiVersion, kind: crb.kind, metadata: { name: 'pwned' } }), /the object recorded for ServiceEntry shop\/orders-vm is another object \(ClusterRoleBinding \/pwned\)/],
    ['the right kind in another API group', entry({ ...se, apiVersion: 'example.com/v1' }, { ...recorded, apiVersion: 'example.com/v1' }), /not an entry/],
  ])('%s', (_name, e, want) => {
    const why = outOfScope(e, scope);
    if (want) expect(why).toMatch(want);
    else expect(why).toBeUndefined();
  });
  it('no router in the stored spec: nothing is in scope', () => {
    expect(outOfScope(entry(se, recorded), { ...scope, router: undefined })).toMatch(/not an entry/);
  });
});
