// A tiny HTTPS client for a lab API server (loopback only): readiness polls, CRDs, nodes and dry-run probes.
import { Agent, request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../errors.js';

export interface ApiResponse {
  status: number;
  /** Parsed JSON when the server sent JSON, otherwise the raw text. */
  body: unknown;
  text: string;
}

export interface ApiRequestOptions {
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

/** Talks to one API server with its bearer token and the lab CA; never follows redirects, never leaves loopback. */
export class LabApiClient {
  readonly server: string;
  #token: string;
  #agent: Agent;

  constructor(server: string, token: string, caPem: string) {
    const url = new URL(server);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
      throw new LabError(`refusing to talk to ${server}: the lab only uses loopback addresses`);
    this.server = server;
    this.#token = token;
    this.#agent = new Agent({ keepAlive: true, ca: caPem, maxSockets: 8 });
  }

  /** Sends one request; network errors become status 0 so pollers can retry. */
  request(method: string, path: string, opts: ApiRequestOptions = {}): Promise<ApiResponse> {
    const url = new URL(path, this.server);
    const payload =
      opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    return new Promise((resolve) => {
      const req = request(
        url,
        {
          method,
          agent: this.#agent,
          headers: {
            authorization: `Bearer ${this.#token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': opts.contentType ?? 'application/json' }),
          },
          timeout: opts.timeoutMs ?? 15_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json')) {
              try {
                body = JSON.parse(text);
              } catch {
                // keep the text
              }
            }
            resolve({ status: res.statusCode ?? 0, body, text });
          });
          res.on('error', (err) => resolve({ status: 0, body: err.message, text: err.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', (err) => resolve({ status: 0, body: err.message, text: err.message }));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get(path: string): Promise<ApiResponse> {
    return this.request('GET', path);
  }

  post(path: string, body: unknown): Promise<ApiResponse> {
    return this.request('POST', path, { body });
  }

  /** Closes idle keep-alive sockets so the Node process can exit. */
  close(): void {
    this.#agent.destroy();
  }
}

/** Waits until `check` returns a value (not undefined), polling every `intervalMs`; throws LabError on timeout. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; maxIntervalMs?: number; abort?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let interval = opts.intervalMs ?? 100;
  for (;;) {
    const stop = opts.abort?.();
    if (stop) throw new LabError(`${what}: ${stop}`);
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new LabError(`timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for ${what}`);
    await sleep(interval);
    interval = Math.min(interval * 1.5, opts.maxIntervalMs ?? 500);
  }
}
