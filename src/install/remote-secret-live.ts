// Builds a remote secret from a live cluster: plans the reader ServiceAccount, RBAC and token Secret it lacks, creates them (field manager meshferry), and waits for the token.
import { ClusterError, ExitCode, MeshferryError } from '../errors.js';
import { sanitizeTerminalText } from '../terminal-text.js';
import type { Cluster } from '../kube/cluster.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import {
  missingReaderAccess,
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
  withoutUserinfo,
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

/** What the remote-secret code reads and writes of a cluster: a connected Cluster, or any ObjectClient's parts. */
export type RemoteCluster = Pick<Cluster, 'connection' | 'discovery' | 'client'>;

/** What the remote lacks for the remote secret, planned without writing. */
export interface ReaderPlan {
  /** The objects to create, in the order they must be created (Namespace, ServiceAccount, ClusterRole, binding, token Secret). */
  missing: KubeObject[];
  /** The reader token Secret the kubeconfig's token comes from: an existing one, or the one `missing` creates. */
  tokenSecret: string;
}

/** `Kind namespace/name`, as `created` lists it. */
export function describeObject(obj: KubeObject): string {
  return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
}

/**
 * Reads `cluster` and plans the reader objects it lacks, writing nothing. A reader already bound to a role that
 * cannot read what istiod watches is refused here (exit 1), so a refusal leaves the cluster as it was.
 */
export async function planReaderObjects(cluster: RemoteCluster): Promise<ReaderPlan> {
  const client = cluster.client;
  const missing: KubeObject[] = [];
  const namespaces = servedResource(cluster, '', 'v1', 'Namespace');
  const serviceAccounts = servedResource(cluster, '', 'v1', 'ServiceAccount');
  const secrets = servedResource(cluster, '', 'v1', 'Secret');
  const roles = servedResource(cluster, 'rbac.authorization.k8s.io', 'v1', 'ClusterRole');
  const bindings = servedResource(cluster, 'rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding');

  // Istio's own install binds the reader under a revisioned name too, so any binding to the reader account may
  // do, but only if the role it grants lets istiod read what it watches: one that does not is refused, not trusted.
  const existing = (await client.list(bindings)).filter(
    (b) =>
      Array.isArray(b.subjects) &&
      b.subjects.some((s) => isPlainObject(s) && s.kind === 'ServiceAccount' && s.name === READER_SERVICE_ACCOUNT && s.namespace === ISTIO_NAMESPACE),
  );
  if (existing.length > 0) {
    const verdicts = await Promise.all(existing.map((b) => bindingVerdict(b, (name) => client.get(roles, undefined, name))));
    if (!verdicts.some((v) => v === undefined)) {
      const context = cluster.connection.contextName;
      throw new MeshferryError(
        'ReaderRoleInsufficient',
        sanitizeTerminalText(
          `context "${context}": ServiceAccount ${ISTIO_NAMESPACE}/${READER_SERVICE_ACCOUNT} is bound, but no binding grants what istiod needs to read there: ` +
            `${verdicts.join('; ')}. Bind it to a ClusterRole like Istio's istio-reader-clusterrole (delete the binding and run again to have meshferry ` +
            `create ${READER_CLUSTER_ROLE}), or add the missing rules.`,
        ),
        { exitCode: ExitCode.findings },
      );
    }
  }

  if (!(await client.get(namespaces, undefined, ISTIO_NAMESPACE))) missing.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } });
  if (!(await client.get(serviceAccounts, ISTIO_NAMESPACE, READER_SERVICE_ACCOUNT))) missing.push(readerServiceAccount());
  if (existing.length === 0) {
    if (!(await client.get(roles, undefined, READER_CLUSTER_ROLE))) missing.push(readerClusterRole());
    if (!(await client.get(bindings, undefined, READER_CLUSTER_ROLE))) missing.push(readerClusterRoleBinding());
  }
  const tokenSecretName = await findTokenSecret(cluster, secrets);
  if (!tokenSecretName) missing.push(readerTokenSecret());
  return { missing, tokenSecret: tokenSecretName ?? READER_TOKEN_SECRET };
}

/**
 * Waits until the token controller has filled the reader token Secret `tokenSecret`, then returns the Secret to
 * apply in the primary. Reads only; the token stays in the returned object and nowhere else.
 */
export async function awaitRemoteSecret(cluster: RemoteCluster, opts: RemoteSecretOptions, tokenSecret: string): Promise<KubeObject> {
  const client = cluster.client;
  const log = opts.log ?? (() => undefined);
  const secrets = servedResource(cluster, '', 'v1', 'Secret');
  const polls = opts.polls ?? 60;
  for (let i = 0; ; i++) {
    const s = await client.get(secrets, ISTIO_NAMESPACE, tokenSecret);
    const token = decode(s?.data, 'token');
    const ca = decode(s?.data, 'ca.crt') ?? cluster.connection.tls.ca?.toString('utf8');
    if (token && ca) {
      const server = withoutUserinfo(opts.server ?? cluster.connection.server);
      if (server.stripped) log('left user:password@ out of the server URL in the remote kubeconfig (it authenticates with the reader token)');
      const kubeconfig = remoteKubeconfig({
        clusterName: opts.name,
        server: server.server,
        caPem: ca,
        token,
        ...(cluster.connection.tls.servername ? { tlsServerName: cluster.connection.tls.servername } : {}),
      });
      return remoteSecret(opts.name, kubeconfig);
    }
    if (i + 1 >= polls)
      throw new ClusterError(
        'TokenNotIssued',
        `Secret ${ISTIO_NAMESPACE}/${tokenSecret} in context "${cluster.connection.contextName}" has no ${token ? 'ca.crt' : 'token'} yet; ` +
          'is the token controller (kube-controller-manager) running there?',
        { context: cluster.connection.contextName },
      );
    await sleep(opts.pollMs ?? 500);
  }
}

/**
 * Reads (and where missing, creates) what the remote secret needs in `cluster`, then returns the Secret to
 * apply in the primary. Only missing objects are created; existing ones are never changed.
 */
export async function buildRemoteSecret(cluster: RemoteCluster, opts: RemoteSecretOptions): Promise<RemoteSecretResult> {
  const log = opts.log ?? (() => undefined);
  const plan = await planReaderObjects(cluster);
  const created: string[] = [];
  for (const obj of plan.missing) {
    await cluster.client.apply(obj, { fieldManager: 'meshferry' });
    const what = describeObject(obj);
    created.push(what);
    log(`created ${what}`);
  }
  return { secret: await awaitRemoteSecret(cluster, opts, plan.tokenSecret), created };
}

/** Why a ClusterRoleBinding does not give the reader enough (one sentence), or undefined when it does. */
async function bindingVerdict(binding: KubeObject, readRole: (name: string) => Promise<KubeObject | undefined>): Promise<string | undefined> {
  const name = `ClusterRoleBinding ${binding.metadata.name}`;
  const ref = binding.roleRef;
  if (!isPlainObject(ref) || ref.kind !== 'ClusterRole' || ref.apiGroup !== 'rbac.authorization.k8s.io' || typeof ref.name !== 'string')
    return `${name} does not refer to a ClusterRole`;
  const role = await readRole(ref.name);
  if (!role) return `${name} refers to ClusterRole ${ref.name}, which does not exist`;
  const missing = missingReaderAccess(role.rules);
  return missing.length > 0 ? `${name} grants ClusterRole ${ref.name}, which lacks ${missing.join(', ')}` : undefined;
}

/** An existing service-account token Secret of the reader (ours first), or undefined. Reads metadata only. */
async function findTokenSecret(cluster: RemoteCluster, secrets: ReturnType<typeof servedResource>): Promise<string | undefined> {
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
