// The no-op router for dry runs: weights live in this process's memory only, and every target says so.
import {
  percentTo,
  rawWeightsFor,
  weightChanges,
  WeightsChangedError,
  type LiveWeights,
  type Router,
  type RouterProblem,
  type ShiftOutcome,
  type TargetWeights,
} from './router.js';

/** The marker every no-op target name carries, so no report can mistake a dry run for a cluster. */
export const NOOP_MARK = '(dry run, in memory)';

export interface NoopRouterOptions {
  /** The targets to pretend to move (default one, `noop`). */
  targets?: readonly string[];
  /** Percent for "to" at the start; default 0. */
  to?: number;
  reporter?: Router['reporter'];
}

/**
 * A router that touches nothing. `write` checks `expected` like a real router (so a dry run exercises the loop's
 * change detection) and bumps a fake resourceVersion; `finalize` records the outcome for the caller to show.
 */
export class NoopRouter implements Router {
  readonly kind = 'noop' as const;
  readonly reporter: Router['reporter'];
  /** The outcome given to `finalize`, for the dry run's summary. */
  outcome: ShiftOutcome | undefined;
  #targets: TargetWeights[];
  #version = 1;

  constructor(opts: NoopRouterOptions = {}) {
    this.reporter = opts.reporter ?? 'destination';
    const raw = rawWeightsFor(opts.to ?? 0);
    this.#targets = (opts.targets ?? ['noop']).map((t) => ({
      target: `${t} ${NOOP_MARK}`,
      field: 'weight',
      to: percentTo(raw),
      raw,
      resourceVersion: String(this.#version),
    }));
  }

  /**
   * A no-op router that starts where a real router's targets are now (their names and weights), so a dry run
   * plans from the live state without ever writing.
   */
  static async startingFrom(real: Router): Promise<NoopRouter> {
    const live = await real.read();
    const r = new NoopRouter({ targets: [], reporter: real.reporter });
    r.#targets = live.targets.map((t) => ({ ...t, target: `${t.target} ${t.field} ${NOOP_MARK}`, field: 'weight', resourceVersion: String(r.#version) }));
    return r;
  }

  validate(): Promise<RouterProblem[]> {
    return Promise.resolve([{ severity: 'warning', target: NOOP_MARK, message: 'dry run: weights are kept in memory and no cluster is changed' }]);
  }

  read(): Promise<LiveWeights> {
    return Promise.resolve({ targets: this.#targets.map((t) => ({ ...t, raw: { ...t.raw } })) });
  }

  async write(to: number, expected: LiveWeights): Promise<LiveWeights> {
    const raw = rawWeightsFor(to);
    const changes = weightChanges(expected, { targets: this.#targets });
    if (changes.length > 0) throw new WeightsChangedError(changes);
    // Like a cluster: a write that changes nothing leaves the version alone.
    if (this.#targets.some((t) => t.raw.from !== raw.from || t.raw.to !== raw.to)) {
      this.#version++;
      this.#targets = this.#targets.map((t) => ({ ...t, raw, to: percentTo(raw), resourceVersion: String(this.#version) }));
    }
    return this.read();
  }

  /** Stands in for someone else's edit in tests and demos: sets one target's raw weights. */
  edit(index: number, raw: { from: number; to: number }): void {
    const t = this.#targets[index];
    if (!t) throw new RangeError(`no target ${index}`);
    this.#version++;
    this.#targets[index] = { ...t, raw, to: percentTo(raw), resourceVersion: String(this.#version) };
  }

  finalize(outcome: ShiftOutcome): Promise<void> {
    this.outcome = outcome;
    return Promise.resolve();
  }
}
