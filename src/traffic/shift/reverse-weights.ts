// Sends a shift's traffic back to "from" after it ended (a Succeeded shift is terminal, so its own loop never will): the file's rollback path, recorded on the TrafficShift's status, refused on someone else's edit.
import { setTimeout as sleepFor } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { ClusterError, ExitCode, MeshferryError } from '../../errors.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject } from '../../resources/object.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { createRouter } from '../routers/create-router.js';
import { WeightsChangedError } from '../routers/router.js';
import type { ClusterSet, LiveWeights, Router, TargetWeights } from '../routers/router.js';
import { halfWritten, isTerminal, rollbackPath, written } from './decide.js';
import type { ShiftState } from './decide.js';
import type { ShiftStateStore } from './runner.js';
import { parseTrafficShift } from './spec.js';
import type { LoadedTrafficShift, ShiftPlan } from './spec.js';
import { SHIFT_API_VERSION, SHIFT_GROUP, SHIFT_VERSION, TrafficShiftStore } from './store.js';

/** What a reverse did: `restored` says what moved (or that nothing had to), `refused` why nothing (more) moved. */
export interface ReverseOutcome {
  restored?: string;
  refused?: string;
}

export interface ReverseShiftOptions {
  /** The cluster the TrafficShift lives in; router targets that name no context are there too (as with `shift run`). */
  home: ObjectClient;
  /** The other contexts the router names. */
  set: ClusterSet;
  signal?: AbortSignal;
  /** Waits between two rollback steps (tests pass their own); rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Why traffic goes back, recorded in the status (default: a rollback). */
  reason?: string;
  /** Each weight written, in words (progress on stderr). */
  onStep?: (message: string) => void;
}

/** The TrafficShift to reverse, in home. */
export interface ShiftRef {
  namespace: string;
  name: string;
  /**
   * The spec meshferry applied (a journal records it). The live object's spec must be this one: otherwise someone
   * changed what the router points at, and it is not followed. When the object is gone, this spec names the router.
   */
  spec?: unknown;
}

/** A ClusterSet in which "no context" means home: a TrafficShift's targets without a context live beside it. */
export function homeClusterSet(home: ObjectClient, set: ClusterSet): ClusterSet {
  return { client: (context) => (context === undefined || context === home.transport.contextName ? Promise.resolve(home) : set.client(context)) };
}

/** Router errors that mean "this router cannot be followed now" rather than a cluster failure: named, not thrown. */
const REFUSED_ROUTER_ERRORS: ReadonlySet<string> = new Set(['RouterTargetNotFound', 'RouterTargetNotServed', 'RouterBadWeight']);

/**
 * Walks the live weights of TrafficShift `ref` back to "from" (weight 0 for "to"): an instant rollback writes 0 at
 * once, a gradual one the file's `rollback.steps` below the live weight, one per `rollback.interval`. The live
 * weights must be those the shift last recorded (or a write it recorded but did not confirm): anything else is
 * someone else's edit, refused and named, never overwritten. Each write is recorded on the status first as intent
 * (`pendingWeight`), then as a `rollback` history entry; the shift ends RolledBack, so `shift status` shows it.
 * Idempotent: run again after a crash it finishes the walk; at "from" already it writes nothing.
 */
export async function reverseShift(opts: ReverseShiftOptions, ref: ShiftRef): Promise<ReverseOutcome> {
  const { home } = opts;
  const display = sanitizeTerminalText(`TrafficShift ${ref.namespace}/${ref.name}`, { oneLine: true });
  // Not ensureTrafficShiftCrd: a rollback installs nothing. A cluster without the CRD holds no TrafficShift.
  const resource = home.discovery.resourceAt(SHIFT_GROUP, SHIFT_VERSION, 'TrafficShift');
  const obj = resource ? await home.get(resource, ref.namespace, ref.name) : undefined;
  if (obj && ref.spec !== undefined && !isDeepStrictEqual(obj.spec, ref.spec)) {
    const live = isPlainObject(obj.spec) ? obj.spec : {};
    const applied = isPlainObject(ref.spec) ? ref.spec : {};
    const fields = [...new Set([...Object.keys(live), ...Object.keys(applied)])].filter((k) => !isDeepStrictEqual(live[k], applied[k])).map((k) => `spec.${k}`);
    return { refused: `${display}: ${sanitizeTerminalText(fields.join(', '), { oneLine: true }) || 'its spec'} is not what meshferry applied; someone else changed it, so meshferry does not follow it. Move the traffic back yourself` };
  }
  const spec = obj?.spec ?? ref.spec;
  if (spec === undefined) return { refused: `${display} does not exist in context ${home.transport.contextName}, and nothing else records its router: meshferry cannot tell which weights are its own` };
  let file: LoadedTrafficShift;
  try {
    // The stored spec passed the CRD's schema only (and a journal's copy nothing at all): the file's whole checks again.
    file = parseTrafficShift(JSON.stringify({ apiVersion: SHIFT_API_VERSION, kind: 'TrafficShift', metadata: { name: ref.name, namespace: ref.namespace }, spec }), display);
  } catch (err) {
    if (err instanceof MeshferryError) return { refused: `${display}: its spec is not a valid TrafficShift, so meshferry does not follow it: ${sanitizeTerminalText(err.message)}` };
    throw err;
  }
  const router = createRouter(file.value.spec.router, homeClusterSet(home, opts.set), { namespace: ref.namespace });
  try {
    if (!obj || !resource) return await withoutRecord(router, display, home.transport.contextName);
    return await walkBack({
      router,
      store: new TrafficShiftStore(home, resource, ref.namespace, ref.name),
      plan: file.plan,
      display,
      reason: opts.reason ?? 'traffic sent back to "from" by a rollback',
      now: opts.now ?? Date.now,
      sleep: opts.sleep ?? ((ms, signal) => sleepFor(ms, undefined, signal ? { signal } : {})),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onStep ? { onStep: opts.onStep } : {}),
    });
  } catch (err) {
    if (err instanceof ClusterError && REFUSED_ROUTER_ERRORS.has(err.code)) return { refused: `${display}: ${sanitizeTerminalText(err.message)}` };
    throw err;
  }
}

/**
 * A TrafficShift that is gone (or was never applied: a crash between the journal entry and the first tick) records
 * no weight meshferry wrote, so only "already at the source" can be told; anything else is left to a person.
 */
async function withoutRecord(router: Router, display: string, context: string): Promise<ReverseOutcome> {
  const live = await router.read();
  const show = live.targets.map((t) => `${t.target} ${t.field} is ${t.to}`).join(', ');
  if (live.targets.every((t) => t.to === 0)) return { restored: `already at the source: ${display} is not in context ${context} (never applied, or deleted), and every target sends nothing to "to"` };
  return { refused: sanitizeTerminalText(`${display} is not in context ${context} (never applied, or deleted), so nothing records which weights meshferry wrote: ${show}. meshferry moves no weight it cannot tell is its own; move the traffic back yourself`) };
}

/** The walk itself, over any router and state store (reverseShift's core; unit tests drive it in memory). */
export interface WalkBackInput {
  router: Router;
  store: ShiftStateStore;
  plan: Pick<ShiftPlan, 'rollback' | 'rollbackIntervalMs'>;
  /** `TrafficShift ns/name`, for messages. */
  display: string;
  reason: string;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  onStep?: (message: string) => void;
}

/** Where the live weights stand against the record: the weight meshferry's own writes left, or someone else's edit. */
type Standing = { current: number; landed?: number } | { edit: string };

function standing(state: ShiftState, targets: readonly TargetWeights[]): Standing {
  const tos = targets.map((t) => t.to);
  const recorded = state.weight;
  const pending = state.pendingWeight;
  // All traffic on "from" already: nothing to write, whoever put it there.
  if (tos.length > 0 && tos.every((w) => w === 0)) return pending === 0 ? { current: 0, landed: 0 } : { current: 0 };
  const show = (ts: readonly TargetWeights[]) => ts.map((t) => `${t.target} ${t.field} is ${t.to}`).join(', ');
  if (recorded === undefined) return { edit: `the shift never wrote a weight (${state.phase}), yet ${show(targets)}: those weights are someone else's` };
  if (pending !== undefined) {
    if (tos.every((w) => w === pending)) return { current: pending, landed: pending };
    if (tos.every((w) => w === recorded)) return { current: recorded };
    // A write cut short between targets, or between the two Services of an lbWeight pair: meshferry's own.
    const ours = targets.every((t) => t.to === pending || t.to === recorded || halfWritten({ object: t.target, field: t.field, to: t.to, raw: t.raw }, recorded, pending));
    if (ours) return { current: Math.max(recorded, pending) };
  } else if (tos.every((w) => w === recorded)) return { current: recorded };
  const edited = targets.filter((t) => t.to !== recorded && t.to !== pending);
  return { edit: `someone else changed the weights: ${show(edited)} (meshferry last set ${recorded})` };
}

function refusal(display: string, edit: string): string {
  return sanitizeTerminalText(`${display}: ${edit}; meshferry never overwrites a weight it did not set. Put them back, or move the traffic back yourself, then run the rollback again`);
}

function interrupted(display: string): MeshferryError {
  return new MeshferryError('Interrupted', `${display}: interrupted between two rollback steps; the weights written so far are recorded on its status, and running the rollback again continues`, { exitCode: ExitCode.interrupted });
}

function endedMessage(state: ShiftState): string {
  const rb = state.rollback!;
  const verb = rb.outcome === 'Aborted' ? 'aborted' : rb.outcome === 'Failed' ? 'failed' : 'rolled back';
  return `${verb} to weight ${state.weight ?? 0}: ${rb.reason}`;
}

/** Walks the weights back to 0 from where the record and the live weights agree (see reverseShift). */
export async function walkBack(w: WalkBackInput): Promise<ReverseOutcome> {
  const loaded = await w.store.load();
  const save = (s: ShiftState) => w.store.save(s, loaded.generation);
  let state = loaded.state;
  let live: LiveWeights = await w.router.read();
  const found = standing(state, live.targets);
  if ('edit' in found) return { refused: refusal(w.display, found.edit) };
  const current = found.current;
  const resuming = state.phase === 'RollingBack' && state.rollback !== undefined;
  state =
    found.landed !== undefined
      ? written(state, found.landed, resuming ? 'rollback' : 'advance', w.now())
      : { ...state, pendingWeight: undefined };
  // A rollback under way (this walk cut short, or the shift's own) goes on along its remaining steps.
  const rest = resuming ? state.rollback!.remaining.filter((x) => x < current) : rollbackPath(w.plan, w.plan.rollback.mode, current);
  const path = current === 0 ? [] : rest.at(-1) === 0 ? rest : [...rest, 0];

  if (path.length === 0) {
    if (loaded.state.phase === 'Succeeded') return { restored: `already at the source: ${w.display} succeeded at weight ${loaded.state.weight ?? '-'}, but every target now sends nothing to "to"; someone else moved the weights back, and meshferry wrote nothing` };
    if (isTerminal(loaded.state.phase) && loaded.state.pendingWeight === undefined) return { restored: `already at the source: ${w.display} is ${loaded.state.phase} with all traffic on "from"` };
    // Not ended (a shift stopped mid-way, or this walk cut short after its last write): end it, so nothing resumes it.
    const rollback = state.rollback ?? { outcome: 'RolledBack' as const, reason: w.reason, remaining: [], failed: [] };
    const ended: ShiftState = { ...state, rollback: { ...rollback, remaining: [] }, paused: undefined, phase: rollback.outcome, message: '' };
    ended.message = endedMessage(ended);
    await save(ended);
    return { restored: `${w.display}: all traffic on "from" (${ended.message})` };
  }

  const rollback = resuming ? state.rollback! : { outcome: 'RolledBack' as const, reason: w.reason, remaining: path, failed: [] };
  state = { ...state, phase: 'RollingBack', paused: undefined, rollback, message: `rolling back: ${rollback.reason}` };
  // A paced walk cut short keeps its pace; a write just confirmed starts a new interval.
  let due = found.landed !== undefined ? w.now() + w.plan.rollbackIntervalMs : resuming ? (state.nextCheckAt ?? w.now()) : w.now();
  const walked: number[] = [];
  for (const [i, weight] of path.entries()) {
    const wait = due - w.now();
    if (wait > 0) {
      try {
        await w.sleep(wait, w.signal);
      } catch {
        throw interrupted(w.display);
      }
    }
    if (w.signal?.aborted) throw interrupted(w.display);
    if (i > 0 || wait > 0) {
      // Live state wins: the weights are read again before each step, and must still be the ones last written.
      live = await w.router.read();
      const now = standing(state, live.targets);
      if ('edit' in now) {
        const why = refusal(w.display, now.edit);
        await save({ ...state, message: why });
        return { refused: why };
      }
    }
    const remaining = path.slice(i + 1);
    await save({ ...state, pendingWeight: weight, rollback: { ...rollback, remaining }, message: `rolling back to weight ${weight}: ${rollback.reason}` });
    let after: LiveWeights;
    try {
      after = await w.router.write(weight, live);
    } catch (err) {
      if (!(err instanceof WeightsChangedError)) throw err;
      const why = sanitizeTerminalText(`${w.display}: ${err.message}\nmeshferry never overwrites a weight it did not set. Put them back, or move the traffic back yourself, then run the rollback again`);
      await save({ ...state, message: why });
      return { refused: why };
    }
    walked.push(weight);
    w.onStep?.(`${w.display}: weight of "to" → ${weight}${after.targets.length ? ` (${after.targets.map((t) => `${t.target}: from ${t.raw.from} / to ${t.raw.to}`).join('; ')})` : ''}`);
    state = { ...written(state, weight, 'rollback', w.now()), rollback: { ...rollback, remaining }, message: `rolling back to weight ${weight}: ${rollback.reason}` };
    state.nextCheckAt = w.now() + w.plan.rollbackIntervalMs;
    live = after;
    due = state.nextCheckAt;
    if (remaining.length > 0) await save(state);
  }
  const ended: ShiftState = { ...state, phase: rollback.outcome, nextCheckAt: undefined, message: '' };
  ended.message = endedMessage(ended);
  await save(ended);
  await w.router.finalize('rolledBack');
  return { restored: sanitizeTerminalText(`${w.display}: traffic back on "from": weight of "to" ${current} → ${walked.join(' → ')} (${ended.phase}: ${ended.message})`) };
}
