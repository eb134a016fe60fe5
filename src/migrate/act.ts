// The act half of the engine: carries out one reconcile action, journaling intent before each change and its result after, and returns the next status.
import type { Journal, JournalEntry, JournalOutcome, JournalTarget } from '../journal/journal.js';
import { isSecret } from '../resources/secrets.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { discoverControlPlanes } from './cluster/control-planes.js';
import { restartWorkload } from './cluster/workloads.js';
import { parseWorkloadRef, workloadRef } from './observed.js';
import { discoverSourceRevision, snapshot, proxyConfigName, proxyConfigSpec, ROOT_NAMESPACE, type ObserveContext } from './observe.js';
import { waveOptIn, waveWorkloads } from './opt-in.js';
import type { Action } from './reconcile.js';
import type { Condition, MeshMigrationSpec, MigrationStatus } from './spec.js';
import { readState, readTargets, stateHolds, stateHoldsIn, stateIn, stateMismatch, targetOf, writeState, type TargetState } from './target-state.js';
import { applyValidated } from '../kube/apply.js';
import { Semaphore } from '../concurrency.js';
import { KubeApiError } from '../kube/errors.js';
import { DEFAULT_WRITE_CONCURRENCY } from '../kube/object-client.js';
import { compareConfig } from './config.js';
import { describeEntry } from './clusters.js';
import { actCross } from './cross/act-cross.js';
import { sourceClient } from './cross/observe-cross.js';

/** The engine's view of one run: the same for observe and act. */
export type ActContext = ObserveContext;

/** Journal step names of the engine. */
export const STEP = {
  namespace: 'optIn.namespace',
  template: 'optIn.template',
  tag: 'optIn.tag',
  restart: 'restart',
  proxyConfig: 'proxyConfig',
  import: 'config.import',
  revert: 'revert',
  rollback: 'rollback',
  // CrossCluster (issue 13); each entry names its cluster in `target.context`.
  /** The remote secret in home that makes a remote cluster known to the primary (digest only). */
  remoteSecret: 'xc.remoteSecret',
  /** The remote reader's ServiceAccount, RBAC and token, created in the remote for the remote secret. */
  created: 'xc.created',
  /** A namespace created in the wave's cluster. */
  crossNamespace: 'xc.namespace',
  /** A workload, Service, ConfigMap, ... copied into the wave's cluster. */
  copy: 'xc.copy',
  /** A Secret copied (create-only) into the wave's cluster (digest only). */
  secret: 'xc.secret',
  /** The weights before a wave's TrafficShift first moved them. */
  shift: 'xc.shift',
  /** A source workload scaled down, with its replicas before. */
  scale: 'xc.scale',
  /** An object removed by `migrate finish --execute`. */
  decommission: 'decommission',
} as const;

/** The CrossCluster steps: rollback names them rather than undoing them until their own undo exists (issue 13, step C9). */
export const CROSS_CLUSTER_STEPS: ReadonlySet<string> = new Set([STEP.remoteSecret, STEP.created, STEP.crossNamespace, STEP.copy, STEP.secret, STEP.shift, STEP.scale, STEP.decommission]);

/** Steps whose `before` rollback restores. */
export const FORWARD_STEPS: ReadonlySet<string> = new Set([STEP.namespace, STEP.template, STEP.tag, STEP.restart, STEP.proxyConfig, STEP.import, ...CROSS_CLUSTER_STEPS]);

/**
 * Records a journaled write that threw. Only a definite refusal by the server (a 4xx answer) means nothing was
 * written: that entry is failed. Anything else (no answer, a lost response, a 5xx) may have landed, so the entry
 * stays pending and the next run or rollback settles it against the cluster (observePending), never skips it.
 */
export async function recordWriteError(journal: Pick<Journal, 'fail'>, seq: number, err: unknown, target?: JournalTarget): Promise<void> {
  const outcome = writeErrorOutcome(seq, err, target);
  if (outcome) await journal.fail(seq, outcome.failed);
}

/**
 * What a journaled write that threw records (recordWriteError's rule): failed on a 4xx answer, nothing otherwise,
 * so the entry stays pending. A Secret's failure keeps only the status and reason: the server's message is never
 * journaled for it, since a validation message may quote what was sent.
 */
export function writeErrorOutcome(seq: number, err: unknown, target?: JournalTarget): { seq: number; failed: string } | undefined {
  if (!(err instanceof KubeApiError && err.status >= 400 && err.status < 500)) return undefined;
  return { seq, failed: target && isSecret(target) ? `HTTP ${err.status} ${err.reason}` : err.message };
}

/** Reads of a batch in flight at once (the object client bounds its writes itself). */
const BATCH_READS = 16;

/** What a batched write records as its result: plain values (a uid, a resourceVersion), never an object. */
export type WriteResult = Record<string, string | number | boolean | null>;

/** One write of a batch (journaledWrites). */
export interface BatchWrite {
  step: string;
  target: JournalTarget;
  /** What the target should show; recorded as `intent.state`, which resume checks against the cluster. */
  state: TargetState;
  /** The prior state rollback puts back; default: read from the cluster. A Secret's is always `{object: null}`. */
  before?: TargetState;
  /** More intent fields (a wave index, say). */
  extra?: Record<string, unknown>;
  /** How to write it; default writeState. What it returns is recorded as the entry's result. */
  write?: () => Promise<WriteResult | void>;
  /**
   * Writes of a lower tier of the same group are answered before any of a higher one starts (a pod's ConfigMap before
   * its Deployment); default 0. Once a write is refused for any reason but a conflict (409), or its answer is lost, no
   * write of a tier above the batch's lowest is sent any more, in any group: they are journaled "not written". The
   * lowest tier always goes out whole.
   */
  tier?: number;
  /**
   * The writes a tier waits on are those of its own group (a wave's copies: their namespace, since a pod needs only the
   * Services, ConfigMaps and ServiceAccounts of its own namespace); default: one group for the whole batch. Groups go
   * together, and writes waiting for a write slot go in the order of their groups' names: the first namespace's
   * workloads are written (and their pods start) while the next namespaces' Services are still being created, not after
   * every namespace's are.
   */
  group?: string;
}

export interface BatchOutcome {
  /** Entries written (done), in batch order. */
  written: { item: BatchWrite; entry: JournalEntry; result?: WriteResult }[];
  /** Writes the server refused (4xx): journaled failed, returned for the caller to name (a 409 left alone, say). */
  refused: { item: BatchWrite; entry: JournalEntry; error: KubeApiError }[];
  /** Writes of a tier above the lowest never sent, since a write (of any group) failed first: journaled failed ("not written"). */
  notWritten: { item: BatchWrite; entry: JournalEntry }[];
}

/** Why a write of a tier above the batch's lowest was never sent. */
class NotWritten extends Error {}

/** Whether a write's error stops the higher tiers: refused for another reason than a conflict, or its answer lost. */
function stopsTiers(err: unknown): boolean {
  return !(err instanceof NotWritten) && !(err instanceof KubeApiError && err.status === 409);
}

/**
 * Journals a batch of writes with one intent write before them and one result write after them (per journal
 * shard), instead of two whole-shard writes per object. Writes the cluster already shows are skipped, unjournaled.
 * The writes of a tier (within a group: BatchWrite.group) go out together; the next tier starts once each of them is
 * answered, and only when no write of the batch was refused (but for a conflict) or lost: a Deployment is never written
 * when its ConfigMap failed.
 * A write that threw anything but a 4xx answer may have landed: its entry stays pending (as recordWriteError
 * leaves it), and the first such error is thrown once every outcome is recorded.
 */
export async function journaledWrites(ctx: ActContext, items: readonly BatchWrite[]): Promise<BatchOutcome> {
  // Hundreds of objects: their reads go out together (bounded), not one round trip after another.
  // Each target is read once (a LIST per kind and namespace for many of them): whether it already holds, and its before.
  const read = await readTargets(ctx, items.map((item) => item.target), BATCH_READS);
  const holds = await Promise.all(items.map((item, i) => stateHoldsIn(ctx, item.target, item.state, read[i]!.obj, read[i]!.context)));
  const todo = items.flatMap((item, i) => (holds[i] ? [] : [{ item, read: read[i]! }]));
  const intents = await Promise.all(
    todo.map(async ({ item, read: r }) => ({ step: item.step, target: item.target, before: item.before ?? (await stateIn(ctx, item.target, item.state, r.obj, r.context)), intent: { ...item.extra, state: item.state } })),
  );
  const entries = await ctx.journal.beginMany(intents);
  const settled: PromiseSettledResult<WriteResult | void>[] = todo.map(() => ({ status: 'rejected', reason: new NotWritten() }));
  // Groups go together; writes waiting for a slot go in the order of their groups' names (a wave's copies: namespace
  // by namespace), so the first namespace's workloads are written as soon as its own lower tiers are answered, ahead
  // of the later namespaces' Services (which an API server under load answers slowly: docs/benchmarks.md).
  const groups = new Map<string, number[]>();
  todo.forEach(({ item }, i) => {
    const g = groups.get(item.group ?? '');
    if (g) g.push(i);
    else groups.set(item.group ?? '', [i]);
  });
  const ordered = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, indexes]) => indexes);
  const rank = new Map<number, number>();
  ordered.forEach((indexes, r) => indexes.forEach((i) => rank.set(i, r)));
  const tierOf = (i: number) => todo[i]!.item.tier ?? 0;
  const lowest = Math.min(...todo.map((_, i) => tierOf(i)));
  // As many slots as the ObjectClient has write slots (DEFAULT_WRITE_CONCURRENCY; no caller sets another), so the order
  // decided here is the order requests leave in.
  const slots = new Semaphore(DEFAULT_WRITE_CONCURRENCY);
  let stopped = false;
  // Promise.resolve().then: a write function that throws at once is a rejection too, never an escape past the journal.
  // The lowest tier always goes out whole (nothing it waits on can have failed); a write of a higher tier is not sent
  // once a write stopped the tiers, checked right before it is sent. A write that stops them says so before its slot
  // is handed on.
  const send = (i: number) =>
    slots.run(async () => {
      try {
        return await Promise.resolve().then(() => {
          if (stopped && tierOf(i) > lowest) throw new NotWritten();
          return (todo[i]!.item.write ?? (() => writeState(ctx, todo[i]!.item.target, todo[i]!.item.state)))();
        });
      } catch (err) {
        if (stopsTiers(err)) stopped = true;
        throw err;
      }
    }, rank.get(i));
  await Promise.all(
    ordered.map(async (indexes) => {
      for (const tier of [...new Set(indexes.map(tierOf))].sort((a, b) => a - b)) {
        if (stopped && tier > lowest) return;
        const at = indexes.filter((i) => tierOf(i) === tier);
        const done = await Promise.allSettled(at.map(send));
        at.forEach((i, k) => (settled[i] = done[k]!));
      }
    }),
  );
  const outcome: BatchOutcome = { written: [], refused: [], notWritten: [] };
  const records: JournalOutcome[] = [];
  let lost: unknown;
  for (const [i, s] of settled.entries()) {
    const { item } = todo[i]!;
    const entry = entries[i]!;
    if (s.status === 'rejected' && s.reason instanceof NotWritten) {
      records.push({ seq: entry.seq, failed: 'not written: a write of the same batch failed before it was sent (one it may wait on, such as a ServiceAccount or ConfigMap, in its namespace or another)' });
      outcome.notWritten.push({ item, entry });
      continue;
    }
    if (s.status === 'fulfilled') {
      records.push({ seq: entry.seq, ...(s.value ? { result: s.value } : {}) });
      outcome.written.push({ item, entry, ...(s.value ? { result: s.value } : {}) });
      continue;
    }
    const failed = writeErrorOutcome(entry.seq, s.reason, item.target);
    if (failed) {
      records.push(failed);
      outcome.refused.push({ item, entry, error: s.reason as KubeApiError });
    } else lost ??= s.reason;
  }
  if (records.length > 0) await ctx.journal.finishMany(records);
  if (lost !== undefined) throw lost;
  return outcome;
}

/** Records intent, changes the target to `state`, records the result; nothing is journaled when the cluster already shows it. */
async function journaledWrite(
  ctx: ActContext,
  step: string,
  target: JournalTarget,
  state: TargetState,
  extra: Record<string, unknown> = {},
  write: () => Promise<unknown> = () => writeState(ctx, target, state),
): Promise<JournalEntry | undefined> {
  if (await stateHolds(ctx, target, state)) return undefined;
  const before = await readState(ctx, target, state);
  const entry = await ctx.journal.begin(step, { target, before, intent: { ...extra, state } });
  try {
    await write();
  } catch (err) {
    await recordWriteError(ctx.journal, entry.seq, err, target);
    throw err;
  }
  await ctx.journal.finish(entry.seq);
  return entry;
}

function condition(status: MigrationStatus, type: string, ok: boolean, reason: string, message: string, at: string): Condition[] {
  const rest = status.conditions.filter((c) => c.type !== type);
  return [...rest, { type, status: ok ? 'True' : 'False', reason, message, lastTransitionTime: at }];
}

/** Carries out `action` and returns the status to record. */
export async function act(ctx: ActContext, status: MigrationStatus, action: Action): Promise<MigrationStatus> {
  const at = (ctx.now ?? (() => new Date()))().toISOString();
  const next: MigrationStatus = structuredClone(status);
  next.retryCounter = ctx.spec.retryCounter ?? 0;
  next.observedGeneration = ctx.generation;
  switch (action.kind) {
    case 'settle':
      if (action.applied) await ctx.journal.finish(action.seq, { settled: 'found applied in the cluster on resume', ...(await settledVersion(ctx, action.seq)) });
      else await ctx.journal.fail(action.seq, 'not applied before the interruption; redone if still needed');
      return next;
    case 'stopFailed':
    case 'blocked':
    case 'done':
      if (action.kind === 'blocked') next.message = action.message;
      return next;
    case 'wait':
      for (const ref of action.nudge ?? []) await restartWorkload(ctx.client, parseWorkloadRef(ref), currentStamp(next, ref, ctx.spec) ?? at);
      next.message = action.message;
      return next;
    case 'fail':
      next.failedCheck = { name: action.check, retryCounter: ctx.spec.retryCounter ?? 0 };
      next.message = action.message;
      if (action.wave !== undefined) {
        const ws = next.waves[action.wave]!;
        if (ws.state === 'OptedIn') ws.state = 'Failed';
        ws.reason = action.message;
      }
      next.conditions = condition(next, 'Ready', false, `${action.check}Failed`, action.message, at);
      return next;
    case 'advance': {
      if (next.phase === 'Init' && !next.sourceRevision) next.sourceRevision = await sourceOf(ctx);
      delete next.failedCheck;
      next.phase = action.to;
      next.message = action.message;
      if (action.warnings?.length) next.warnings = [...new Set([...(next.warnings ?? []), ...action.warnings])];
      if (action.to === 'Prepare') next.prepareRestartAt = at;
      next.conditions = condition(next, `${action.to}Entered`, true, 'ChecksPassed', action.message, at);
      return next;
    }
    case 'ensureProxyConfig': {
      const target: JournalTarget = { apiVersion: 'networking.istio.io/v1beta1', kind: 'ProxyConfig', namespace: ROOT_NAMESPACE, name: proxyConfigName(ctx.name) };
      await journaledWrite(ctx, STEP.proxyConfig, target, { proxyConfig: proxyConfigSpec(ctx.spec.requiredProxyMetadata ?? {}) });
      next.message = `ProxyConfig ${ROOT_NAMESPACE}/${target.name} sets ${Object.keys(ctx.spec.requiredProxyMetadata ?? {}).join(', ')}`;
      return next;
    }
    case 'importConfig': {
      const failed = await importConfig(ctx, new Set(action.objects));
      if (failed.length > 0) {
        const message = `config import failed for ${failed.length} object(s): ${failed.slice(0, 10).join('; ')}${failed.length > 10 ? '; ...' : ''}. Fix them in ${ctx.spec.config?.from ?? 'the rules (spec.config.rules): the live export of the source that Init analyzed is what Prepare imports, so an edit of the source shows only after a rollback and a new apply'} (or the cluster), then run \`meshferry migrate retry\``;
        next.failedCheck = { name: 'ConfigImport', retryCounter: ctx.spec.retryCounter ?? 0 };
        next.message = message;
        next.conditions = condition(next, 'Ready', false, 'ConfigImportFailed', message, at);
        return next;
      }
      next.message = `imported ${action.objects.length} config object(s) from ${ctx.spec.config?.from ?? `the live export of ${ctx.spec.source?.context ?? 'the source'}`}`;
      return next;
    }
    case 'restart': {
      const stamp = action.purpose === 'prepare' ? (next.prepareRestartAt ?? at) : (next.waves[action.wave!]!.restartAt ?? at);
      for (const ref of action.workloads) {
        const w = parseWorkloadRef(ref);
        const target = targetOf(w.kind, w.namespace, w.name, ctx.client);
        const extra = { purpose: action.purpose, ...(action.wave === undefined ? {} : { wave: action.wave }) };
        // Counted when written: a restart redone after a crash (already in the cluster) is not counted twice.
        const wrote = await journaledWrite(ctx, STEP.restart, target, { restartedAt: stamp }, extra, () => restartWorkload(ctx.client, w, stamp));
        if (wrote && action.wave !== undefined) next.waves[action.wave]!.counts.restarted++;
      }
      next.message = `restarted ${action.workloads.join(', ')}`;
      return next;
    }
    case 'pause': {
      next.waves[action.wave]!.state = 'Paused';
      if (action.drift) next.waves[action.wave]!.reason = action.message;
      next.message = action.message;
      return next;
    }
    case 'optIn': {
      const ws = next.waves[action.wave]!;
      // Pods made while the opt-in was reverted (or drifted) came from the source: a fresh stamp restarts them again.
      const fresh = action.reapply || !ws.restartAt;
      if (fresh) ws.restartAt = at;
      const workloads = await optIn(ctx, next, action.wave);
      // A fresh stamp restarts every workload again: the count starts over, out of the wave's workloads.
      if (fresh) ws.counts = { ...ws.counts, workloads, restarted: 0 };
      ws.state = 'OptedIn';
      delete ws.reason;
      next.message = `wave ${ws.name}: opted in to ${ctx.spec.target.revision}${action.reapply ? ' again' : ''}`;
      return next;
    }
    case 'revertOptIn': {
      const refused = await revertWave(ctx, action.wave, action.reason);
      const ws = next.waves[action.wave]!;
      ws.state = 'Reverted';
      ws.reason = action.reason;
      next.message = `wave ${ws.name}: opt-in reverted so its namespaces can still start pods (${action.reason}); run \`meshferry migrate resume\` once the target injector is back`;
      if (refused.length > 0)
        next.message += `; not reverted, because their prior state is not what their step records (the journal may have been edited by someone else): ${refused.join('; ')}`;
      next.conditions = condition(next, 'TargetServing', false, 'InjectorDown', action.reason, at);
      return next;
    }
    case 'waveVerified': {
      const ws = next.waves[action.wave]!;
      ws.state = 'Verified';
      ws.counts = action.counts;
      ws.untouchable = action.untouchable.map((u) => ({ ref: `${u.kind} ${u.namespace}/${u.name}`, reason: u.reason }));
      delete ws.reason;
      next.message = `wave ${ws.name}: ${action.counts.verifiedPods} pod(s) verified on ${ctx.spec.target.revision}`;
      return next;
    }
    case 'ensureRemoteSecret':
    case 'crossStage':
    case 'crossVerified':
    case 'createNamespaces':
    case 'copyObjects':
    case 'scaleDown':
    case 'shiftTick':
      return actCross(ctx, next, action);
    case 'finishCross':
      delete next.failedCheck;
      next.phase = 'Finished';
      next.finishChecks = action.checks;
      next.message = `finished: every wave moved, and the finish checks pass (${action.checks.map((c) => `${c.name} ${c.verdict}`).join(', ') || 'none configured'}); \`meshferry migrate finish ${ctx.name}\` lists what is left of the source`;
      next.conditions = condition(next, 'Ready', true, 'Finished', next.message, at);
      return next;
    case 'finish':
      next.phase = 'Finished';
      next.residue = action.residue;
      next.message = `finished: no pod in scope runs the source revision${action.residue.length ? `; ${action.residue.length} thing(s) outside the waves still use it (see residue)` : ''}`;
      next.conditions = condition(next, 'Ready', true, 'Finished', next.message, at);
      return next;
  }
}

/** A settled import entry records the resourceVersion it left, as a finished one does: rollback's precondition. */
export async function settledVersion(ctx: Pick<ActContext, 'clusters' | 'journal'>, seq: number): Promise<{ resourceVersion?: string; uid?: string; generation?: number }> {
  const e = ctx.journal.entries().find((x) => x.seq === seq);
  if (e?.step !== STEP.import || !e.target) return {};
  const client = await ctx.clusters.clientOf(e.target);
  const res = client.resourceOf(e.target);
  const live = res ? await client.get(res, res.namespaced ? e.target.namespace : undefined, e.target.name) : undefined;
  return live ? importVersion(live) : {};
}

/** What an import records of the object it left: resourceVersion, uid and generation (rollback's preconditions). */
export function importVersion(live: KubeObject): { resourceVersion?: string; uid?: string; generation?: number } {
  const m = live.metadata;
  return {
    ...(typeof m.resourceVersion === 'string' ? { resourceVersion: m.resourceVersion } : {}),
    ...(typeof m.uid === 'string' ? { uid: m.uid } : {}),
    ...(typeof m.generation === 'number' ? { generation: m.generation } : {}),
  };
}

/**
 * Server-side applies the config objects named (field manager meshferry, strict field validation), each with its
 * prior state journaled before the write and the resourceVersion it left after. A rejected object is journaled
 * failed and named; the others still land. Returns the failures.
 */
async function importConfig(ctx: ActContext, wanted: ReadonlySet<string>): Promise<string[]> {
  if (!ctx.config) throw new TypeError('spec.config is set but no config loader was given');
  const items = (await compareConfig(ctx.client, await ctx.config())).filter((i) => wanted.has(i.ref) && (i.change === 'create' || i.change === 'change'));
  const failed: string[] = [];
  const batches: [BatchWrite[], BatchWrite[]] = [[], []];
  const refs = new Map<BatchWrite, string>();
  for (const item of items) {
    const obj = item.object;
    const res = ctx.client.resourceOf(obj);
    if (!res) {
      failed.push(`${item.ref}: ${item.reason ?? `the cluster does not serve ${obj.apiVersion} ${obj.kind}`}`);
      continue;
    }
    const target: JournalTarget = { apiVersion: obj.apiVersion, kind: obj.kind, ...(res.namespaced && obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name };
    const write = async () => {
      const out = await applyValidated(ctx.client, obj, { mode: 'strict' });
      return { ...importVersion(out.object), created: out.status === 201 };
    };
    // Namespaces first (a batch of their own), so the objects in them have somewhere to go.
    const batchWrite: BatchWrite = { step: STEP.import, target, state: { object: obj }, extra: { change: item.change }, write };
    refs.set(batchWrite, item.ref);
    batches[obj.kind === 'Namespace' && obj.apiVersion === 'v1' ? 0 : 1].push(batchWrite);
  }
  // One journal write before and one after each batch: hundreds of objects, one entry each, used to rewrite the whole
  // shard twice per object (bench/migrate cross: 410 objects took 142 s, docs/benchmarks.md).
  for (const batch of batches) {
    if (batch.length === 0) continue;
    // A definite refusal of one object (4xx) lets the others still land; a 5xx or no answer may mean it landed, so
    // its entry stays pending and journaledWrites throws once the others are recorded: the run stops for resume.
    const out = await journaledWrites(ctx, batch);
    const unauthorized = out.refused.find((r) => r.error.status === 401);
    if (unauthorized) throw unauthorized.error;
    for (const r of out.refused) failed.push(`${refs.get(r.item) ?? r.item.target.name}: ${r.error.serverMessage}`);
  }
  return failed;
}

function currentStamp(status: MigrationStatus, ref: string, spec: MeshMigrationSpec): string | undefined {
  const w = parseWorkloadRef(ref);
  if (status.phase === 'Prepare') return status.prepareRestartAt;
  const index = spec.waves.findIndex((wave, i) => status.waves[i]?.state !== 'Verified' && ((wave.namespaces ?? []).includes(w.namespace) || (wave.gateways ?? []).includes(`${w.namespace}/${w.name}`)));
  return index >= 0 ? status.waves[index]?.restartAt : undefined;
}

async function sourceOf(ctx: ActContext): Promise<string> {
  if (ctx.spec.mode === 'CrossCluster') {
    // The source is another cluster: its revision is the file's, else its one control plane.
    if (ctx.spec.source?.revision) return ctx.spec.source.revision;
    return (await discoverControlPlanes(await sourceClient(ctx))).controlPlanes[0]?.revision ?? 'default';
  }
  return discoverSourceRevision(ctx.client, ctx.spec, await discoverControlPlanes(ctx.client));
}

/** Applies a wave's opt-in: pod templates first (pinned), then namespaces, then the tag; each change journaled. Returns the wave's workload count. */
async function optIn(ctx: ActContext, status: MigrationStatus, index: number): Promise<number> {
  const wave = ctx.spec.waves[index]!;
  const snap = await snapshot(ctx.client, ctx.spec, status.sourceRevision ?? 'default');
  const plan = waveOptIn(ctx.spec, wave, snap.workloads, snap.gateways);
  const workloads = waveWorkloads(wave, snap.workloads, snap.gateways);
  for (const t of plan.templates) {
    const w = workloads.find((x) => workloadRef(x) === t.ref);
    if (!w) continue;
    await journaledWrite(ctx, STEP.template, targetOf(w.kind, w.namespace, w.name, ctx.client), { labels: t.change }, { wave: index });
  }
  for (const n of plan.namespaces) await journaledWrite(ctx, STEP.namespace, targetOf('Namespace', undefined, n.name, ctx.client), { labels: n.change }, { wave: index });
  if (plan.tag) {
    const found = await discoverControlPlanes(ctx.client);
    const target = found.controlPlanes.find((cp) => cp.revision === plan.tag!.revision);
    const mwcRes = ctx.client.discovery.resourceFor('admissionregistration.k8s.io', 'MutatingWebhookConfiguration');
    const own = target && mwcRes ? await ctx.client.get(mwcRes, undefined, target.injectorConfigs[0] ?? '') : undefined;
    const clientConfig = Array.isArray(own?.webhooks) && isPlainObject(own.webhooks[0]) ? own.webhooks[0].clientConfig : undefined;
    const tagName = `istio-revision-tag-${plan.tag.name}`;
    const tagObj = mwcRes ? await ctx.client.get(mwcRes, undefined, tagName) : undefined;
    const count = Array.isArray(tagObj?.webhooks) ? tagObj.webhooks.length : 1;
    await journaledWrite(ctx, STEP.tag, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', name: tagName }, { tag: { revision: plan.tag.revision, clientConfigs: Array.from({ length: count }, () => clientConfig) } }, { wave: index });
  }
  return workloads.length;
}

/** Opt-in entries of a wave that are in force (done, or pending: applied or not, putting `before` back is safe). */
export function waveOptInEntries(entries: readonly JournalEntry[], wave: number): JournalEntry[] {
  return entries.filter((e) => (e.step === STEP.namespace || e.step === STEP.template || e.step === STEP.tag) && isPlainObject(e.intent) && e.intent.wave === wave && e.state !== 'failed');
}

/**
 * Puts a wave's opt-in back as recorded (namespaces first, so no pod starts unpinned), each restore journaled.
 * An entry whose prior state a plain undo may not write (undoProblem) was not written by meshferry, and is named
 * instead of restored.
 */
async function revertWave(ctx: ActContext, index: number, reason: string): Promise<string[]> {
  const entries = waveOptInEntries(ctx.journal.entries(), index).reverse();
  const reverted = new Set(ctx.journal.entries().filter((e) => e.step === STEP.revert && isPlainObject(e.intent)).map((e) => (e.intent as { undoes: number }).undoes));
  const refused: string[] = [];
  for (const e of entries) {
    if (!e.target || reverted.has(e.seq) || e.before === undefined) continue;
    if (undoProblem(e)) {
      refused.push(describeEntry(e));
      continue;
    }
    await journaledWrite(ctx, STEP.revert, e.target, e.before as TargetState, { undoes: e.seq, wave: index, reason });
  }
  return refused;
}

/** The one kind of prior state each in-place forward step records (config.import records whole objects). */
const UNDO_STATE: Readonly<Record<string, string>> = { [STEP.namespace]: 'labels', [STEP.template]: 'labels', [STEP.tag]: 'tag', [STEP.restart]: 'restartedAt', [STEP.proxyConfig]: 'proxyConfig' };

/**
 * Why a plain undo (rollback, or a wave's revert) may not write the prior state an entry records, or undefined
 * when it may. The journal is ConfigMaps others can write: a whole object is restored only through a config
 * import's trust checks, and any other state must belong to its target and be the kind its step writes (an
 * opt-in entry holding `{replicas: 0}` would otherwise scale a Deployment to nothing).
 */
export function undoProblem(e: JournalEntry): string | undefined {
  const before = e.before;
  if (!isPlainObject(before) || !e.target) return 'it records no prior state';
  if ('object' in before) return 'it records a whole object, which only a config import restores (with its checks)';
  const mismatch = stateMismatch(e.target, before as TargetState);
  if (mismatch) return mismatch;
  const keys = Object.keys(before);
  return keys.length === 1 && keys[0] === UNDO_STATE[e.step] ? undefined : 'it records a kind of prior state its step never writes';
}
