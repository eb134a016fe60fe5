// Sends HTTP requests at a fixed rate to two loopback backends, split by weight, and stops by itself at a limit.
import { Agent, request } from 'node:http';
import { InputError } from '../../errors.js';
import type { Side } from './weighted-split.js';
import { WeightedSplit } from './weighted-split.js';

/** When the loop stops by itself; at least one is required. */
export interface LoadLimit {
  durationMs?: number;
  requests?: number;
}

export interface LoadOptions {
  /** Requests per second. */
  rps: number;
  weights: { from: number; to: number };
  limit: LoadLimit;
  targets: Record<Side, string>;
  /** Requests in flight beyond this are not sent (counted as `skipped`). Default 256. */
  maxInFlight?: number;
  /** Per request. Default 10 s. */
  requestTimeoutMs?: number;
  /** Called when a request ends: its side, its status (0 when no answer came) and its round trip. */
  onResponse?: (side: Side, status: number, durationMs: number, failure?: 'connect' | 'timeout') => void;
}

/** Counters of one run. */
export interface LoadStats {
  sent: Record<Side, number>;
  answered: Record<Side, Record<string, number>>;
  /** Requests with no HTTP answer (connection refused or reset, timeout). */
  failed: Record<Side, number>;
  /** Requests not sent because `maxInFlight` were still open. */
  skipped: number;
}

// Small enough that 1000 rps goes out in even bursts of ≤ 20 requests.
const TICK_MS = 20;

/** A running load; `done` settles when the limit is reached or `stop()` is called, after open requests end. */
export class LoadGenerator {
  readonly #split: WeightedSplit;
  readonly #opts: LoadOptions;
  readonly #agent: Agent;
  readonly #stats: LoadStats = { sent: { from: 0, to: 0 }, answered: { from: {}, to: {} }, failed: { from: 0, to: 0 }, skipped: 0 };
  #planned = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  #started = 0;
  #resolveDone!: () => void;
  readonly done: Promise<void>;

  constructor(opts: LoadOptions) {
    if (!Number.isFinite(opts.rps) || opts.rps <= 0) throw new InputError(`the request rate must be a number > 0, not ${String(opts.rps)}`);
    const { durationMs, requests } = opts.limit;
    if (durationMs === undefined && requests === undefined) throw new InputError('a load needs a limit: a duration, a number of requests, or both');
    if (durationMs !== undefined && (!Number.isFinite(durationMs) || durationMs <= 0)) throw new InputError(`the load duration must be > 0 ms, not ${String(durationMs)}`);
    if (requests !== undefined && (!Number.isInteger(requests) || requests <= 0)) throw new InputError(`the request limit must be a whole number > 0, not ${String(requests)}`);
    for (const side of ['from', 'to'] as const) {
      const host = new URL(opts.targets[side]).hostname;
      // Test traffic only ever goes to loopback (design.md, reliability rules).
      if (host !== '127.0.0.1' && host !== '[::1]' && host !== 'localhost') throw new InputError(`the "${side}" target ${opts.targets[side]} is not a loopback address`);
    }
    this.#opts = opts;
    this.#split = new WeightedSplit(opts.weights.from, opts.weights.to);
    const maxInFlight = opts.maxInFlight ?? 256;
    this.#agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Starts sending. */
  start(): void {
    this.#started = performance.now();
    this.#tick();
  }

  /** Changes the split from the next request on. */
  setWeights(from: number, to: number): void {
    this.#split.set(from, to);
  }

  get weights(): { from: number; to: number } {
    return this.#split.weights;
  }

  /** A copy of the counters so far. */
  stats(): LoadStats {
    return structuredClone(this.#stats);
  }

  /** Stops sending; resolves when the open requests have ended. */
  async stop(): Promise<void> {
    this.#finish();
    await this.done;
  }

  #limitReached(now: number): boolean {
    const { durationMs, requests } = this.#opts.limit;
    return (durationMs !== undefined && now - this.#started >= durationMs) || (requests !== undefined && this.#planned >= requests);
  }

  #tick(): void {
    if (this.#stopping) return;
    const now = performance.now();
    // Request k is due at k/rps seconds; a duration limit allows those due before it ends, so a run sends exactly
    // rps × duration requests however late its last tick comes.
    let due = Math.floor(((now - this.#started) / 1000) * this.#opts.rps) + 1;
    const { durationMs, requests } = this.#opts.limit;
    if (durationMs !== undefined) due = Math.min(due, Math.ceil((durationMs / 1000) * this.#opts.rps));
    if (requests !== undefined) due = Math.min(due, requests);
    const maxInFlight = this.#opts.maxInFlight ?? 256;
    while (this.#planned < due) {
      this.#planned++;
      if (this.#inFlight >= maxInFlight) this.#stats.skipped++;
      else this.#send(this.#split.next());
    }
    if (this.#limitReached(now)) {
      this.#finish();
      return;
    }
    this.#timer = setTimeout(() => this.#tick(), Math.min(TICK_MS, 1000 / this.#opts.rps));
  }

  #finish(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#settleIfIdle();
  }

  #settleIfIdle(): void {
    if (this.#stopping && this.#inFlight === 0) {
      this.#agent.destroy();
      this.#resolveDone();
    }
  }

  #send(side: Side): void {
    this.#inFlight++;
    this.#stats.sent[side]++;
    const started = performance.now();
    let ended = false;
    const end = (status: number, failure?: 'connect' | 'timeout'): void => {
      if (ended) return;
      ended = true;
      const ms = performance.now() - started;
      if (failure) this.#stats.failed[side]++;
      else this.#stats.answered[side][String(status)] = (this.#stats.answered[side][String(status)] ?? 0) + 1;
      this.#opts.onResponse?.(side, status, ms, failure);
      this.#inFlight--;
      this.#settleIfIdle();
    };
    const req = request(this.#opts.targets[side], { method: 'GET', agent: this.#agent, timeout: this.#opts.requestTimeoutMs ?? 10_000 }, (res) => {
      res.resume();
      res.once('end', () => end(res.statusCode ?? 0));
      res.once('error', () => end(0, 'connect'));
    });
    req.once('timeout', () => {
      req.destroy();
      end(0, 'timeout');
    });
    req.once('error', () => end(0, 'connect'));
    req.end();
  }
}
