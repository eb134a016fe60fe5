// The remote secret's shape (what istiod's multicluster controller reads) and the reader RBAC; pure builders.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { missingReaderAccess, readerClusterRole, readerClusterRoleBinding, readerTokenSecret, remoteKubeconfig, remoteSecret, withoutUserinfo } from './remote-secret.js';

describe('remoteSecret', () => {
  const kubeconfig = remoteKubeconfig({ clusterName: 'cls-remote', server: 'https://10.0.0.1:6443', caPem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n', token: 'tok' });

  it('is labelled, annotated and keyed by the cluster name', () => {
    expect(remoteSecret('cls-remote', kubeconfig)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'istio-remote-secret-cls-remote',
        namespace: 'istio-system',
        labels: { 'istio/multiCluster': 'true' },
        annotations: { 'networking.istio.io/cluster': 'cls-remote' },
      },
      stringData: { 'cls-remote': kubeconfig },
    });
  });

  it('carries a kubeconfig with one cluster, token user and context named after the cluster', () => {
    const k = parse(kubeconfig) as Record<string, unknown>;
    expect(k['current-context']).toBe('cls-remote');
    expect(k.clusters).toEqual([
      { name: 'cls-remote', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n').toString('base64') } },
    ]);
    expect(k.users).toEqual([{ name: 'cls-remote', user: { token: 'tok' } }]);
    expect(k.contexts).toEqual([{ name: 'cls-remote', context: { cluster: 'cls-remote', user: 'cls-remote' } }]);
  });
});

describe('reader RBAC', () => {
  it('grants only reads, apart from the reviews istiod needs to authenticate proxies', () => {
    for (const rule of readerClusterRole().rules as { apiGroups: string[]; verbs: string[] }[]) {
      const reviews = rule.apiGroups.includes('authentication.k8s.io') || rule.apiGroups.includes('authorization.k8s.io');
      expect(rule.verbs).toEqual(reviews ? ['create'] : ['get', 'list', 'watch']);
    }
  });
  it('binds the role to istio-system/istio-reader-service-account', () => {
    const b = readerClusterRoleBinding();
    expect(b.roleRef).toMatchObject({ kind: 'ClusterRole', name: readerClusterRole().metadata.name });
    expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'istio-reader-service-account', namespace: 'istio-system' }]);
  });
  it('asks the token controller for a token of that account', () => {
    expect(readerTokenSecret()).toMatchObject({ type: 'kubernetes.io/service-account-token', metadata: { annotations: { 'kubernetes.io/service-account.name': 'istio-reader-service-account' } } });
  });
});

describe('missingReaderAccess', () => {
  const read = ['get', 'list', 'watch'];
  it('finds nothing missing in the role meshferry creates', () => {
    expect(missingReaderAccess(readerClusterRole().rules)).toEqual([]);
  });
  it('finds nothing missing in a wildcard role (cluster-admin)', () => {
    expect(missingReaderAccess([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])).toEqual([]);
  });
  it("lists what Kubernetes' view role lacks: secrets, nodes, CRDs and the reviews", () => {
    const view = [
      { apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'namespaces', 'replicationcontrollers', 'configmaps'], verbs: read },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: read },
    ];
    expect(missingReaderAccess(view)).toEqual([
      'get, list, watch on istio.io config (networking.istio.io/*, security.istio.io/*, config.istio.io/*)',
      'get, list, watch on nodes',
      'get, list, watch on secrets',
      'get, list, watch on customresourcedefinitions.apiextensions.k8s.io',
      'create on tokenreviews.authentication.k8s.io',
      'create on subjectaccessreviews.authorization.k8s.io',
    ]);
  });
  it('counts a verb only where group, resource and verb meet in one rule', () => {
    const split = [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['secrets'], verbs: ['list', 'watch'] },
    ];
    expect(missingReaderAccess(split)).toContain('list, watch on secrets');
  });
  it('treats no rules (an aggregated role not filled yet, or garbage) as granting nothing', () => {
    expect(missingReaderAccess(undefined).length).toBe(missingReaderAccess([]).length);
    expect(missingReaderAccess('x').length).toBeGreaterThan(5);
  });
});

describe('server URLs in the remote kubeconfig', () => {
  it.each([
    ['https://alice:s3cret@10.0.0.1:6443', 'https://10.0.0.1:6443', true],
    ['https://token@api.example.com/path?x=1', 'https://api.example.com/path?x=1', true],
    ['https://a:b@c@[2001:db8::1]:6443', 'https://[2001:db8::1]:6443', true],
    ['https://10.0.0.1:6443', 'https://10.0.0.1:6443', false],
    ['https://api.example.com/x@y', 'https://api.example.com/x@y', false],
  ])('%s → %s', (input, want, stripped) => {
    expect(withoutUserinfo(input)).toEqual({ server: want, stripped });
  });
  it('never carries user:password@ into the kubeconfig', () => {
    const k = parse(remoteKubeconfig({ clusterName: 'c', server: 'https://alice:s3cret@10.0.0.1:6443', caPem: 'x', token: 't' })) as { clusters: { cluster: { server: string } }[] };
    expect(k.clusters[0]?.cluster.server).toBe('https://10.0.0.1:6443');
  });
});
