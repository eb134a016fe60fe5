// Rollback from the journal alone, in reverse, each entry in the cluster it names. InPlace: prove the source injector serves, restore labels/tags/templates and the ProxyConfig, then restart stamps, then verify. CrossCluster: source replicas (ready) before traffic, traffic before copies.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServedResource } from '../kube/discovery.js';
import type { ObjectClient } from '../kube/object-client.js';
import { Journal, type JournalEntry, type JournalOptions } from '../journal/journal.js';
import { isPlainObject } from '../resources/object.js';
import { podInjection, proveInjection } from './cluster/injection.js';
import { othersRefusal } from './cluster/namespace-contents.js';
import { advanceOnDelete, rolloutVerdict, workloadResource, type WorkloadKind } from './cluster/workloads.js';
import { CROSS_CLUSTER_STEPS, FORWARD_STEPS, recordWriteError, settledVersion, STEP, undoProblem } from './act.js';
import { describeEntry, describeTarget, MigrationClusters } from './clusters.js';
import { SecretDigest } from '../journal/secret-digest.js';
import { sanitizeTerminalText } from '../terminal-text.js';
import { observePending } from './observe.js';
import { MIGRATION_API_VERSION, MIGRATION_KIND, type MeshMigrationSpec, type MigrationStatus } from './spec.js';
import { readMigration, writeStatus } from './store.js';
import { stateHolds, writeState, type StateAccess, type TargetState } from './target-state.js';
import { KubeApiError } from '../kube/errors.js';
import type { KubeObject } from '../resources/object.js';
import { onlyStatusWrittenSince, sameRestorable, untrustedImport } from './config.js';
import { crossEntryProblem, crossLabelProblem, namespaceKey, notReady, undoChanged, undoCreated, undoScale, undoShift, type CrossUndoContext, type ReverseShift, type ScaleBarrierItem, type UndoOutcome } from './cross/undo.js';
import type { StoredMigration } from './store.js';

export interface RollbackOptions {
  /** The home cluster: where the MeshMigration and its journal live. */
  client: ObjectClient;
  /** The clusters journal entries may name (its `home` is `client`); default: home only, as InPlace needs. */
  clusters?: MigrationClusters;
  resource: ServedResource;
  name: string;
  signal?: AbortSignal;
  onStep?: (message: string) => void;
  pollMs?: number;
  /** How long restarted workloads may take to roll back; default 10 min. */
  timeoutMs?: number;
  journal?: Pick<JournalOptions, 'localDir'>;
  /** CrossCluster: moves a wave's traffic back from its xc.shift entry; without it such entries are named, not undone (exit 1). */
  reverseShift?: ReverseShift;
}

export interface RollbackResult {
  exit: 0 | 1 | 130;
  status: MigrationStatus;
}

/** The forward entries rollback undoes, in the order it undoes them: everything but restarts in reverse, then restarts in reverse. */
export function rollbackOrder(entries: readonly JournalEntry[]): JournalEntry[] {
  const undone = new Set(
    entries.filter((e) => e.step === STEP.rollback && e.state === 'done' && isPlainObject(e.intent)).flatMap((e) => [(e.intent as { undoes: number }).undoes, ...((e.intent as { alsoUndoes?: number[] }).alsoUndoes ?? [])]),
  );
  const forward = entries.filter((e) => FORWARD_STEPS.has(e.step) && e.state !== 'failed' && e.before !== undefined && e.target && !undone.has(e.seq)).reverse();
  return [...forward.filter((e) => e.step !== STEP.restart), ...forward.filter((e) => e.step === STEP.restart)];
}

/**
 * Whether two entries name one object: same group, kind, namespace, name, and cluster (one name in two clusters is
 * two objects; no context and the home context's name are both home).
 */
export function sameTarget(a: JournalEntry, b: JournalEntry, home: string): boolean {
  const t = a.target!;
  const u = b.target!;
  return (t.context ?? home) === (u.context ?? home) && t.apiVersion.split('/').length === u.apiVersion.split('/').length && t.apiVersion.replace(/\/.*$/, '') === u.apiVersion.replace(/\/.*$/, '') && t.kind === u.kind && (t.namespace ?? '') === (u.namespace ?? '') && t.name === u.name;
}


/**
 * Undoes the config import of one object (its entries oldest first): deletes it when meshferry created it, puts
 * its prior state back (PUT with the live resourceVersion) when meshferry changed it. Either only while the live
 * object is still at the resourceVersion meshferry's last write left: someone else's later change is never
 * overwritten or deleted; it is refused and named.
 */
async function restoreImported(clusters: MigrationClusters, journal: Journal, entries: readonly JournalEntry[]): Promise<{ restored?: string; refused?: string }> {
  const first = entries[0]!;
  const last = entries.at(-1)!;
  const target = first.target!;
  const what = describeTarget(target);
  const client = await clusters.clientOf(target);
  const before = (first.before as { object?: KubeObject | null } | undefined)?.object ?? null;
  const expected = isPlainObject(last.result) && typeof last.result.resourceVersion === 'string' ? last.result.resourceVersion : undefined;
  const res = client.resourceOf(target);
  if (!res) return { refused: `${what}: the cluster no longer serves ${target.apiVersion} ${target.kind}` };
  const ns = res.namespaced ? target.namespace : undefined;
  const live = await client.get(res, ns, target.name);
  const untrusted = untrustedImport(target, before, live);
  if (untrusted) return { refused: `${what}: ${untrusted}; the journal entry (step ${first.seq}) may have been written by someone else, so meshferry leaves the object alone` };
  const intent = { undoes: first.seq, alsoUndoes: entries.slice(1).map((x) => x.seq), state: { object: before } };
  const record = async (result: Record<string, unknown>) => {
    const entry = await journal.begin(STEP.rollback, { target, intent });
    await journal.finish(entry.seq, result);
  };
  // Already as it was (a rollback interrupted after its write): nothing to do.
  if (before === null ? !live : live && sameRestorable(before, live)) {
    await record({ alreadyRestored: true });
    return {};
  }
  if (!live) return { refused: `${what} was deleted by someone else after meshferry ${before === null ? 'created' : 'changed'} it; recreate it yourself if it should stay` };
  const rv = live.metadata.resourceVersion;
  const wrote = (last.intent as { state?: { object?: unknown } } | undefined)?.state?.object;
  const statusOnly = before === null && onlyStatusWrittenSince(target, wrote, last.result, live);
  if (expected === undefined || (rv !== expected && !statusOnly))
    return {
      refused: `${what} was changed by someone else after meshferry ${before === null ? 'created' : 'changed'} it (resourceVersion ${String(rv)}, meshferry left ${expected ?? 'none recorded'}); meshferry will not ${before === null ? 'delete' : 'overwrite'} it: ${before === null ? 'delete it yourself' : 'restore it yourself'} if it should go, then run rollback again`,
    };
  if (before === null && target.kind === 'Namespace' && target.apiVersion === 'v1') {
    const pods = client.discovery.resourceFor('', 'Pod');
    const inside = pods ? await client.list(pods, { namespace: target.name }) : [];
    if (inside.length > 0) return { refused: `${what}: meshferry created it, but ${inside.length} pod(s) run in it now; delete it yourself if it should go` };
    const crowded = await othersRefusal(client, target.name);
    if (crowded) return { refused: `${what}: ${crowded}` };
  }
  const entry = await journal.begin(STEP.rollback, { target, intent });
  try {
    if (before === null) await client.delete(res, ns, target.name, { preconditions: { resourceVersion: String(rv), ...(live.metadata.uid ? { uid: String(live.metadata.uid) } : {}) } });
    else await client.replace({ ...before, metadata: { ...before.metadata, resourceVersion: String(rv) } });
  } catch (err) {
    await recordWriteError(journal, entry.seq, err);
    if (err instanceof KubeApiError && err.status === 409) return { refused: `${what} was changed by someone else while rollback ran; meshferry left it alone` };
    throw err;
  }
  await journal.finish(entry.seq);
  return { restored: `${before === null ? 'deleted' : 'restored'} ${what} (${before === null ? 'created' : 'changed'} by the config import, step ${first.seq})` };
}

/** Rolls the migration back from its journal; works after a crash and from any phase. */
export async function rollbackMigration(opts: RollbackOptions): Promise<RollbackResult> {
  const { client, resource, name } = opts;
  const m = await readMigration(client, resource, name);
  const journal = await Journal.open(client, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name, uid: m.uid }, opts.journal ?? {});
  const clusters = opts.clusters ?? MigrationClusters.homeOnly(client);
  const access: StateAccess = { clusters, secretDigest: SecretDigest.at(journal.localDir) };
  const say = opts.onStep ?? (() => undefined);
  // An entry naming a cluster the migration does not use is named and left alone; the others are still undone.
  const refused: string[] = [];
  const foreign = new Set<number>();
  for (const e of journal.entries()) {
    const why = e.target && (e.state === 'pending' || FORWARD_STEPS.has(e.step)) ? clusters.refusal(e.target.context, describeEntry(e)) : undefined;
    if (!why) continue;
    foreign.add(e.seq);
    refused.push(why);
  }
  // Look before redoing: pending steps are settled against the cluster first.
  for (const p of await observePending(access, journal.pending().filter((e) => !foreign.has(e.seq)))) {
    if (p.applied) await journal.finish(p.seq, { settled: 'found applied in the cluster on resume', ...(await settledVersion({ clusters, journal }, p.seq)) });
    else await journal.fail(p.seq, 'not applied before the interruption');
  }
  const source = m.status.sourceRevision ?? m.object.spec.source?.revision ?? 'default';
  const status: MigrationStatus = { ...m.status, rollingBack: true };
  if (m.object.spec.mode === 'CrossCluster') return rollbackCrossCluster(opts, { m, journal, clusters, access, foreign, refused, source, status });
  // Prove the source injector serves every namespace the journal relabelled, with the labels it will put back.
  for (const e of journal.entries().filter((x) => x.step === STEP.namespace && x.target && !foreign.has(x.seq))) {
    const before = (e.before as { labels?: Record<string, string | null> } | undefined)?.labels ?? {};
    const proof = await proveInjection(await clusters.clientOf(e.target!), { namespace: e.target!.name, namespaceLabels: before, expectRevision: source });
    if (!proof.ok && proof.reason !== 'not-injected') {
      status.message = `rollback refused: the source injector does not serve namespace ${e.target!.name}: ${proof.message}`;
      await writeStatus(client, resource, name, status);
      return { exit: 1, status };
    }
  }
  // The ProxyConfig is a whole object meshferry wrote, and pods pick it up when they restart: someone's later edit of
  // it is theirs. Rollback stops before it changes anything, so no workload restarts under a ProxyConfig it cannot undo.
  const lastProxyConfig = journal.entries().filter((x) => x.step === STEP.proxyConfig && x.target && x.state === 'done' && !foreign.has(x.seq)).at(-1);
  if (lastProxyConfig) {
    const t = lastProxyConfig.target!;
    const before = lastProxyConfig.before as TargetState;
    const wrote = (lastProxyConfig.intent as { state?: TargetState } | undefined)?.state;
    if (wrote && !(await stateHolds(access, t, before)) && !(await stateHolds(access, t, wrote))) {
      const created = 'proxyConfig' in before && before.proxyConfig === null;
      status.message = `rollback refused: ${t.kind} ${t.namespace}/${t.name} was changed by someone else after meshferry ${created ? 'created' : 'set'} it (step ${lastProxyConfig.seq}); meshferry will not ${created ? 'delete' : 'overwrite'} it, and changes nothing else while it stands: put it back as meshferry left it, or ${created ? 'delete' : 'restore'} it yourself, then run rollback again`;
      await writeStatus(client, resource, name, status);
      return { exit: 1, status };
    }
  }
  await writeStatus(client, resource, name, { ...status, message: 'rolling back' });
  const restarted: JournalEntry[] = [];
  const order = rollbackOrder(journal.entries()).filter((e) => !foreign.has(e.seq));
  const handled = new Set<number>();
  for (const e of order) {
    if (opts.signal?.aborted) return { exit: 130, status };
    if (handled.has(e.seq)) continue;
    // Only a CrossCluster migration writes them, and only its rollback (with its order and checks) undoes them.
    if (CROSS_CLUSTER_STEPS.has(e.step)) {
      refused.push(`${describeEntry(e)}: a CrossCluster step in a migration whose mode is not CrossCluster; the entry may have been written by someone else, so meshferry leaves it alone`);
      continue;
    }
    if (e.step === STEP.import) {
      // One restore per object: the state before meshferry's first write, guarded by the version its last write left.
      const same = order.filter((x) => x.step === STEP.import && sameTarget(x, e, clusters.homeContext)).sort((a, b) => a.seq - b.seq);
      for (const x of same) handled.add(x.seq);
      const outcome = await restoreImported(clusters, journal, same);
      if (outcome.refused) refused.push(outcome.refused);
      else if (outcome.restored) say(outcome.restored);
      continue;
    }
    // A forged or corrupt entry (undoProblem) is named and left alone, never followed.
    const why = undoProblem(e);
    if (why) {
      refused.push(`${describeEntry(e)}: ${why}; the entry may have been written by someone else, so meshferry leaves it alone`);
      continue;
    }
    if (e.step === STEP.restart) restarted.push(e);
    const outcome = await restoreState(access, journal, e);
    if (outcome.restored) say(outcome.restored);
  }
  if (refused.length > 0) {
    status.message = `rollback restored every other recorded change, but left ${refused.length} object(s) alone: ${refused.join('; ')}`;
    await writeStatus(client, resource, name, status);
    return { exit: 1, status };
  }
  // Restored restart stamps roll the workloads back onto the source; wait for them, then verify no pod runs the target.
  const target = m.object.spec.target.revision;
  const workloads = [...new Map(journal.entries().filter((e) => (e.step === STEP.restart || e.step === STEP.template) && e.target && !foreign.has(e.seq)).map((e) => [describeTarget(e.target!), e.target!])).values()];
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  for (;;) {
    if (opts.signal?.aborted) return { exit: 130, status };
    const problems: string[] = [];
    for (const t of workloads) {
      const client = await clusters.clientOf(t);
      const res = workloadResource(client, t.kind as WorkloadKind);
      const obj = res ? await client.get(res, t.namespace, t.name) : undefined;
      if (!obj) continue;
      const ref = { kind: t.kind as WorkloadKind, namespace: t.namespace ?? '', name: t.name };
      const v = rolloutVerdict(ref, obj);
      if (!v.done) {
        // OnDelete pods move only when deleted; the restored template often has no restart stamp at all, so the
        // pods are deleted towards whatever template the StatefulSet now has, one at a time.
        if (ref.kind === 'StatefulSet' && isPlainObject(obj.spec) && isPlainObject(obj.spec.updateStrategy) && obj.spec.updateStrategy.type === 'OnDelete') await advanceOnDelete(client, ref);
        problems.push(v.message);
      }
    }
    const namespaces = new Map(workloads.map((t) => [`${t.context ?? ''}\0${t.namespace ?? ''}`, t]));
    for (const t of namespaces.values()) {
      const client = await clusters.clientOf(t);
      const podRes = client.discovery.resourceFor('', 'Pod');
      const ns = t.namespace ?? '';
      for (const pod of podRes ? await client.list(podRes, { namespace: ns }) : []) {
        const inj = podInjection(pod);
        if (inj.running && inj.injected && inj.revision === target) problems.push(`pod ${ns}/${pod.metadata.name}${t.context === undefined ? '' : ` in context "${sanitizeTerminalText(t.context, { oneLine: true })}"`} still runs the target revision ${target}`);
      }
    }
    if (problems.length === 0) break;
    if (Date.now() > deadline) {
      status.message = `rollback restored every recorded change, but: ${problems.slice(0, 5).join('; ')}`;
      await writeStatus(client, resource, name, status);
      return { exit: 1, status };
    }
    await sleep(opts.pollMs ?? 500);
  }
  const done = rolledBackStatus(status, source, journal.entries().filter((e) => e.step === STEP.rollback).length);
  await writeStatus(client, resource, name, done);
  return { exit: 0, status: done };
}

/** CrossCluster's undo stages, in order (issue 13 §7): the reverse of the forward steps, with the source's replicas first. */
const CROSS_STAGES: readonly (readonly string[])[] = [[STEP.scale], [STEP.shift], [STEP.copy, STEP.secret], [STEP.crossNamespace, STEP.namespace], [STEP.import], [STEP.remoteSecret, STEP.created]];

/**
 * The CrossCluster undo order of `entries` (rollbackOrder's output, newest first): six stages (scales, shifts,
 * copies and Secrets, namespaces, config imports, remote secrets and the reader's objects), each a list of groups,
 * newest first; a group is one object's entries of one step, oldest first. Scales and label restores are one entry each.
 */
export function crossRollbackStages(entries: readonly JournalEntry[], home: string): JournalEntry[][][] {
  return CROSS_STAGES.map((steps) => {
    const groups: JournalEntry[][] = [];
    for (const e of entries) {
      if (!steps.includes(e.step) || !e.target) continue;
      const single = e.step === STEP.scale || e.step === STEP.namespace;
      const g = single ? undefined : groups.find((x) => x[0]!.step === e.step && sameTarget(x[0]!, e, home));
      if (g) g.unshift(e);
      else groups.push([e]);
    }
    return groups;
  });
}

interface CrossRun {
  m: StoredMigration;
  journal: Journal;
  clusters: MigrationClusters;
  access: StateAccess;
  foreign: ReadonlySet<number>;
  refused: string[];
  source: string;
  status: MigrationStatus;
}

/** Restores the small prior state an entry records (labels, a tag, a restart stamp, a ProxyConfig), journaled; already as it was: recorded, not written. */
async function restoreState(access: StateAccess, journal: Journal, e: JournalEntry): Promise<UndoOutcome> {
  const before = e.before as TargetState;
  if (await stateHolds(access, e.target!, before)) {
    const skip = await journal.begin(STEP.rollback, { target: e.target!, intent: { undoes: e.seq, state: before } });
    await journal.finish(skip.seq, { alreadyRestored: true });
    return { already: true };
  }
  const entry = await journal.begin(STEP.rollback, { target: e.target!, intent: { undoes: e.seq, state: before } });
  try {
    await writeState(access, e.target!, before);
  } catch (err) {
    await recordWriteError(journal, entry.seq, err);
    throw err;
  }
  await journal.finish(entry.seq);
  return { restored: `restored ${describeTarget(e.target!)} (undoes step ${e.seq}, ${e.step})` };
}

/**
 * CrossCluster rollback: every scale restored and ready before any traffic moves back; traffic back before any copy
 * is deleted; then copies, namespaces, imported config, remote secrets. A refusal in the first two stages stops the
 * rollback there (deleting what traffic may still reach would be an outage); later refusals are named and the rest
 * goes on. Every undo is journaled (`intent.undoes`), so a second run continues and never redoes.
 */
async function rollbackCrossCluster(opts: RollbackOptions, run: CrossRun): Promise<RollbackResult> {
  const { client, resource, name } = opts;
  const { m, journal, clusters, access, foreign, refused, source, status } = run;
  const spec = m.object.spec;
  const home = clusters.homeContext;
  const say = opts.onStep ?? (() => undefined);
  const pollMs = opts.pollMs ?? 500;
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const stop = async (message: string): Promise<RollbackResult> => {
    status.message = message;
    await writeStatus(client, resource, name, status);
    return { exit: 1, status };
  };
  const problemOf = (e: JournalEntry): string | undefined => (e.step === STEP.import ? undefined : e.step === STEP.namespace ? (undoProblem(e) ?? crossLabelProblem(e, spec, home)) : crossEntryProblem(e, spec, home));
  await writeStatus(client, resource, name, { ...status, message: 'rolling back' });
  const valid: JournalEntry[] = [];
  for (const e of rollbackOrder(journal.entries()).filter((x) => !foreign.has(x.seq))) {
    if (e.step === STEP.decommission) {
      refused.push(`${describeEntry(e)}: meshferry never undoes a decommission step; reinstall what it removed yourself`);
      continue;
    }
    const why = problemOf(e);
    if (why) refused.push(`${describeEntry(e)}: ${why}; the entry may have been written by someone else, so meshferry leaves it alone`);
    else valid.push(e);
  }
  const [scales, shifts, copies, namespaces, imports, remotes] = crossRollbackStages(valid, home) as [JournalEntry[][], JournalEntry[][], JournalEntry[][], JournalEntry[][], JournalEntry[][], JournalEntry[][]];
  const kept = new Set<string>();
  const ctx: CrossUndoContext = { clusters, journal, access, spec, reverseShift: opts.reverseShift, kept, pollMs, signal: opts.signal };
  const note = (o: UndoOutcome, gate?: string[]) => {
    if (o.refused) (gate ?? refused).push(o.refused);
    else if (o.restored) say(o.restored);
  };
  const aborted = () => opts.signal?.aborted === true;

  // 1. The source's replicas, then a barrier: each scaled workload ready with its recorded replicas.
  const gate: string[] = [];
  for (const [e] of scales) {
    if (aborted()) return { exit: 130, status };
    note(await undoScale(ctx, e!), gate);
  }
  if (gate.length > 0) return stop(`rollback moved no traffic back: the source is not as meshferry left it: ${[...gate, ...refused].join('; ')}`);
  const barrier = new Map<string, ScaleBarrierItem>();
  for (const e of journal.entries()) {
    if (e.step !== STEP.scale || e.state !== 'done' || foreign.has(e.seq) || problemOf(e)) continue;
    const t = e.target!;
    const key = [t.context ?? home, t.kind, t.namespace ?? '', t.name].join('\0');
    if (!barrier.has(key)) barrier.set(key, { target: e.target!, replicas: (e.before as { replicas: number }).replicas });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (aborted()) return { exit: 130, status };
    const waiting = await notReady(clusters, [...barrier.values()]);
    if (waiting.length === 0) break;
    if (Date.now() > deadline) return stop(`rollback restored the source replicas, but moved no traffic back: ${waiting.slice(0, 5).join('; ')}; run rollback again once they are ready`);
    await sleep(pollMs);
  }
  // 2. Traffic back to the source, newest shift first.
  for (const g of shifts) {
    if (aborted()) return { exit: 130, status };
    note(await undoShift(ctx, g), gate);
  }
  if (gate.length > 0) return stop(`rollback restored the source, but deleted none of the target's copies, since traffic may still reach them: ${[...gate, ...refused].join('; ')}`);
  // Before any copy goes: a copied workload that serves in the target must have ready replicas in the source again
  // (someone may have scaled the source down by hand, outside the journal): else deleting it would leave none anywhere.
  const stranded = await strandedCopies(clusters, spec, copies.map((g) => g[0]!));
  if (stranded.length > 0)
    return stop(`rollback restored what it recorded, but deleted none of the target's copies: ${stranded.slice(0, 5).join('; ')}${stranded.length > 5 ? `; ... (${stranded.length} in all)` : ''}. Scale the source up (it was scaled down outside meshferry, so the journal holds no replicas to restore), then run rollback again`);
  // 3-6. What the target holds, then the config and the remote secrets.
  for (const g of copies) {
    if (aborted()) return { exit: 130, status };
    const first = g[0]!;
    const o = first.step === STEP.copy && (first.before as { object: unknown }).object !== null ? await undoChanged(ctx, g) : await undoCreated(ctx, g);
    const key = o.refused ? namespaceKey(first.target!, home) : undefined;
    if (key) kept.add(key);
    note(o);
  }
  ctx.deadline = Date.now() + timeoutMs;
  for (const g of namespaces) {
    if (aborted()) return { exit: 130, status };
    note(g[0]!.step === STEP.namespace ? await restoreState(access, journal, g[0]!) : await undoCreated(ctx, g));
  }
  for (const g of imports) {
    if (aborted()) return { exit: 130, status };
    note(await restoreImported(clusters, journal, g));
  }
  ctx.deadline = Date.now() + timeoutMs;
  for (const g of remotes) {
    if (aborted()) return { exit: 130, status };
    note(await undoCreated(ctx, g));
  }
  if (refused.length > 0) return stop(`rollback restored every other recorded change, but left ${refused.length} object(s) alone: ${refused.join('; ')}`);
  const done = rolledBackStatus(status, source, journal.entries().filter((e) => e.step === STEP.rollback).length);
  await writeStatus(client, resource, name, done);
  return { exit: 0, status: done };
}

/** Copied workloads ready in the target whose source counterpart has no ready replica: deleting them would strand their traffic. */
async function strandedCopies(clusters: MigrationClusters, spec: MeshMigrationSpec, entries: readonly JournalEntry[]): Promise<string[]> {
  const out: string[] = [];
  const source = spec.source?.context;
  if (!source) return out;
  for (const e of entries) {
    const t = e.target!;
    if (e.step !== STEP.copy || (t.kind !== 'Deployment' && t.kind !== 'StatefulSet')) continue;
    const ready = async (context: string | undefined) => {
      const client = await clusters.clientFor(context, describeTarget(t));
      const res = workloadResource(client, t.kind as WorkloadKind);
      const live = res ? await client.get(res, t.namespace, t.name) : undefined;
      return live && isPlainObject(live.status) ? Number(live.status.readyReplicas ?? 0) : 0;
    };
    if ((await ready(t.context)) > 0 && (await ready(source === clusters.homeContext ? undefined : source)) === 0)
      out.push(`${describeTarget(t)} serves with ready replicas, but ${t.kind} ${t.namespace}/${t.name} in the source (context "${sanitizeTerminalText(source, { oneLine: true })}") has none`);
  }
  return out;
}

/**
 * The status after a rollback. What described the forward move no longer holds: every wave that started is
 * Reverted (none is still Verified, no pod counts as verified on the target), and the residue and warnings are
 * dropped (their advice, such as moving the default tag to the target, would now be wrong).
 */
export function rolledBackStatus(status: MigrationStatus, source: string, restoreSteps: number): MigrationStatus {
  const done: MigrationStatus = {
    ...status,
    phase: 'RolledBack',
    rollingBack: false,
    message: `rolled back to revision ${source} from the journal (${restoreSteps} restore step(s))`,
    waves: status.waves.map((w) => (w.state === 'Pending' || w.state === 'Paused' ? { name: w.name, state: 'Pending', counts: w.counts } : { ...w, state: 'Reverted', reason: `rolled back to ${source}`, counts: { ...w.counts, verifiedPods: 0 } })),
  };
  delete done.failedCheck;
  delete done.residue;
  delete done.warnings;
  return done;
}
