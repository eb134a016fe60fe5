import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import { controlPlanesFrom, injectorWebhooks } from './control-planes.js';
import { compareRoots, type ControlPlaneRoots } from './roots.js';
import { rolloutVerdict } from './workloads.js';
import { selectorVerdict, withLabelChange } from './webhook-selectors.js';

// The injector configurations Istio's chart renders (istio-discovery templates/mutatingwebhook.yaml), and a revision
// tag (revision-tags-mwc.yaml), reduced to what selection reads.
const rules = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }];
const notDisabled = { key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] };
function revisionEntries(rev: string, legacy: boolean): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [
    {
      name: 'rev.namespace.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: [rev] }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
      objectSelector: { matchExpressions: [notDisabled] },
    },
    {
      name: 'rev.object.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
      objectSelector: { matchExpressions: [notDisabled, { key: 'istio.io/rev', operator: 'In', values: [rev] }] },
    },
  ];
  if (legacy)
    entries.push(
      { name: 'namespace.sidecar-injector.istio.io', namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }] }, objectSelector: { matchExpressions: [notDisabled] } },
      {
        name: 'object.sidecar-injector.istio.io',
        namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'DoesNotExist' }, { key: 'istio.io/rev', operator: 'DoesNotExist' }] },
        objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'In', values: ['true'] }, { key: 'istio.io/rev', operator: 'DoesNotExist' }] },
      },
    );
  return entries.map((e) => ({ ...e, rules, clientConfig: { service: { namespace: 'istio-system', name: rev === 'default' ? 'istiod' : `istiod-${rev}`, path: '/inject' } } }));
}
const mwc = (name: string, labels: Record<string, string>, webhooks: unknown[]): KubeObject => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name, labels }, webhooks });
const defaultMwc = mwc('istio-sidecar-injector', { 'istio.io/rev': 'default', app: 'sidecar-injector' }, revisionEntries('default', true));
const canaryMwc = mwc('istio-sidecar-injector-canary', { 'istio.io/rev': 'canary', app: 'sidecar-injector' }, revisionEntries('canary', false));
// `istioctl tag set prod --revision canary`: the tag's entries select istio.io/rev=prod and point at canary.
const prodTag = mwc('istio-revision-tag-prod', { 'istio.io/rev': 'canary', 'istio.io/tag': 'prod' }, revisionEntries('prod', false));
const neutralised = (m: KubeObject): KubeObject => ({
  ...m,
  webhooks: (m.webhooks as Record<string, unknown>[]).map((w) => ({ ...w, namespaceSelector: { matchLabels: { 'istio.io/deactivated': 'never-match' } }, objectSelector: { matchLabels: { 'istio.io/deactivated': 'never-match' } } })),
});
const defaultTagToCanary = mwc('istio-revision-tag-default', { 'istio.io/rev': 'canary', 'istio.io/tag': 'default' }, revisionEntries('default', true));

const hooks = (...configs: KubeObject[]) => configs.flatMap(injectorWebhooks);

describe('selectorVerdict: which revision injects a pod, from the chart\'s selectors', () => {
  const all = hooks(defaultMwc, canaryMwc, prodTag);
  it.each([
    ['istio-injection=enabled → default', { 'istio-injection': 'enabled' }, {}, 'default', { kind: 'injected', revision: 'default' }],
    ['istio-injection wins over istio.io/rev', { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }, {}, 'canary', { kind: 'other', revisions: ['default'] }],
    ['istio.io/rev=canary → canary', { 'istio.io/rev': 'canary' }, {}, 'canary', { kind: 'injected', revision: 'canary' }],
    ['a tag routes to its revision', { 'istio.io/rev': 'prod' }, {}, 'canary', { kind: 'injected', revision: 'canary' }],
    ['no labels → nobody', {}, {}, 'canary', { kind: 'not-injected' }],
    ['pod label istio.io/rev works in an unlabelled namespace', {}, { 'istio.io/rev': 'canary' }, 'canary', { kind: 'injected', revision: 'canary' }],
    ['pod label istio.io/rev is ignored when the namespace has istio-injection', { 'istio-injection': 'enabled' }, { 'istio.io/rev': 'canary' }, 'canary', { kind: 'other', revisions: ['default'] }],
    ['pod label istio.io/rev is ignored when the namespace has istio.io/rev', { 'istio.io/rev': 'default' }, { 'istio.io/rev': 'canary' }, 'canary', { kind: 'other', revisions: ['default'] }],
    ['sidecar.istio.io/inject=false opts a pod out', { 'istio.io/rev': 'canary' }, { 'sidecar.istio.io/inject': 'false' }, 'canary', { kind: 'not-injected' }],
    ['sidecar.istio.io/inject=true alone → the legacy default', {}, { 'sidecar.istio.io/inject': 'true' }, 'default', { kind: 'injected', revision: 'default' }],
    ['unknown revision label → nobody', { 'istio.io/rev': 'gone' }, {}, 'canary', { kind: 'not-injected' }],
  ])('%s', (_name, nsLabels, podLabels, rev, want) => {
    expect(selectorVerdict(all, nsLabels, podLabels, rev)).toMatchObject(want);
  });

  it('the opt-in is evaluated before it is made: relabelling istio-injection=enabled to istio.io/rev=canary moves the namespace', () => {
    const now = { 'istio-injection': 'enabled', 'kubernetes.io/metadata.name': 'shop' };
    const after = withLabelChange(now, { 'istio-injection': null, 'istio.io/rev': 'canary' });
    expect(after).toEqual({ 'istio.io/rev': 'canary', 'kubernetes.io/metadata.name': 'shop' });
    expect(selectorVerdict(all, now, {}, 'canary')).toMatchObject({ kind: 'other', revisions: ['default'] });
    expect(selectorVerdict(all, after, {}, 'canary')).toMatchObject({ kind: 'injected', revision: 'canary' });
  });

  it('neutralised entries never match, and the default tag makes istio-injection=enabled mean its revision', () => {
    const moved = hooks(neutralised(defaultMwc), canaryMwc, defaultTagToCanary);
    expect(selectorVerdict(moved, { 'istio-injection': 'enabled' }, {}, 'canary')).toMatchObject({ kind: 'injected', revision: 'canary' });
  });
});

describe('controlPlanesFrom', () => {
  it('groups injector, tag and validator webhooks by revision and says who answers istio-injection=enabled', () => {
    const vwc = (name: string, rev: string, svc: string): KubeObject => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name, labels: { 'istio.io/rev': rev } },
      webhooks: [{ name: 'rev.validation.istio.io', failurePolicy: 'Fail', clientConfig: { service: { namespace: 'istio-system', name: svc, path: '/validate' } } }],
    });
    const other = mwc('cert-manager-webhook', { app: 'webhook' }, [{ name: 'x', rules }]);
    const found = controlPlanesFrom(
      [neutralised(defaultMwc), canaryMwc, prodTag, defaultTagToCanary, other],
      [vwc('istio-validator-istio-system', 'default', 'istiod'), vwc('istio-validator-canary-istio-system', 'canary', 'istiod-canary'), vwc('istiod-default-validator', 'canary', 'istiod-canary')],
    );
    const byRev = Object.fromEntries(found.controlPlanes.map((c) => [c.revision, c]));
    expect(Object.keys(byRev)).toEqual(['canary', 'default']);
    expect(byRev.canary).toMatchObject({
      injectorConfigs: ['istio-sidecar-injector-canary'],
      tags: ['default', 'prod'],
      servesIstioInjection: true,
      isDefault: true,
      neutralised: [],
      systemNamespace: 'istio-system',
    });
    expect(byRev.canary?.validators.map((v) => v.configName).sort()).toEqual(['istio-validator-canary-istio-system', 'istiod-default-validator']);
    expect(byRev.default).toMatchObject({ injectorConfigs: ['istio-sidecar-injector'], tags: [], servesIstioInjection: false, isDefault: false, webhooks: [] });
    expect(byRev.default?.neutralised).toHaveLength(4);
    expect(byRev.default?.validators.map((v) => v.configName)).toEqual(['istio-validator-istio-system']);
  });
});

describe('compareRoots', () => {
  const roots = (revision: string, fps: string[], source: 'injector-caBundle' | 'istio-ca-root-cert' = 'injector-caBundle'): ControlPlaneRoots => ({
    revision,
    evidence: fps.length ? [{ source, where: `MutatingWebhookConfiguration istio-sidecar-injector-${revision}`, certificates: fps.map((f) => ({ fingerprint: f, subject: `O=${f}`, notAfter: '2030-01-01T00:00:00.000Z' })) }] : [],
  });
  it.each([
    ['same root', roots('a', ['AA']), roots('b', ['AA']), true, /same root/],
    ['a rotation bundle shares one root', roots('a', ['AA', 'BB']), roots('b', ['BB']), true, /same root/],
    ['different roots', roots('a', ['AA']), roots('b', ['CC']), false, /different roots.*revision a: O=AA.*caBundle of MutatingWebhookConfiguration istio-sidecar-injector-a.*revision b: O=CC/],
    ['no root found', roots('a', ['AA']), roots('b', []), false, /cannot find the root certificate of revision b/],
  ])('%s', (_n, a, b, trusted, message) => {
    const got = compareRoots(a, b);
    expect(got.trusted).toBe(trusted);
    expect(got.message).toMatch(message);
  });
});

describe('rolloutVerdict (kubectl rollout status)', () => {
  const dep = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 2): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart', generation }, spec, status });
  const ref = { kind: 'Deployment' as const, namespace: 'shop', name: 'cart' };
  it.each([
    ['not observed', dep({ replicas: 3 }, { observedGeneration: 1 }), false, /spec update to be observed/],
    ['updating', dep({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 1, replicas: 4 }), false, /1 out of 3 new replicas have been updated/],
    ['old pending', dep({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 3, replicas: 4 }), false, /1 old replicas are pending termination/],
    ['unavailable', dep({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 }), false, /2 of 3 updated replicas are available/],
    ['done', dep({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }), true, /successfully rolled out/],
  ])('%s', (_n, obj, done, message) => {
    const v = rolloutVerdict(ref, obj);
    expect(v.done).toBe(done);
    expect(v.message).toMatch(message);
  });
  it('a progress deadline is a failure', () => {
    expect(rolloutVerdict(ref, dep({ replicas: 1 }, { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }))).toMatchObject({ done: false, failed: true });
  });
  it('an OnDelete StatefulSet is done only when every pod is at the update revision', () => {
    const sts = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', generation: 1 }, spec: { replicas: 2, updateStrategy: { type: 'OnDelete' } }, status: { observedGeneration: 1, readyReplicas: 2, ...status } });
    const r = { kind: 'StatefulSet' as const, namespace: 'shop', name: 'db' };
    expect(rolloutVerdict(r, sts({ currentRevision: 'a', updateRevision: 'b', updatedReplicas: 1 })).done).toBe(false);
    // The controller never moves currentRevision for OnDelete: updatedReplicas says it.
    expect(rolloutVerdict(r, sts({ currentRevision: 'a', updateRevision: 'b', updatedReplicas: 2 })).done).toBe(true);
  });
});
