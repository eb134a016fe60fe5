// Table tests of the shift's decision function: one row per branch, over (plan, state, live weights, requests, checks, now).
import { describe, expect, it, test } from 'vitest';
import type { CheckOutcome } from '../gates/check.js';
import { GateError } from '../gates/gate.js';
import { decide, initialState, sameState } from './decide.js';
import type { DecideInput, Decision, LiveTarget, ShiftAction, ShiftPhase, ShiftRequests, ShiftState } from './decide.js';
import type { ShiftPlan } from './spec.js';

const S = 1000;
const T0 = 1_700_000_000_000;

const plan: ShiftPlan = {
  steps: [10, 25, 50, 100],
  intervalMs: 60 * S,
  failureThreshold: 2,
  consecutiveErrorLimit: 4,
  noData: { verdict: 'hold', maxHoldMs: 600 * S },
  rollback: { mode: 'gradual', steps: [25, 0] },
  rollbackIntervalMs: 30 * S,
  gated: true,
};
const instantPlan: ShiftPlan = { ...plan, rollback: { mode: 'instant' } };

const live = (...tos: number[]): LiveTarget[] =>
  tos.map((to, i) => ({ object: `VirtualService default/vs${i} (context c${i})`, field: 'spec.http[0].route[1].weight', to }));
const none: ShiftRequests = { pause: false, promote: false };

/** A state at weight `w`, stepped at T0, checks due at T0 + interval. */
const at = (w: number, over: Partial<ShiftState> = {}): ShiftState => ({
  ...initialState(),
  phase: 'Progressing',
  message: '',
  weight: w,
  stepStartedAt: T0,
  nextCheckAt: T0 + plan.intervalMs,
  history: [{ weight: w, at: T0, why: w === 10 ? 'start' : 'advance' }],
  ...over,
});

const pass = (check = 'request-success-rate', value = 100): CheckOutcome => ({ verdict: 'pass', check, value });
const fail = (check = 'request-success-rate', value = 70): CheckOutcome => ({ verdict: 'fail', check, value, bound: 'min', limit: 99 });
const noData = (check = 'request-success-rate'): CheckOutcome => ({ verdict: 'noData', check, reason: 'empty' });
const error = (check = 'request-success-rate'): CheckOutcome => ({ verdict: 'error', check, error: new GateError('unreachable', 'Prometheus at http://127.0.0.1:9 unreachable (ECONNREFUSED)') });

interface Row {
  name: string;
  input: Partial<DecideInput> & { state: ShiftState; live: LiveTarget[] };
  action: ShiftAction | { kind: ShiftAction['kind'] };
  phase: ShiftPhase;
  /** Checks on the recorded state beyond action and phase. */
  expectState?: (s: ShiftState) => void;
  messageMatches?: RegExp;
  wakeAt?: number;
}

const after = (ms: number) => T0 + ms;

const rows: Row[] = [
  // ---- starting ------------------------------------------------------------------------------------------------
  {
    name: 'a fresh shift at live weight 0 writes the first step at once',
    input: { state: initialState(), live: live(0, 0), now: T0 },
    action: { kind: 'write', weight: 10, why: 'start' },
    phase: 'Progressing',
    // The next look is when the interval is over, not at once (that only re-read what was just written).
    wakeAt: T0 + plan.intervalMs,
    expectState: (s) => expect([s.weight, s.stepStartedAt, s.nextCheckAt]).toEqual([10, T0, T0 + plan.intervalMs]),
  },
  {
    name: 'a fresh shift whose targets already hold 25 (status lost) adopts 25 and waits out the interval',
    input: { state: initialState(), live: live(25, 25), now: T0 },
    action: { kind: 'wait' },
    phase: 'Progressing',
    wakeAt: T0 + plan.intervalMs,
    expectState: (s) => expect(s.weight).toBe(25),
  },
  {
    name: 'a fresh shift whose targets disagree pauses before any write and names both',
    input: { state: initialState(), live: live(0, 30), now: T0 },
    action: { kind: 'pause' },
    phase: 'Paused',
    messageMatches: /the targets disagree: VirtualService default\/vs0 \(context c0\) spec\.http\[0\]\.route\[1\]\.weight = 0, VirtualService default\/vs1 \(context c1\) .* = 30/,
  },
  // ---- the interval --------------------------------------------------------------------------------------------------
  {
    name: 'before the interval is over: wait until it is, no checks',
    input: { state: at(10), live: live(10, 10), now: after(30 * S) },
    action: { kind: 'wait' },
    phase: 'Progressing',
    wakeAt: T0 + plan.intervalMs,
  },
  {
    name: 'the interval is over and no checks ran yet: evaluate',
    input: { state: at(10), live: live(10, 10), now: after(60 * S) },
    action: { kind: 'evaluate' },
    phase: 'Progressing',
  },
  {
    name: 'healthy after the interval: advance to the next step',
    input: { state: at(10), live: live(10, 10), now: after(60 * S), checks: [pass(), pass('p99', 120)] },
    action: { kind: 'write', weight: 25, why: 'advance' },
    phase: 'Progressing',
    messageMatches: /^step 2\/4: weight 25$/,
    wakeAt: after(120 * S),
    expectState: (s) => {
      expect(s.failedChecks).toBe(0);
      expect(s.nextCheckAt).toBe(after(120 * S));
      expect(s.checks.map((c) => c.text)).toEqual(['request-success-rate 100: pass', 'p99 120: pass']);
    },
  },
  {
    name: 'healthy at the last step for a whole interval: Succeeded',
    input: { state: at(100), live: live(100, 100), now: after(60 * S), checks: [pass()] },
    action: { kind: 'done', outcome: 'Succeeded', message: 'weight 100 held healthy for 60 s: request-success-rate 100: pass' },
    phase: 'Succeeded',
  },
  {
    name: 'a shift without gates advances when the interval is over, without evaluating',
    input: { plan: { ...plan, gated: false }, state: at(25), live: live(25), now: after(60 * S) },
    action: { kind: 'write', weight: 50, why: 'advance' },
    phase: 'Progressing',
  },
  {
    name: 'a live weight between steps (adopted) advances to the next step above it',
    input: { state: at(30), live: live(30), now: after(60 * S), checks: [pass()] },
    action: { kind: 'write', weight: 50, why: 'advance' },
    phase: 'Progressing',
  },
  // ---- failed checks -----------------------------------------------------------------------------------------------
  {
    name: 'a failed check below the threshold counts 1/2 and checks again one interval later',
    input: { state: at(50), live: live(50), now: after(60 * S), checks: [fail(), pass('p99', 10)] },
    action: { kind: 'wait' },
    phase: 'Progressing',
    wakeAt: after(120 * S),
    messageMatches: /^failed checks \(1\/2\): request-success-rate 70 < min 99: fail$/,
    expectState: (s) => expect(s.failedChecks).toBe(1),
  },
  {
    name: 'the threshold reached, gradual: the first rollback step below the current weight is written at once (25 skipped at 25? no: 50 → 25)',
    input: { state: at(50, { failedChecks: 1 }), live: live(50), now: after(60 * S), checks: [fail()] },
    action: { kind: 'write', weight: 25, why: 'rollback' },
    phase: 'RollingBack',
    wakeAt: after(60 * S + 30 * S),
    expectState: (s) => {
      expect(s.rollback?.remaining).toEqual([0]);
      expect(s.rollback?.outcome).toBe('RolledBack');
      expect(s.rollback?.failed.map((c) => c.text)).toEqual(['request-success-rate 70 < min 99: fail']);
    },
  },
  {
    name: 'gradual rollback skips the steps at or above the current weight (at 25: straight to 0)',
    input: { state: at(25, { failedChecks: 1 }), live: live(25), now: after(60 * S), checks: [fail()] },
    action: { kind: 'write', weight: 0, why: 'rollback' },
    phase: 'RollingBack',
    expectState: (s) => expect(s.rollback?.remaining).toEqual([]),
  },
  {
    name: 'the threshold reached, instant: 0 at once',
    input: { plan: instantPlan, state: at(50, { failedChecks: 1 }), live: live(50, 50), now: after(60 * S), checks: [fail()] },
    action: { kind: 'write', weight: 0, why: 'rollback' },
    phase: 'RollingBack',
  },
  {
    name: 'rolling back: the next step waits out the rollback interval',
    input: {
      state: at(25, { phase: 'RollingBack', nextCheckAt: after(30 * S), rollback: { outcome: 'RolledBack', reason: 'x', remaining: [0], failed: [] } }),
      live: live(25),
      now: after(10 * S),
    },
    action: { kind: 'wait' },
    phase: 'RollingBack',
    wakeAt: after(30 * S),
  },
  {
    name: 'rolling back: the next step is written when its time comes',
    input: {
      state: at(25, { phase: 'RollingBack', nextCheckAt: after(30 * S), rollback: { outcome: 'RolledBack', reason: 'x', remaining: [0], failed: [] } }),
      live: live(25),
      now: after(30 * S),
    },
    action: { kind: 'write', weight: 0, why: 'rollback' },
    phase: 'RollingBack',
  },
  {
    name: 'rolling back with nothing left: RolledBack, naming the reason',
    input: { state: at(0, { phase: 'RollingBack', rollback: { outcome: 'RolledBack', reason: 'failed checks (2/2): sr 70 < min 99: fail', remaining: [], failed: [] } }), live: live(0), now: after(1) },
    action: { kind: 'done', outcome: 'RolledBack', message: 'rolled back to weight 0: failed checks (2/2): sr 70 < min 99: fail' },
    phase: 'RolledBack',
  },
  {
    name: 'noData as verdict fail counts as a failed check',
    input: { plan: { ...plan, noData: { verdict: 'fail', maxHoldMs: 600 * S } }, state: at(10), live: live(10), now: after(60 * S), checks: [noData()] },
    action: { kind: 'wait' },
    phase: 'Progressing',
    expectState: (s) => expect(s.failedChecks).toBe(1),
  },
  {
    name: 'a failed check wins over an error in the same round',
    input: { state: at(10), live: live(10), now: after(60 * S), checks: [error('a'), fail('b')] },
    action: { kind: 'wait' },
    phase: 'Progressing',
    expectState: (s) => expect([s.failedChecks, s.consecutiveErrors]).toEqual([1, 0]),
  },
  // ---- no data ---------------------------------------------------------------------------------------------------
  {
    name: 'no data: hold, and ask again after min(interval, 10 s)',
    input: { state: at(10), live: live(10), now: after(60 * S), checks: [noData()] },
    action: { kind: 'hold' },
    phase: 'Holding',
    wakeAt: after(70 * S),
    messageMatches: /^holding at weight 10: no data for 0 s of at most 600 s: request-success-rate: no data/,
    expectState: (s) => expect([s.noDataSince, s.failedChecks]).toEqual([after(60 * S), 0]),
  },
  {
    name: 'no data for maxHold: fail, which rolls back',
    input: { state: at(10, { phase: 'Holding', noDataSince: after(60 * S), nextCheckAt: after(660 * S) }), live: live(10), now: after(660 * S), checks: [noData()] },
    action: { kind: 'write', weight: 0, why: 'rollback' },
    phase: 'RollingBack',
    expectState: (s) => {
      expect(s.rollback?.outcome).toBe('Failed');
      expect(s.rollback?.reason).toMatch(/^no data for 600 s \(maxHold 600 s\)/);
    },
  },
  {
    name: 'data back after a hold: the checks pass and the shift advances at once',
    input: { state: at(10, { phase: 'Holding', noDataSince: after(60 * S), nextCheckAt: after(70 * S) }), live: live(10), now: after(70 * S), checks: [pass()] },
    action: { kind: 'write', weight: 25, why: 'advance' },
    phase: 'Progressing',
    expectState: (s) => expect(s.noDataSince).toBeUndefined(),
  },
  // ---- Prometheus errors -----------------------------------------------------------------------------------------------
  {
    name: 'a Prometheus error holds, counted apart from failed checks, and says so',
    input: { state: at(10, { failedChecks: 1 }), live: live(10), now: after(60 * S), checks: [error()] },
    action: { kind: 'hold' },
    phase: 'Holding',
    messageMatches: /^holding at weight 10: Prometheus error 1\/4 in a row \(not a failed check\): .*unreachable \(ECONNREFUSED\)/,
    expectState: (s) => expect([s.consecutiveErrors, s.failedChecks]).toEqual([1, 1]),
  },
  {
    name: 'errors up to the limit still hold',
    input: { state: at(10, { consecutiveErrors: 3 }), live: live(10), now: after(60 * S), checks: [error()] },
    action: { kind: 'hold' },
    phase: 'Holding',
    expectState: (s) => expect(s.consecutiveErrors).toBe(4),
  },
  {
    name: 'one error past the consecutive error limit fails the shift (rollback)',
    input: { state: at(10, { consecutiveErrors: 4 }), live: live(10), now: after(60 * S), checks: [error()] },
    action: { kind: 'write', weight: 0, why: 'rollback' },
    phase: 'RollingBack',
    expectState: (s) => expect(s.rollback?.outcome).toBe('Failed'),
  },
  {
    name: 'an answer after errors resets the error count',
    input: { state: at(10, { consecutiveErrors: 3, phase: 'Holding' }), live: live(10), now: after(60 * S), checks: [pass()] },
    action: { kind: 'write', weight: 25, why: 'advance' },
    phase: 'Progressing',
    expectState: (s) => expect(s.consecutiveErrors).toBe(0),
  },
  // ---- someone else's edit -----------------------------------------------------------------------------------------
  {
    name: 'someone else changed a weight: pause, naming the object and the field, no write',
    input: { state: at(25), live: live(25, 40), now: after(10 * S) },
    action: { kind: 'pause' },
    phase: 'Paused',
    messageMatches: /^someone else changed the weights: VirtualService default\/vs1 \(context c1\) spec\.http\[0\]\.route\[1\]\.weight is 40 \(meshferry last set 25\)/,
    expectState: (s) => expect(s.paused?.by).toBe('edit'),
  },
  {
    name: 'paused by an edit stays paused without a resume',
    input: { state: at(25, { phase: 'Paused', paused: { by: 'edit', at: after(10 * S), reason: 'edit' } }), live: live(40, 40), now: after(70 * S) },
    action: { kind: 'pause', reason: 'edit' },
    phase: 'Paused',
  },
  {
    name: 'resume after an edit adopts the live weight and restarts the interval',
    input: { state: at(25, { phase: 'Paused', paused: { by: 'edit', at: after(10 * S), reason: 'edit' } }), live: live(40, 40), requests: { ...none, resumeAt: after(20 * S) }, now: after(30 * S) },
    action: { kind: 'wait' },
    phase: 'Progressing',
    wakeAt: after(90 * S),
    expectState: (s) => expect([s.weight, s.stepStartedAt]).toEqual([40, after(30 * S)]),
  },
  {
    name: 'a resume older than the pause does not resume',
    input: { state: at(25, { phase: 'Paused', paused: { by: 'edit', at: after(10 * S), reason: 'edit' } }), live: live(40), requests: { ...none, resumeAt: after(5 * S) }, now: after(30 * S) },
    action: { kind: 'pause' },
    phase: 'Paused',
  },
  {
    name: 'resume while the targets still disagree stays paused and says why',
    input: { state: at(25, { phase: 'Paused', paused: { by: 'edit', at: after(10 * S), reason: 'edit' } }), live: live(25, 40), requests: { ...none, resumeAt: after(20 * S) }, now: after(30 * S) },
    action: { kind: 'pause' },
    phase: 'Paused',
    messageMatches: /^cannot resume: the targets disagree/,
  },
  // ---- requests ----------------------------------------------------------------------------------------------------
  {
    name: 'a pause request pauses at the current weight',
    input: { state: at(25), live: live(25), requests: { ...none, pause: true }, now: after(10 * S) },
    action: { kind: 'pause', reason: 'paused by request at weight 25' },
    phase: 'Paused',
  },
  {
    name: 'paused by request stays paused while the request stands',
    input: { state: at(25, { phase: 'Paused', paused: { by: 'request', at: after(10 * S), reason: 'r' } }), live: live(25), requests: { ...none, pause: true }, now: after(90 * S) },
    action: { kind: 'pause' },
    phase: 'Paused',
  },
  {
    name: 'the pause request withdrawn: resume, the interval starts over',
    input: { state: at(25, { phase: 'Paused', paused: { by: 'request', at: after(10 * S), reason: 'r' } }), live: live(25), now: after(90 * S) },
    action: { kind: 'wait' },
    phase: 'Progressing',
    wakeAt: after(150 * S),
  },
  {
    name: 'abort with the plan\'s gradual mode walks the rollback steps, outcome Aborted',
    input: { state: at(50), live: live(50), requests: { ...none, abort: 'default' }, now: after(10 * S) },
    action: { kind: 'write', weight: 25, why: 'rollback' },
    phase: 'RollingBack',
    expectState: (s) => expect(s.rollback?.outcome).toBe('Aborted'),
  },
  {
    name: 'abort --instant goes straight to 0',
    input: { state: at(50), live: live(50), requests: { ...none, abort: 'instant' }, now: after(10 * S) },
    action: { kind: 'write', weight: 0, why: 'rollback' },
    phase: 'RollingBack',
  },
  {
    name: 'abort while paused by an edit rolls back from the live weight',
    input: { state: at(25, { phase: 'Paused', paused: { by: 'edit', at: after(1), reason: 'e' } }), live: live(60), requests: { ...none, abort: 'default' }, now: after(10 * S) },
    action: { kind: 'write', weight: 25, why: 'rollback' },
    phase: 'RollingBack',
  },
  {
    name: 'abort at weight 0 is done at once',
    input: { state: at(0, { history: [] }), live: live(0), requests: { ...none, abort: 'instant' }, now: after(1) },
    action: { kind: 'done', outcome: 'Aborted', message: 'aborted to weight 0: aborted by request' },
    phase: 'Aborted',
  },
  {
    name: 'promote writes the last step at once, skipping the checks',
    input: { state: at(25), live: live(25), requests: { ...none, promote: true }, now: after(10 * S) },
    action: { kind: 'write', weight: 100, why: 'promote' },
    phase: 'Succeeded',
  },
  {
    name: 'promote at the last step is done',
    input: { state: at(100), live: live(100), requests: { ...none, promote: true }, now: after(10 * S) },
    action: { kind: 'done', outcome: 'Succeeded', message: 'promoted by request to weight 100' },
    phase: 'Succeeded',
  },
  {
    name: 'a pause request does not stop a rollback',
    input: {
      state: at(25, { phase: 'RollingBack', nextCheckAt: after(30 * S), rollback: { outcome: 'RolledBack', reason: 'x', remaining: [0], failed: [] } }),
      live: live(25),
      requests: { ...none, pause: true },
      now: after(30 * S),
    },
    action: { kind: 'write', weight: 0, why: 'rollback' },
    phase: 'RollingBack',
  },
  // ---- crash resume ---------------------------------------------------------------------------------------------------
  {
    name: 'crash after the write landed (pending = live): adopt it and restart its interval',
    input: { state: at(10, { pendingWeight: 25 }), live: live(25, 25), now: after(70 * S) },
    action: { kind: 'wait' },
    phase: 'Progressing',
    wakeAt: after(130 * S),
    expectState: (s) => {
      expect([s.weight, s.pendingWeight, s.stepStartedAt]).toEqual([25, undefined, after(70 * S)]);
      expect(s.history.at(-1)).toEqual({ weight: 25, at: after(70 * S), why: 'advance' });
    },
  },
  {
    name: 'crash before the write landed (live = recorded): forget the intent and decide again (checks due)',
    input: { state: at(10, { pendingWeight: 25 }), live: live(10, 10), now: after(70 * S) },
    action: { kind: 'evaluate' },
    phase: 'Progressing',
    expectState: (s) => expect(s.pendingWeight).toBeUndefined(),
  },
  {
    name: 'crash between two clusters (one took the write): finish the write',
    input: { state: at(10, { pendingWeight: 25 }), live: live(25, 10), now: after(70 * S) },
    action: { kind: 'write', weight: 25, why: 'repair' },
    phase: 'Progressing',
  },
  {
    name: 'crash between the two requests of one pair (lbWeight: "to" annotation written, "from" not): finish the write',
    input: { state: at(10, { pendingWeight: 25 }), live: [{ ...live(21.74)[0]!, raw: { from: 90, to: 25 } }], now: after(70 * S) },
    action: { kind: 'write', weight: 25, why: 'repair' },
    phase: 'Progressing',
  },
  {
    name: 'crash between the two requests of one pair while rolling back ("from" written first): finish the write',
    input: {
      state: at(50, { phase: 'RollingBack', pendingWeight: 25, rollback: { outcome: 'RolledBack', reason: 'x', remaining: [0], failed: [] } }),
      live: [{ ...live(40)[0]!, raw: { from: 75, to: 50 } }],
      now: after(5 * S),
    },
    action: { kind: 'write', weight: 25, why: 'repair' },
    phase: 'RollingBack',
  },
  {
    name: 'a pending write and a pair holding numbers meshferry wrote for neither weight: someone else\'s edit',
    input: { state: at(10, { pendingWeight: 25 }), live: [{ ...live(20)[0]!, raw: { from: 80, to: 20 } }], now: after(70 * S) },
    action: { kind: 'pause' },
    phase: 'Paused',
    messageMatches: /is 20 \(meshferry last set 10\)/,
  },
  {
    name: 'crash with a pending write and a weight that is neither: someone else\'s edit',
    input: { state: at(10, { pendingWeight: 25 }), live: live(33), now: after(70 * S) },
    action: { kind: 'pause' },
    phase: 'Paused',
    messageMatches: /is 33 \(meshferry last set 10\)/,
  },
  {
    name: 'crash mid-rollback after the write landed: the landed step leaves the remaining list',
    input: {
      state: at(50, { phase: 'RollingBack', pendingWeight: 25, rollback: { outcome: 'RolledBack', reason: 'x', remaining: [25, 0], failed: [] } }),
      live: live(25),
      now: after(5 * S),
    },
    action: { kind: 'wait' },
    phase: 'RollingBack',
    wakeAt: after(35 * S),
    expectState: (s) => expect(s.rollback?.remaining).toEqual([0]),
  },
  // ---- terminal --------------------------------------------------------------------------------------------------
  {
    name: 'a finished shift stays finished',
    input: { state: at(0, { phase: 'RolledBack', message: 'rolled back' }), live: live(0), now: after(1) },
    action: { kind: 'done', outcome: 'RolledBack', message: 'rolled back' },
    phase: 'RolledBack',
  },
];

describe('decide', () => {
  test.each(rows)('$name', (row) => {
    const d: Decision = decide({ plan, requests: none, now: T0, ...row.input });
    if ('weight' in row.action || 'outcome' in row.action || 'reason' in row.action) expect(d.action).toEqual(row.action);
    else expect(d.action.kind).toBe(row.action.kind);
    expect(d.state.phase).toBe(row.phase);
    if (row.messageMatches) expect(d.state.message).toMatch(row.messageMatches);
    if (row.wakeAt !== undefined) expect(d.wakeAt).toBe(row.wakeAt);
    row.expectState?.(d.state);
  });

  test('a whole healthy shift, driven tick by tick, writes every step once and ends Succeeded', () => {
    let state = initialState();
    let weight = 0;
    let now = T0;
    const writes: number[] = [];
    for (let i = 0; i < 100 && state.phase !== 'Succeeded'; i++) {
      let d = decide({ plan, state, live: live(weight, weight), requests: none, now });
      if (d.action.kind === 'evaluate') d = decide({ plan, state, live: live(weight, weight), requests: none, now, checks: [pass()] });
      if (d.action.kind === 'write') {
        weight = d.action.weight;
        writes.push(weight);
      }
      state = d.state;
      now = Math.max(now, Number.isFinite(d.wakeAt) ? d.wakeAt : now);
    }
    expect(writes).toEqual([10, 25, 50, 100]);
    expect(state.phase).toBe('Succeeded');
    expect(now - T0).toBe(4 * plan.intervalMs);
  });
});

describe('sameState', () => {
  const base = (): ShiftState => ({ ...initialState(), weight: 10, history: [{ weight: 10, at: 1, why: 'start' }] });
  it.each<[string, ShiftState, boolean]>([
    ['a copy', base(), true],
    ['a member holding undefined is absent', { ...base(), pendingWeight: undefined }, true],
    ['another weight', { ...base(), weight: 25 }, false],
    ['a pending write', { ...base(), pendingWeight: 25 }, false],
    ['one more history entry', { ...base(), history: [...base().history, { weight: 25, at: 2, why: 'advance' }] }, false],
    ['a history entry with another time', { ...base(), history: [{ weight: 10, at: 2, why: 'start' }] }, false],
    ['a pause', { ...base(), paused: { by: 'request', at: 3, reason: 'x' } }, false],
  ])('%s: %s', (_name, other, same) => {
    expect(sameState(base(), other)).toBe(same);
    expect(sameState(other, base())).toBe(same);
    expect(sameState(base(), other)).toBe(JSON.stringify(base()) === JSON.stringify(other));
  });
});
