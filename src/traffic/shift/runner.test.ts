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

  test('one status write per step: the result of a write is recorded with the next tick, nothing of it lost', async () => {
    const { store, events, tickUntilIdle } = setup([100, 100, 100]);
    for (let i = 0; i < 50 && !events.some((e) => e.kind === 'done'); i++) await tickUntilIdle();
    // Three writes and the end: the three intents (each carrying the history so far) and the final record.
    expect(store.saved.map((s) => [s.weight, s.pendingWeight, s.history.map((h) => h.weight)])).toEqual([
      [0, 25, []],
      [25, 50, [25]],
      [50, 100, [25, 50]],
      [100, undefined, [25, 50, 100]],
    ]);
    // Each step is dated by its write, not by the tick that recorded it: one interval apart.
    expect(store.saved.at(-1)!.history.map((h) => h.at - 1_000_000)).toEqual([0, 10_000, 20_000]);
  });

  test('the weights set back to the old value after our write landed is an edit (pause), not a write that failed', async () => {
    const { router, store, events, tickUntilIdle } = setup([100]);
    await tickUntilIdle(); // writes 25
    await tickUntilIdle(); // checks pass, writes 50
    router.edit(0, { from: 75, to: 25 }); // someone puts it back
    await tickUntilIdle();
    expect(store.saved.at(-1)?.phase).toBe('Paused');
    expect(events.at(-1)).toEqual({ kind: 'pause', reason: expect.stringMatching(/^someone else changed the weights: .* weight is 25/) });
    expect((await router.read()).targets[0]?.raw).toEqual({ from: 75, to: 25 });
  });

  test('a stopped run records the result it held; another writer in between makes the next tick check the intent against the cluster', async () => {
    const { store, tickUntilIdle, runner } = setup([]);
    await tickUntilIdle(); // writes 25; its result waits in memory
    expect(store.saved.at(-1)).toMatchObject({ weight: 0, pendingWeight: 25 });
    await runner.flush();
    expect(store.saved.at(-1)).toMatchObject({ weight: 25, pendingWeight: undefined, history: [{ weight: 25, why: 'start' }] });

    const other = setup([]);
    await other.tickUntilIdle(); // writes 25
    const intent = other.store.saved.at(-1)!;
    other.store.saved.push({ ...intent, message: 'another writer', history: [...intent.history, { weight: 0, at: 1, why: 'repair' }] });
    await other.runner.flush();
    expect(other.store.saved.at(-1)?.message).toBe('another writer'); // not overwritten by the held result
  });
});
