// The shift loop: each tick reads the object and the live weights, asks decide(), runs the checks, writes weights and records status.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckOutcome } from '../gates/check.js';
import { runCheck } from '../gates/check.js';
import type { MetricGate } from '../gates/gate.js';
import type { ResolvedCheck } from '../gates/templates.js';
import { WeightsChangedError } from '../routers/router.js';
import type { LiveWeights, Router, ShiftOutcome } from '../routers/router.js';
import { checkRecord, decide, isTerminal, sameState } from './decide.js';
import type { CheckRecord, Decision, LiveTarget, ShiftState, TerminalPhase, WriteReason } from './decide.js';
import type { ShiftPlan } from './spec.js';
import type { StoredShift } from './store.js';

/** Where the runner keeps the shift's state: the TrafficShift object (TrafficShiftStore), or memory in tests of the loop. */
export interface ShiftStateStore {
  load(): Promise<Pick<StoredShift, 'state' | 'requests' | 'generation'>>;
  save(state: ShiftState, generation?: number): Promise<void>;
}

/** What the loop tells its caller, for progress on stderr. */
export type ShiftEvent =
  | { kind: 'write'; weight: number; why: WriteReason; live: LiveWeights }
  | { kind: 'checks'; weight: number; checks: CheckRecord[] }
  | { kind: 'hold'; reason: string }
  | { kind: 'pause'; reason: string }
  | { kind: 'edit'; error: WeightsChangedError }
  | { kind: 'wait'; weight: number; until: number; message: string }
  | { kind: 'done'; outcome: TerminalPhase; message: string; state: ShiftState };

export interface ShiftRunnerOptions {
  plan: ShiftPlan;
  router: Router;
  store: ShiftStateStore;
  /** The metric gate; required when `checks` is not empty. */
  gate?: MetricGate;
  checks: readonly ResolvedCheck[];
  /** The clock (tests and benchmarks pass their own). */
  now?: () => number;
  /**
   * The longest sleep between two looks at the object and the live weights (someone else's edit, a pause request);
   * default one interval within [0.5 s, 10 s]. Checks and writes happen when due whatever this is.
   */
  pollMs?: number;
  onEvent?: (e: ShiftEvent) => void;
}

/** How one tick ended. */
export interface TickResult {
  decision: Decision;
  /** When to tick again (ms since the epoch); Infinity when the shift is over. */
  nextTickAt: number;
}

/** A write's result is kept for the next tick's record only when that tick is at least this far off. */
const DEFER_RESULT_MIN_MS = 1000;

/** Whether a loaded status is still the intent this process saved: same weights, phase and history. */
function sameIntent(stored: ShiftState, intent: ShiftState): boolean {
  const a = stored.history.at(-1);
  const b = intent.history.at(-1);
  return (
    stored.pendingWeight === intent.pendingWeight &&
    stored.weight === intent.weight &&
    stored.phase === intent.phase &&
    stored.history.length === intent.history.length &&
    a?.weight === b?.weight &&
    a?.at === b?.at
  );
}

const OUTCOME_FOR_ROUTER: Record<TerminalPhase, ShiftOutcome> = { Succeeded: 'promoted', RolledBack: 'rolledBack', Failed: 'rolledBack', Aborted: 'aborted' };

/** Drives one shift. `tick()` is one reconcile; `run()` ticks until the shift ends or the signal aborts. */
export class ShiftRunner {
  readonly #o: ShiftRunnerOptions;
  readonly #now: () => number;
  readonly #pollMs: number;
  #finalized = false;
  /**
   * A write this process made and saw land, whose result is not saved yet: the intent is in the cluster, the result
   * only here. It is saved with the next tick's record (one status write per step, not two). The next tick uses it
   * only while the stored status is still that intent; otherwise (another writer, a restart) decide()'s resume path
   * checks the intent against the live weights as after a crash.
   */
  #landed: { intent: ShiftState; result: ShiftState } | undefined;

  constructor(opts: ShiftRunnerOptions) {
    if (opts.checks.length > 0 && !opts.gate) throw new TypeError('checks need a gate');
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#pollMs = opts.pollMs ?? Math.min(10_000, Math.max(500, opts.plan.intervalMs));
  }

  /** One reconcile: read, decide, act, record. */
  async tick(): Promise<TickResult> {
    const { plan, router, store } = this.#o;
    const stored = await store.load();
    // The result of our own last write, when the status still holds its intent: not yet saved (see #landed). It
    // stays in memory until a save records it, so a tick that fails before saving does not lose it.
    const landed = this.#landed;
    const unsaved = landed !== undefined && sameIntent(stored.state, landed.intent);
    if (!unsaved) this.#landed = undefined;
    const before = unsaved ? landed.result : stored.state;
    const save = (state: ShiftState): Promise<void> => {
      this.#landed = undefined;
      return store.save(state, stored.generation);
    };
    // An ended shift writes nothing again; its routes may have moved on (the old destination removed).
    const live: LiveWeights = isTerminal(before.phase) ? { targets: [] } : await router.read();
    const liveTargets: LiveTarget[] = live.targets.map((t) => ({ object: t.target, field: t.field, to: t.to, raw: t.raw }));
    const input = { plan, state: before, live: liveTargets, requests: stored.requests, now: this.#now() };
    let d = decide(input);
    if (d.action.kind === 'evaluate') {
      const outcomes = await this.#runChecks();
      this.#emit({ kind: 'checks', weight: before.weight ?? 0, checks: outcomes.map(checkRecord) });
      d = decide({ ...input, checks: outcomes, now: this.#now() });
    }
    const action = d.action;
    switch (action.kind) {
      case 'write': {
        // Intent first: a crash between these two records is found on resume and checked against the cluster.
        const agreed = liveTargets.length > 0 && liveTargets.every((t) => t.to === liveTargets[0]!.to) ? liveTargets[0]!.to : before.weight;
        const intent: ShiftState =
          action.why === 'repair'
            ? d.state
            : { ...d.state, phase: isTerminal(d.state.phase) ? before.phase : d.state.phase, weight: agreed, pendingWeight: action.weight, history: before.history };
        await save(intent);
        let after: LiveWeights;
        try {
          after = await router.write(action.weight, live);
        } catch (err) {
          // Someone else's edit between our read and our write: nothing was overwritten; the next tick reads it and pauses.
          if (err instanceof WeightsChangedError) {
            this.#emit({ kind: 'edit', error: err });
            return { decision: d, nextTickAt: this.#now() };
          }
          throw err;
        }
        // The result waits for the next tick's record when that tick is a while off; a repair or an ending is saved now.
        if (action.why !== 'repair' && !isTerminal(d.state.phase) && Math.min(d.wakeAt - this.#now(), this.#pollMs) >= DEFER_RESULT_MIN_MS) this.#landed = { intent, result: d.state };
        else await save(d.state);
        this.#emit({ kind: 'write', weight: action.weight, why: action.why, live: after });
        break;
      }
      case 'done':
        if (unsaved || !isTerminal(before.phase) || !sameState(d.state, before)) await save(d.state);
        if (!this.#finalized && !isTerminal(before.phase)) {
          this.#finalized = true;
          await router.finalize(OUTCOME_FOR_ROUTER[action.outcome]);
        }
        this.#emit({ kind: 'done', outcome: action.outcome, message: action.message, state: d.state });
        return { decision: d, nextTickAt: Number.POSITIVE_INFINITY };
      default:
        if (unsaved || !sameState(d.state, before)) await save(d.state);
        if (action.kind === 'hold' || action.kind === 'pause') {
          if (action.reason !== before.message || before.phase !== d.state.phase) this.#emit({ kind: action.kind, reason: action.reason });
        } else if (action.kind === 'wait' && d.state.message !== before.message && d.state.message) {
          this.#emit({ kind: 'wait', weight: d.state.weight ?? 0, until: d.wakeAt, message: d.state.message });
        }
    }
    return { decision: d, nextTickAt: Math.min(d.wakeAt, this.#now() + this.#pollMs) };
  }

  /** Ticks until the shift ends (its terminal phase) or `signal` aborts (undefined: interrupted between ticks). */
  async run(signal?: AbortSignal): Promise<TerminalPhase | undefined> {
    for (;;) {
      if (signal?.aborted) return this.#stopped();
      const { decision, nextTickAt } = await this.tick();
      if (decision.action.kind === 'done') return decision.action.outcome;
      const delay = Math.max(0, nextTickAt - this.#now());
      if (delay > 0) {
        try {
          await sleep(delay, undefined, signal ? { signal } : {});
        } catch {
          return this.#stopped();
        }
      }
    }
  }

  /** Saves the result of the last write if it waits in memory (see #landed), so a stopped run leaves it recorded. */
  async flush(): Promise<void> {
    const landed = this.#landed;
    if (!landed) return;
    const stored = await this.#o.store.load();
    this.#landed = undefined;
    if (sameIntent(stored.state, landed.intent)) await this.#o.store.save(landed.result, stored.generation);
  }

  async #stopped(): Promise<undefined> {
    await this.flush();
    return undefined;
  }

  async #runChecks(): Promise<CheckOutcome[]> {
    const gate = this.#o.gate;
    if (!gate) return [];
    return Promise.all(this.#o.checks.map((c) => runCheck(gate, c)));
  }

  #emit(e: ShiftEvent): void {
    this.#o.onEvent?.(e);
  }
}
