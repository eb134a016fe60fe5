// PrometheusGate over real HTTP on 127.0.0.1: request shape, timeouts, unreachable servers, address checks.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import { PrometheusGate } from './prometheus.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

const answer = (value: string) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, value] }] } });

describe('PrometheusGate', () => {
  it('sends GET /api/v1/query with the query, under the address path prefix', async () => {
    const seen: { method?: string; url?: string }[] = [];
    const base = await serve((req, res) => {
      seen.push({ method: req.method, url: req.url });
      res.setHeader('content-type', 'application/json');
      res.end(answer('42'));
    });
    const gate = new PrometheusGate(`${base}/prom`);
    expect(await gate.query('sum(rate(x{a="b"}[1m]))')).toEqual({ kind: 'value', value: 42 });
    expect(seen.map((s) => s.method)).toEqual(['GET']);
    const url = new URL(seen[0]!.url!, 'http://x');
    expect(url.pathname).toBe('/prom/api/v1/query');
    expect(url.searchParams.get('query')).toBe('sum(rate(x{a="b"}[1m]))');
  });

  it('isOnline is true only when vector(1) answers 1', async () => {
    const good = await serve((req, res) => res.end(answer(new URL(req.url!, 'http://x').searchParams.get('query') === 'vector(1)' ? '1' : '0')));
    const wrong = await serve((_req, res) => res.end(answer('0')));
    expect(await new PrometheusGate(good).isOnline()).toBe(true);
    expect(await new PrometheusGate(wrong).isOnline()).toBe(false);
  });

  it('answers a timeout error when the server is slower than the timeout, and names the server and query', async () => {
    const base = await serve(() => {
      // Never answers; the test's afterEach closes the connection.
    });
    const r = await new PrometheusGate(base, { timeoutMs: 200 }).query('up');
    expect(r.kind).toBe('error');
    if (r.kind !== 'error') return;
    expect(r.error.reason).toBe('timeout');
    expect(r.error.message).toBe(`Prometheus at ${base}, query "up": no answer within 200 ms`);
  });

  it('answers an unreachable error when nothing listens', async () => {
    const base = await serve(() => undefined);
    const s = servers.pop()!;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const r = await new PrometheusGate(base).query('up');
    if (r.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(r)}`);
    expect(r.error.reason).toBe('unreachable');
    expect(r.error.message).toMatch(/unreachable \(ECONNREFUSED\)$/);
    expect(await new PrometheusGate(base).isOnline()).toBe(false);
  });

  it('refuses an answer larger than its cap', async () => {
    const base = await serve((_req, res) => res.end('x'.repeat(5000)));
    const r = await new PrometheusGate(base, { maxBodyBytes: 1000 }).query('up');
    if (r.kind !== 'error') throw new Error('expected an error');
    expect(r.error.reason).toBe('badResponse');
    expect(r.error.message).toMatch(/larger than 1000 bytes/);
  });

  it('carries the HTTP status and the sanitized server text of an error', async () => {
    const base = await serve((_req, res) => {
      res.statusCode = 400;
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error \u001b[31mred' }));
    });
    const r = await new PrometheusGate(base).query('sum(');
    if (r.kind !== 'error') throw new Error('expected an error');
    expect(r.error.reason).toBe('badQuery');
    expect(r.error.status).toBe(400);
    expect(r.error.message).toBe(`Prometheus at ${base}, query "sum(": HTTP 400: bad_data: parse error \\x1b[31mred`);
  });

  it('does not follow redirects', async () => {
    const base = await serve((_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', 'http://127.0.0.1:1/elsewhere');
      res.end();
    });
    const r = await new PrometheusGate(base).query('up');
    expect(r.kind).toBe('error');
  });

  it.each([
    ['not a URL', '127.0.0.1 9090', /is not a URL/],
    ['another scheme', 'ftp://127.0.0.1:9090', /must be http:\/\/ or https:\/\//],
    ['credentials', 'http://admin:secret@127.0.0.1:9090', /must not carry a user or password/],
    ['a query string', 'http://127.0.0.1:9090/?x=1', /must not carry a query string/],
  ])('refuses an address with %s', (_why, address, want) => {
    expect(() => new PrometheusGate(address)).toThrow(InputError);
    expect(() => new PrometheusGate(address)).toThrow(want);
  });

  it('never shows a password in the address it reports', () => {
    let message = '';
    try {
      new PrometheusGate('http://admin:secret@127.0.0.1:9090');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain('secret');
  });
});

describe('PrometheusGate.probe', () => {
  it('says why a Prometheus is not online: unreachable, or an answer that is not 1', async () => {
    const odd = await serve((_req, res) => res.end(answer('0')));
    const down = await serve(() => undefined);
    const s = servers.pop()!;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    expect(await new PrometheusGate(odd).probe()).toEqual({ online: false, reason: `Prometheus at ${odd} answered vector(1) with 0, not 1: is it Prometheus?` });
    const r = await new PrometheusGate(down).probe();
    expect(r.online).toBe(false);
    if (!r.online) expect(r.reason).toBe(`Prometheus at ${down}, query "vector(1)": unreachable (ECONNREFUSED)`);
  });
});
