// What ConfigParity leaves out (install plan expose objects, the shift routers' objects) and VendorTraces across target clusters, each line naming its context.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import type { MeshMigrationSpec } from '../spec.js';
import { configParity } from './checks.js';
import { parityExclusions, vendorTracesAcross } from './config-checks.js';

const spec: MeshMigrationSpec = { mode: 'CrossCluster', source: { context: 'tcm', revision: '1-18-5' }, target: { context: 'primary', revision: '1-31-1' }, config: {}, waves: [{ name: 'shop', namespaces: ['shop'] }] };
const obj = (kind: string, ns: string | undefined, name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: kind === 'HTTPRoute' ? 'gateway.networking.k8s.io/v1' : kind === 'Namespace' ? 'v1' : kind === 'Deployment' ? 'apps/v1' : 'networking.istio.io/v1',
  kind,
  ...extra,
  metadata: { name, ...(ns ? { namespace: ns } : {}), ...(extra.metadata ?? {}) },
});
const shift = (router: Record<string, unknown>): KubeObject => ({ apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', metadata: { name: 's', namespace: 'shop' }, spec: { router } });

describe('parityExclusions', () => {
  const routers = [
    shift({ virtualService: { targets: [{ name: 'frontend' }, { name: 'edge', namespace: 'istio-system', context: 'primary' }], from: { host: 'a' }, to: { host: 'b' } } }),
    shift({ httpRoute: { targets: [{ name: 'web' }], from: { backendRef: 'a' }, to: { backendRef: 'b' } } }),
    shift({ lbWeight: { provider: 'ack', from: { service: 'istio-system/gw' }, to: { service: 'istio-system/gw-new' } } }),
  ];
  const excluded = parityExclusions(spec, routers);
  it.each([
    ['the install plan\'s istiod-gateway', obj('Gateway', 'istio-system', 'istiod-gateway'), true],
    ['its revisioned istiod-vs', obj('VirtualService', 'istio-system', 'istiod-vs-1-31-1'), true],
    ['its cross-network-gateway', obj('Gateway', 'istio-system', 'cross-network-gateway'), true],
    ['a VirtualService a shift moves, in the shift\'s namespace', obj('VirtualService', 'shop', 'frontend'), true],
    ['one in the namespace its target names', obj('VirtualService', 'istio-system', 'edge'), true],
    ['an HTTPRoute a shift moves', obj('HTTPRoute', 'shop', 'web'), true],
    ['a VirtualService of the same name elsewhere', obj('VirtualService', 'other', 'frontend'), false],
    ['a DestinationRule named like a shifted VirtualService', obj('DestinationRule', 'shop', 'frontend'), false],
    ['a Gateway of the config', obj('Gateway', 'istio-system', 'ingress'), false],
  ])('%s: excluded %s', (_name, o, want) => {
    expect(excluded(o)).toBe(want);
  });

  it('a shifted VirtualService whose weights moved does not fail parity; another change does, named', () => {
    const source = [obj('VirtualService', 'shop', 'frontend', { spec: { hosts: ['f'], http: [{ route: [{ destination: { host: 'a' }, weight: 100 }] }] } } as Partial<KubeObject>), obj('DestinationRule', 'shop', 'frontend', { spec: { host: 'f' } } as Partial<KubeObject>)];
    const target = [obj('VirtualService', 'shop', 'frontend', { spec: { hosts: ['f'], http: [{ route: [{ destination: { host: 'a' }, weight: 0 }] }] } } as Partial<KubeObject>), obj('DestinationRule', 'shop', 'frontend', { spec: { host: 'g' } } as Partial<KubeObject>)];
    const r = configParity(source, target, excluded);
    expect(r.verdict).toBe('fail');
    expect(r.evidence).toEqual(['1 of 1 objects of the source export (after the rules) are missing from the target or differ', 'changed: DestinationRule shop/frontend (spec.host)']);
  });
});

describe('vendorTracesAcross', () => {
  const opts = { managed: 'tcm' as const, sourceRevision: '1-18-5', targetRevisions: ['1-31-1'] };
  it('passes when no target cluster carries the source\'s revision, each cluster saying what it scanned', () => {
    const r = vendorTracesAcross([{ context: 'primary', objects: [obj('Namespace', undefined, 'shop', { metadata: { name: 'shop', labels: { 'istio.io/rev': '1-31-1' } } })] }, { context: 'remote', objects: [] }], opts);
    expect(r).toEqual({
      name: 'VendorTraces',
      verdict: 'pass',
      evidence: ['primary: 1 objects of the target scanned for traces of managed meshes (source: tcm) and for istio.io/rev=1-18-5: none', 'remote: 0 objects of the target scanned for traces of managed meshes (source: tcm) and for istio.io/rev=1-18-5: none'],
    });
  });

  it('fails naming the object and its cluster; a Secret is never looked at', () => {
    const dr = obj('DestinationRule', 'shop', 'reviews', { metadata: { name: 'reviews', labels: { 'istio.io/rev': '1-18-5' } } });
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop', labels: { 'istio.io/rev': '1-18-5' } }, data: { k: 'aHVudGVyMg==' } } as KubeObject;
    const r = vendorTracesAcross([{ context: 'primary', objects: [dr, secret] }], opts);
    expect(r.verdict).toBe('fail');
    expect(r.evidence).toEqual([
      'primary: 1 objects of the target scanned for traces of managed meshes (source: tcm) and for istio.io/rev=1-18-5: 1 trace(s)',
      "primary: trace: DestinationRule shop/reviews: labels carry istio.io/rev=1-18-5, the source's revision; relabel it for the target",
    ]);
  });

  it('is skipped for a self-built source without a revision', () => {
    expect(vendorTracesAcross([{ context: 'primary', objects: [] }], {}).verdict).toBe('skipped');
  });
});
