import { describe, expect, it } from 'vitest';
import { parseClusterFlag, resolveSideClusters } from './side-clusters.js';

describe('parseClusterFlag', () => {
  it.each([
    { raw: undefined, want: { from: 'Kubernetes', to: 'Kubernetes', client: 'Kubernetes' } },
    { raw: 'primary', want: { from: 'primary', to: 'primary', client: 'primary' } },
    { raw: 'from=tcm,to=remote', want: { from: 'tcm', to: 'remote', client: 'tcm' } },
    { raw: 'to=remote,from=tcm,client=edge', want: { from: 'tcm', to: 'remote', client: 'edge' } },
    { raw: 'from=cluster-1.a_b,to=Kubernetes', want: { from: 'cluster-1.a_b', to: 'Kubernetes', client: 'cluster-1.a_b' } },
  ])('$raw', ({ raw, want }) => {
    expect(parseClusterFlag(raw)).toEqual(want);
  });

  it.each([
    { raw: '', want: /"" is not a cluster id/ },
    { raw: 'from=tcm', want: /name both sides, e\.g\. --cluster from=tcm,to=remote/ },
    { raw: 'from=tcm,to=remote,side=x', want: /KEY from, to or client/ },
    { raw: 'from=tcm,from=x,to=y', want: /"from" is given twice/ },
    { raw: 'from=,to=remote', want: /"" is not a cluster id/ },
    { raw: 'from=a b,to=c', want: /"a b" is not a cluster id/ },
    { raw: 'tcm,remote', want: /"tcm,remote" is not a cluster id/ },
  ])('refuses $raw', ({ raw, want }) => {
    expect(() => parseClusterFlag(raw)).toThrow(want);
  });
});

describe('resolveSideClusters', () => {
  it.each([
    { cluster: undefined, want: { from: 'Kubernetes', to: 'Kubernetes', client: 'Kubernetes' } },
    { cluster: 'east', want: { from: 'east', to: 'east', client: 'east' } },
    { cluster: { from: 'tcm', to: 'remote' }, want: { from: 'tcm', to: 'remote', client: 'tcm' } },
    { cluster: { from: 'tcm', to: 'remote', client: 'c' }, want: { from: 'tcm', to: 'remote', client: 'c' } },
  ])('$cluster', ({ cluster, want }) => {
    expect(resolveSideClusters(cluster)).toEqual(want);
  });
});
