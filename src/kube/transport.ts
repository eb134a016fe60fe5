// Raw HTTP to one API server: keep-alive sockets, credentials per request, retries with backoff, typed errors.
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterError } from '../errors.js';
import { apiErrorFromResponse } from './errors.js';
import type { ClusterConnection } from './kubeconfig.js';
import { proxyAuthorization, tunnelAgent } from './proxy.js';
import { redactUrl } from './redact-url.js';
import { parseJsonBody } from './response.js';
import { sanitizeTerminalText } from '../terminal-text.js';
import { DEFAULT_RETRY, isRetryableNetworkError, isRetryableStatus, parseRetryAfter, retryDelay, type RetryPolicy } from './retry.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  method: HttpMethod;
  /** Path below the server URL, starting with `/`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: string;
  contentType?: string;
  accept?: string;
  /** What the request does, for error messages (`list virtualservices.networking.istio.io`). */
  what?: string;
}

export interface KubeResponse {
  status: number;
  body: string;
  contentType: string;
  /** Texts of the `Warning` headers (pruned fields, deprecated versions), unquoted. */
  warnings: string[];
}

export interface TransportOptions {
  retry?: RetryPolicy;
  /** Sockets kept open to the server; more than the concurrency of any caller. */
  maxSockets?: number;
  /** Per-request idle timeout in ms. */
  timeoutMs?: number;
  /** Injectable wait, so retry tests do not sleep. */
  wait?: (ms: number) => Promise<void>;
  /** Called before each retry (progress output, tests). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string; what: string }) => void;
}

/** Counts kept per transport, for benchmarks and tests. */
export interface TransportStats {
  requests: number;
  retries: number;
}

/**
 * One API server, many concurrent requests over a small pool of keep-alive sockets. Chosen over client-node's
 * generated clients because those load about a second of code, do not expose Warning headers (needed to report
 * pruned fields) and wrap every call in generated (de)serializers that cost more than the request on a LIST
 * of thousands of objects.
 */
export class KubeTransport {
  readonly connection: ClusterConnection;
  readonly stats: TransportStats = { requests: 0, retries: 0 };
  #agent: http.Agent;
  #module: typeof http | typeof https;
  /** A plain-http server behind an http(s) proxy: requests go to the proxy in absolute form (as Go sends them). */
  #forwardProxy: URL | undefined;
  #retry: RetryPolicy;
  #timeoutMs: number;
  #wait: (ms: number) => Promise<void>;
  #onRetry: TransportOptions['onRetry'];

  constructor(connection: ClusterConnection, opts: TransportOptions = {}) {
    this.connection = connection;
    const isHttps = connection.server.startsWith('https:');
    this.#module = isHttps ? https : http;
    const maxSockets = opts.maxSockets ?? 32;
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
    const proxy = connection.proxy;
    if (proxy && !isHttps && !proxy.protocol.startsWith('socks')) {
      this.#forwardProxy = proxy;
      this.#module = proxy.protocol === 'https:' ? https : http;
      this.#agent = new this.#module.Agent({ keepAlive: true, maxSockets });
    } else if (proxy) this.#agent = tunnelAgent(new URL(connection.server), proxy, connection.tls, { maxSockets, timeoutMs: this.#timeoutMs });
    else if (isHttps) {
      const t = connection.tls;
      this.#agent = new https.Agent({
        keepAlive: true,
        maxSockets,
        rejectUnauthorized: t.rejectUnauthorized,
        ...(t.ca ? { ca: t.ca } : {}),
        ...(t.cert ? { cert: t.cert } : {}),
        ...(t.key ? { key: t.key } : {}),
        ...(t.servername ? { servername: t.servername } : {}),
      });
    } else this.#agent = new http.Agent({ keepAlive: true, maxSockets });
    this.#retry = opts.retry ?? DEFAULT_RETRY;
    this.#wait = opts.wait ?? ((ms) => sleep(ms).then(() => undefined));
    this.#onRetry = opts.onRetry;
  }

  get contextName(): string {
    return this.connection.contextName;
  }

  /**
   * Sends a request, retrying throttling (429), server errors (5xx) and dropped connections with backoff.
   * Returns any 2xx response; throws KubeApiError for an error status and ClusterError when the server
   * cannot be reached at all.
   */
  async request(req: KubeRequest): Promise<KubeResponse> {
    const what = req.what ?? `${req.method} ${req.path}`;
    for (let attempt = 1; ; attempt++) {
      let res: KubeResponse & { retryAfter?: string };
      try {
        res = await this.#send(req);
      } catch (err) {
        if (isRetryableNetworkError(err) && attempt < this.#retry.attempts) {
          await this.#backoff(attempt, undefined, networkReason(err), what);
          continue;
        }
        throw this.#networkError(err, attempt, what);
      }
      if (res.status >= 200 && res.status < 300) return res;
      if (isRetryableStatus(res.status, res.body, res.retryAfter !== undefined) && attempt < this.#retry.attempts) {
        await this.#backoff(attempt, parseRetryAfter(res.retryAfter), `HTTP ${res.status}`, what);
        continue;
      }
      if (res.status === 401)
        throw new ClusterError(
          'Unauthorized',
          `the API server of context "${this.contextName}" rejected the credentials (401 Unauthorized) while trying to ${what}; log in again or check the kubeconfig user`,
          { context: this.contextName },
        );
      throw apiErrorFromResponse(res.status, res.body, { context: this.contextName, what: `cannot ${what}`, warnings: res.warnings });
    }
  }

  /** Like request, then parses the JSON body. */
  async requestJson(req: KubeRequest): Promise<{ status: number; body: unknown; warnings: string[] }> {
    const res = await this.request({ accept: 'application/json', ...req });
    return { status: res.status, body: parseJsonBody(this.contextName, req.what ?? req.path, res.body), warnings: res.warnings };
  }

  /** Closes idle sockets; the transport must not be used afterwards. */
  close(): void {
    this.#agent.destroy();
  }

  async #backoff(attempt: number, retryAfterMs: number | undefined, reason: string, what: string): Promise<void> {
    const delayMs = retryDelay(this.#retry, attempt, retryAfterMs);
    this.stats.retries++;
    this.#onRetry?.({ attempt, delayMs, reason, what });
    await this.#wait(delayMs);
  }

  #networkError(err: unknown, attempts: number, what: string): ClusterError {
    const reason = sanitizeTerminalText(networkReason(err), { oneLine: true });
    const server = redactUrl(this.connection.server);
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
    const tail = attempts > 1 ? `; gave up after ${attempts} attempts` : '';
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME/.test(code) || /certificate/i.test(reason))
      return new ClusterError('TlsFailure', `TLS with the API server of context "${this.contextName}" at ${server} failed: ${reason}`, {
        context: this.contextName,
        cause: err,
      });
    return new ClusterError('Unreachable', `cannot reach the API server of context "${this.contextName}" at ${server} to ${what} (${reason}${tail})`, {
      context: this.contextName,
      cause: err,
    });
  }

  async #send(req: KubeRequest): Promise<KubeResponse & { retryAfter?: string }> {
    const url = new URL(this.connection.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: http.OutgoingHttpHeaders = {
      ...(await this.connection.authHeaders()),
      Accept: req.accept ?? 'application/json',
      'User-Agent': 'meshferry',
    };
    const fwd = this.#forwardProxy;
    if (fwd) Object.assign(headers, { Host: url.host }, proxyAuthorization(fwd));
    const options: http.RequestOptions = { method: req.method, headers, agent: this.#agent };
    // Through a forward proxy the request line carries the absolute URL: without its userinfo, as Go sends it,
    // so a password in the server URL never lands in a proxy's access log.
    const send = (cb: (res: http.IncomingMessage) => void): http.ClientRequest =>
      fwd
        ? this.#module.request({ ...options, host: fwd.hostname.replace(/^\[(.*)\]$/, '$1'), port: fwd.port || (fwd.protocol === 'https:' ? 443 : 80), path: redactUrl(url.href) }, cb)
        : this.#module.request(url, options, cb);
    if (req.body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(req.body);
    }
    this.stats.requests++;
    return new Promise((resolve, reject) => {
      const r = send((res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            contentType: res.headers['content-type'] ?? '',
            // Warning headers are printed as they are: make them safe for a terminal here, at the edge.
            warnings: parseWarnings(res.rawHeaders).map((w) => sanitizeTerminalText(w, { oneLine: true })),
            ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
          });
        });
      });
      r.setTimeout(this.#timeoutMs, () => r.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      r.on('error', reject);
      r.end(req.body);
    });
  }
}

function networkReason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return networkReason(err.errors[0]);
  return err instanceof Error ? err.message : String(err);
}

/**
 * Texts of all `Warning` headers (RFC 7234: `299 - "text"`, possibly several per line, quotes escaped).
 * rawHeaders is used because node joins repeated headers into one string.
 */
export function parseWarnings(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() !== 'warning') continue;
    const value = rawHeaders[i + 1] ?? '';
    const re = /\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g;
    let m: RegExpExecArray | null;
    let any = false;
    while ((m = re.exec(value))) {
      any = true;
      out.push((m[1] ?? '').replace(/\\(.)/g, '$1'));
    }
    if (!any && value.trim()) out.push(value.trim());
  }
  return out;
}
