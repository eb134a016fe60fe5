// One loopback HTTP backend ("from" or "to") with injectable faults, reporting as a destination sidecar would.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError } from '../../errors.js';
import type { IstioRequestLabels, IstioRequestMetrics } from './istio-metrics.js';
import { EvenErrorSpread } from './weighted-split.js';

/** Faults on one side: `status` answers every request with that code; otherwise `errorRate` of them get 503. */
export interface Faults {
  /** Share of requests answered 503, in [0, 1]. */
  errorRate?: number;
  /** Fixed delay before every answer, in milliseconds. */
  latencyMs?: number;
  /** Every request gets this status (e.g. 404, as a gateway without routes answers). */
  status?: number;
}

/** Checks faults given by a user (flags or API). */
export function checkFaults(f: Faults): void {
  if (f.latencyMs !== undefined && (!Number.isFinite(f.latencyMs) || f.latencyMs < 0)) throw new InputError(`a latency must be ≥ 0 ms, not ${String(f.latencyMs)}`);
  if (f.status !== undefined && (!Number.isInteger(f.status) || f.status < 100 || f.status > 599)) throw new InputError(`a status must be an HTTP status code (100-599), not ${String(f.status)}`);
  if (f.errorRate !== undefined) new EvenErrorSpread(f.errorRate); // throws with its own message
}

export interface BackendOptions {
  /** The labels every request to this backend is reported with, except `response_code`. */
  destinationLabels: Omit<IstioRequestLabels, 'response_code'>;
  faults?: Faults;
  /** Where destination-reporter metrics go; undefined when the destination side does not report. */
  metrics?: IstioRequestMetrics;
  /**
   * Gateway mode: a `status` fault is the gateway answering by itself (a gateway without routes), so the
   * destination behind it never sees the request and reports nothing.
   */
  statusFaultAnswersAhead?: boolean;
}

/** A started backend. */
export interface Backend {
  readonly url: string;
  readonly port: number;
  setFaults(f: Faults): void;
  close(): Promise<void>;
}

/** Starts a backend on 127.0.0.1 at an ephemeral port. */
export async function startBackend(opts: BackendOptions): Promise<Backend> {
  let faults: Faults = {};
  const errors = new EvenErrorSpread();
  const setFaults = (f: Faults): void => {
    checkFaults(f);
    faults = { ...f };
    errors.set(f.errorRate ?? 0);
  };
  setFaults(opts.faults ?? {});
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    const started = performance.now();
    req.resume(); // bodies are not used; drain them so keep-alive connections stay usable
    const f = faults;
    const status = f.status ?? (errors.next() ? 503 : 200);
    const answer = (): void => {
      res.statusCode = status;
      res.setHeader('content-type', 'text/plain');
      res.end(status < 400 ? 'ok\n' : `injected ${status}\n`);
    };
    res.once('finish', () => {
      if (f.status !== undefined && opts.statusFaultAnswersAhead) return;
      opts.metrics?.record({ ...opts.destinationLabels, response_code: String(status) }, performance.now() - started);
    });
    if (f.latencyMs && f.latencyMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        answer();
      }, f.latencyMs);
      timers.add(t);
    } else answer();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setFaults,
    async close(): Promise<void> {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
