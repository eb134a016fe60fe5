// Builds a remote secret from a live cluster: ensures the reader ServiceAccount, RBAC and token Secret (field manager meshferry).
import { ClusterError } from '../errors.js';
import type { Cluster } from '../kube/cluster.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import {
  readerClusterRole,
  readerClusterRoleBinding,
  readerServiceAccount,
  readerTokenSecret,
  READER_CLUSTER_ROLE,
  READER_SERVICE_ACCOUNT,
  READER_TOKEN_SECRET,
  remoteKubeconfig,
  remoteSecret,
  SA_NAME_ANNOTATION,
  SA_TOKEN_TYPE,
} from './remote-secret.js';
import { servedResource } from './served.js';
import { ISTIO_NAMESPACE } from './topology.js';

export interface RemoteSecretOptions {
  /** The cluster name istiod will know the remote by (the Secret's key and annotation). */
  name: string;
  /** API server URL the primary should use; default: the kubeconfig's server for this context. */
  server?: string;
  /** Progress notes; never receives secret data. */
  log?: (message: string) => void;
  /** How long to wait for the token controller, in polls of `pollMs`; default 60 × 500 ms. */
  polls?: number;
  pollMs?: number;
}

export interface RemoteSecretResult {
  secret: KubeObject;
  /** What was created because it was missing (kind/name), in order. */
  created: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function decode(data: unknown, key: string): string | undefined {
  if (!isPlainObject(data) || typeof data[key] !== 'string') return undefined;
  return Buffer.from(data[key], 'base64').toString('utf8');
}

/**
 * Reads (and where missing, creates) what the remote secret needs in `cluster`, then returns the Secret to
 * apply in the primary. Only missing objects are created; existing ones are never changed.
 */
export async function buildRemoteSecret(cluster: Cluster, opts: RemoteSecretOptions): Promise<RemoteSecretResult> {
  const client = cluster.client;
  const log = opts.log ?? (() => undefined);
  const created: string[] = [];
  const ensure = async (obj: KubeObject, exists: () => Promise<boolean>) => {
    if (await exists()) return;
    await client.apply(obj, { fieldManager: 'meshferry' });
    const what = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    created.push(what);
    log(`created ${what}`);
  };
  const namespaces = servedResource(cluster, '', 'v1', 'Namespace');
  const serviceAccounts = servedResource(cluster, '', 'v1', 'ServiceAccount');
  const secrets = servedResource(cluster, '', 'v1', 'Secret');
  const roles = servedResource(cluster, 'rbac.authorization.k8s.io', 'v1', 'ClusterRole');
  const bindings = servedResource(cluster, 'rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding');

  await ensure({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } }, async () => Boolean(await client.get(namespaces, undefined, ISTIO_NAMESPACE)));
  await ensure(readerServiceAccount(), async () => Boolean(await client.get(serviceAccounts, ISTIO_NAMESPACE, READER_SERVICE_ACCOUNT)));
  // Istio's own install binds the reader under a revisioned name too; any binding to the reader account will do.
  const bound = async () =>
    (await client.list(bindings)).some(
      (b) =>
        Array.isArray(b.subjects) &&
        b.subjects.some((s) => isPlainObject(s) && s.kind === 'ServiceAccount' && s.name === READER_SERVICE_ACCOUNT && s.namespace === ISTIO_NAMESPACE),
    );
  if (!(await bound())) {
    await ensure(readerClusterRole(), async () => Boolean(await client.get(roles, undefined, READER_CLUSTER_ROLE)));
    await ensure(readerClusterRoleBinding(), async () => Boolean(await client.get(bindings, undefined, READER_CLUSTER_ROLE)));
  }

  const tokenSecretName = await findTokenSecret(cluster, secrets);
  if (!tokenSecretName) await ensure(readerTokenSecret(), async () => false);
  const name = tokenSecretName ?? READER_TOKEN_SECRET;

  const polls = opts.polls ?? 60;
  for (let i = 0; ; i++) {
    const s = await client.get(secrets, ISTIO_NAMESPACE, name);
    const token = decode(s?.data, 'token');
    const ca = decode(s?.data, 'ca.crt') ?? cluster.connection.tls.ca?.toString('utf8');
    if (token && ca) {
      const kubeconfig = remoteKubeconfig({
        clusterName: opts.name,
        server: opts.server ?? cluster.connection.server,
        caPem: ca,
        token,
        ...(cluster.connection.tls.servername ? { tlsServerName: cluster.connection.tls.servername } : {}),
      });
      return { secret: remoteSecret(opts.name, kubeconfig), created };
    }
    if (i + 1 >= polls)
      throw new ClusterError(
        'TokenNotIssued',
        `Secret ${ISTIO_NAMESPACE}/${name} in context "${cluster.connection.contextName}" has no ${token ? 'ca.crt' : 'token'} yet; ` +
          'is the token controller (kube-controller-manager) running there?',
        { context: cluster.connection.contextName },
      );
    await sleep(opts.pollMs ?? 500);
  }
}

/** An existing service-account token Secret of the reader (ours first), or undefined. Reads metadata only. */
async function findTokenSecret(cluster: Cluster, secrets: ReturnType<typeof servedResource>): Promise<string | undefined> {
  const ours = await cluster.client.get(secrets, ISTIO_NAMESPACE, READER_TOKEN_SECRET);
  if (ours && ours.type === SA_TOKEN_TYPE) return READER_TOKEN_SECRET;
  const list = await cluster.client.list(secrets, { namespace: ISTIO_NAMESPACE, metadataOnly: true });
  for (const s of list) {
    if (s.metadata.annotations?.[SA_NAME_ANNOTATION] !== READER_SERVICE_ACCOUNT) continue;
    const full = await cluster.client.get(secrets, ISTIO_NAMESPACE, s.metadata.name);
    if (full?.type === SA_TOKEN_TYPE) return s.metadata.name;
  }
  return undefined;
}
