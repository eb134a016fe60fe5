// The shift's one decision: from (plan, recorded state, live weights, requests, check results, now) to the next action. Pure.
import type { CheckOutcome } from '../gates/check.js';
import { describeOutcome } from '../gates/check.js';
import type { ShiftPlan } from './spec.js';

/** Where a shift is. Terminal phases never change again (a new run starts with `shift run --restart`). */
export type ShiftPhase = 'Pending' | 'Progressing' | 'Holding' | 'Paused' | 'RollingBack' | 'Succeeded' | 'RolledBack' | 'Failed' | 'Aborted';
export type TerminalPhase = 'Succeeded' | 'RolledBack' | 'Failed' | 'Aborted';
export const TERMINAL_PHASES: readonly ShiftPhase[] = ['Succeeded', 'RolledBack', 'Failed', 'Aborted'];

/** One check's last verdict, as status records it. */
export interface CheckRecord {
  name: string;
  verdict: CheckOutcome['verdict'];
  value?: number;
  bound?: 'min' | 'max';
  limit?: number;
  /** The line progress prints for it. */
  text: string;
}

/** The recorded state of a shift (the TrafficShift's status, with times in ms since the epoch). */
export interface ShiftState {
  phase: ShiftPhase;
  message: string;
  /** The weight of "to" meshferry last wrote and found on every target; undefined before it first looked. */
  weight?: number;
  /** A write recorded before it is made and cleared after: found on resume, it is checked against live weights. */
  pendingWeight?: number;
  /** When the current weight took effect. */
  stepStartedAt?: number;
  /** When the checks are due next (or, rolling back, the next rollback step). */
  nextCheckAt?: number;
  /** Intervals with a failed check at the current step. */
  failedChecks: number;
  /** Prometheus errors in a row. */
  consecutiveErrors: number;
  /** Since when every answer was "no data" (no check failed). */
  noDataSince?: number;
  paused?: { by: 'request' | 'edit'; at: number; reason: string };
  rollback?: { outcome: Exclude<TerminalPhase, 'Succeeded'>; reason: string; remaining: number[]; failed: CheckRecord[] };
  /** The last round of checks. */
  checks: CheckRecord[];
  /** Every weight written, oldest first (capped). */
  history: { weight: number; at: number; why: WriteReason }[];
}

/** What other processes ask of a running shift, through the TrafficShift object (see control.ts). */
export interface ShiftRequests {
  pause: boolean;
  /** The time of the last `shift resume`. */
  resumeAt?: number;
  abort?: 'gradual' | 'instant' | 'default';
  promote: boolean;
}

/** One target's live weight of "to", with words that name the object and the field. */
export interface LiveTarget {
  /** e.g. `VirtualService default/reviews (context east)`. */
  object: string;
  /** e.g. `spec.http[0].route[1].weight`. */
  field: string;
  to: number;
  /**
   * The weights as written, when the router knows them. A router that writes one pair in two requests (lbWeight:
   * one annotation per Service) can be caught between them by a crash; `raw` tells that apart from an edit.
   */
  raw?: { from: number; to: number };
}

export type WriteReason = 'start' | 'advance' | 'rollback' | 'promote' | 'repair';

export type ShiftAction =
  | { kind: 'write'; weight: number; why: WriteReason }
  | { kind: 'evaluate' }
  | { kind: 'wait' }
  | { kind: 'hold'; reason: string }
  | { kind: 'pause'; reason: string }
  | { kind: 'done'; outcome: TerminalPhase; message: string };

/** The next action, the state to record once it is done, and when to look again. */
export interface Decision {
  action: ShiftAction;
  state: ShiftState;
  wakeAt: number;
}

export interface DecideInput {
  plan: ShiftPlan;
  state: ShiftState;
  live: readonly LiveTarget[];
  requests: ShiftRequests;
  /** The results of `evaluate`, on the second call of a tick; absent on the first. */
  checks?: readonly CheckOutcome[];
  now: number;
}

const HISTORY_CAP = 100;
/** How soon a held check (no data, Prometheus error) is asked again: Argo Rollouts retries errors every 10 s. */
export const MAX_HOLD_RETRY_MS = 10_000;

/** A fresh state for a shift that has not run yet. */
export function initialState(): ShiftState {
  return { phase: 'Pending', message: 'not started', failedChecks: 0, consecutiveErrors: 0, checks: [], history: [] };
}

export function isTerminal(phase: ShiftPhase): phase is TerminalPhase {
  return TERMINAL_PHASES.includes(phase);
}

/**
 * Whether two states record the same thing (what JSON.stringify of each would tell, without building two strings
 * of up to a hundred history entries every tick): members holding undefined count as absent.
 */
export function sameState(a: ShiftState, b: ShiftState): boolean {
  return sameJson(a, b);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) if (x[k] !== undefined && !sameJson(x[k], y[k])) return false;
  for (const k in y) if (y[k] !== undefined && x[k] === undefined) return false;
  return true;
}

/** A CheckOutcome as status records it. */
export function checkRecord(o: CheckOutcome): CheckRecord {
  const base = { name: o.check, verdict: o.verdict, text: describeOutcome(o) };
  if (o.verdict === 'pass') return { ...base, value: o.value };
  if (o.verdict === 'fail') return { ...base, value: o.value, bound: o.bound, limit: o.limit };
  return base;
}

const final = (plan: ShiftPlan): number => plan.steps[plan.steps.length - 1] ?? 100;

/** The state after `weight` was written and found on every target: a history entry, the step starting now. */
export function written(state: ShiftState, weight: number, why: WriteReason, now: number): ShiftState {
  const history = [...state.history, { weight, at: now, why }];
  return { ...state, weight, pendingWeight: undefined, stepStartedAt: now, history: history.slice(-HISTORY_CAP) };
}

function summary(records: readonly CheckRecord[]): string {
  return records.map((r) => r.text).join('; ');
}

/**
 * Decides the next step of a shift. Called once per tick without `checks`; when it answers `evaluate`, the caller
 * runs the checks and calls again with them. Every branch is a row of decide.test.ts.
 */
export function decide(input: DecideInput): Decision {
  const { plan, requests, now } = input;
  let state = input.state;
  const tick = (s: ShiftState, wakeAt: number, action: ShiftAction = { kind: 'wait' }): Decision => ({ action, state: s, wakeAt });

  if (isTerminal(state.phase)) return tick(state, Number.POSITIVE_INFINITY, { kind: 'done', outcome: state.phase, message: state.message });

  // ---- 1. What do the targets hold? Live state wins over memory. --------------------------------------------------
  const tos = input.live.map((t) => t.to);
  const agreed = tos.length > 0 && tos.every((w) => w === tos[0]) ? tos[0] : undefined;
  const disagreement = (): string => `the targets disagree: ${input.live.map((t) => `${t.object} ${t.field} = ${t.to}`).join(', ')}`;

  if (state.phase === 'Paused') {
    const resumed = state.paused?.by === 'request' ? !requests.pause : requests.resumeAt !== undefined && requests.resumeAt > (state.paused?.at ?? 0);
    if (requests.abort) {
      // Abort overrides a pause; the rollback starts from the live weight.
      if (agreed === undefined) return tick(state, now + plan.intervalMs, { kind: 'pause', reason: `cannot abort: ${disagreement()}; make them equal` });
      return beginRollback({ ...state, weight: agreed, pendingWeight: undefined, paused: undefined }, plan, 'Aborted', 'aborted by request', [], abortMode(requests, plan), now);
    }
    if (!resumed || requests.pause) return tick(state, now + plan.intervalMs, { kind: 'pause', reason: state.paused?.reason ?? state.message });
    if (agreed === undefined) {
      const reason = `cannot resume: ${disagreement()}; make them equal, then resume`;
      return tick({ ...state, message: reason }, now + plan.intervalMs, { kind: 'pause', reason });
    }
    // Resume from whatever the targets hold now: a person's edit is adopted, never overwritten.
    state = {
      ...state,
      phase: 'Progressing',
      message: `resumed at weight ${agreed}`,
      weight: agreed,
      pendingWeight: undefined,
      paused: undefined,
      stepStartedAt: now,
      nextCheckAt: now + plan.intervalMs,
      failedChecks: 0,
      consecutiveErrors: 0,
      noDataSince: undefined,
    };
  } else if (state.weight === undefined) {
    // First look: start from the live weights (a shift whose status was lost continues from them too).
    if (agreed === undefined) {
      const reason = `${disagreement()}; make them equal before the shift starts`;
      return tick({ ...state, phase: 'Paused', message: reason, paused: { by: 'edit', at: now, reason } }, now + plan.intervalMs, { kind: 'pause', reason });
    }
    state = { ...state, phase: 'Progressing', message: `found weight ${agreed}`, weight: agreed, stepStartedAt: now, nextCheckAt: now + plan.intervalMs };
  } else if (state.pendingWeight !== undefined) {
    // A write was recorded but its result was not: look at what landed before redoing anything.
    const pending = state.pendingWeight;
    const recorded = state.weight;
    if (tos.every((w) => w === pending)) {
      const why = state.history.length === 0 ? 'start' : state.phase === 'RollingBack' ? 'rollback' : 'advance';
      state = { ...written(state, pending, why, now), nextCheckAt: now + (state.phase === 'RollingBack' ? plan.rollbackIntervalMs : plan.intervalMs) };
      if (state.phase === 'RollingBack' && state.rollback) state = { ...state, rollback: { ...state.rollback, remaining: state.rollback.remaining.filter((w) => w < pending) } };
    } else if (tos.every((w) => w === recorded)) state = { ...state, pendingWeight: undefined };
    else if (input.live.every((t) => t.to === pending || t.to === recorded || halfWritten(t, recorded, pending)))
      // Some targets (or one side of a pair) took the write and some did not (a crash between clusters, or between
      // the two annotations of an lbWeight pair): finish it.
      return tick({ ...state, message: `finishing an interrupted write of weight ${pending}` }, now, { kind: 'write', weight: pending, why: 'repair' });
    else return pauseForEdit(state, input.live, recorded, now, plan);
  } else if (tos.some((w) => w !== state.weight)) {
    return pauseForEdit(state, input.live, state.weight, now, plan);
  }
  const current = state.weight!;

  // ---- 2. Requests from other processes. -----------------------------------------------------------------------------
  if (requests.abort && state.phase !== 'RollingBack') return beginRollback(state, plan, 'Aborted', 'aborted by request', [], abortMode(requests, plan), now);
  if (requests.promote && state.phase !== 'RollingBack') {
    const top = final(plan);
    const done: ShiftState = { ...state, phase: 'Succeeded', message: `promoted by request to weight ${top}` };
    if (current === top) return tick(done, Number.POSITIVE_INFINITY, { kind: 'done', outcome: 'Succeeded', message: done.message });
    return tick(written(done, top, 'promote', now), now, { kind: 'write', weight: top, why: 'promote' });
  }
  if (requests.pause && state.phase !== 'RollingBack') {
    const reason = `paused by request at weight ${current}`;
    return tick({ ...state, phase: 'Paused', message: reason, paused: { by: 'request', at: now, reason } }, now + plan.intervalMs, { kind: 'pause', reason });
  }

  // ---- 3. Rolling back: walk the remaining steps, one per rollback interval. -------------------------------------
  if (state.phase === 'RollingBack' && state.rollback) {
    if (state.rollback.remaining.length === 0) return finishRollback(state);
    if (now < (state.nextCheckAt ?? 0)) return tick(state, state.nextCheckAt!);
    return rollbackStep(state, plan, now);
  }

  // ---- 4. Progressing: start, wait out the interval, judge the checks, advance. -----------------------------------
  const steps = plan.steps;
  if (state.history.length === 0 && current === 0 && steps[0]! > 0) {
    const s: ShiftState = { ...written(state, steps[0]!, 'start', now), phase: 'Progressing', message: `step 1/${steps.length}: weight ${steps[0]}`, nextCheckAt: now + plan.intervalMs };
    // Next look when the step's interval is over: the write itself reads the weights back, and the loop's poll
    // looks in between for edits and requests. (Waking at once only re-read what was just written.)
    return tick(s, s.nextCheckAt!, { kind: 'write', weight: steps[0]!, why: 'start' });
  }
  const due = state.nextCheckAt ?? (state.stepStartedAt ?? now) + plan.intervalMs;
  if (now < due) return tick({ ...state, nextCheckAt: due }, due);
  if (plan.gated && input.checks === undefined) return tick(state, now, { kind: 'evaluate' });

  const records = (input.checks ?? []).map(checkRecord);
  const failed = records.filter((r) => r.verdict === 'fail' || (r.verdict === 'noData' && plan.noData.verdict === 'fail'));
  const errors = records.filter((r) => r.verdict === 'error');
  const noData = records.filter((r) => r.verdict === 'noData');
  const retry = Math.min(plan.intervalMs, MAX_HOLD_RETRY_MS);
  state = { ...state, checks: records };

  if (failed.length > 0) {
    const count = state.failedChecks + 1;
    const reason = `failed checks (${count}/${plan.failureThreshold}): ${summary(failed)}`;
    const s: ShiftState = { ...state, failedChecks: count, consecutiveErrors: 0, noDataSince: undefined };
    if (count >= plan.failureThreshold) return beginRollback(s, plan, 'RolledBack', reason, failed, plan.rollback.mode, now);
    return tick({ ...s, phase: 'Progressing', message: reason, nextCheckAt: now + plan.intervalMs }, now + plan.intervalMs);
  }
  if (errors.length > 0) {
    const count = state.consecutiveErrors + 1;
    if (count > plan.consecutiveErrorLimit) {
      return beginRollback({ ...state, consecutiveErrors: count }, plan, 'Failed', `Prometheus failed ${count} times in a row (limit ${plan.consecutiveErrorLimit}): ${summary(errors)}`, errors, plan.rollback.mode, now);
    }
    const reason = `holding at weight ${current}: Prometheus error ${count}/${plan.consecutiveErrorLimit} in a row (not a failed check): ${summary(errors)}`;
    return tick({ ...state, phase: 'Holding', message: reason, consecutiveErrors: count, nextCheckAt: now + retry }, now + retry, { kind: 'hold', reason });
  }
  if (noData.length > 0) {
    const since = state.noDataSince ?? now;
    if (now - since >= plan.noData.maxHoldMs)
      return beginRollback({ ...state, noDataSince: since, consecutiveErrors: 0 }, plan, 'Failed', `no data for ${Math.round((now - since) / 1000)} s (maxHold ${Math.round(plan.noData.maxHoldMs / 1000)} s): ${summary(noData)}`, noData, plan.rollback.mode, now);
    const reason = `holding at weight ${current}: no data for ${Math.round((now - since) / 1000)} s of at most ${Math.round(plan.noData.maxHoldMs / 1000)} s: ${summary(noData)}`;
    return tick({ ...state, phase: 'Holding', message: reason, consecutiveErrors: 0, noDataSince: since, nextCheckAt: now + retry }, now + retry, { kind: 'hold', reason });
  }

  // Every check passed (or there are none) for a whole interval at this weight.
  const healthy: ShiftState = { ...state, consecutiveErrors: 0, noDataSince: undefined };
  if (current >= final(plan)) {
    const message = `weight ${current} held healthy for ${Math.round(plan.intervalMs / 1000)} s${records.length ? `: ${summary(records)}` : ''}`;
    return tick({ ...healthy, phase: 'Succeeded', message }, Number.POSITIVE_INFINITY, { kind: 'done', outcome: 'Succeeded', message });
  }
  const index = steps.findIndex((w) => w > current);
  const next = steps[index]!;
  const s: ShiftState = {
    ...written(healthy, next, 'advance', now),
    phase: 'Progressing',
    message: `step ${index + 1}/${steps.length}: weight ${next}`,
    failedChecks: 0,
    nextCheckAt: now + plan.intervalMs,
  };
  return tick(s, s.nextCheckAt!, { kind: 'write', weight: next, why: 'advance' });
}

/**
 * A pair caught between the two requests of one write: each side holds what meshferry wrote for either the recorded
 * or the pending weight, and at least one side has moved. A person's edit (any other number) is not this.
 */
export function halfWritten(t: LiveTarget, recorded: number, pending: number): boolean {
  if (!t.raw) return false;
  return (t.raw.to === recorded || t.raw.to === pending) && (t.raw.from === 100 - recorded || t.raw.from === 100 - pending);
}

function abortMode(requests: ShiftRequests, plan: ShiftPlan): 'gradual' | 'instant' {
  return requests.abort === 'instant' ? 'instant' : requests.abort === 'gradual' ? 'gradual' : plan.rollback.mode;
}

function pauseForEdit(state: ShiftState, live: readonly LiveTarget[], expected: number, now: number, plan: ShiftPlan): Decision {
  const edits = live.filter((t) => t.to !== expected).map((t) => `${t.object} ${t.field} is ${t.to}`);
  const reason = `someone else changed the weights: ${edits.join(', ')} (meshferry last set ${expected}); paused. Resume to continue from the live weights, or abort`;
  const s: ShiftState = { ...state, phase: 'Paused', message: reason, pendingWeight: undefined, paused: { by: 'edit', at: now, reason } };
  return { action: { kind: 'pause', reason }, state: s, wakeAt: now + plan.intervalMs };
}

function beginRollback(
  state: ShiftState,
  plan: ShiftPlan,
  outcome: Exclude<TerminalPhase, 'Succeeded'>,
  reason: string,
  failed: readonly CheckRecord[],
  mode: 'gradual' | 'instant',
  now: number,
): Decision {
  const remaining = rollbackPath(plan, mode, state.weight ?? 0);
  const s: ShiftState = { ...state, phase: 'RollingBack', message: `rolling back: ${reason}`, paused: undefined, rollback: { outcome, reason, remaining, failed: [...failed] } };
  if (remaining.length === 0) return finishRollback(s);
  return rollbackStep(s, plan, now);
}

/**
 * The weights a rollback from `current` writes, in order, ending at 0 (none when already there). Gradual walks the
 * file's rollback steps below the current weight; anything at or above it would move traffic the wrong way.
 */
export function rollbackPath(plan: Pick<ShiftPlan, 'rollback'>, mode: 'gradual' | 'instant', current: number): number[] {
  const path = mode === 'gradual' && plan.rollback.mode === 'gradual' ? plan.rollback.steps.filter((w) => w < current) : [0];
  return current === 0 ? [] : path.length > 0 && path[path.length - 1] === 0 ? path : [...path, 0];
}

function rollbackStep(state: ShiftState, plan: ShiftPlan, now: number): Decision {
  const rb = state.rollback!;
  const [weight, ...rest] = rb.remaining;
  const s: ShiftState = {
    ...written(state, weight!, 'rollback', now),
    message: `rolling back to weight ${weight}: ${rb.reason}`,
    rollback: { ...rb, remaining: rest },
    nextCheckAt: now + plan.rollbackIntervalMs,
  };
  return { action: { kind: 'write', weight: weight!, why: 'rollback' }, state: s, wakeAt: rest.length > 0 ? now + plan.rollbackIntervalMs : now };
}

function finishRollback(state: ShiftState): Decision {
  const rb = state.rollback!;
  const verb = rb.outcome === 'Aborted' ? 'aborted' : rb.outcome === 'Failed' ? 'failed' : 'rolled back';
  const message = `${verb} to weight ${state.weight ?? 0}: ${rb.reason}`;
  return { action: { kind: 'done', outcome: rb.outcome, message }, state: { ...state, phase: rb.outcome, message }, wakeAt: Number.POSITIVE_INFINITY };
}
