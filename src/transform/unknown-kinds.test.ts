// Kinds meshferry does not know pass through transform: rules that can match any object apply, the rest leave them alone.
import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../resources/object.js';
import { ResourceSet } from '../resources/resource-set.js';
import { applyRules } from './apply.js';
import { compileRules } from './compile-rules.js';
import type { Rule, TransformRules } from './types.js';

// Built in code: the reader accepts unknown kinds in a parallel change.
const OBJECTS: KubeObject[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop', labels: { tier: 'web', 'maistra.io/member-of': 'x' } }, spec: { rules: [{ host: 'web.shop.global' }] } },
  { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'shop', annotations: { 'example.com/owner': 'ops' } }, spec: { schedule: '0 1 * * *' } },
  { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop', labels: { tier: 'web' } }, spec: { size: 3 } },
  { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', metadata: { name: 'primary', namespace: 'istio-system' }, spec: { profile: 'default', revision: '1-18-5' } },
  { apiVersion: 'example.com/v1', kind: 'Dial', metadata: { name: 'global' }, spec: { on: true } },
];

const rules = (...list: Rule[]): TransformRules => ({ apiVersion: 'meshferry.dev/v1alpha1', kind: 'TransformRules', metadata: { name: 't' }, rules: list });
const run = (...list: Rule[]) => applyRules(ResourceSet.of(structuredClone(OBJECTS)), rules(...list));
const byKind = (objects: KubeObject[], kind: string) => objects.find((o) => o.kind === kind);

describe('unknown kinds', () => {
  test('rules that change nothing in them pass them through unchanged', () => {
    const result = run({ setRevision: { to: '1-31-1' } }, { upgradeApiVersion: { to: 'v1' } }, { renameGatewaySelector: { from: { istio: 'a' }, to: { istio: 'b' } } });
    expect(result.set.objects()).toEqual(expect.arrayContaining(OBJECTS));
    expect(result.changes).toEqual([]);
  });

  test('drop by kind name (Kind or Kind.group), namespace and labels', () => {
    const result = run({ drop: { kinds: ['Ingress', 'Widget.example.com'] } }, { drop: { namespaces: ['istio-system'] } });
    expect(result.set.objects().map((o) => o.kind).sort()).toEqual(['CronJob', 'Dial']);
    const labelled = run({ drop: { labelSelector: 'tier=web' } });
    expect(labelled.set.objects().map((o) => o.kind).sort()).toEqual(['CronJob', 'Dial', 'IstioOperator']);
  });

  test('patch, removeLabels, removeAnnotations and mapNamespace on metadata.namespace apply', () => {
    const result = run(
      { patch: { match: { kind: 'CronJob', name: 'nightly' }, jsonPatch: [{ op: 'replace', path: '/spec/schedule', value: '0 2 * * *' }] } },
      { removeLabels: { presets: ['ossm'] } },
      { removeAnnotations: { keys: ['example.com/*'] } },
      { mapNamespace: { from: 'shop', to: 'shop-v2' } },
      { mapHost: { fromSuffix: '.global', toSuffix: '.example.com' } },
    );
    const out = result.set.objects();
    expect(byKind(out, 'CronJob')).toEqual({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'shop-v2' }, spec: { schedule: '0 2 * * *' } });
    expect(byKind(out, 'Ingress')).toEqual({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop-v2', labels: { tier: 'web' } }, spec: { rules: [{ host: 'web.shop.example.com' }] } });
    expect(byKind(out, 'Widget')?.metadata.namespace).toBe('shop-v2');
    expect(byKind(out, 'Dial')).toEqual(OBJECTS[4]);
  });

  test('a misspelt known kind is still an error with a suggestion; a lowercase unknown word too', () => {
    expect(() => compileRules(rules({ drop: { kinds: ['VirtualServce'] } }))).toThrow(/unknown kind "VirtualServce" \(did you mean VirtualService\?\)/);
    expect(() => compileRules(rules({ drop: { kinds: ['ingresses'] } }))).toThrow(/unknown kind "ingresses".*write a kind meshferry does not know by its Kind name, such as Ingress or Ingress\.networking\.k8s\.io/);
  });
});
