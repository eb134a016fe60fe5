// The applyRules engine: purity, determinism, sources kept, collisions, patch failures and Secret safety.
import { describe, expect, test } from 'vitest';
import { ExitCode, MeshferryError } from '../errors.js';
import { ResourceSet } from '../resources/resource-set.js';
import { parseResources } from '../resources/yaml-read.js';
import { serializeStream } from '../resources/yaml-write.js';
import { applyRules } from './apply.js';
import { parseTransformRules } from './load-rules.js';

const HEAD = 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: t}\n';
const INPUT = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/rev: 1-18-5}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec:
  hosts: [cart.shop.global]
  http: [{route: [{destination: {host: cart.shop.global}}], timeout: 10s}]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: cart, namespace: shop-v2}
spec:
  hosts: [cart]
---
apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: shop}
type: kubernetes.io/tls
data: {tls.key: c2VjcmV0}
`;

function inputSet(): ResourceSet {
  const parsed = parseResources(INPUT, 'in.yaml');
  expect(parsed.problems).toEqual([]);
  return new ResourceSet(parsed.resources);
}

function errorOf(fn: () => unknown): MeshferryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MeshferryError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('applyRules', () => {
  test('never changes its input', () => {
    const set = inputSet();
    const before = serializeStream(set.objects());
    const { rules, locate } = parseTransformRules(`${HEAD}rules:\n- setRevision: {to: 1-31-1}\n- mapHost: {fromSuffix: .global, toSuffix: .svc.cluster.local}\n- drop: {kinds: [Secret]}\n`, 'r.yaml');
    const result = applyRules(set, rules, { locate });
    expect(serializeStream(set.objects())).toBe(before);
    expect(set.size).toBe(4);
    expect(result.set.size).toBe(3);
  });

  test('the same input gives byte-identical output and the same report', () => {
    const { rules } = parseTransformRules(`${HEAD}rules:\n- setRevision: {to: 1-31-1}\n- upgradeApiVersion: {to: v1}\n- mapHost: {fromSuffix: .global, toSuffix: .svc.cluster.local}\n`, 'r.yaml');
    const a = applyRules(inputSet(), rules);
    const b = applyRules(inputSet(), rules);
    expect(serializeStream(b.set.objects())).toBe(serializeStream(a.set.objects()));
    expect(JSON.stringify(b.changes)).toBe(JSON.stringify(a.changes));
    expect(JSON.stringify(b.notes)).toBe(JSON.stringify(a.notes));
  });

  test('keeps each object source, so later steps still point at the input file', () => {
    const { rules } = parseTransformRules(`${HEAD}rules:\n- upgradeApiVersion: {to: v1}\n`, 'r.yaml');
    const result = applyRules(inputSet(), rules);
    const vs = result.set.ofKind('VirtualService').find((r) => r.object.metadata.namespace === 'shop');
    expect(vs?.source?.file).toBe('in.yaml');
    expect(vs?.source?.line).toBe(6);
  });

  test('two objects renamed into one identity is an error naming the rule', () => {
    const { rules, locate } = parseTransformRules(`${HEAD}rules:\n- setRevision: {to: 1-31-1}\n- mapNamespace: {from: shop-v2, to: shop}\n`, 'r.yaml');
    const err = errorOf(() => applyRules(inputSet(), rules, { locate, file: 'r.yaml' }));
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toMatch(/rule 2 \(mapNamespace\) makes two objects the same/);
    expect(err.message).toMatch(/r\.yaml:6:3: VirtualService shop\/cart would come from both in\.yaml:6 and in\.yaml:13; the output would lose one of them/);
  });

  test('a patch that cannot be applied is an input error naming rule, operation and object', () => {
    const text = `${HEAD}rules:\n- patch:\n    match: {kind: VirtualService}\n    jsonPatch:\n    - {op: replace, path: /spec/http/0/timeout, value: 5s}\n`;
    const { rules, locate } = parseTransformRules(text, 'r.yaml');
    const err = errorOf(() => applyRules(inputSet(), rules, { locate, file: 'r.yaml' }));
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toMatch(/r\.yaml:8:7: operation 1 \(replace \/spec\/http\/0\/timeout\) cannot be applied to VirtualService shop-v2\/cart \(in\.yaml:13\): there is no value at \/spec\/http, so nothing at \/spec\/http\/0\/timeout to replace \(add creates a value\) \(at rules\[0\]\.patch\.jsonPatch\[0\]\)/);
  });

  test('a failed test operation says what it found', () => {
    const { rules } = parseTransformRules(`${HEAD}rules:\n- patch:\n    match: {kind: vs, namespace: shop}\n    jsonPatch: [{op: test, path: /spec/http/0/timeout, value: 3s}]\n`, 'r.yaml');
    expect(() => applyRules(inputSet(), rules)).toThrow(/VirtualService shop\/cart \(in\.yaml:6\): the test failed: expected "3s", found "10s"/);
  });

  test('a patch never writes Secret data', () => {
    const { rules } = parseTransformRules(`${HEAD}rules:\n- patch:\n    match: {kind: Secret}\n    jsonPatch: [{op: add, path: /data, value: {k: dg==}}]\n`, 'r.yaml');
    expect(() => applyRules(inputSet(), rules)).toThrow(/touches Secret shop\/tls outside \/metadata; meshferry never reads or writes Secret data/);
  });

  test('Secret data read from a file never reaches the output or the report', () => {
    const { rules } = parseTransformRules(`${HEAD}rules:\n- removeLabels: {keys: [x]}\n`, 'r.yaml');
    const result = applyRules(inputSet(), rules);
    expect(serializeStream(result.set.objects())).not.toContain('c2VjcmV0');
    expect(JSON.stringify(result)).not.toContain('c2VjcmV0');
  });

  test('a rule that matches nothing says so', () => {
    const { rules } = parseTransformRules(`${HEAD}rules:\n- drop: {kinds: [EnvoyFilter]}\n`, 'r.yaml');
    expect(applyRules(inputSet(), rules).notes).toEqual([{ level: 'INFO', rule: 1, type: 'drop', message: 'matched no object' }]);
  });

  test('invalid rules given to the library directly are rejected with field paths', () => {
    const rules = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TransformRules', metadata: { name: 't' }, rules: [{ dorp: { kinds: ['vs'] } }] } as never;
    expect(() => applyRules(inputSet(), rules)).toThrow(/unknown rule "dorp" \(did you mean drop\?\).*\(at rules\[0\]\.dorp\)/);
  });
});
