// othersIn: what a namespace holds besides what controllers put in every namespace, owned objects and follower kinds.
import { describe, expect, it } from 'vitest';
import type { ServedResource } from '../../kube/discovery.js';
import type { ObjectClient } from '../../kube/object-client.js';
import type { KubeObject } from '../../resources/object.js';
import { othersIn } from './namespace-contents.js';

const res = (group: string, kind: string, plural: string, version = 'v1', namespaced = true): ServedResource => ({ group, version, kind, plural, namespaced, verbs: ['get', 'list'] });
const o = (kind: string, name: string, meta: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop', ...meta } });

function client(objects: Record<string, KubeObject[]>, refuse: string[] = []): ObjectClient {
  const resources = [res('', 'ConfigMap', 'configmaps'), res('', 'ServiceAccount', 'serviceaccounts'), res('', 'Event', 'events'), res('', 'Pod', 'pods'), res('apps', 'ReplicaSet', 'replicasets'), res('networking.istio.io', 'VirtualService', 'virtualservices', 'v1'), res('networking.istio.io', 'VirtualService', 'virtualservices', 'v1beta1'), res('', 'Namespace', 'namespaces', 'v1', false), res('', 'Secret', 'secrets')];
  return {
    discovery: { resources, resourceFor: (g: string, k: string) => resources.find((r) => r.group === g && r.kind === k) },
    list: async (r: ServedResource) => {
      if (refuse.includes(r.kind)) throw new Error('forbidden');
      return objects[r.kind] ?? [];
    },
  } as unknown as ObjectClient;
}

describe('othersIn', () => {
  it('leaves out what controllers write into every namespace, owned objects, events and pods, and what rollback deletes itself', async () => {
    const c = client({
      ConfigMap: [o('ConfigMap', 'kube-root-ca.crt'), o('ConfigMap', 'istio-ca-root-cert'), o('ConfigMap', 'istio-ca-crl')],
      ServiceAccount: [o('ServiceAccount', 'default')],
      Event: [o('Event', 'x.1')],
      Pod: [o('Pod', 'p')],
      ReplicaSet: [o('ReplicaSet', 'web-1', { ownerReferences: [{ kind: 'Deployment', name: 'web' }] })],
      VirtualService: [o('VirtualService', 'ours')],
    });
    expect(await othersIn(c, 'shop', new Set(['VirtualService ours']))).toEqual([]);
  });
  it('names anything else, each kind once (a kind served at two versions is listed at one), and a kind it could not list', async () => {
    const c = client({ ConfigMap: [o('ConfigMap', 'team-settings')], VirtualService: [o('VirtualService', 'theirs\u001b[2J')] }, ['Secret']);
    expect(await othersIn(c, 'shop')).toEqual(['ConfigMap team-settings', 'VirtualService theirs\\x1b[2J', 'Secret (could not be listed)']);
  });
});
