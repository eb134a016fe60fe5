// The workload index: pods, pod templates and WorkloadEntries, selected by labels per namespace.
import { describe, expect, it } from 'vitest';
import { ResourceSet } from '../resources/resource-set.js';
import { parseResources } from '../resources/yaml-read.js';
import { WorkloadIndex, selectorString } from './workloads.js';

const yaml = `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a, labels: {app: web, version: v1}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: a}
spec: {template: {metadata: {labels: {app: web, version: v2}}}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm, namespace: b}
spec: {address: 10.0.0.1, labels: {app: legacy}}
`;
const index = new WorkloadIndex(new ResourceSet(parseResources(yaml, 'w.yaml').resources).list());

describe('WorkloadIndex', () => {
  it.each([
    [{ app: 'web' }, undefined, ['p', 'd']],
    [{ app: 'web', version: 'v2' }, 'a', ['d']],
    [{ app: 'web' }, 'b', []],
    [{ app: 'legacy' }, undefined, ['vm']],
    [{}, 'b', ['vm']],
    [{ app: 'none' }, undefined, []],
  ] as const)('select(%j, %s)', (selector, ns, want) => {
    expect(index.select(selector, ns).map((w) => w.resource.object.metadata.name).sort()).toEqual([...want].sort());
  });

  it('knows which namespaces hold workloads', () => {
    expect(index.knownIn('a')).toBe(true);
    expect(index.knownIn('c')).toBe(false);
    expect(new WorkloadIndex([]).any()).toBe(false);
  });

  it('prints selectors the way Kubernetes does', () => {
    expect(selectorString({ version: 'v1', app: 'web' })).toBe('app=web,version=v1');
  });
});
