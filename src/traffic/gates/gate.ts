// The metric provider interface behind every gate, and its three separate answers: a value, no data, an error.
import { ExitCode, MeshferryError } from '../../errors.js';

/**
 * Why a query failed. Each is a reason to hold a shift, never a reason to fail a check:
 * - `unreachable`: no HTTP answer at all (connection refused, DNS, reset);
 * - `timeout`: no full answer within the gate's timeout;
 * - `badQuery`: the server rejected the query (bad PromQL, HTTP 400 `bad_data`, 422 `execution`);
 * - `http`: any other HTTP error status (503 from a query timeout, 5xx from a proxy, 401/403);
 * - `badResponse`: an answer that is not the API's shape, or a result a gate cannot judge
 *   (a range vector, a string, several series).
 */
export type GateErrorReason = 'unreachable' | 'timeout' | 'badQuery' | 'http' | 'badResponse';

/** A metric query that produced no verdict. Exit 3 when it reaches the CLI (a provider failure, not bad input). */
export class GateError extends MeshferryError {
  readonly reason: GateErrorReason;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  constructor(reason: GateErrorReason, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(`Gate${reason.charAt(0).toUpperCase()}${reason.slice(1)}`, message, { cause: opts.cause, exitCode: ExitCode.cluster });
    this.reason = reason;
    this.status = opts.status;
  }
}

/**
 * The answer to one instant query. The three kinds are never conflated:
 * - `value`: one finite or infinite number (histogram_quantile can answer +Inf);
 * - `noData`: the query ran but measured nothing: an empty vector (`sum()` over no series) or NaN (0/0);
 * - `error`: the query did not run, or its answer cannot be judged.
 */
export type QueryResult =
  | { kind: 'value'; value: number }
  | { kind: 'noData'; reason: 'empty' | 'nan' }
  | { kind: 'error'; error: GateError };

/** A metric provider: Flagger's two-method shape (`runQuery`, `isOnline`). */
export interface MetricGate {
  /** Runs one instant query; never throws for a failed query, it answers `{kind: 'error'}`. */
  query(promql: string): Promise<QueryResult>;
  /** True when the provider answers a trivial query correctly. */
  isOnline(): Promise<boolean>;
}
