// The small states a migration step changes and rollback restores (labels, a tag's webhooks, a restart stamp, a ProxyConfig, replicas, a Secret's digest), each in the cluster its target names. Read, write, compare.
import { ClusterError, ExitCode, MeshferryError } from '../errors.js';
import type { ServedResource } from '../kube/discovery.js';
import type { ObjectClient } from '../kube/object-client.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { RESTARTED_AT, workloadResource, type WorkloadKind } from './cluster/workloads.js';
import { recordsTarget, type JournalTarget } from '../journal/journal.js';
import type { SecretDigest } from '../journal/secret-digest.js';
import { isSecret, redactSecret } from '../resources/secrets.js';
import { describeTarget as describe, type MigrationClusters } from './clusters.js';
import { effectiveChange, type LabelChange } from './opt-in.js';
import { applyValidated } from '../kube/apply.js';
import { KubeApiError } from '../kube/errors.js';
import { mapLimit } from '../concurrency.js';
import { restorable, showsObject } from './config.js';

/** One recordable state of a target; a step's `before` and `intent` are each one of these. */
export type TargetState =
  | { labels: LabelChange }
  | { tag: { revision: string; clientConfigs: unknown[] } }
  | { restartedAt: string | null }
  | { proxyConfig: Record<string, unknown> | null }
  /** An imported config object: what the file sets (intent), or the whole prior object, null when absent (before). */
  | { object: KubeObject | null }
  /** A workload's spec.replicas (scale-down; absent in the object means 1, the API's default). */
  | { replicas: number }
  /** A Secret meshferry created: the digest of its data only (SecretDigest); its `before` is always `{object: null}`. */
  | { secretDigest: string };

/**
 * What reading and writing a target needs: the client of the cluster the target names, and the migration's
 * Secret digest key (only for `secretDigest` states).
 */
export interface StateAccess {
  clusters: MigrationClusters;
  secretDigest?: SecretDigest | undefined;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout']);
export const PROXY_CONFIG_GROUP = 'networking.istio.io';

function resourceOf(client: ObjectClient, t: JournalTarget): ServedResource {
  let r: ServedResource | undefined;
  if (WORKLOAD_KINDS.has(t.kind)) r = workloadResource(client, t.kind as WorkloadKind);
  else if (t.kind === 'Namespace') r = client.discovery.resourceFor('', 'Namespace');
  else if (t.kind === 'MutatingWebhookConfiguration') r = client.discovery.resourceFor('admissionregistration.k8s.io', t.kind);
  else if (t.kind === 'ProxyConfig') r = client.discovery.resourceFor(PROXY_CONFIG_GROUP, 'ProxyConfig');
  else r = client.resourceOf(t);
  if (!r) throw new ClusterError('NotServed', `the cluster does not serve ${t.kind}`, { context: client.transport.contextName });
  return r;
}

async function getTarget(client: ObjectClient, t: JournalTarget): Promise<KubeObject | undefined> {
  return client.get(resourceOf(client, t), t.namespace, t.name);
}

/** How many targets of one kind in one namespace a batch reads with one LIST instead of a GET each. */
const LIST_FROM = 8;

/** A target as its cluster holds it (undefined: absent), and the cluster's context name for errors. */
export interface ReadTarget {
  obj: KubeObject | undefined;
  context: string;
}

/**
 * Reads a batch's targets, in order: one LIST per kind and namespace where the batch holds at least LIST_FROM of
 * them (hundreds of imported objects were two GETs each), a GET for the rest. Secrets are always read one by one:
 * a LIST would fetch every other Secret's data in the namespace. A LIST the user may not make falls back to GETs.
 */
export async function readTargets(access: StateAccess, targets: readonly JournalTarget[], reads = 16): Promise<ReadTarget[]> {
  const clients = await Promise.all(targets.map((t) => access.clusters.clientOf(t)));
  const groups = new Map<string, number[]>();
  targets.forEach((t, i) => {
    const res = resourceOf(clients[i]!, t);
    // A namespaced target without its namespace is read alone (a GET answers "absent"), never matched across namespaces.
    if (isSecret(t) || (res.namespaced && !t.namespace)) return;
    const key = `${clients[i]!.transport.contextName}\0${res.group}/${res.version}/${res.plural}\0${res.namespaced ? t.namespace : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const out: (ReadTarget | undefined)[] = targets.map(() => undefined);
  const listed = [...groups.values()].filter((idx) => idx.length >= LIST_FROM);
  await mapLimit(listed, reads, async (idx) => {
    const first = targets[idx[0]!]!;
    const client = clients[idx[0]!]!;
    const res = resourceOf(client, first);
    const items = await client.list(res, res.namespaced && first.namespace ? { namespace: first.namespace } : {}).catch((err: unknown) => {
      if (err instanceof KubeApiError && err.isForbidden) return undefined;
      throw err;
    });
    if (!items) return;
    const byName = new Map(items.filter((o) => (res.namespaced ? o.metadata.namespace === first.namespace : true)).map((o) => [o.metadata.name, o]));
    for (const i of idx) out[i] = { obj: byName.get(targets[i]!.name), context: client.transport.contextName };
  });
  const rest = out.flatMap((r, i) => (r === undefined ? [i] : []));
  await mapLimit(rest, reads, async (i) => {
    const client = clients[i]!;
    out[i] = { obj: await getTarget(client, targets[i]!), context: client.transport.contextName };
  });
  return out as ReadTarget[];
}

function templateOf(obj: KubeObject): { labels: Record<string, string>; annotations: Record<string, string> } {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const meta = isPlainObject(spec.template) && isPlainObject(spec.template.metadata) ? spec.template.metadata : {};
  const strings = (v: unknown) => (isPlainObject(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {});
  return { labels: strings(meta.labels), annotations: strings(meta.annotations) };
}

/** The labels a target has: a Namespace's own, a workload's pod template's. */
function labelsOf(t: JournalTarget, obj: KubeObject): Record<string, string> {
  return WORKLOAD_KINDS.has(t.kind) ? templateOf(obj).labels : (obj.metadata.labels ?? {});
}

/**
 * Why `state` cannot belong to target `t` (a ProxyConfig state on a Deployment, say), or undefined when it can.
 * The journal is ConfigMaps others may write: without this, a forged entry's undo could delete any object its
 * target names (a null ProxyConfig deletes "the ProxyConfig", found by the target's kind).
 */
export function stateMismatch(t: JournalTarget, state: TargetState): string | undefined {
  const workload = WORKLOAD_KINDS.has(t.kind);
  const ok =
    'labels' in state ? workload || (t.kind === 'Namespace' && t.apiVersion === 'v1')
    : 'tag' in state ? t.kind === 'MutatingWebhookConfiguration' && t.apiVersion.startsWith('admissionregistration.k8s.io/')
    : 'restartedAt' in state ? workload
    : 'proxyConfig' in state ? t.kind === 'ProxyConfig' && t.apiVersion.startsWith(`${PROXY_CONFIG_GROUP}/`)
    : 'replicas' in state ? workload && t.kind !== 'DaemonSet'
    : 'secretDigest' in state ? isSecret(t)
    : 'object' in state ? state.object === null || recordsTarget(state.object, t)
    : false;
  return ok ? undefined : `a ${Object.keys(state)[0] ?? 'missing'} state does not belong to ${describe(t)}`;
}

/** Reads the target's current state in the shape of `like` (the keys of a label change, say), in the target's cluster. */
export async function readState(access: StateAccess, t: JournalTarget, like: TargetState): Promise<TargetState> {
  const client = await access.clusters.clientOf(t);
  return stateIn(access, t, like, await getTarget(client, t), client.transport.contextName);
}

/**
 * The target's state in the shape of `like`, from `obj` as the target's cluster holds it (undefined: absent), read by
 * the caller (one LIST for a batch, say). `context` names the cluster in errors.
 */
export async function stateIn(access: StateAccess, t: JournalTarget, like: TargetState, obj: KubeObject | undefined, context: string): Promise<TargetState> {
  // A Secret's data never leaves this function: the object form says only whether it exists.
  if ('object' in like) return { object: obj ? (isSecret(t) ? redactSecret(restorable(obj)) : restorable(obj)) : null };
  if ('proxyConfig' in like) return { proxyConfig: obj && isPlainObject(obj.spec) ? obj.spec : null };
  if (!obj) throw new ClusterError('TargetGone', `${describe(t)} does not exist`, { context });
  if ('labels' in like) {
    const labels = labelsOf(t, obj);
    return { labels: Object.fromEntries(Object.keys(like.labels).map((k) => [k, labels[k] ?? null])) };
  }
  if ('tag' in like) {
    const hooks = Array.isArray(obj.webhooks) ? obj.webhooks.filter(isPlainObject) : [];
    return { tag: { revision: obj.metadata.labels?.['istio.io/rev'] ?? '', clientConfigs: hooks.map((h) => h.clientConfig) } };
  }
  if ('replicas' in like) {
    // k8s.io/api apps/v1 types.go DeploymentSpec.Replicas: "Defaults to 1".
    return { replicas: isPlainObject(obj.spec) && typeof obj.spec.replicas === 'number' ? obj.spec.replicas : 1 };
  }
  if ('secretDigest' in like) {
    if (!isSecret(t)) throw new TypeError(`a secretDigest state belongs to a Secret, not ${describe(t)}`);
    return { secretDigest: await digestKey(access, t).of(obj) };
  }
  if (t.kind === 'Rollout') return { restartedAt: isPlainObject(obj.spec) && typeof obj.spec.restartAt === 'string' ? obj.spec.restartAt : null };
  return { restartedAt: templateOf(obj).annotations[RESTARTED_AT] ?? null };
}

function digestKey(access: StateAccess, t: JournalTarget): SecretDigest {
  if (!access.secretDigest) throw new TypeError(`${describe(t)} is recorded by digest, but no Secret digest key was given`);
  return access.secretDigest;
}

/** Whether the cluster shows `state` on the target (a pending step already applied; a restore already done). */
export async function stateHolds(access: StateAccess, t: JournalTarget, state: TargetState): Promise<boolean> {
  const client = await access.clusters.clientOf(t);
  return stateHoldsIn(access, t, state, await getTarget(client, t), client.transport.contextName);
}

/** stateHolds on `obj`, the target as its cluster holds it (undefined: absent), read by the caller. */
export async function stateHoldsIn(access: StateAccess, t: JournalTarget, state: TargetState, obj: KubeObject | undefined, context: string): Promise<boolean> {
  // A digest made with another machine's key cannot be compared: that is said, not taken for "changed".
  if ('secretDigest' in state) await digestKey(access, t).check(state.secretDigest, describe(t));
  const now = await stateIn(access, t, state, obj, context).catch((err: unknown) => {
    if (err instanceof ClusterError && err.code === 'TargetGone') return undefined;
    throw err;
  });
  if (!now) return false;
  if ('object' in state && 'object' in now) return state.object === null ? now.object === null : now.object !== null && showsObject(state.object, now.object);
  if ('labels' in state && 'labels' in now) return Object.entries(state.labels).every(([k, v]) => now.labels[k] === v);
  if ('tag' in state && 'tag' in now) return now.tag.revision === state.tag.revision && JSON.stringify(now.tag.clientConfigs) === JSON.stringify(state.tag.clientConfigs);
  if ('restartedAt' in state && 'restartedAt' in now) return now.restartedAt === state.restartedAt;
  if ('proxyConfig' in state && 'proxyConfig' in now) return JSON.stringify(now.proxyConfig) === JSON.stringify(state.proxyConfig);
  if ('replicas' in state && 'replicas' in now) return now.replicas === state.replicas;
  if ('secretDigest' in state && 'secretDigest' in now) return now.secretDigest === state.secretDigest;
  return false;
}

/** Makes the target show `state`, in the target's cluster. Idempotent. */
export async function writeState(access: StateAccess, t: JournalTarget, state: TargetState): Promise<void> {
  // A digest cannot be written back, and a Secret's data is never journaled to write it from.
  if ('secretDigest' in state) throw new MeshferryError('SecretFromDigest', `${describe(t)} is recorded by digest only; meshferry creates it from its source, never from the journal`, { exitCode: ExitCode.bug });
  if ('object' in state && state.object !== null && isSecret(t)) throw new MeshferryError('SecretFromJournal', `${describe(t)}: the journal never holds a Secret to write back`, { exitCode: ExitCode.bug });
  const mismatch = stateMismatch(t, state);
  if (mismatch) throw new MeshferryError('StateTargetMismatch', `${mismatch}; meshferry leaves it alone`, { exitCode: ExitCode.findings });
  const client = await access.clusters.clientOf(t);
  const res = resourceOf(client, t);
  if ('labels' in state) {
    const obj = await getTarget(client, t);
    if (!obj) throw new ClusterError('TargetGone', `${describe(t)} does not exist`, { context: client.transport.contextName });
    const change = effectiveChange(labelsOf(t, obj), state.labels);
    if (Object.keys(change).length === 0) return;
    const patch = WORKLOAD_KINDS.has(t.kind) ? { spec: { template: { metadata: { labels: change } } } } : { metadata: { labels: change } };
    await client.patch(res, t.namespace, t.name, patch, 'merge');
    return;
  }
  if ('restartedAt' in state) {
    const patch = t.kind === 'Rollout' ? { spec: { restartAt: state.restartedAt } } : { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: state.restartedAt } } } } };
    await client.patch(res, t.namespace, t.name, patch, 'merge');
    return;
  }
  if ('tag' in state) {
    const obj = await getTarget(client, t);
    if (!obj) throw new ClusterError('TargetGone', `${describe(t)} does not exist`, { context: client.transport.contextName });
    const hooks = Array.isArray(obj.webhooks) ? obj.webhooks : [];
    const ops = [
      { op: 'test' as const, path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion },
      { op: 'add' as const, path: '/metadata/labels', value: { ...(obj.metadata.labels ?? {}), 'istio.io/rev': state.tag.revision } },
      ...hooks.map((_, i) => ({ op: 'replace' as const, path: `/webhooks/${i}/clientConfig`, value: state.tag.clientConfigs[Math.min(i, state.tag.clientConfigs.length - 1)] })),
    ];
    await client.patch(res, undefined, t.name, ops, 'json');
    return;
  }
  if ('replicas' in state) {
    await client.patch(res, t.namespace, t.name, { spec: { replicas: state.replicas } }, 'merge');
    return;
  }
  if ('object' in state) {
    if (state.object === null) await client.delete(res, t.namespace, t.name);
    else await applyValidated(client, state.object, { mode: 'strict' });
    return;
  }
  if (state.proxyConfig === null) {
    await client.delete(res, t.namespace, t.name);
    return;
  }
  await client.apply(
    { apiVersion: `${res.group}/${res.version}`, kind: 'ProxyConfig', metadata: { name: t.name, ...(t.namespace ? { namespace: t.namespace } : {}), labels: { 'app.kubernetes.io/managed-by': 'meshferry' } }, spec: state.proxyConfig },
    { force: true },
  );
}

/** The journal target of a workload or namespace. */
export function targetOf(kind: string, namespace: string | undefined, name: string, client: ObjectClient): JournalTarget {
  const r = WORKLOAD_KINDS.has(kind) ? workloadResource(client, kind as WorkloadKind) : kind === 'Namespace' ? client.discovery.resourceFor('', 'Namespace') : undefined;
  const apiVersion = r ? (r.group ? `${r.group}/${r.version}` : r.version) : 'v1';
  return { apiVersion, kind, ...(namespace ? { namespace } : {}), name };
}
