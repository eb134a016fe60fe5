import { afterEach, describe, expect, it } from 'vitest';
import { ClusterError, ExitCode } from '../errors.js';
import { KubeApiError } from './errors.js';
import { loadConnection } from './kubeconfig.js';
import { FakeApiServer, statusBody, writeFakeKubeconfig, type FakeHandler } from '../../test/support/kube/fake-apiserver.js';
import { KubeTransport, parseWarnings } from './transport.js';

const servers: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** A transport against a fake server whose retries do not sleep; `waits` records each backoff. */
async function setup(handler: FakeHandler, attempts = 4) {
  const server = new FakeApiServer(handler);
  servers.push(server);
  const url = await server.start();
  const conn = await loadConnection({ kubeconfig: await writeFakeKubeconfig(url) });
  const waits: number[] = [];
  const transport = new KubeTransport(conn, {
    retry: { attempts, baseDelayMs: 100, maxDelayMs: 2000 },
    wait: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
  return { server, transport, waits };
}

describe('KubeTransport', () => {
  it('sends the bearer token, the query and the body, and returns the answer', async () => {
    const { server, transport } = await setup(() => ({ body: { ok: true } }));
    const res = await transport.request({ method: 'PATCH', path: '/apis/g/v1/x', query: { a: 'b', skip: undefined, n: 3 }, body: '{"x":1}', contentType: 'application/apply-patch+yaml' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true });
    const req = server.requests[0];
    expect(req?.headers.authorization).toBe('Bearer fake-token');
    expect(req?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(req?.query.toString()).toBe('a=b&n=3');
    expect(req?.body).toBe('{"x":1}');
    transport.close();
  });

  it.each([
    { name: '429 with Retry-After', first: { status: 429, body: statusBody(429, 'TooManyRequests', 'slow down'), headers: { 'Retry-After': '1' } }, wantWait: 1000 },
    { name: '503', first: { status: 503, body: statusBody(503, 'ServiceUnavailable', 'starting') }, wantWait: undefined },
    { name: 'a dropped connection', first: { destroy: true }, wantWait: undefined },
  ])('retries $name, then succeeds', async ({ first, wantWait }) => {
    let calls = 0;
    const { transport, waits } = await setup(() => (calls++ === 0 ? first : { body: { ok: true } }));
    const res = await transport.request({ method: 'GET', path: '/api' });
    expect(res.status).toBe(200);
    expect(calls).toBe(2);
    expect(waits).toHaveLength(1);
    if (wantWait !== undefined) expect(waits[0]).toBe(wantWait);
    expect(transport.stats).toEqual({ requests: 2, retries: 1 });
    transport.close();
  });

  it('gives up after the policy\'s attempts with the last error status', async () => {
    const { transport, waits } = await setup(() => ({ status: 503, body: statusBody(503, 'ServiceUnavailable', 'still starting') }), 3);
    const err = await transport.request({ method: 'GET', path: '/api', what: 'discover' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(503);
    expect((err as KubeApiError).message).toBe('cannot discover: still starting');
    expect(waits).toHaveLength(2);
    transport.close();
  });

  it('does not retry a 500 that no retry can cure', async () => {
    const { transport, waits } = await setup(() => ({ status: 500, body: statusBody(500, '', 'failed to create typed patch object (a/b): .spec.x: field not declared in schema') }));
    const err = await transport.request({ method: 'PATCH', path: '/x', body: '{}' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(waits).toHaveLength(0);
    transport.close();
  });

  it.each([
    { status: 403, reason: 'Forbidden', forbidden: true, notFound: false },
    { status: 404, reason: 'NotFound', forbidden: false, notFound: true },
    { status: 422, reason: 'Invalid', forbidden: false, notFound: false },
  ])('turns $status into a KubeApiError with the server\'s message and reason', async ({ status, reason, forbidden, notFound }) => {
    const { transport, waits } = await setup(() => ({ status, body: statusBody(status, reason, `server says ${status}`), headers: { Warning: '299 - "unknown field \\"spec.x\\""' } }));
    const err = (await transport.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e)) as KubeApiError;
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err.reason).toBe(reason);
    expect(err.serverMessage).toBe(`server says ${status}`);
    expect(err.isForbidden).toBe(forbidden);
    expect(err.isNotFound).toBe(notFound);
    expect(err.warnings).toEqual(['unknown field "spec.x"']);
    expect(err.exitCode).toBe(ExitCode.cluster);
    expect(waits).toHaveLength(0);
    transport.close();
  });

  it('401 names the context and says what to do', async () => {
    const { transport } = await setup(() => ({ status: 401, body: statusBody(401, 'Unauthorized', 'Unauthorized') }));
    const err = await transport.request({ method: 'GET', path: '/x', what: 'list things' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as Error).message).toMatch(/context "fake" rejected the credentials \(401 Unauthorized\) while trying to list things/);
  });

  it('an unreachable server fails after the retries with a one-line cause (exit 3)', async () => {
    const { server, transport, waits } = await setup(() => ({ body: {} }), 3);
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    const err = await transport.request({ method: 'GET', path: '/api', what: 'discover the core API' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('Unreachable');
    expect((err as ClusterError).exitCode).toBe(ExitCode.cluster);
    expect((err as Error).message).toMatch(/^cannot reach the API server of context "fake" at http:\/\/127\.0\.0\.1:\d+ to discover the core API \(.*ECONNREFUSED.*; gave up after 3 attempts\)$/);
    expect((err as Error).message).not.toContain('\n');
    expect(waits).toHaveLength(2);
    transport.close();
  });
});

describe('parseWarnings', () => {
  it.each([
    { raw: ['Warning', '299 - "unknown field \\"spec.foo\\""'], want: ['unknown field "spec.foo"'] },
    { raw: ['warning', '299 - "a", 299 - "b"', 'Content-Type', 'x', 'Warning', '299 - "c"'], want: ['a', 'b', 'c'] },
    { raw: ['Warning', '299 kube-apiserver "v1beta1 is deprecated" "Wed, 21 Oct 2015 07:28:00 GMT"'], want: ['v1beta1 is deprecated'] },
    { raw: ['Warning', 'free text'], want: ['free text'] },
    { raw: ['Content-Type', 'application/json'], want: [] },
  ])('$raw', ({ raw, want }) => {
    expect(parseWarnings(raw)).toEqual(want);
  });
});
