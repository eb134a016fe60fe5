// The loop around decide(): intent before each write, status after, someone else's edit, finalize once; on the no-op router.
import { describe, expect, test } from 'vitest';
import type { MetricGate, QueryResult } from '../gates/gate.js';
import { NoopRouter } from '../routers/noop.js';
import { initialState } from './decide.js';
import type { ShiftRequests, ShiftState } from './decide.js';
import { ShiftRunner } from './runner.js';
import type { ShiftEvent, ShiftStateStore } from './runner.js';
import type { ShiftPlan } from './spec.js';

const plan: ShiftPlan = {
  steps: [25, 50, 100],
  intervalMs: 10_000,
  failureThreshold: 1,
  consecutiveErrorLimit: 4,
  noData: { verdict: 'hold', maxHoldMs: 60_000 },
  rollback: { mode: 'instant' },
  rollbackIntervalMs: 10_000,
  gated: true,
};

/** A store that keeps every saved state, in order. */
class RecordingStore implements ShiftStateStore {
  saved: ShiftState[] = [];
  requests: ShiftRequests = { pause: false, promote: false };
  load() {
    return Promise.resolve({ state: this.saved.at(-1) ?? initialState(), requests: this.requests, generation: 1 });
  }
  save(state: ShiftState) {
    this.saved.push(state);
    return Promise.resolve();
  }
}

/** A gate that answers each query with the next value of a script (a unit test of the loop, not of Prometheus). */
class ScriptedGate implements MetricGate {
  constructor(readonly values: number[]) {}
  query(): Promise<QueryResult> {
    const v = this.values.shift();
    return Promise.resolve(v === undefined ? { kind: 'noData', reason: 'empty' } : { kind: 'value', value: v });
  }
  isOnline() {
    return Promise.resolve(true);
  }
}

function setup(values: number[]) {
  let now = 1_000_000;
  const router = new NoopRouter();
  const store = new RecordingStore();
  const events: ShiftEvent[] = [];
  const runner = new ShiftRunner({
    plan,
    router,
    store,
    gate: new ScriptedGate(values),
    checks: [{ name: 'sr', promql: 'x', min: 99 }],
    now: () => now,
    onEvent: (e) => events.push(e),
  });
  const tickUntilIdle = async (): Promise<number> => {
    const r = await runner.tick();
    if (Number.isFinite(r.nextTickAt)) now = Math.max(now, r.nextTickAt);
    return r.nextTickAt;
  };
  return { router, store, events, runner, tickUntilIdle, advance: (ms: number) => (now += ms) };
}

describe('ShiftRunner', () => {
  test('a healthy shift: each write is preceded by its intent and followed by its result; finalize once', async () => {
    const { router, store, events, tickUntilIdle } = setup([100, 100, 100]);
    for (let i = 0; i < 50 && !events.some((e) => e.kind === 'done'); i++) await tickUntilIdle();
    expect(events.filter((e) => e.kind === 'write').map((e) => (e.kind === 'write' ? e.weight : 0))).toEqual([25, 50, 100]);
    // Every write: a state with pendingWeight (the intent), then the same weight recorded without it.
    const pendings = store.saved.filter((s) => s.pendingWeight !== undefined).map((s) => [s.weight, s.pendingWeight]);
    expect(pendings).toEqual([[0, 25], [25, 50], [50, 100]]);
    expect(store.saved.at(-1)?.phase).toBe('Succeeded');
    expect(router.outcome).toBe('promoted');
    expect((await router.read()).targets[0]?.raw).toEqual({ from: 0, to: 100 });
  });

  test('a failed check at threshold 1 rolls back to 0 and finalizes as rolledBack', async () => {
    const { router, events, tickUntilIdle } = setup([100, 50]);
    for (let i = 0; i < 50 && !events.some((e) => e.kind === 'done'); i++) await tickUntilIdle();
    expect(events.filter((e) => e.kind === 'write').map((e) => (e.kind === 'write' ? [e.weight, e.why] : []))).toEqual([[25, 'start'], [50, 'advance'], [0, 'rollback']]);
    expect(router.outcome).toBe('rolledBack');
  });

  test("someone else's edit between ticks pauses without a write; the edited weight is left alone", async () => {
    const { router, store, events, tickUntilIdle } = setup([]);
    await tickUntilIdle(); // writes 25
    router.edit(0, { from: 60, to: 40 });
    await tickUntilIdle();
    expect(store.saved.at(-1)?.phase).toBe('Paused');
    expect(events.at(-1)).toEqual({ kind: 'pause', reason: expect.stringMatching(/^someone else changed the weights: noop \(dry run, in memory\) weight is 40/) });
    expect((await router.read()).targets[0]?.raw).toEqual({ from: 60, to: 40 });
  });
});
