// The undo of one CrossCluster journal entry (issue 13 §7), in the cluster it names: delete what meshferry created, put a copy's prior object back, restore a scale, reverse a shift; never more than the entry and the live object together prove is meshferry's.
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterError } from '../../errors.js';
import type { Journal, JournalEntry, JournalTarget } from '../../journal/journal.js';
import { recordsTarget } from '../../journal/journal.js';
import { KubeApiError } from '../../kube/errors.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { isSecret } from '../../resources/secrets.js';
import { othersRefusal } from '../cluster/namespace-contents.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { recordWriteError, STEP } from '../act.js';
import { workloadResource } from '../cluster/workloads.js';
import { describeEntry, describeTarget, isForeignContext, type MigrationClusters } from '../clusters.js';
import { COPIED_KINDS, copyable, sameRestorable, untrustedImport } from '../config.js';
import { waveCluster, type MeshMigrationSpec } from '../spec.js';
import { readState, writeState, type StateAccess } from '../target-state.js';
import { entryWave, recordedUid } from './entries.js';
import { targetNamespaceLabels } from './observe-cross.js';
import { ISTIO_NAMESPACE } from '../../install/topology.js';
import { READER_CLUSTER_ROLE, READER_SERVICE_ACCOUNT, READER_TOKEN_SECRET, remoteSecretName } from '../../install/remote-secret.js';

/**
 * Moves a wave's traffic back to the source from its `xc.shift` entry (built in cross/wave-shifts.ts). It owns that
 * entry's trust checks (a TrafficShift a wave names, its router spec as the apply record hashed it) and must be
 * idempotent: a rollback interrupted while it ran calls it again. `refused` names why it moved nothing.
 */
export type ReverseShift = (entry: JournalEntry) => Promise<{ restored?: string; refused?: string }>;

/** What undoing CrossCluster entries needs. */
export interface CrossUndoContext {
  clusters: MigrationClusters;
  journal: Pick<Journal, 'begin' | 'finish' | 'fail' | 'entries'>;
  access: StateAccess;
  spec: MeshMigrationSpec;
  reverseShift?: ReverseShift | undefined;
  /** Namespaces (`namespaceKey`) holding an object rollback left alone: deleting the namespace would delete it. */
  kept?: ReadonlySet<string>;
  /** Until when (epoch ms) a namespace's delete waits for the pods of deleted copies to go; default: no wait. */
  deadline?: number;
  pollMs?: number;
  signal?: AbortSignal | undefined;
}

/** The outcome of one undo: done (`restored`), nothing to do (`already`), or refused and named. */
export interface UndoOutcome {
  restored?: string;
  already?: boolean;
  /** The live object is not (or no longer) as meshferry left it: named, left alone; rollback goes on with the rest. */
  refused?: string;
}

const OBJECT_STEPS: ReadonlySet<string> = new Set([STEP.created, STEP.remoteSecret, STEP.crossNamespace, STEP.copy, STEP.secret, STEP.shift]);
/** What the remote reader needs (install/remote-secret-live.ts `buildRemoteSecret`): all xc.created may name. */
const READER_KINDS: ReadonlySet<string> = new Set(['v1 Namespace', 'v1 ServiceAccount', 'v1 Secret', 'rbac.authorization.k8s.io/v1 ClusterRole', 'rbac.authorization.k8s.io/v1 ClusterRoleBinding']);
const SCALED_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet']);

/** The key of a target's namespace (its own name for a Namespace), per cluster, for `CrossUndoContext.kept`. */
export function namespaceKey(t: JournalTarget, home: string): string | undefined {
  const ns = t.kind === 'Namespace' && t.apiVersion === 'v1' ? t.name : t.namespace;
  return ns === undefined ? undefined : `${t.context ?? home}\0${ns}`;
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/**
 * Why a CrossCluster entry cannot be one meshferry wrote (entries.ts's table): a target of a kind its step never
 * writes, a prior state of another shape, a cluster its step never acts on. The journal is ConfigMaps others may
 * write, so such an entry is named and never followed. `home` is the home cluster's context.
 */
export function crossEntryProblem(e: JournalEntry, spec: MeshMigrationSpec, home: string): string | undefined {
  const t = e.target;
  if (!t) return 'it names no target';
  const before = e.before;
  if (!isPlainObject(before)) return 'it records no prior state';
  const keys = Object.keys(before);
  const objectBefore = keys.length === 1 && 'object' in before && (before.object === null || recordsTarget(before.object, t));
  const createdBefore = keys.length === 1 && before.object === null;
  const kindIs = (ok: boolean) => (ok ? undefined : `${describeTarget(t)} is not what a ${e.step} step writes`);
  let problem: string | undefined;
  switch (e.step) {
    case STEP.scale:
      problem = kindIs(t.apiVersion === 'apps/v1' && SCALED_KINDS.has(t.kind));
      if (!problem && !(keys.length === 1 && typeof before.replicas === 'number' && Number.isInteger(before.replicas) && before.replicas >= 0)) problem = 'it records a prior state other than {replicas: n}';
      break;
    case STEP.shift:
      problem = kindIs(t.kind === 'TrafficShift' && groupOf(t.apiVersion) === 'meshferry.dev');
      if (!problem && !objectBefore) problem = 'its prior state is not {object: null} nor that TrafficShift';
      break;
    case STEP.copy:
      problem = kindIs(copyable(t.apiVersion, t.kind));
      if (!problem && !objectBefore) problem = 'its prior state is not {object: null} nor that very object';
      break;
    case STEP.crossNamespace:
      problem = kindIs(t.apiVersion === 'v1' && t.kind === 'Namespace');
      break;
    case STEP.secret:
    case STEP.remoteSecret:
      problem = kindIs(isSecret(t));
      break;
    case STEP.created:
      problem = kindIs(READER_KINDS.has(`${t.apiVersion} ${t.kind}`));
      break;
    default:
      return `a ${sanitizeTerminalText(e.step, { oneLine: true })} step is not a CrossCluster step rollback undoes`;
  }
  if (!problem && OBJECT_STEPS.has(e.step) && e.step !== STEP.copy && e.step !== STEP.shift && !createdBefore) problem = 'its prior state is not {object: null} (meshferry only creates these)';
  if (problem) return problem;
  return scopeProblem(e, t, spec, home) ?? contextProblem(e, t, spec, home);
}

/**
 * Why a CrossCluster label entry (an existing namespace of a wave relabelled in the wave's cluster) cannot be one
 * meshferry wrote, or undefined: its namespace must be the wave's, in the wave's cluster, and its labels only those a
 * wave sets (targetNamespaceLabels). Otherwise a forged entry could set or strip any label (pod security, say) of
 * any namespace in any cluster the migration names.
 */
export function crossLabelProblem(e: JournalEntry, spec: MeshMigrationSpec, home: string): string | undefined {
  const t = e.target!;
  const index = entryWave(e);
  const wave = index === undefined ? undefined : spec.waves[index];
  if (!wave || !(wave.namespaces ?? []).includes(t.name)) return `${describeTarget(t)} is not a namespace of the wave the entry names`;
  const allowed = new Set(Object.keys(targetNamespaceLabels(spec)));
  const labels = isPlainObject(e.before) && isPlainObject(e.before.labels) ? Object.keys(e.before.labels) : [];
  const other = labels.filter((k) => !allowed.has(k));
  if (other.length) return `it restores label(s) a wave never sets: ${other.map((k) => sanitizeTerminalText(k, { oneLine: true })).join(', ')}`;
  const at = t.context ?? home;
  const cluster = waveCluster(spec, wave);
  return cluster === at ? undefined : `a wave's namespace labels are in its cluster "${sanitizeTerminalText(cluster ?? '', { oneLine: true })}", not in context "${sanitizeTerminalText(at, { oneLine: true })}"`;
}

/** The objects the remote reader step creates, by kind and name (install/remote-secret.ts). */
const READER_OBJECTS: ReadonlySet<string> = new Set([
  `Namespace ${ISTIO_NAMESPACE}`,
  `ServiceAccount ${ISTIO_NAMESPACE}/${READER_SERVICE_ACCOUNT}`,
  `Secret ${ISTIO_NAMESPACE}/${READER_TOKEN_SECRET}`,
  `ClusterRole ${READER_CLUSTER_ROLE}`,
  `ClusterRoleBinding ${READER_CLUSTER_ROLE}`,
]);

/**
 * Why an entry's object is outside what its step ever writes, or undefined: a wave's steps write only in that
 * wave's namespaces (a scale-down only to 0), the remote secret step only `istio-system/istio-remote-secret-<remote>`,
 * the reader step only the reader's fixed objects, a shift only a TrafficShift of a wave's shift file. The journal is
 * ConfigMaps others may write: without this, a forged entry could aim rollback at any object of the right kind.
 */
function scopeProblem(e: JournalEntry, t: JournalTarget, spec: MeshMigrationSpec, home: string): string | undefined {
  const index = entryWave(e);
  const wave = index === undefined ? undefined : spec.waves[index];
  const inWave = (ns: string | undefined) => wave !== undefined && ns !== undefined && (wave.namespaces ?? []).includes(ns);
  const what = describeTarget(t);
  switch (e.step) {
    case STEP.scale: {
      if (!inWave(t.namespace)) return `${what} is not in the namespaces of the wave the entry names`;
      const state = isPlainObject(e.intent) && isPlainObject(e.intent.state) ? e.intent.state : undefined;
      return state && Object.keys(state).length === 1 && state.replicas === 0 ? undefined : 'its intent is not {replicas: 0}, the only scale meshferry makes';
    }
    case STEP.copy:
    case STEP.secret:
      return inWave(t.namespace) ? undefined : `${what} is not in the namespaces of the wave the entry names`;
    case STEP.crossNamespace:
      return inWave(t.name) ? undefined : `${what} is not a namespace of the wave the entry names`;
    case STEP.remoteSecret: {
      const remotes = (spec.target.clusters ?? []).filter((c) => c !== (spec.target.context ?? home));
      return t.namespace === ISTIO_NAMESPACE && remotes.some((c) => remoteSecretName(c) === t.name) ? undefined : `${what} is not the remote secret of a remote this migration names`;
    }
    case STEP.created:
      return READER_OBJECTS.has(`${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`) ? undefined : `${what} is not one of the remote reader's objects`;
    case STEP.shift: {
      const file = isPlainObject(e.intent) ? e.intent.shift : undefined;
      return wave !== undefined && typeof file === 'string' && (wave.shifts ?? []).includes(file) ? undefined : 'it names no shift file of the wave it names';
    }
    default:
      return undefined;
  }
}

/** Why an entry's cluster is not one its step acts on, or undefined. */
function contextProblem(e: JournalEntry, t: JournalTarget, spec: MeshMigrationSpec, home: string): string | undefined {
  const at = t.context ?? home;
  const homeCtx = spec.target.context ?? home;
  const waveClusters = spec.waves.map((w) => waveCluster(spec, w)).filter((c): c is string => c !== undefined);
  let allowed: string[];
  let role: string;
  switch (e.step) {
    case STEP.scale:
      allowed = spec.source?.context ? [spec.source.context] : [];
      role = 'the source cluster';
      break;
    case STEP.shift:
    case STEP.remoteSecret:
      allowed = [homeCtx];
      role = 'the home cluster';
      break;
    case STEP.created:
      allowed = spec.target.clusters ?? [];
      role = 'a target cluster';
      break;
    default: {
      const w = entryWave(e);
      const own = w === undefined ? undefined : spec.waves[w];
      allowed = own ? [waveCluster(spec, own)].filter((c): c is string => c !== undefined) : waveClusters;
      role = own ? `wave ${sanitizeTerminalText(own.name, { oneLine: true })}'s cluster` : "a wave's cluster";
    }
  }
  if (allowed.includes(at)) return undefined;
  return `a ${e.step} step acts on ${role} (${allowed.map((c) => `"${sanitizeTerminalText(c, { oneLine: true })}"`).join(', ') || 'none named'}), not on context "${sanitizeTerminalText(at, { oneLine: true })}"`;
}

/**
 * The managers that wrote the object itself. Subresource writes (status, scale) are controllers' bookkeeping: the
 * deployment controller records a Deployment's revision through UpdateStatus (kubernetes
 * pkg/controller/deployment/sync.go `getNewReplicaSet`), so its managedFields entry has subresource status.
 */
function writers(live: KubeObject): { manager: string; operation: unknown; time: number }[] {
  const fields = Array.isArray(live.metadata.managedFields) ? (live.metadata.managedFields as unknown[]) : [];
  return fields
    .filter(isPlainObject)
    .filter((f) => f.subresource === undefined || f.subresource === '')
    .map((f) => ({ manager: typeof f.manager === 'string' ? f.manager : '', operation: f.operation, time: typeof f.time === 'string' ? Date.parse(f.time) : Number.NaN }));
}

/**
 * Why meshferry may not delete `live` as the object an entry created, or undefined. With the uid the creating write
 * recorded, the live object must be that very incarnation and carry meshferry's write (nobody adds that without
 * write access to the object). Without one (an entry settled by looking), meshferry must be its only writer.
 */
function notCreatedByMeshferry(e: JournalEntry, live: KubeObject): string | undefined {
  const uid = recordedUid(e);
  const managers = writers(live);
  if (uid !== undefined) {
    if (live.metadata.uid !== uid) return `it is not the object meshferry created (uid ${String(live.metadata.uid)}, meshferry recorded ${uid}): someone made it again since`;
    const ours = managers.filter((m) => m.manager === 'meshferry');
    if (ours.length === 0) return 'the live object carries no write by meshferry (managedFields)';
    const mine = { time: Math.min(...ours.map((m) => m.time)) };
    // A uid can be copied into a forged entry by anyone who can read the object: meshferry's write must also be the
    // oldest on it (it created the object), as a config import's delete requires (config.ts untrustedImport).
    const older = managers.filter((m) => m.manager !== 'meshferry' && m.time < mine.time).map((m) => m.manager);
    if (Number.isNaN(mine.time) || older.length > 0) return `others wrote it before meshferry did (${[...new Set(older)].map((m) => sanitizeTerminalText(m, { oneLine: true })).join(', ') || 'no time recorded'}), so meshferry did not create it`;
    return undefined;
  }
  const others = [...new Set(managers.map((m) => m.manager).filter((m) => m !== 'meshferry'))];
  if (!managers.some((m) => m.manager === 'meshferry')) return 'the entry recorded no uid, and the live object carries no write by meshferry (managedFields)';
  if (others.length > 0) return `the entry recorded no uid, and others wrote the live object too (${others.map((m) => sanitizeTerminalText(m, { oneLine: true })).join(', ')})`;
  return undefined;
}

/** Journals a rollback step. A Secret's is recorded without its target: the journal holds Secrets only in digest form, and a pending one is then simply looked at again. */
async function begin(ctx: CrossUndoContext, group: readonly JournalEntry[], state: Record<string, unknown> | undefined): Promise<JournalEntry> {
  const t = group[0]!.target!;
  const undoes = { undoes: group[0]!.seq, ...(group.length > 1 ? { alsoUndoes: group.slice(1).map((x) => x.seq) } : {}) };
  if (isSecret(t)) return ctx.journal.begin(STEP.rollback, { intent: { ...undoes, deletes: describeTarget(t) } });
  return ctx.journal.begin(STEP.rollback, { target: t, intent: { ...undoes, ...(state ? { state } : {}) } });
}

async function recordAlready(ctx: CrossUndoContext, group: readonly JournalEntry[], state: Record<string, unknown> | undefined): Promise<UndoOutcome> {
  const entry = await begin(ctx, group, state);
  await ctx.journal.finish(entry.seq, { alreadyRestored: true });
  return { already: true };
}

/** The client of an entry's cluster, or the refusal of a context the migration does not use. */
async function clientOf(ctx: CrossUndoContext, e: JournalEntry): Promise<ObjectClient | { refused: string }> {
  try {
    return await ctx.clusters.clientOf(e.target!);
  } catch (err) {
    if (isForeignContext(err)) return { refused: err.message };
    throw err;
  }
}

/**
 * Undoes the entries of one object (oldest first) whose first prior state is `{object: null}`: deletes the object
 * while it is the one meshferry created (`notCreatedByMeshferry`), with uid and resourceVersion preconditions. A
 * namespace goes only when no pod but those of deleted copies runs in it (awaited until `ctx.deadline`) and it
 * holds nothing rollback left alone.
 */
export async function undoCreated(ctx: CrossUndoContext, group: readonly JournalEntry[]): Promise<UndoOutcome> {
  const first = group[0]!;
  const last = group.at(-1)!;
  const t = first.target!;
  const what = describeTarget(t);
  const client = await clientOf(ctx, first);
  if ('refused' in client) return client;
  const res = client.resourceOf(t);
  if (!res) return { refused: `${what}: the cluster no longer serves ${t.apiVersion} ${t.kind}` };
  const ns = res.namespaced ? t.namespace : undefined;
  const gone = { object: null };
  let live = await client.get(res, ns, t.name);
  if (!live) return recordAlready(ctx, group, gone);
  const why = notCreatedByMeshferry(last, live);
  if (why) return { refused: `${what}: ${why}; meshferry leaves it alone (${describeEntry(first)})` };
  if (t.kind === 'Namespace' && t.apiVersion === 'v1') {
    const key = namespaceKey(t, ctx.clusters.homeContext);
    if (key && ctx.kept?.has(key)) return { refused: `${what}: meshferry created it, but it holds an object rollback left alone (named above); delete it yourself if it should go` };
    const blocked = await awaitPodsGone(ctx, client, t.name);
    if (blocked) return { refused: `${what}: meshferry created it, but ${blocked}; delete it yourself if it should go` };
    const crowded = await othersRefusal(client, t.name);
    if (crowded) return { refused: `${what}: ${crowded}` };
    live = await client.get(res, ns, t.name);
    if (!live) return recordAlready(ctx, group, gone);
  }
  const entry = await begin(ctx, group, gone);
  try {
    await client.delete(res, ns, t.name, { preconditions: { uid: String(live.metadata.uid), resourceVersion: String(live.metadata.resourceVersion) } });
  } catch (err) {
    await recordWriteError(ctx.journal, entry.seq, err);
    if (err instanceof KubeApiError && err.status === 409) return { refused: `${what} was changed by someone else while rollback ran; meshferry left it alone` };
    throw err;
  }
  await ctx.journal.finish(entry.seq);
  return { restored: `deleted ${what} (created by ${first.step}, step ${first.seq})` };
}

/**
 * Puts back the object a copy changed (entries oldest first; the first one's prior object), only while the live
 * object is still at the resourceVersion meshferry's last write left and carries meshferry's apply, and only for a
 * kind a wave copies: a forged entry cannot restore an arbitrary object. Secrets never come this way.
 */
export async function undoChanged(ctx: CrossUndoContext, group: readonly JournalEntry[]): Promise<UndoOutcome> {
  const first = group[0]!;
  const last = group.at(-1)!;
  const t = first.target!;
  const what = describeTarget(t);
  const before = (first.before as { object: KubeObject }).object;
  if (isSecret(t)) return { refused: `${what}: the journal never holds a Secret to put back (${describeEntry(first)})` };
  const client = await clientOf(ctx, first);
  if ('refused' in client) return client;
  const res = client.resourceOf(t);
  if (!res) return { refused: `${what}: the cluster no longer serves ${t.apiVersion} ${t.kind}` };
  const live = await client.get(res, res.namespaced ? t.namespace : undefined, t.name);
  const untrusted = untrustedImport(t, before, live, COPIED_KINDS);
  if (untrusted) return { refused: `${what}: ${untrusted}; the journal entry (step ${first.seq}) may have been written by someone else, so meshferry leaves the object alone` };
  if (!live) return { refused: `${what} was deleted by someone else after meshferry changed it; recreate it yourself if it should stay` };
  const state = { object: before };
  if (sameRestorable(before, live)) return recordAlready(ctx, group, state);
  const expected = isPlainObject(last.result) && typeof last.result.resourceVersion === 'string' ? last.result.resourceVersion : undefined;
  const rv = String(live.metadata.resourceVersion);
  if (rv !== expected) return { refused: `${what} was changed after meshferry's copy (resourceVersion ${rv}, meshferry left ${expected ?? 'none recorded'}); meshferry will not overwrite it: restore it yourself if it should be as before, then run rollback again` };
  const entry = await begin(ctx, group, state);
  try {
    await client.replace({ ...before, metadata: { ...before.metadata, resourceVersion: rv } });
  } catch (err) {
    await recordWriteError(ctx.journal, entry.seq, err);
    if (err instanceof KubeApiError && err.status === 409) return { refused: `${what} was changed by someone else while rollback ran; meshferry left it alone` };
    throw err;
  }
  await ctx.journal.finish(entry.seq);
  return { restored: `restored ${what} as it was before ${first.step} (step ${first.seq})` };
}

/**
 * Puts a scaled-down source workload back to its recorded replicas, only while it still has the replicas meshferry
 * scaled it to: someone's later scale is theirs, named, never overwritten.
 */
export async function undoScale(ctx: CrossUndoContext, e: JournalEntry): Promise<UndoOutcome> {
  const t = e.target!;
  const what = describeTarget(t);
  const replicas = (e.before as { replicas: number }).replicas;
  const wrote = isPlainObject(e.intent) && isPlainObject(e.intent.state) && typeof e.intent.state.replicas === 'number' ? e.intent.state.replicas : undefined;
  const client = await clientOf(ctx, e);
  if ('refused' in client) return client;
  const now = await readState(ctx.access, t, { replicas }).catch((err: unknown) => {
    if (err instanceof ClusterError && err.code === 'TargetGone') return undefined;
    throw err;
  });
  if (!now || !('replicas' in now)) return { refused: `${what} was deleted after meshferry scaled it down; recreate it with ${replicas} replica(s) yourself, then run rollback again` };
  const state = { replicas };
  if (now.replicas === replicas) return recordAlready(ctx, [e], state);
  if (wrote !== undefined && now.replicas !== wrote) return { refused: `${what} was scaled to ${now.replicas} by someone else after meshferry scaled it to ${wrote}; meshferry will not change it: scale it to ${replicas} (or ${wrote}) yourself, then run rollback again` };
  const entry = await begin(ctx, [e], state);
  try {
    await writeState(ctx.access, t, state);
  } catch (err) {
    await recordWriteError(ctx.journal, entry.seq, err);
    throw err;
  }
  await ctx.journal.finish(entry.seq);
  return { restored: `scaled ${what} back to ${replicas} replica(s) (step ${e.seq})` };
}

/**
 * Moves a wave's traffic back (`reverseShift`, journaled as a rollback step with `intent.reverses`, so an
 * interrupted rollback never calls it twice once it finished), then deletes the TrafficShift when meshferry created
 * it. A TrafficShift that existed before meshferry applied it stays, as it now is.
 */
export async function undoShift(ctx: CrossUndoContext, group: readonly JournalEntry[]): Promise<UndoOutcome> {
  const first = group[0]!;
  const t = first.target!;
  const what = describeTarget(t);
  const reversed = new Set(ctx.journal.entries().filter((x) => x.step === STEP.rollback && x.state === 'done' && isPlainObject(x.intent) && typeof x.intent.reverses === 'number').map((x) => (x.intent as { reverses: number }).reverses));
  const moved: string[] = [];
  if (!reversed.has(first.seq)) {
    if (!ctx.reverseShift) return { refused: `${describeEntry(first)}: its traffic was not moved back (this rollback was given no way to reverse a shift); meshferry deletes none of the wave's copies while traffic may still reach them` };
    const entry = await ctx.journal.begin(STEP.rollback, { target: t, intent: { reverses: first.seq } });
    let outcome: { restored?: string; refused?: string };
    try {
      outcome = await ctx.reverseShift(first);
    } catch (err) {
      await recordWriteError(ctx.journal, entry.seq, err);
      throw err;
    }
    if (outcome.refused) {
      await ctx.journal.fail(entry.seq, outcome.refused);
      return { refused: `${what}: ${outcome.refused}` };
    }
    await ctx.journal.finish(entry.seq);
    moved.push(outcome.restored ?? `moved the traffic of ${what} back`);
  }
  const before = (first.before as { object: KubeObject | null }).object;
  if (before !== null) {
    const entry = await begin(ctx, group, undefined);
    await ctx.journal.finish(entry.seq, { leftInPlace: 'the TrafficShift existed before meshferry applied it' });
    return { restored: [...moved, `left ${what} in place (it existed before the migration)`].join('; ') };
  }
  const deleted = await undoCreated(ctx, group);
  if (deleted.refused) return { refused: [...moved, deleted.refused].join('; ') };
  return moved.length > 0 || deleted.restored ? { restored: [...moved, ...(deleted.restored ? [deleted.restored] : [])].join('; ') } : deleted;
}

/** A pod's controller owner, if any. */
function controllerOf(obj: KubeObject): { apiVersion: string; kind: string; name: string; uid: string } | undefined {
  const refs = Array.isArray(obj.metadata.ownerReferences) ? obj.metadata.ownerReferences.filter(isPlainObject) : [];
  const c = refs.find((r) => r.controller === true);
  return c && typeof c.apiVersion === 'string' && typeof c.kind === 'string' && typeof c.name === 'string' && typeof c.uid === 'string' ? { apiVersion: c.apiVersion, kind: c.kind, name: c.name, uid: c.uid } : undefined;
}

/** The owner object while it is the incarnation the reference names and not being deleted; undefined when it is going. */
async function liveOwner(client: ObjectClient, ns: string, ref: { apiVersion: string; kind: string; name: string; uid: string }): Promise<KubeObject | undefined | 'unknown'> {
  const res = client.discovery.resourceFor(groupOf(ref.apiVersion), ref.kind);
  if (!res) return 'unknown';
  const o = await client.get(res, ns, ref.name);
  return o && o.metadata.uid === ref.uid && o.metadata.deletionTimestamp === undefined ? o : undefined;
}

/** Whether a pod is on its way out: being deleted, or its controller (or its ReplicaSet's Deployment) is gone or going. */
async function leaving(client: ObjectClient, ns: string, pod: KubeObject): Promise<boolean> {
  if (pod.metadata.deletionTimestamp !== undefined) return true;
  const owner = controllerOf(pod);
  if (!owner) return false;
  const o = await liveOwner(client, ns, owner);
  if (o === undefined) return true;
  if (o === 'unknown' || owner.kind !== 'ReplicaSet') return false;
  const top = controllerOf(o);
  return top !== undefined && (await liveOwner(client, ns, top)) === undefined;
}

/**
 * Waits until a namespace holds no pods, as long as every pod left is on its way out (a deleted copy's, collected by
 * the garbage collector). Says why not: a pod that stays (someone else's), or pods still going at the deadline.
 */
async function awaitPodsGone(ctx: CrossUndoContext, client: ObjectClient, ns: string): Promise<string | undefined> {
  const podRes = client.discovery.resourceFor('', 'Pod');
  if (!podRes) return undefined;
  for (;;) {
    const pods = await client.list(podRes, { namespace: ns });
    if (pods.length === 0) return undefined;
    const staying: string[] = [];
    for (const p of pods) if (!(await leaving(client, ns, p))) staying.push(String(p.metadata.name));
    if (staying.length > 0) return `${staying.length} pod(s) run in it that no deleted copy owns (${staying.slice(0, 5).map((n) => sanitizeTerminalText(n, { oneLine: true })).join(', ')})`;
    if (ctx.signal?.aborted || Date.now() > (ctx.deadline ?? 0)) return `${pods.length} pod(s) of deleted copies were still going when rollback stopped waiting`;
    await sleep(ctx.pollMs ?? 500);
  }
}

/** One workload the scale barrier waits for: ready with at least `replicas`. */
export interface ScaleBarrierItem {
  target: JournalTarget;
  replicas: number;
}

/** The workloads of `items` not yet ready with their recorded replicas, in words (empty: all ready). */
export async function notReady(clusters: MigrationClusters, items: readonly ScaleBarrierItem[]): Promise<string[]> {
  const out: string[] = [];
  for (const { target: t, replicas } of items) {
    const client = await clusters.clientOf(t);
    const res = workloadResource(client, t.kind as 'Deployment' | 'StatefulSet');
    const obj = res ? await client.get(res, t.namespace, t.name) : undefined;
    const ready = obj && isPlainObject(obj.status) && typeof obj.status.readyReplicas === 'number' ? obj.status.readyReplicas : 0;
    if (!obj) out.push(`${describeTarget(t)} is gone`);
    else if (ready < replicas) out.push(`${describeTarget(t)} has ${ready} of ${replicas} replica(s) ready`);
  }
  return out;
}
