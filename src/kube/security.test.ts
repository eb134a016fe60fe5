// What a hostile or careless server, proxy setting or URL can do to a user: escape sequences, leaked passwords,
// proxies skipped or half-verified. Every server and proxy here listens on loopback.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterError, ExitCode } from '../errors.js';
import { Discovery, type ServedResource } from './discovery.js';
import { KubeApiError } from './errors.js';
import { loadConnection } from './kubeconfig.js';
import { ObjectClient } from './object-client.js';
import { proxyForUrl } from './proxy.js';
import { redactUrl } from './redact-url.js';
import { KubeTransport } from './transport.js';
import { FakeApiServer, statusBody, writeFakeKubeconfig, type FakeHandler } from '../../test/support/kube/fake-apiserver.js';
import { startConnectProxy, startSocksProxy, startTlsServer, type FakeProxy } from '../../test/support/kube/fake-proxies.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const NO_RETRY = { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } };
const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown> = { token: 't0k3n' }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-sec-'));
  const file = path.join(dir, 'config');
  writeFileSync(file, JSON.stringify({ clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' }));
  return file;
}

async function fakeServer(handler: FakeHandler): Promise<FakeApiServer> {
  const s = new FakeApiServer(handler);
  await s.start();
  stops.push(() => s.stop());
  return s;
}

function track<T extends { stop(): Promise<void> }>(x: T): T {
  stops.push(() => x.stop());
  return x;
}

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('text a server sends is sanitized before anyone prints it', () => {
  it('error messages, causes and Warning headers lose their escape sequences', async () => {
    const evil = 'denied \x1b]0;owned\x07 \x1b[2J\u009b31m';
    const s = await fakeServer(() => ({
      status: 403,
      body: { ...statusBody(403, 'Forbidden', evil), details: { causes: [{ field: 'spec', message: `bad \x1b[31mred` }] } },
      headers: { Warning: '299 - "careful \u009b2J now"' },
    }));
    const t = new KubeTransport(await loadConnection({ kubeconfig: await writeFakeKubeconfig(s.url) }), NO_RETRY);
    const err = (await t.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e)) as KubeApiError;
    t.close();
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err.message).not.toMatch(CONTROL);
    expect(err.serverMessage).not.toMatch(CONTROL);
    expect(err.message).toContain('\\x1b]0;owned');
    expect(err.causes[0]?.message).not.toMatch(CONTROL);
    expect(err.warnings).toEqual(['careful \\x9b2J now']);
  });

  it('warnings of a successful response are sanitized too', async () => {
    const s = await fakeServer(() => ({ body: { ok: true }, headers: { Warning: '299 - "deprecated \u009b1m"' } }));
    const t = new KubeTransport(await loadConnection({ kubeconfig: await writeFakeKubeconfig(s.url) }), NO_RETRY);
    const res = await t.request({ method: 'GET', path: '/x' });
    t.close();
    expect(res.warnings).toEqual(['deprecated \\x9b1m']);
  });

  it('a body that is not a Status (a proxy HTML page) is one sanitized line', async () => {
    const s = await fakeServer(() => ({ status: 502, body: '<html>\n<h1>Bad \x1b[5mgateway</h1>\n</html>' }));
    const t = new KubeTransport(await loadConnection({ kubeconfig: await writeFakeKubeconfig(s.url) }), NO_RETRY);
    const err = (await t.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e)) as KubeApiError;
    t.close();
    expect(err.message).not.toMatch(CONTROL);
    expect(err.message).not.toContain('\n');
  });
});

describe('a non-JSON or wrongly shaped API answer is a cluster failure (exit 3), not a bug', () => {
  const VS: ServedResource = { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService', plural: 'virtualservices', namespaced: true, verbs: ['list', 'get', 'patch'] };
  async function client(handler: FakeHandler): Promise<ObjectClient> {
    const s = await fakeServer(handler);
    const t = new KubeTransport(await loadConnection({ kubeconfig: await writeFakeKubeconfig(s.url) }), NO_RETRY);
    stops.push(() => Promise.resolve(t.close()));
    return new ObjectClient(t, new Discovery([VS], new Map([['networking.istio.io', 'v1']])));
  }
  const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'a', namespace: 'shop' }, spec: {} };

  it('an empty list whose items are null (Go\'s nil slice, as a real API server sends it) is an empty list', async () => {
    const c = await client(() => ({ body: { kind: 'PartialObjectMetadataList', metadata: {}, items: null } }));
    expect(await c.list(VS, { metadataOnly: true })).toEqual([]);
  });

  it.each([
    { name: 'list answered with HTML', body: '<html>\x1b[31mlogin</html>', call: (c: ObjectClient) => c.list(VS) },
    { name: 'list answered without items', body: { kind: 'Status' }, call: (c: ObjectClient) => c.list(VS) },
    { name: 'list items without metadata', body: { items: [{ spec: {} }] }, call: (c: ObjectClient) => c.list(VS) },
    { name: 'get answered with HTML', body: '<html>login</html>', call: (c: ObjectClient) => c.get(VS, 'shop', 'a') },
    { name: 'get answered with a list', body: [1, 2], call: (c: ObjectClient) => c.get(VS, 'shop', 'a') },
    { name: 'apply answered with HTML', body: '<html>login</html>', call: (c: ObjectClient) => c.apply(vs) },
    { name: 'apply answered without metadata', body: { kind: 'VirtualService' }, call: (c: ObjectClient) => c.apply(vs) },
  ])('$name', async ({ body, call }) => {
    const c = await client(() => ({ body }));
    const err = await call(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).exitCode).toBe(ExitCode.cluster);
    expect((err as ClusterError).code).toBe('BadResponse');
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).not.toMatch(CONTROL);
    expect((err as Error).message).toContain('context "fake"');
  });
});

describe('passwords in a server URL are never printed', () => {
  it.each([
    ['https://alice:hunter2@api.example.test:6443/path?q=1', 'https://api.example.test:6443/path?q=1'],
    ['http://alice@127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://api.example.test', 'https://api.example.test'],
    ['socks5://u:p@127.0.0.1:1080', 'socks5://127.0.0.1:1080'],
    ['not a url but has //u:p@host/x', 'not a url but has //host/x'],
  ])('redactUrl(%s)', (input, want) => {
    expect(redactUrl(input)).toBe(want);
  });

  it('an unreachable server is named without its userinfo', async () => {
    const s = await fakeServer(() => ({ body: {} }));
    const url = s.url.replace('http://', 'http://alice:hunter2@');
    await s.stop();
    stops.pop();
    const t = new KubeTransport(await loadConnection({ kubeconfig: kubeconfig({ server: url }, {}), warn: () => undefined }), NO_RETRY);
    const err = await t.request({ method: 'GET', path: '/api' }).catch((e: unknown) => e);
    t.close();
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as Error).message).toMatch(/cannot reach/);
    expect((err as Error).message).not.toContain('hunter2');
    expect((err as Error).message).not.toContain('alice');
  });

  it('a kubeconfig server that is not an http(s) URL is named without its userinfo', async () => {
    const err = await loadConnection({ kubeconfig: kubeconfig({ server: 'ftp://alice:hunter2@h' }) }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/not an http\(s\) URL/);
    expect((err as Error).message).not.toContain('hunter2');
  });
});

describe('proxies from the environment follow Go\'s httpproxy rules (what kubectl uses)', () => {
  const env = (e: Record<string, string | undefined>) => ({ HOME: '/nonexistent', ...e });
  it.each([
    { name: 'HTTPS_PROXY for https', url: 'https://api.example.test:6443', e: { HTTPS_PROXY: 'http://p:3128' }, want: 'http://p:3128' },
    { name: 'https_proxy (lower case)', url: 'https://api.example.test:6443', e: { https_proxy: 'p:3128' }, want: 'http://p:3128' },
    { name: 'upper case wins', url: 'https://api.example.test', e: { HTTPS_PROXY: 'http://up:1', https_proxy: 'http://low:1' }, want: 'http://up:1' },
    { name: 'HTTP_PROXY is not used for https', url: 'https://api.example.test', e: { HTTP_PROXY: 'http://p:1' }, want: undefined },
    { name: 'HTTP_PROXY for http', url: 'http://api.example.test:8080', e: { HTTP_PROXY: 'http://p:1' }, want: 'http://p:1' },
    { name: 'HTTP_PROXY ignored under CGI', url: 'http://api.example.test', e: { HTTP_PROXY: 'http://p:1', REQUEST_METHOD: 'GET' }, want: undefined },
    { name: 'localhost is never proxied', url: 'https://localhost:6443', e: { HTTPS_PROXY: 'http://p:1' }, want: undefined },
    { name: 'a loopback IP is never proxied', url: 'https://127.0.0.2:6443', e: { HTTPS_PROXY: 'http://p:1' }, want: undefined },
    { name: 'IPv6 loopback is never proxied', url: 'https://[::1]:6443', e: { HTTPS_PROXY: 'http://p:1' }, want: undefined },
    { name: 'NO_PROXY domain matches subdomains', url: 'https://api.example.test', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.test' }, want: undefined },
    { name: 'NO_PROXY domain matches itself', url: 'https://example.test', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.test' }, want: undefined },
    { name: 'NO_PROXY .domain matches subdomains only', url: 'https://example.test', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.example.test' }, want: 'http://p:1' },
    { name: 'NO_PROXY *.domain', url: 'https://a.example.test', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*.example.test' }, want: undefined },
    { name: 'NO_PROXY is not a substring match', url: 'https://badexample.test', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.test' }, want: 'http://p:1' },
    { name: 'NO_PROXY with the right port', url: 'https://api.example.test:6443', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'api.example.test:6443' }, want: undefined },
    { name: 'NO_PROXY with another port', url: 'https://api.example.test:6443', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'api.example.test:443' }, want: 'http://p:1' },
    { name: 'NO_PROXY default port of the scheme', url: 'https://api.example.test', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'api.example.test:443' }, want: undefined },
    { name: 'NO_PROXY CIDR', url: 'https://10.1.2.3:6443', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.0.0.0/8' }, want: undefined },
    { name: 'NO_PROXY CIDR miss', url: 'https://11.1.2.3:6443', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.0.0.0/8' }, want: 'http://p:1' },
    { name: 'NO_PROXY IPv6 CIDR', url: 'https://[fd00::5]:6443', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'fd00::/8' }, want: undefined },
    { name: 'NO_PROXY IP with port', url: 'https://10.1.2.3:6443', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.1.2.3:6443' }, want: undefined },
    { name: 'NO_PROXY IP, other port', url: 'https://10.1.2.3:6443', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.1.2.3:443' }, want: 'http://p:1' },
    { name: 'a domain entry never matches an IP', url: 'https://10.1.2.3', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '3' }, want: 'http://p:1' },
    { name: 'NO_PROXY *', url: 'https://api.example.test', e: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'a.test, *' }, want: undefined },
    { name: 'no_proxy (lower case), spaces and case', url: 'https://API.Example.test', e: { HTTPS_PROXY: 'http://p:1', no_proxy: ' other.test , EXAMPLE.test ' }, want: undefined },
  ])('$name', ({ url, e, want }) => {
    expect(proxyForUrl(new URL(url), env(e))?.href.replace(/\/$/, '')).toBe(want);
  });
});

describe('requests go through the proxy they should, and TLS is still checked against the API server', () => {
  it('HTTPS_PROXY tunnels with CONNECT; the certificate is checked against the server\'s host name', async () => {
    const api = track(await startTlsServer(['kube.example.test']));
    const proxy: FakeProxy = track(await startConnectProxy(() => api.port));
    const file = kubeconfig({ server: `https://kube.example.test:${api.port}`, 'certificate-authority-data': b64(api.caPem) });
    const t = new KubeTransport(await loadConnection({ kubeconfig: file, env: { HOME: '/nonexistent', HTTPS_PROXY: proxy.url } }), NO_RETRY);
    const res = await t.requestJson({ method: 'GET', path: '/api' });
    t.close();
    expect(res.body).toEqual({ ok: true });
    expect(proxy.targets).toEqual([`kube.example.test:${api.port}`]);
    expect(api.seen[0]?.headers.authorization).toBe('Bearer t0k3n');
  });

  it('through a proxy, a certificate for another name still fails', async () => {
    const api = track(await startTlsServer(['other.example.test']));
    const proxy = track(await startConnectProxy(() => api.port));
    const file = kubeconfig({ server: `https://kube.example.test:${api.port}`, 'certificate-authority-data': b64(api.caPem) });
    const t = new KubeTransport(await loadConnection({ kubeconfig: file, env: { HOME: '/nonexistent', https_proxy: proxy.url } }), NO_RETRY);
    const err = await t.request({ method: 'GET', path: '/api' }).catch((e: unknown) => e);
    t.close();
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('TlsFailure');
    expect(proxy.targets).toEqual([`kube.example.test:${api.port}`]);
  });

  it('HTTP_PROXY forwards plain-http requests', async () => {
    const api = await fakeServer(() => ({ body: { plain: true } }));
    const port = Number(new URL(api.url).port);
    const proxy = track(await startConnectProxy(() => port));
    const file = kubeconfig({ server: `http://kube.example.test:${port}` }, {});
    const t = new KubeTransport(await loadConnection({ kubeconfig: file, env: { HOME: '/nonexistent', HTTP_PROXY: proxy.url }, warn: () => undefined }), NO_RETRY);
    const res = await t.requestJson({ method: 'GET', path: '/api' });
    t.close();
    expect(res.body).toEqual({ plain: true });
    expect(proxy.targets).toEqual([`http://kube.example.test:${port}/api`]);
  });

  it('the request line a forward proxy sees never carries the server URL\'s user and password', async () => {
    const api = await fakeServer(() => ({ body: { plain: true } }));
    const port = Number(new URL(api.url).port);
    const proxy = track(await startConnectProxy(() => port));
    const file = kubeconfig({ server: `http://alice:pw1@kube.example.test:${port}` }, {});
    const t = new KubeTransport(await loadConnection({ kubeconfig: file, env: { HOME: '/nonexistent', HTTP_PROXY: proxy.url }, warn: () => undefined }), NO_RETRY);
    await t.requestJson({ method: 'GET', path: '/api' });
    t.close();
    expect(proxy.targets).toEqual([`http://kube.example.test:${port}/api`]);
  });

  it('a loopback server is reached directly even with HTTPS_PROXY set (Go excludes loopback)', async () => {
    const api = track(await startTlsServer(['127.0.0.1']));
    const proxy = track(await startConnectProxy(() => api.port));
    const file = kubeconfig({ server: `https://127.0.0.1:${api.port}`, 'certificate-authority-data': b64(api.caPem) });
    const t = new KubeTransport(await loadConnection({ kubeconfig: file, env: { HOME: '/nonexistent', HTTPS_PROXY: proxy.url } }), NO_RETRY);
    await t.request({ method: 'GET', path: '/api' });
    t.close();
    expect(proxy.targets).toEqual([]);
  });

  it.each([
    { kind: 'socks5', start: startSocksProxy },
    { kind: 'http CONNECT', start: startConnectProxy },
  ])('a kubeconfig proxy-url ($kind) to an IP address checks the certificate against that IP, not "localhost"', async ({ start }) => {
    const api = track(await startTlsServer(['127.0.0.1']));
    const proxy = track(await start(() => api.port));
    const file = kubeconfig({ server: `https://127.0.0.1:${api.port}`, 'certificate-authority-data': b64(api.caPem), 'proxy-url': proxy.url });
    const t = new KubeTransport(await loadConnection({ kubeconfig: file }), NO_RETRY);
    const res = await t.requestJson({ method: 'GET', path: '/api' });
    t.close();
    expect(res.body).toEqual({ ok: true });
    expect(proxy.targets).toEqual([`127.0.0.1:${api.port}`]);
  });

  it('a socks5 proxy-url to a server certified only for "localhost" is refused when the URL names an IP', async () => {
    const api = track(await startTlsServer(['localhost']));
    const proxy = track(await startSocksProxy(() => api.port));
    const file = kubeconfig({ server: `https://127.0.0.1:${api.port}`, 'certificate-authority-data': b64(api.caPem), 'proxy-url': proxy.url });
    const t = new KubeTransport(await loadConnection({ kubeconfig: file }), NO_RETRY);
    const err = await t.request({ method: 'GET', path: '/api' }).catch((e: unknown) => e);
    t.close();
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('TlsFailure');
  });
});
