// Keeps a data plane's split equal to the live weights of a shift's router: polls Router.read() and applies changes.
import { setTimeout as sleep } from 'node:timers/promises';

/** One target's live weight as a router reads it back (the `to` share, 0..100). */
export interface LiveTargetWeight {
  /** Percent of traffic to "to", 0..100 (the router normalises relative weights). */
  to: number;
}

/** What `Router.read()` answers: one entry per target (per cluster). */
export interface LiveWeightsRead<T extends LiveTargetWeight = LiveTargetWeight> {
  targets: readonly T[];
}

/** The one method of a router the data plane needs. */
export interface WeightReader<T extends LiveTargetWeight = LiveTargetWeight> {
  read(): Promise<LiveWeightsRead<T>>;
}

/** A split in percent: from + to = 100. */
export interface Split {
  from: number;
  to: number;
}

/**
 * One split for all targets. A shift moves its targets together, so they normally agree; while they do not (a
 * step written to one cluster and not yet to the other, or a person editing one cluster), the data plane sends
 * the mean: what a client population spread evenly over the clusters would see, each client following its own
 * cluster's VirtualService. Rounded to 0.01 so float noise is not reported as a change.
 */
export function combineTargets(live: LiveWeightsRead): Split {
  if (live.targets.length === 0) throw new Error('a router read back no targets');
  const sum = live.targets.reduce((s, t) => s + t.to, 0);
  const to = Math.round((sum / live.targets.length) * 100) / 100;
  if (!(to >= 0 && to <= 100)) throw new Error(`a router read back a "to" weight outside 0..100 (${String(to)})`);
  return { from: Math.round((100 - to) * 100) / 100, to };
}

export interface FollowOptions<T extends LiveTargetWeight> {
  reader: WeightReader<T>;
  /** Applies a new split (the data plane's setWeights). */
  apply: (split: Split) => void;
  /** Between two reads; default 500 ms. */
  pollMs?: number;
  /** The split already in force (the data plane started with it); only a different one is applied and reported. */
  initial?: Split;
  /** Called after each change is applied, with the targets as read. The first read counts as a change. */
  onChange?: (split: Split, live: LiveWeightsRead<T>) => void;
  /** Called when a read fails; the last split stays in force and polling goes on. */
  onError?: (err: unknown, consecutive: number) => void;
  /** Called when reads work again after failures. */
  onRecovered?: (failures: number) => void;
}

/** Polls the router until stopped; the split in force changes only when the live weights do. */
export class WeightFollower<T extends LiveTargetWeight = LiveTargetWeight> {
  readonly #opts: FollowOptions<T>;
  #current: Split | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #failures = 0;
  #wake: (() => void) | undefined;

  constructor(opts: FollowOptions<T>) {
    this.#opts = opts;
    this.#current = opts.initial ? { ...opts.initial } : undefined;
  }

  /** The split in force, undefined before the first successful read. */
  get current(): Split | undefined {
    return this.#current ? { ...this.#current } : undefined;
  }

  /** Reads once and applies the result; throws when the read fails (used for the first read). */
  async poll(): Promise<Split> {
    const live = await this.#opts.reader.read();
    const split = combineTargets(live);
    if (!this.#current || this.#current.to !== split.to) {
      this.#opts.apply(split);
      this.#current = split;
      this.#opts.onChange?.(split, live);
    }
    return split;
  }

  /** Starts polling in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    const pollMs = this.#opts.pollMs ?? 500;
    while (!this.#stopped) {
      try {
        await this.poll();
        if (this.#failures > 0) this.#opts.onRecovered?.(this.#failures);
        this.#failures = 0;
      } catch (err) {
        this.#failures++;
        this.#opts.onError?.(err, this.#failures);
      }
      if (this.#stopped) break;
      const ac = new AbortController();
      this.#wake = () => ac.abort();
      await sleep(pollMs, undefined, { signal: ac.signal }).catch(() => undefined);
      this.#wake = undefined;
    }
  }

  /** Stops polling; resolves when the read in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
  }
}
