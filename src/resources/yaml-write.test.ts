// Writing: key order, stream order, and the folder layout (folder writing itself: atomic-write.test.ts).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from './object.js';
import { layoutPath, serializeObject, serializeStream } from './yaml-write.js';

const obj = (kind: string, apiVersion: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { ...(namespace ? { namespace } : {}), name },
  ...extra,
});

describe('serialize', () => {
  it('puts apiVersion, kind, metadata first and sorts labels and annotations', () => {
    const o = { spec: { b: 1, a: 2 }, metadata: { labels: { z: '1', a: '2' }, name: 'svc', namespace: 'ns' }, kind: 'Service', apiVersion: 'v1' } as unknown as KubeObject;
    expect(serializeObject(o)).toBe('apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: ns\n  labels:\n    a: "2"\n    z: "1"\nspec:\n  b: 1\n  a: 2\n');
  });

  it('quotes strings that YAML 1.1 readers (kubectl) would take for booleans', () => {
    const text = serializeObject(obj('ConfigMap', 'v1', 'c', 'a', { data: { on: 'yes', off: 'no' } }));
    expect(text).toContain('"on": "yes"');
  });

  it('orders a stream deterministically, namespaces first, whatever the input order', () => {
    const a = [obj('Service', 'v1', 'b', 'x'), obj('Namespace', 'v1', 'x'), obj('VirtualService', 'networking.istio.io/v1', 'a', 'x')];
    const s1 = serializeStream(a);
    expect(serializeStream([...a].reverse())).toBe(s1);
    expect(s1.indexOf('kind: Namespace')).toBeLessThan(s1.indexOf('kind: Service'));
  });
});

describe('layoutPath', () => {
  it.each([
    [obj('VirtualService', 'networking.istio.io/v1beta1', 'vs', 'shop'), 'shop/virtualservices/vs.yaml'],
    [obj('Namespace', 'v1', 'shop'), '_cluster/namespaces/shop.yaml'],
    [obj('Gateway', 'networking.istio.io/v1', 'gw', 'shop'), 'shop/gateways/gw.yaml'],
    [obj('Gateway', 'gateway.networking.k8s.io/v1', 'gw', 'shop'), 'shop/gateways.gateway.networking.k8s.io/gw.yaml'],
    [obj('ConfigMap', 'v1', '../../etc', 'shop'), 'shop/configmaps/%2E.%2F..%2Fetc.yaml'],
    [obj('Ingress', 'networking.k8s.io/v1', 'web', 'shop'), 'shop/ingresss.networking.k8s.io/web.yaml'],
    [obj('Evil', 'x/../../../v1', 'e', 'shop'), 'shop/evils.x%2F..%2F..%2F../e.yaml'],
    [obj('Widget', 'example.com/v1', 'w'), '_cluster/widgets.example.com/w.yaml'],
    [obj('VirtualService', 'networking.istio.io/v1', 'vs', '..'), '%2E./virtualservices/vs.yaml'],
  ])('%#', (o, want) => expect(layoutPath(o)).toBe(want));
});
