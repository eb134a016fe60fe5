// -n/--namespace and -A/--all-namespaces on commands that read files: kubectl's filter, stated on stderr.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, hasStackTrace, runCli } from '../../test/support/cli.js';
import { ResourceSet } from '../resources/resource-set.js';
import type { KubeObject } from '../resources/object.js';
import { findingNamespace } from './analyze/index.js';
import { inNamespaces, keepNamespaces, selectedNamespaces } from './namespace-flags.js';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
});

const MIXED = [
  obj('v1', 'Namespace', 'a'),
  obj('v1', 'ConfigMap', 'in-a', 'a'),
  obj('v1', 'ConfigMap', 'in-b', 'b'),
  obj('networking.istio.io/v1', 'VirtualService', 'vs-b', 'b'),
  obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
  // A cluster-scoped kind with a stray namespace is still cluster-scoped (the registry knows its scope).
  obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'stray', 'b'),
  obj('v1', 'ConfigMap', 'unplaced'),
];

describe('namespace selection', () => {
  it('keeps selected namespaces, cluster-scoped objects and objects that name no namespace', () => {
    const kept = keepNamespaces(ResourceSet.of(MIXED), ['a']).objects().map((o) => o.metadata.name).sort();
    expect(kept).toEqual(['a', 'in-a', 'reader', 'stray', 'unplaced']);
  });

  it('no -n keeps everything; -A with -n is a usage error', () => {
    const set = ResourceSet.of(MIXED);
    expect(keepNamespaces(set, selectedNamespaces({}))).toBe(set);
    expect(keepNamespaces(set, selectedNamespaces({ allNamespaces: true }))).toBe(set);
    expect(() => selectedNamespaces({ allNamespaces: true, namespace: ['a'] })).toThrow(/exclude each other/);
  });

  it.each([
    { object: obj('v1', 'ConfigMap', 'x', 'b'), namespaces: ['a', 'b'], want: true },
    { object: obj('v1', 'ConfigMap', 'x', 'c'), namespaces: ['a', 'b'], want: false },
    { object: obj('v1', 'Namespace', 'c'), namespaces: ['a'], want: true },
  ])('inNamespaces($object.metadata.name in $object.metadata.namespace, $namespaces) = $want', ({ object, namespaces, want }) => {
    expect(inNamespaces(object, namespaces)).toBe(want);
  });

  it.each([
    { origin: 'VirtualService shop/cart', want: 'shop' },
    { origin: 'Namespace shop', want: 'shop' },
    { origin: 'ClusterRole reader', want: undefined },
    { origin: '', want: undefined },
  ])('findingNamespace("$origin") = $want', ({ origin, want }) => {
    expect(findingNamespace(origin)).toBe(want);
  });
});

describe('-n on the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mf-ns-'));
  const file = path.join(dir, 'mixed.yaml');
  writeFileSync(file, MIXED.map((o) => `---\n${JSON.stringify(o)}\n`).join(''));

  it('neat -n a leaves out the objects of namespace b and says how many', () => {
    const res = runCli(['neat', file, '-n', 'a', '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const names = (JSON.parse(res.stdout) as { items: KubeObject[] }).items.map((o) => o.metadata.name).sort();
    expect(names).toEqual(['a', 'in-a', 'reader', 'stray', 'unplaced']);
    expect(res.stderr).toContain('neat: left out 2 of 7 object(s) in namespaces other than a (-n)');
  });

  it('-n naming a namespace no object is in warns, as kubectl says "No resources found"', () => {
    const res = runCli(['neat', file, '-n', 'nosuch', '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('neat: no object of the input is in namespace nosuch (-n)');
    expect(runCli(['neat', file, '-n', 'a', '-o', 'json']).stderr).not.toContain('no object of the input');
  });

  it('-n is repeatable and comma-separated; -A keeps everything', () => {
    const both = runCli(['neat', file, '-n', 'a,b', '-o', 'json']);
    const repeated = runCli(['neat', file, '-n', 'a', '--namespace', 'b', '-o', 'json']);
    const all = runCli(['neat', file, '-A', '-o', 'json']);
    expect(both.stdout).toBe(all.stdout);
    expect(repeated.stdout).toBe(all.stdout);
    expect((JSON.parse(all.stdout) as { items: unknown[] }).items).toHaveLength(7);
  });

  it('-A with -n is a usage error before anything is read', () => {
    const res = runCli(['transform', '/nonexistent', '-r', path.join(REPO_ROOT, 'examples/tcm-to-istio.rules.yaml'), '-A', '-n', 'a']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('-A/--all-namespaces and -n/--namespace exclude each other');
    expect(hasStackTrace(res.stderr)).toBe(false);
  });

  it('analyze -n reports only findings in that namespace, while still reading everything', () => {
    const twoNs = path.join(dir, 'two-ns.yaml');
    // Each VirtualService names a Gateway that does not exist; the one in a also names b/gw, which exists in
    // namespace b: under -n a that reference must still resolve, because every object read stays in the analysis.
    const vs = (ns: string, gateways: string[]) => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: ${ns}}
spec:
  hosts: [svc.${ns}.svc.cluster.local]
  gateways: [${gateways.join(', ')}]
  http:
  - route:
    - destination: {host: svc.${ns}.svc.cluster.local}
`;
    const gw = `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: b}
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ['*']
`;
    writeFileSync(twoNs, vs('a', ['b/gw', 'missing-a']) + vs('b', ['missing-b']) + gw);
    const all = runCli(['analyze', twoNs, '-o', 'json']);
    const onlyA = runCli(['analyze', twoNs, '-o', 'json', '-n', 'a']);
    type Row = { name: string; origin: string; message: string };
    const notFound = (out: string) => (JSON.parse(out) as Row[]).filter((f) => f.name === 'ReferencedResourceNotFound').map((f) => `${f.origin}: ${f.message}`);
    expect(notFound(all.stdout)).toEqual(expect.arrayContaining([expect.stringMatching(/^VirtualService a\/vs: .*missing-a/), expect.stringMatching(/^VirtualService b\/vs: .*missing-b/)]));
    expect(notFound(onlyA.stdout)).toEqual([expect.stringMatching(/^VirtualService a\/vs: .*missing-a/)]);
    expect(onlyA.stderr).toMatch(/analyze: left out \d+ finding\(s\) on objects in namespaces other than a \(-n\)/);
    expect(all.code).toBe(1);
    expect(onlyA.code).toBe(1);
    // Only the selected namespace can fail the run: with -n b the error in a does not count, and b's does.
    const onlyB = runCli(['analyze', twoNs, '-o', 'json', '-n', 'b']);
    expect(notFound(onlyB.stdout)).toEqual([expect.stringMatching(/^VirtualService b\/vs: .*missing-b/)]);
  });
});
