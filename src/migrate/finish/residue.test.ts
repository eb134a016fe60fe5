// residueFromObjects: which webhooks, istiods, gateways, Services, CRDs and namespaces of a cluster are the source's; istioVersionOf's image tags.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import type { MeshMigrationSpec } from '../spec.js';
import { decommissionSourceOf, istioVersionOf, residueFromObjects, residueScopeOf, type ResidueObjects } from './residue.js';

const injector = (name: string, rev: string, extra: { tag?: string; istioInjection?: boolean } = {}): KubeObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: { name, labels: { 'istio.io/rev': rev, app: 'sidecar-injector', ...(extra.tag ? { 'istio.io/tag': extra.tag } : {}) } },
  webhooks: [
    {
      name: 'rev.namespace.sidecar-injector.istio.io',
      clientConfig: { service: { namespace: 'istio-system', name: `istiod-${rev}`, path: '/inject' } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      namespaceSelector: extra.istioInjection ? { matchLabels: { 'istio-injection': 'enabled' } } : { matchLabels: { 'istio.io/rev': extra.tag ?? rev } },
    },
  ],
});
const validator = (name: string, rev: string): KubeObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: { name, labels: { 'istio.io/rev': rev } },
  webhooks: [{ name: 'rev.validation.istio.io', failurePolicy: 'Fail', clientConfig: { service: { namespace: 'istio-system', name: `istiod-${rev}`, path: '/validate' } } }],
});
const deployment = (ns: string, name: string, o: { labels?: Record<string, string>; podLabels?: Record<string, string>; podAnnotations?: Record<string, string>; image?: string; owner?: string } = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, ...(o.labels ? { labels: o.labels } : {}), ...(o.owner ? { ownerReferences: [{ apiVersion: 'istio.alibabacloud.com/v1beta1', kind: o.owner, name, uid: 'u', controller: true }] } : {}) },
  spec: {
    selector: { matchLabels: o.podLabels ?? { app: name } },
    template: { metadata: { labels: o.podLabels ?? { app: name }, ...(o.podAnnotations ? { annotations: o.podAnnotations } : {}) }, spec: { containers: [{ name: 'discovery', image: o.image ?? 'pause' }] } },
  },
});
const pod = (ns: string, name: string, labels: Record<string, string>, rev?: string, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels, ...(rev ? { annotations: { 'istio.io/rev': rev, 'sidecar.istio.io/status': JSON.stringify({ revision: rev }) } } : {}) },
  spec: { containers: [{ name: 'app' }, ...(rev ? [{ name: 'istio-proxy' }] : [])] },
  status: { phase },
});
const service = (ns: string, name: string, selector: Record<string, string>, o: { type?: string; annotations?: Record<string, string>; ip?: string } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns, ...(o.annotations ? { annotations: o.annotations } : {}) },
  spec: { selector, ...(o.type ? { type: o.type } : {}) },
  ...(o.ip ? { status: { loadBalancer: { ingress: [{ ip: o.ip }] } } } : {}),
});
const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const crd = (name: string, kind: string): KubeObject => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name }, spec: { group: name.split('.').slice(1).join('.'), names: { kind } } });

const GW_LABELS = { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' };

/** Two revisions in one cluster: `old` (source, tag `prod`, serves istio-injection) and `new` (target). */
function cluster(): ResidueObjects {
  return {
    mutatingWebhooks: [injector('istio-sidecar-injector-old', 'old', { istioInjection: true }), injector('istio-revision-tag-prod', 'old', { tag: 'prod' }), injector('istio-sidecar-injector-new', 'new')],
    validatingWebhooks: [validator('istio-validator-old-istio-system', 'old'), validator('istio-validator-new-istio-system', 'new')],
    deployments: [
      deployment('istio-system', 'istiod-old', { labels: { app: 'istiod', 'istio.io/rev': 'old' }, image: 'docker.io/istio/pilot:1.18.5-distroless' }),
      deployment('istio-system', 'istiod-new', { labels: { app: 'istiod', 'istio.io/rev': 'new' }, image: 'docker.io/istio/pilot:1.24.1' }),
      // A gateway whose pods the source injected, and one already moved to the target.
      deployment('gw', 'ingress-old', { podLabels: GW_LABELS, podAnnotations: { 'inject.istio.io/templates': 'gateway' } }),
      deployment('gw2', 'ingress-new', { podLabels: { istio: 'ingress-new', 'sidecar.istio.io/inject': 'true', 'istio.io/rev': 'new' } }),
      // Not a gateway.
      deployment('shop', 'cart', { podLabels: { app: 'cart' } }),
    ],
    services: [
      service('gw', 'ingress-old', { istio: 'ingressgateway' }, { type: 'LoadBalancer', ip: '203.0.113.9', annotations: { 'service.kubernetes.io/tke-existed-lbid': 'lb-123', 'example.com/secret-ish': 'do-not-copy' } }),
      service('gw', 'unrelated', { app: 'other' }),
      service('gw2', 'ingress-new', { istio: 'ingress-new' }),
    ],
    pods: [pod('gw', 'ingress-old-1', GW_LABELS, 'old'), pod('gw2', 'ingress-new-1', { istio: 'ingress-new' }, 'new'), pod('legacy', 'a', { app: 'a' }, 'old'), pod('legacy', 'b', { app: 'b' }, 'old', 'Succeeded'), pod('shop', 'cart-1', { app: 'cart' }, 'new')],
    namespaces: [namespace('legacy', { 'istio-injection': 'enabled', team: 'x' }), namespace('shop', { 'istio.io/rev': 'new' }), namespace('plain'), namespace('gw')],
    crds: [{ crd: crd('virtualservices.networking.istio.io', 'VirtualService'), count: 4 }],
  };
}

describe('residueFromObjects', () => {
  it('InPlace scope: only the source revision, its tag, its istiod (with the image version), its gateway and its Service', () => {
    const snap = residueFromObjects(cluster(), { revisions: ['old'], context: 'prod' });
    expect(snap.context).toBe('prod');
    expect(snap.controlPlanes.map((c) => [c.revision, c.injectorConfigs, c.tags, c.servesIstioInjection, c.validators.map((v) => v.configName)])).toEqual([['old', ['istio-sidecar-injector-old'], ['prod'], true, ['istio-validator-old-istio-system']]]);
    expect(snap.istiods).toEqual([{ namespace: 'istio-system', name: 'istiod-old', revision: 'old', version: '1.18.5' }]);
    expect(snap.gateways).toEqual([
      {
        namespace: 'gw',
        name: 'ingress-old',
        revision: 'old',
        services: [{ namespace: 'gw', name: 'ingress-old', type: 'LoadBalancer', addresses: ['203.0.113.9'], loadBalancerBindings: [{ key: 'service.kubernetes.io/tke-existed-lbid', value: 'lb-123' }] }],
      },
    ]);
    expect(snap.crds).toEqual([{ name: 'virtualservices.networking.istio.io', kind: 'VirtualService', count: 4 }]);
  });

  it('namespaces carry only the two opt-in labels and the running pods the source injected', () => {
    const snap = residueFromObjects(cluster(), { revisions: ['old'] });
    expect(snap.namespaces).toEqual([
      { name: 'legacy', labels: { 'istio-injection': 'enabled' }, injectedPods: 1 },
      { name: 'shop', labels: { 'istio.io/rev': 'new' } },
    ]);
    expect(JSON.stringify(snap)).not.toContain('do-not-copy');
    expect(JSON.stringify(snap)).not.toContain('team');
  });

  it('a gateway without running pods is placed by its template label, then its namespace label (a tag resolves to its revision)', () => {
    const objs = cluster();
    objs.pods = [];
    objs.deployments = [deployment('gw', 'by-tag', { podLabels: { istio: 'a', 'sidecar.istio.io/inject': 'true', 'istio.io/rev': 'prod' } }), deployment('legacy', 'by-ns', { podLabels: { istio: 'b', 'sidecar.istio.io/inject': 'true' } })];
    expect(residueFromObjects(objs, { revisions: ['old'] }).gateways.map((g) => [g.name, g.revision])).toEqual([
      ['by-tag', 'old'],
      ['by-ns', 'old'],
    ]);
    expect(residueFromObjects(objs, { revisions: ['new'] }).gateways).toEqual([]);
  });

  it('CrossCluster scope (all): every control plane and gateway of the source cluster; an IstioGateway-owned gateway is the vendor\'s', () => {
    const objs = cluster();
    objs.deployments = [...objs.deployments, deployment('gw', 'asm-gw', { podLabels: { istio: 'asm', 'sidecar.istio.io/inject': 'true' }, owner: 'IstioGateway' })];
    const snap = residueFromObjects(objs, { revisions: 'all' });
    expect(snap.controlPlanes.map((c) => c.revision)).toEqual(['new', 'old']);
    expect(snap.istiods.map((i) => i.name)).toEqual(['istiod-old', 'istiod-new']);
    expect(snap.gateways.map((g) => [g.name, g.vendorManaged ?? false])).toEqual([
      ['ingress-old', false],
      ['ingress-new', false],
      ['asm-gw', true],
    ]);
    expect(snap.namespaces.find((n) => n.name === 'shop')?.injectedPods).toBe(1);
  });
});

describe('istioVersionOf', () => {
  it.each([
    ['docker.io/istio/pilot:1.18.5', '1.18.5'],
    ['gcr.io/istio-release/pilot:1.24.1-distroless', '1.24.1'],
    ['registry.local:5000/istio/pilot:1.20.3', '1.20.3'],
    ['registry.local:5000/istio/pilot', undefined],
    ['docker.io/istio/pilot:latest', undefined],
    ['docker.io/istio/pilot@sha256:abcdef', undefined],
    ['docker.io/istio/pilot:1.18', undefined],
  ])('%s → %s', (image, version) => {
    expect(istioVersionOf(image)).toBe(version);
  });
});

describe('decommissionSourceOf and residueScopeOf', () => {
  const base: MeshMigrationSpec = { mode: 'InPlace', target: { revision: 'new' }, waves: [] };
  const snap = residueFromObjects(cluster(), { revisions: ['old'] });
  it('InPlace: CRDs shared with the target, one revision, the istiod version', () => {
    expect(decommissionSourceOf(base, snap)).toEqual({ istioVersion: '1.18.5', crdsShared: true });
    expect(residueScopeOf(base, 'old', 'lab')).toEqual({ revisions: ['old'], context: 'lab' });
  });
  it('CrossCluster to other clusters: the whole source cluster, CRDs not shared, a managed vendor named', () => {
    const cross: MeshMigrationSpec = { mode: 'CrossCluster', source: { context: 'tcm', managed: 'tcm' }, target: { context: 'primary', revision: 'new', clusters: ['primary', 'remote'] }, waves: [] };
    expect(decommissionSourceOf(cross, snap)).toEqual({ istioVersion: '1.18.5', managed: 'tcm', crdsShared: false });
    expect(residueScopeOf(cross, 'old')).toEqual({ revisions: 'all' });
  });
  it('CrossCluster whose source cluster is also a target: shared, only the source revision', () => {
    const cross: MeshMigrationSpec = { mode: 'CrossCluster', source: { context: 'primary' }, target: { context: 'primary', revision: 'new' }, waves: [] };
    expect(decommissionSourceOf(cross, snap).crdsShared).toBe(true);
    expect(residueScopeOf(cross, 'old').revisions).toEqual(['old']);
  });
});
