// CrossCluster Prepare: the remote secrets that make each remote cluster known to the primary's istiod, observed in home and created (journaled, create-only) when missing.
import { parse } from 'yaml';
import { ClusterError, InputError } from '../../errors.js';
import { awaitRemoteSecret, describeObject, planReaderObjects, type RemoteCluster } from '../../install/remote-secret-live.js';
import { CLUSTER_ANNOTATION, MULTICLUSTER_LABEL, READER_TOKEN_SECRET, remoteSecretName, SA_TOKEN_TYPE, withoutUserinfo } from '../../install/remote-secret.js';
import { ISTIO_NAMESPACE } from '../../install/topology.js';
import type { JournalEntry, JournalTarget } from '../../journal/journal.js';
import type { SecretDigest } from '../../journal/secret-digest.js';
import { KubeApiError } from '../../kube/errors.js';
import { FIELD_MANAGER, type ObjectClient } from '../../kube/object-client.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { isSecret } from '../../resources/secrets.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { journaledWrites, STEP, type ActContext, type BatchWrite } from '../act.js';
import type { MigrationClusters } from '../clusters.js';
import type { MeshMigrationSpec } from '../spec.js';
import type { TargetState } from '../target-state.js';
import type { CreatedResult } from './entries.js';

/*
 * Facts from istio/istio (1.31, Go module cache):
 * - istiod watches Secrets in its own namespace with label `istio/multiCluster=true` only
 *   (pkg/kube/multicluster/secretcontroller.go: MultiClusterSecretLabel, the kclient filter in NewController).
 * - It takes every data key of such a Secret as a cluster ID and its value as that cluster's kubeconfig; a cluster ID
 *   another Secret registered first is ignored ("cluster has already been registered", addRemoteConfig).
 * - The annotation `networking.istio.io/cluster` is istioctl's (istioctl/pkg/multicluster/options.go
 *   clusterNameAnnotationKey, set by remote_secret.go createRemoteServiceAccountSecret); istiod does not read it.
 */

/** What home shows for one remote's secret. */
export interface RemoteSecretObservation {
  /** The remote's kubeconfig context (spec.target.clusters entry), which is also the cluster ID istiod learns. */
  cluster: string;
  /**
   * present: istiod will know the cluster by that name at the remote's API server; missing: no such Secret;
   * differs: a Secret exists that meshferry did not make for this (someone else's): named, never overwritten.
   */
  state: 'present' | 'missing' | 'differs';
  /** One sentence; never a value of the Secret's data (a foreign kubeconfig's server is not quoted either). */
  detail: string;
}

/** The remote clusters of a CrossCluster spec: every target.clusters entry other than home (spec.target.context). */
export function remoteClustersOf(spec: MeshMigrationSpec, homeContext: string): string[] {
  const home = spec.target.context ?? homeContext;
  return [...new Set(spec.target.clusters ?? [])].filter((c) => c !== home);
}

/** A label-selected Secret in home that names a cluster among its data keys (keys only: values stay unread). */
export interface RegisteringSecret {
  name: string;
  keys: string[];
}

/**
 * The verdict on one remote's secret, from what home holds: the Secret named for it (or undefined), the other
 * multicluster Secrets' names and keys, and the server the primary should use for the remote. Pure.
 */
export function remoteSecretVerdict(cluster: string, server: string, secret: KubeObject | undefined, others: readonly RegisteringSecret[]): RemoteSecretObservation {
  const name = `Secret ${ISTIO_NAMESPACE}/${remoteSecretName(cluster)}`;
  const say = (state: RemoteSecretObservation['state'], detail: string): RemoteSecretObservation => ({ cluster, state, detail: sanitizeTerminalText(detail, { oneLine: true }) });
  const rival = others.find((o) => o.name !== remoteSecretName(cluster) && o.keys.includes(cluster));
  // istiod keeps the first Secret to register a cluster ID, so a rival makes ours useless whatever it holds.
  if (rival) return say('differs', `Secret ${ISTIO_NAMESPACE}/${rival.name} already registers cluster "${cluster}" with istiod (label ${MULTICLUSTER_LABEL}=true); meshferry leaves it alone`);
  if (!secret) return say('missing', `${name} does not exist`);
  const problems: string[] = [];
  if (secret.metadata.labels?.[MULTICLUSTER_LABEL] !== 'true') problems.push(`it lacks label ${MULTICLUSTER_LABEL}=true, so istiod ignores it`);
  const annotated = secret.metadata.annotations?.[CLUSTER_ANNOTATION];
  if (annotated !== cluster) problems.push(annotated === undefined ? `it has no annotation ${CLUSTER_ANNOTATION}` : `its annotation ${CLUSTER_ANNOTATION} names cluster "${annotated}"`);
  const kubeconfig = dataValue(secret, cluster);
  if (kubeconfig === undefined) problems.push(`it holds no kubeconfig under key "${cluster}" (istiod takes each key as a cluster ID)`);
  else {
    const theirs = kubeconfigServer(kubeconfig);
    if (theirs === undefined) problems.push(`its kubeconfig for "${cluster}" names no server meshferry can read`);
    else if (withoutUserinfo(theirs).server !== withoutUserinfo(server).server) problems.push(`its kubeconfig points at another API server than ${withoutUserinfo(server).server}`);
  }
  if (problems.length > 0) return say('differs', `${name} exists, but ${problems.join('; ')}; meshferry leaves it alone`);
  return say('present', `${name} registers cluster "${cluster}" at ${withoutUserinfo(server).server}`);
}

/** One data value as text (`data` base64, or `stringData`), kept in memory only. */
function dataValue(secret: KubeObject, key: string): string | undefined {
  if (isPlainObject(secret.stringData) && typeof secret.stringData[key] === 'string') return secret.stringData[key];
  if (isPlainObject(secret.data) && typeof secret.data[key] === 'string') return Buffer.from(secret.data[key], 'base64').toString('utf8');
  return undefined;
}

/** The server of a kubeconfig's current context (or of its only cluster), or undefined when it names none. */
export function kubeconfigServer(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(doc)) return undefined;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter(isPlainObject) : []);
  const clusters = list(doc.clusters);
  const context = list(doc.contexts).find((c) => c.name === doc['current-context']);
  const clusterName = isPlainObject(context?.context) ? context.context.cluster : clusters.length === 1 ? clusters[0]!.name : undefined;
  const entry = clusters.find((c) => c.name === clusterName);
  return isPlainObject(entry?.cluster) && typeof entry.cluster.server === 'string' ? entry.cluster.server : undefined;
}

/** The Secrets of the home istio namespace istiod watches, by name and data keys. Their values are never kept. */
async function multiclusterSecrets(home: ObjectClient): Promise<{ byName: Map<string, KubeObject>; keys: RegisteringSecret[] }> {
  const res = home.discovery.resourceFor('', 'Secret');
  if (!res) throw new ClusterError('NotServed', `context "${home.transport.contextName}" does not serve Secrets`, { context: home.transport.contextName });
  const items = await home.list(res, { namespace: ISTIO_NAMESPACE, labelSelector: `${MULTICLUSTER_LABEL}=true` });
  return {
    byName: new Map(items.map((s) => [s.metadata.name, s])),
    keys: items.map((s) => ({ name: s.metadata.name, keys: [...Object.keys(isPlainObject(s.data) ? s.data : {}), ...Object.keys(isPlainObject(s.stringData) ? s.stringData : {})] })),
  };
}

async function remoteOf(clusters: MigrationClusters, cluster: string): Promise<RemoteCluster> {
  const client = await clusters.clientFor(cluster, `remote cluster "${cluster}"`);
  if (client === clusters.home) throw new InputError(`"${cluster}" is the home cluster (spec.target.context), not a remote: it needs no remote secret`, { code: 'RemoteIsHome' });
  return { connection: client.transport.connection, discovery: client.discovery, client };
}

/** The verdict for one remote, reading home (the Secret, even one without the label) and the remote's server. */
async function observeOne(clusters: MigrationClusters, cluster: string, found: Awaited<ReturnType<typeof multiclusterSecrets>>, server?: string): Promise<RemoteSecretObservation> {
  const remote = await remoteOf(clusters, cluster);
  const res = clusters.home.discovery.resourceFor('', 'Secret')!;
  // An unlabelled Secret of that name is not in the labelled list, but it is still someone else's: named, not replaced.
  const secret = found.byName.get(remoteSecretName(cluster)) ?? (await clusters.home.get(res, ISTIO_NAMESPACE, remoteSecretName(cluster)));
  return remoteSecretVerdict(cluster, server ?? remote.connection.server, secret, found.keys);
}

/**
 * Per remote of the spec (target.clusters other than home): does home hold `istio-system/istio-remote-secret-<c>`
 * that istiod reads as cluster `<c>` at the remote's API server? The Secrets' data is read into memory and no further.
 */
export async function observeRemoteSecrets(ctx: { clusters: MigrationClusters; spec: MeshMigrationSpec }): Promise<RemoteSecretObservation[]> {
  const found = await multiclusterSecrets(ctx.clusters.home);
  const out: RemoteSecretObservation[] = [];
  for (const cluster of remoteClustersOf(ctx.spec, ctx.clusters.homeContext)) out.push(await observeOne(ctx.clusters, cluster, found));
  return out;
}

/** What ensureRemoteSecret did. Names only (`Kind ns/name in context "c"`), never data. */
export interface EnsureRemoteSecretResult {
  /** Objects meshferry created, each with a done journal entry, in order. */
  created: string[];
  /** Objects that were in the way (someone else's), with why: untouched. */
  leftAlone: string[];
  /** An interrupted create of meshferry's found on the cluster and recorded now (see adoptInterruptedToken). */
  recorded: string[];
}

export interface EnsureRemoteSecretOptions {
  /** API server URL the primary should use for the remote; default: the kubeconfig's server of its context. */
  server?: string;
  /** Polls of the token controller (default 60 × 500 ms, as `install remote-secret`). */
  polls?: number;
  pollMs?: number;
}

/** A Secret name must be a DNS subdomain, and a data key [-._a-zA-Z0-9]+ (k8s.io/apimachinery validation). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Makes remote `cluster` known to the primary: creates the reader objects the remote lacks (each journaled
 * `xc.created` in the remote's context, create-only), waits for the reader token, then creates
 * `istio-system/istio-remote-secret-<cluster>` in home (journaled `xc.remoteSecret` by digest, create-only).
 * A Secret already in home (ours or someone else's) is never written: the call then journals nothing, and names
 * someone else's. A second call journals nothing.
 */
export async function ensureRemoteSecret(ctx: Pick<ActContext, 'clusters' | 'journal' | 'secretDigest'>, cluster: string, opts: EnsureRemoteSecretOptions = {}): Promise<EnsureRemoteSecretResult> {
  if (!DNS_SUBDOMAIN.test(remoteSecretName(cluster)) || remoteSecretName(cluster).length > 253)
    throw new InputError(`spec.target.clusters entry "${sanitizeTerminalText(cluster, { oneLine: true })}" cannot name a remote secret: Secret ${remoteSecretName(cluster)} must be a DNS subdomain (lower-case letters, digits, '-' and '.')`, { code: 'RemoteSecretName' });
  const digest = ctx.secretDigest;
  if (!digest) throw new TypeError('ensureRemoteSecret needs the migration\'s Secret digest key: the remote secret is journaled by digest');
  // journaledWrites reads only clusters, journal and secretDigest of its context (act.ts); its parameter type is the whole ActContext.
  const access = ctx as ActContext;
  const out: EnsureRemoteSecretResult = { created: [], leftAlone: [], recorded: [] };
  const found = await multiclusterSecrets(ctx.clusters.home);
  const seen = await observeOne(ctx.clusters, cluster, found, opts.server);
  if (seen.state === 'differs') out.leftAlone.push(seen.detail);
  if (seen.state !== 'missing') return out;

  const remote = await remoteOf(ctx.clusters, cluster);
  const plan = await planReaderObjects(remote);
  // Created in dependency order: the namespace, then the account and its RBAC, then the token (the token
  // controller deletes a token Secret whose ServiceAccount does not exist yet: k8s.io/kubernetes
  // pkg/controller/serviceaccount/tokens_controller.go syncSecret).
  const phases = [plan.missing.filter((o) => o.kind === 'Namespace'), plan.missing.filter((o) => o.kind !== 'Namespace' && o.kind !== 'Secret'), plan.missing.filter((o) => o.kind === 'Secret')];
  for (const phase of phases) {
    if (phase.length === 0) continue;
    const items = await Promise.all(phase.map((obj) => createItem(STEP.created, remote.client, obj, cluster, digest)));
    await record(access, items, out);
  }
  if (!plan.missing.some((o) => isSecret(o))) {
    const adopted = await adoptInterruptedToken(ctx, remote, cluster, plan.tokenSecret, digest);
    if (adopted) out.recorded.push(adopted);
  }

  const secret = await awaitRemoteSecret(remote, { name: cluster, ...opts }, plan.tokenSecret);
  const item = await createItem(STEP.remoteSecret, ctx.clusters.home, secret, undefined, digest);
  await record(access, [item], out);
  return out;
}

/** The journal target of an object, in `context` (undefined: home). */
function targetOf(obj: KubeObject, context: string | undefined): JournalTarget {
  return { apiVersion: obj.apiVersion, kind: obj.kind, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name, ...(context === undefined ? {} : { context }) };
}

/**
 * One create-only write: intent `{object}` for the reader's account and RBAC (stateHolds settles it by what it
 * sets), `{secretDigest}` for a Secret (the only form the journal takes for one, secret-entry.ts). The write is a
 * POST, so an object someone else made meanwhile is a 409 and never changed.
 */
async function createItem(step: string, client: ObjectClient, obj: KubeObject, context: string | undefined, digest: SecretDigest): Promise<BatchWrite> {
  const state: TargetState = isSecret(obj) ? { secretDigest: await digest.of(obj) } : { object: obj };
  return {
    step,
    target: targetOf(obj, context),
    state,
    before: { object: null },
    write: async () => {
      const res = await client.create(obj, { fieldManager: FIELD_MANAGER });
      const result: CreatedResult = { uid: String(res.object.metadata.uid ?? ''), resourceVersion: String(res.object.metadata.resourceVersion ?? ''), created: res.status === 201 };
      return result;
    },
  };
}

/** Runs a batch, naming what it created and what someone else made first (409); any other refusal stops the call. */
async function record(access: ActContext, items: BatchWrite[], out: EnsureRemoteSecretResult): Promise<void> {
  const what = (t: JournalTarget) => `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}${t.context ? ` in context "${t.context}"` : ''}`;
  let outcome;
  try {
    outcome = await journaledWrites(access, items);
  } catch (err) {
    throw secretSafe(err, items);
  }
  for (const w of outcome.written) out.created.push(sanitizeTerminalText(what(w.item.target), { oneLine: true }));
  for (const r of outcome.refused) {
    if (r.error.status === 409) out.leftAlone.push(sanitizeTerminalText(`${what(r.item.target)}: created by someone else meanwhile; meshferry leaves it alone`, { oneLine: true }));
    else throw secretSafe(r.error, [r.item]);
  }
}

/**
 * An API error about a Secret write keeps only its status and reason: a server's message about a Secret may quote
 * what was sent (the reader token inside the kubeconfig). Other errors pass unchanged.
 */
/** A server error about a batch with a Secret in it, reduced to its status and reason: a validation message may quote what was sent. */
export function secretSafe(err: unknown, items: readonly BatchWrite[]): unknown {
  if (!(err instanceof KubeApiError) || !items.some((i) => isSecret(i.target))) return err;
  return new KubeApiError(err.status, err.reason, `HTTP ${err.status} ${err.reason} writing ${items.map((i) => describeObject({ apiVersion: i.target.apiVersion, kind: i.target.kind, metadata: { name: i.target.name, ...(i.target.namespace ? { namespace: i.target.namespace } : {}) } })).join(', ')}`, {
    ...(err.context === undefined ? {} : { context: err.context }),
  });
}

/**
 * The entry of an interrupted create of `target` that resume could not settle: none of its `xc.created` entries is
 * done or pending, and the last failed without an answer from the server (a Secret's refusal is recorded as
 * `HTTP <status> <reason>`, act.ts writeErrorOutcome, and wrote nothing). Pure.
 *
 * Why: the token Secret is journaled by the digest of the data it is created with (none), but the token controller
 * fills `token`, `ca.crt` and `namespace` moments later, so once it has, stateHolds can never find that digest again
 * and resume settles the entry "not applied" although meshferry's Secret is there.
 */
export function interruptedCreate(entries: readonly JournalEntry[], target: JournalTarget): JournalEntry | undefined {
  const same = entries.filter(
    (e) => e.step === STEP.created && e.target && e.target.apiVersion === target.apiVersion && e.target.kind === target.kind && e.target.namespace === target.namespace && e.target.name === target.name && e.target.context === target.context,
  );
  const last = same.at(-1);
  if (!last || same.some((e) => e.state !== 'failed')) return undefined;
  const reason = isPlainObject(last.result) && typeof last.result.reason === 'string' ? last.result.reason : '';
  return reason.startsWith('HTTP ') ? undefined : last;
}

/**
 * Whether meshferry created this Secret: its field manager meshferry set `type`, which the API server lets no one
 * change after creation (k8s.io/kubernetes pkg/apis/core/validation/validation.go ValidateSecretUpdate), so only the creating
 * write set it. Pure.
 */
export function createdByMeshferry(live: KubeObject): boolean {
  const fields = Array.isArray(live.metadata.managedFields) ? live.metadata.managedFields.filter(isPlainObject) : [];
  return fields.some((f) => f.manager === FIELD_MANAGER && isPlainObject(f.fieldsV1) && 'f:type' in f.fieldsV1);
}

/**
 * Records meshferry's own reader token Secret whose create was interrupted and settled "not applied" (see
 * interruptedCreate): a done `xc.created` entry with the live uid, so rollback removes it by uid. Returns what it
 * recorded, or undefined when there is nothing to record.
 */
async function adoptInterruptedToken(ctx: Pick<ActContext, 'journal'>, remote: RemoteCluster, cluster: string, name: string, digest: SecretDigest): Promise<string | undefined> {
  if (name !== READER_TOKEN_SECRET) return undefined;
  const target: JournalTarget = { apiVersion: 'v1', kind: 'Secret', namespace: ISTIO_NAMESPACE, name, context: cluster };
  const interrupted = interruptedCreate(ctx.journal.entries(), target);
  if (!interrupted) return undefined;
  const res = remote.discovery.resourceAt('', 'v1', 'Secret')!;
  const live = await remote.client.get(res, ISTIO_NAMESPACE, name);
  if (!live || live.type !== SA_TOKEN_TYPE || !createdByMeshferry(live)) return undefined;
  const entry = await ctx.journal.begin(STEP.created, { target, before: { object: null }, intent: { state: { secretDigest: await digest.of(live) }, interrupted: interrupted.seq } });
  const result: CreatedResult = { uid: String(live.metadata.uid ?? ''), resourceVersion: String(live.metadata.resourceVersion ?? ''), created: true };
  await ctx.journal.finish(entry.seq, result);
  return sanitizeTerminalText(`Secret ${ISTIO_NAMESPACE}/${name} in context "${cluster}" (created by meshferry in journal entry ${interrupted.seq}, which was interrupted)`, { oneLine: true });
}
