// Istio host semantics: short names, FQDNs, wildcards, exportTo visibility.
import { describe, expect, it } from 'vitest';
import { ResourceSet } from '../resources/resource-set.js';
import { parseResources } from '../resources/yaml-read.js';
import { ServiceRegistry, clusterService, gatewayHostsFor, hostMatches, toFqdn } from './hosts.js';

describe('host names', () => {
  it.each([
    ['reviews', 'default', 'reviews.default.svc.cluster.local'],
    ['reviews.default', 'shop', 'reviews.default'],
    ['*.example.com', 'shop', '*.example.com'],
    ['reviews.shop.svc.cluster.local', 'default', 'reviews.shop.svc.cluster.local'],
  ])('toFqdn(%s, %s) = %s', (h, ns, want) => expect(toFqdn(h, ns)).toBe(want));

  it.each([
    ['a.example.com', 'a.example.com', true],
    ['*.example.com', 'a.example.com', true],
    ['a.example.com', '*.example.com', true],
    ['*.com', '*.example.com', true],
    ['*.example.com', 'example.com', false],
    ['a.example.com', 'b.example.com', false],
    ['*', 'anything.at.all', true],
  ])('hostMatches(%s, %s) = %s', (a, b, want) => expect(hostMatches(a, b)).toBe(want));

  it('parses cluster-local service names only', () => {
    expect(clusterService('reviews.shop.svc.cluster.local')).toEqual({ name: 'reviews', namespace: 'shop' });
    expect(clusterService('api.example.com')).toBeUndefined();
    expect(clusterService('*.shop.svc.cluster.local')).toBeUndefined();
  });

  it('keeps gateway hosts visible to a namespace and strips their namespace part', () => {
    expect(gatewayHostsFor(['a.com', 'shop/b.com', 'other/c.com', './d.com', '*/e.com'], 'istio-system', 'shop')).toEqual(['a.com', 'b.com', 'e.com']);
    expect(gatewayHostsFor(['./d.com'], 'shop', 'shop')).toEqual(['d.com']);
  });
});

describe('ServiceRegistry', () => {
  const yaml = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: secret, namespace: shop, annotations: {networking.istio.io/exportTo: "."}}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: egress}
spec: {hosts: ["*.example.com"], exportTo: [shop], resolution: NONE, ports: [{number: 443, name: tls, protocol: TLS}]}
`;
  const set = new ResourceSet(parseResources(yaml, 'r.yaml').resources);
  const reg = new ServiceRegistry(set.ofKind('Service'), set.ofKind('ServiceEntry'));

  it.each([
    ['reviews', 'shop', 'Service'],
    ['reviews.shop.svc.cluster.local', 'default', 'Service'],
    ['reviews', 'default', undefined],
    ['secret', 'shop', 'Service'],
    ['secret.shop.svc.cluster.local', 'default', undefined],
    ['api.example.com', 'shop', 'ServiceEntry'],
    ['api.example.com', 'default', undefined],
    ['*.shop.svc.cluster.local', 'default', 'Service'],
  ])('lookup(%s from %s) → %s', (host, from, kind) => {
    expect(reg.lookup(host, from)?.kind).toBe(kind);
  });

  // istio util.GetDestinationHost: with an exportTo, a host resolves where the object is exported to, not where it lives.
  it.each<[string, string, string[], string | undefined]>([
    ['api.example.com', 'default', ['shop'], 'ServiceEntry'],
    ['secret', 'shop', ['.'], 'Service'],
    ['secret', 'shop', ['bogus'], undefined],
    ['secret', 'shop', ['other', '.'], 'Service'],
    ['reviews', 'shop', ['bogus'], 'Service'],
    ['reviews', 'shop', ['*'], 'Service'],
    ['secret', 'shop', ['*'], undefined],
  ])('lookup(%s from %s, exported to %j) → %s', (host, from, exportTo, kind) => {
    expect(reg.lookup(host, from, exportTo)?.kind).toBe(kind);
  });
});
