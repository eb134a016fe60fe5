// The remote secret istiod's multicluster controller reads, and the reader RBAC it relies on; pure builders.
import { redactUrl } from '../kube/redact-url.js';
import { stringify } from 'yaml';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { ISTIO_NAMESPACE } from './topology.js';

export const READER_SERVICE_ACCOUNT = 'istio-reader-service-account';
/** The names Istio's istiod chart gives the reader role and binding (non-revisioned, istio-system). */
export const READER_CLUSTER_ROLE = `istio-reader-clusterrole-${ISTIO_NAMESPACE}`;
/** The token Secret name istioctl create-remote-secret uses, so both tools find and reuse the same one. */
export const READER_TOKEN_SECRET = `${READER_SERVICE_ACCOUNT}-istio-remote-secret-token`;
export const MULTICLUSTER_LABEL = 'istio/multiCluster';
export const CLUSTER_ANNOTATION = 'networking.istio.io/cluster';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';

/** `istio-remote-secret-<name>`. */
export function remoteSecretName(clusterName: string): string {
  return `istio-remote-secret-${clusterName}`;
}

/** The reader ServiceAccount in istio-system. */
export function readerServiceAccount(): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: READER_SERVICE_ACCOUNT, namespace: ISTIO_NAMESPACE, labels: { app: 'istio-reader' } } };
}

/**
 * Read access to what istiod watches in a remote (Istio config, core objects, EndpointSlices, Gateway API, CRDs),
 * plus TokenReview/SubjectAccessReview creation, which istiod needs to authenticate the remote's proxies.
 */
export function readerClusterRole(): KubeObject {
  const read = ['get', 'list', 'watch'];
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: READER_CLUSTER_ROLE, labels: { app: 'istio-reader' } },
    rules: [
      {
        apiGroups: ['config.istio.io', 'security.istio.io', 'networking.istio.io', 'authentication.istio.io', 'rbac.istio.io', 'telemetry.istio.io', 'extensions.istio.io'],
        resources: ['*'],
        verbs: read,
      },
      { apiGroups: [''], resources: ['endpoints', 'pods', 'services', 'nodes', 'replicationcontrollers', 'namespaces', 'secrets', 'configmaps'], verbs: read },
      { apiGroups: ['networking.x-k8s.io', 'gateway.networking.k8s.io'], resources: ['gateways'], verbs: read },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: read },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
      { apiGroups: ['multicluster.x-k8s.io'], resources: ['serviceimports', 'serviceexports'], verbs: read },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: read },
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ],
  };
}

export function readerClusterRoleBinding(): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: READER_CLUSTER_ROLE, labels: { app: 'istio-reader' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: READER_CLUSTER_ROLE },
    subjects: [{ kind: 'ServiceAccount', name: READER_SERVICE_ACCOUNT, namespace: ISTIO_NAMESPACE }],
  };
}

/** A long-lived token Secret for the reader; the token controller fills in `token` and `ca.crt`. */
export function readerTokenSecret(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: READER_TOKEN_SECRET, namespace: ISTIO_NAMESPACE, annotations: { [SA_NAME_ANNOTATION]: READER_SERVICE_ACCOUNT } },
    type: SA_TOKEN_TYPE,
  };
}

/**
 * What istiod needs to read in a remote, as Istio's own istio-reader-clusterrole grants it (istio-discovery chart,
 * templates/reader-clusterrole.yaml): the rules every release since 1.x carries. Optional extras of newer releases
 * (Gateway API, ServiceImports, telemetry.istio.io, configmaps) are not required, so older Istio roles pass.
 */
export const READER_ACCESS: readonly { what: string; groups: readonly string[]; resources: readonly string[]; verbs: readonly string[] }[] = [
  { what: 'istio.io config (networking.istio.io/*, security.istio.io/*, config.istio.io/*)', groups: ['networking.istio.io', 'security.istio.io', 'config.istio.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
  { what: 'pods', groups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { what: 'services', groups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] },
  { what: 'endpoints', groups: [''], resources: ['endpoints'], verbs: ['get', 'list', 'watch'] },
  { what: 'namespaces', groups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
  { what: 'nodes', groups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  { what: 'secrets', groups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
  { what: 'endpointslices.discovery.k8s.io', groups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  { what: 'customresourcedefinitions.apiextensions.k8s.io', groups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
  { what: 'replicasets.apps', groups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
  { what: 'tokenreviews.authentication.k8s.io', groups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { what: 'subjectaccessreviews.authorization.k8s.io', groups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * What a ClusterRole's `rules` fail to grant of READER_ACCESS, one line per need ("list, watch on secrets").
 * A grant counts only when one rule names the group, the resource and the verb (or `*`), as RBAC evaluates it.
 */
export function missingReaderAccess(rules: unknown): string[] {
  const list = (Array.isArray(rules) ? rules : []).filter(isPlainObject);
  const allows = (group: string, resource: string, verb: string) =>
    list.some((r) => {
      const g = strings(r.apiGroups);
      const res = strings(r.resources);
      const v = strings(r.verbs);
      return (g.includes('*') || g.includes(group)) && (res.includes('*') || res.includes(resource)) && (v.includes('*') || v.includes(verb));
    });
  const out: string[] = [];
  for (const need of READER_ACCESS) {
    const missing = need.verbs.filter((verb) => !need.groups.every((g) => need.resources.every((res) => allows(g, res, verb))));
    if (missing.length > 0) out.push(`${missing.join(', ')} on ${need.what}`);
  }
  return out;
}

/**
 * The server URL without `user:password@`: the remote kubeconfig authenticates with the reader's token, and a
 * password in the URL must not travel to another cluster inside a Secret.
 */
export function withoutUserinfo(server: string): { server: string; stripped: boolean } {
  const redacted = redactUrl(server);
  return { server: redacted, stripped: redacted !== server };
}

export interface RemoteKubeconfigInput {
  clusterName: string;
  server: string;
  /** PEM of the CA that signed the API server's certificate. */
  caPem: string;
  token: string;
  tlsServerName?: string;
}

/** The kubeconfig istiod uses to reach the remote: one cluster, one token user, one context, all named after it. */
export function remoteKubeconfig(input: RemoteKubeconfigInput): string {
  const name = input.clusterName;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: withoutUserinfo(input.server).server,
          'certificate-authority-data': Buffer.from(input.caPem).toString('base64'),
          ...(input.tlsServerName ? { 'tls-server-name': input.tlsServerName } : {}),
        },
      },
    ],
    users: [{ name, user: { token: input.token } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
  };
  return stringify(config, { lineWidth: 0 });
}

/** The Secret itself: label istio/multiCluster=true, annotation networking.istio.io/cluster=<name>, stringData <name>: kubeconfig. */
export function remoteSecret(clusterName: string, kubeconfig: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: remoteSecretName(clusterName),
      namespace: ISTIO_NAMESPACE,
      labels: { [MULTICLUSTER_LABEL]: 'true' },
      annotations: { [CLUSTER_ANNOTATION]: clusterName },
    },
    stringData: { [clusterName]: kubeconfig },
  };
}
