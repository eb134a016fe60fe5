// The remote secret's shape (what istiod's multicluster controller reads) and the reader RBAC; pure builders.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readerClusterRole, readerClusterRoleBinding, readerTokenSecret, remoteKubeconfig, remoteSecret } from './remote-secret.js';

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
