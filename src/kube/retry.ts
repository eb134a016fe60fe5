// When and how long to wait before retrying a request: exponential backoff with jitter, Retry-After honoured.

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  attempts: number;
  /** Delay before the first retry, in ms; it doubles each time. */
  baseDelayMs: number;
  /** No single wait is longer than this (Retry-After included). */
  maxDelayMs: number;
}

/**
 * Six attempts over about ten seconds: long enough to ride out an apiserver restart or a throttling burst,
 * short enough that a dead cluster fails within seconds (exit 3) rather than hanging a migration.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 5_000 };

/**
 * Whether an error response is worth another try. Throttling (429) and gateway failures (502-504) are.
 * A 500 is retried only when the server asks for it (Retry-After) or names a transient cause: the API
 * server also answers 500 for deterministic failures, such as server-side apply of a field the schema
 * does not declare ("failed to create typed patch object"), which no retry can cure.
 */
export function isRetryableStatus(status: number, body = '', hasRetryAfter = false): boolean {
  if (status === 429 || status === 502 || status === 503 || status === 504) return true;
  if (status !== 500) return false;
  if (hasRetryAfter) return true;
  if (/failed to create typed patch object|field not declared in schema/i.test(body)) return false;
  return !/"kind"\s*:\s*"Status"/.test(body) || /etcdserver|timeout|timed out|try again|connection refused|too many requests/i.test(body);
}

/** Socket-level error codes that mean "the server went away or never answered", not "the request was bad". */
const RETRYABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** True for connection failures a retry may cure. */
export function isRetryableNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (code && RETRYABLE_ERRNO.has(code)) return true;
  return /socket hang up|request timed out/i.test(err.message);
}

/**
 * Parses Retry-After (seconds or an HTTP date) into milliseconds; undefined when absent or unreadable.
 * `now` is injectable so tests do not depend on the clock.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before retry number `retry` (1 for the first retry). Full jitter between half and the whole
 * exponential step spreads many clients apart after a shared outage; Retry-After from the server wins
 * when it asks for longer. `random` is injectable for deterministic tests.
 */
export function retryDelay(policy: RetryPolicy, retry: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = step / 2 + random() * (step / 2);
  const wanted = retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
  return Math.round(Math.min(policy.maxDelayMs, wanted));
}
