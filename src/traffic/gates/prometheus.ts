// PrometheusGate: a MetricGate over Prometheus' HTTP API (instant queries), with timeouts and checked answers.
import http from 'node:http';
import https from 'node:https';
import { InputError } from '../../errors.js';
import { GateError } from './gate.js';
import type { MetricGate, QueryResult } from './gate.js';
import { parseQueryResponse, parseVectorResponse, serverText, type VectorResult } from './prometheus-response.js';

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
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    if (e.cause === undefined) return serverText(e.message);
    e = e.cause;
  }
  return 'unknown error';
}

/**
 * Keep-alive sockets shared by every gate of the process. Global fetch closes a connection idle for 4 s, so at any
 * interval longer than that each query paid a new connection, and it asked for gzip, inflating every small answer;
 * a shift queries once per interval for as long as it runs, often many shifts in one process.
 * Idle sockets do not keep the process alive.
 */
const AGENTS = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }) };

class QueryTimeout extends Error {
  override readonly name = 'TimeoutError';
}
class TooLarge extends Error {}

/** One GET; the body as text, or TooLarge past `max` bytes. No redirect is followed (a 3xx is an answer like any other). */
function getOnce(url: URL, timeoutMs: number, max: number): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: 'GET', agent: AGENTS[url.protocol as 'http:' | 'https:'], headers: { accept: 'application/json', 'accept-encoding': 'identity', 'user-agent': 'meshferry' } });
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(Object.assign(err instanceof Error ? err : new Error(String(err)), { reusedSocket: req.reusedSocket }));
    };
    const timer = setTimeout(() => fail(new QueryTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.byteLength;
        if (size > max) fail(new TooLarge());
        else chunks.push(c);
      });
      res.on('error', fail);
      res.on('aborted', () => fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), reused: req.reusedSocket });
      });
    });
    req.end();
  });
}

/** A GET that tries once more when a kept-alive socket turned out closed by the server (the request never arrived). */
async function get(url: URL, timeoutMs: number, max: number): Promise<{ status: number; body: string }> {
  try {
    return await getOnce(url, timeoutMs, max);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
    if (e.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return getOnce(url, timeoutMs, max);
    throw err;
  }
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
    const res = await this.#send(promql);
    return 'error' in res ? res : this.#named(promql, parseQueryResponse(res.status, res.body));
  }

  /** Runs one instant query and returns every series of its vector (the call graph reads many at once). */
  async queryVector(promql: string): Promise<VectorResult> {
    const res = await this.#send(promql);
    return 'error' in res ? res : this.#named(promql, parseVectorResponse(res.status, res.body));
  }

  #prefix(promql: string): string {
    const shown = serverText(promql.length > MAX_QUERY_IN_MESSAGE ? `${promql.slice(0, MAX_QUERY_IN_MESSAGE)}…` : promql);
    return `Prometheus at ${this.#display}, query "${shown}": `;
  }

  /** An answer's error, with the server and the query named. */
  #named<T extends { kind: string; error?: GateError }>(promql: string, result: T): T {
    const e = result.error;
    if (result.kind !== 'error' || !e) return result;
    return { ...result, error: new GateError(e.reason, `${this.#prefix(promql)}${e.message}`, e.status === undefined ? {} : { status: e.status }) };
  }

  async #send(promql: string): Promise<{ status: number; body: string } | { kind: 'error'; error: GateError }> {
    const prefix = this.#prefix(promql);
    const url = new URL(this.#queryUrl);
    url.searchParams.set('query', promql);
    try {
      return await get(url, this.#timeoutMs, this.#maxBody);
    } catch (err) {
      if (err instanceof TooLarge) return { kind: 'error', error: new GateError('badResponse', `${prefix}the answer is larger than ${this.#maxBody} bytes`) };
      if (err instanceof QueryTimeout) return { kind: 'error', error: new GateError('timeout', `${prefix}no answer within ${this.#timeoutMs} ms`, { cause: err }) };
      return { kind: 'error', error: new GateError('unreachable', `${prefix}unreachable (${causeCode(err)})`, { cause: err }) };
    }
  }

  /** True when `vector(1)` answers 1: works on any API-compatible server, unlike /-/ready. */
  async isOnline(): Promise<boolean> {
    return (await this.probe()).online;
  }

  /** isOnline with the reason when not: the error of the `vector(1)` query (it names the server), or the odd answer. */
  async probe(): Promise<{ online: true } | { online: false; reason: string }> {
    const r = await this.query('vector(1)');
    if (r.kind === 'value' && r.value === 1) return { online: true };
    if (r.kind === 'error') return { online: false, reason: r.error.message };
    return { online: false, reason: `Prometheus at ${this.#display} answered vector(1) with ${r.kind === 'value' ? r.value : 'no data'}, not 1: is it Prometheus?` };
  }
}
