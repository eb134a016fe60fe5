// PrometheusGate: a MetricGate over Prometheus' HTTP API (instant queries), with timeouts and checked answers.
import { InputError } from '../../errors.js';
import { GateError } from './gate.js';
import type { MetricGate, QueryResult } from './gate.js';
import { parseQueryResponse, serverText } from './prometheus-response.js';

export interface PrometheusGateOptions {
  /** Per query, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Bodies larger than this are refused (a runaway query must not fill memory). Default 8 MiB. */
  maxBodyBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY = 8 * 1024 * 1024;
// PromQL from a user's file goes into messages; long queries are cut.
const MAX_QUERY_IN_MESSAGE = 160;

/** Checks a Prometheus address: http(s), no credentials in it (they would end up in messages and logs). */
export function parsePrometheusAddress(address: string): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new InputError(`"${serverText(address)}" is not a URL; expected e.g. http://127.0.0.1:9090`, { fieldPath: 'gates.prometheus.address' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(`the Prometheus address must be http:// or https://, not ${serverText(url.protocol)}`, { fieldPath: 'gates.prometheus.address' });
  if (url.username !== '' || url.password !== '')
    throw new InputError('the Prometheus address must not carry a user or password', { fieldPath: 'gates.prometheus.address' });
  if (url.search !== '' || url.hash !== '')
    throw new InputError('the Prometheus address must not carry a query string or fragment', { fieldPath: 'gates.prometheus.address' });
  return url;
}

function causeCode(err: unknown): string {
  let e: unknown = err;
  // fetch wraps the socket error: TypeError('fetch failed', {cause: {code: 'ECONNREFUSED'}}).
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    if (e.cause === undefined) return serverText(e.message);
    e = e.cause;
  }
  return 'unknown error';
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/** Reads a body up to `max` bytes; undefined when it is larger. */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A Prometheus (or API-compatible server) at `address`; the base path is kept, so a path prefix works. */
export class PrometheusGate implements MetricGate {
  readonly #queryUrl: URL;
  readonly #display: string;
  readonly #timeoutMs: number;
  readonly #maxBody: number;

  constructor(address: string, opts: PrometheusGateOptions = {}) {
    const base = parsePrometheusAddress(address);
    const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    this.#queryUrl = new URL(`${basePath}api/v1/query`, base);
    this.#display = `${base.origin}${base.pathname === '/' ? '' : base.pathname}`;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  }

  /** The address as it may be shown (no credentials, which are refused anyway). */
  get address(): string {
    return this.#display;
  }

  /** Runs one instant query; every failure comes back as `{kind: 'error'}` with a message naming the server. */
  async query(promql: string): Promise<QueryResult> {
    const shown = serverText(promql.length > MAX_QUERY_IN_MESSAGE ? `${promql.slice(0, MAX_QUERY_IN_MESSAGE)}…` : promql);
    const prefix = `Prometheus at ${this.#display}, query "${shown}": `;
    const url = new URL(this.#queryUrl);
    url.searchParams.set('query', promql);
    let res: Response;
    let body: string | undefined;
    try {
      res = await fetch(url, { method: 'GET', redirect: 'error', signal: AbortSignal.timeout(this.#timeoutMs), headers: { accept: 'application/json' } });
      body = await readCapped(res, this.#maxBody);
    } catch (err) {
      if (isTimeout(err)) return { kind: 'error', error: new GateError('timeout', `${prefix}no answer within ${this.#timeoutMs} ms`, { cause: err }) };
      return { kind: 'error', error: new GateError('unreachable', `${prefix}unreachable (${causeCode(err)})`, { cause: err }) };
    }
    if (body === undefined)
      return { kind: 'error', error: new GateError('badResponse', `${prefix}the answer is larger than ${this.#maxBody} bytes`, { status: res.status }) };
    const result = parseQueryResponse(res.status, body);
    if (result.kind !== 'error') return result;
    const e = result.error;
    return { kind: 'error', error: new GateError(e.reason, `${prefix}${e.message}`, e.status === undefined ? {} : { status: e.status }) };
  }

  /** True when `vector(1)` answers 1: works on any API-compatible server, unlike /-/ready. */
  async isOnline(): Promise<boolean> {
    const r = await this.query('vector(1)');
    return r.kind === 'value' && r.value === 1;
  }
}
