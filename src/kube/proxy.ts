// Proxies to the API server as kubectl uses them: HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment, or a
// kubeconfig `proxy-url` (http, https, socks5); TLS to the API server is verified against its own name through them.
import http from 'node:http';
import https from 'node:https';
import net, { BlockList, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { ClusterError } from '../errors.js';
import { redactUrl } from './redact-url.js';

/**
 * The proxy for a request to `target`, by the rules of Go's golang.org/x/net/http/httpproxy (proxy.go,
 * `FromEnvironment`, `proxyForURL`, `useProxy`), which kubectl uses through net/http's ProxyFromEnvironment
 * (k8s.io/client-go transport/cache.go, apimachinery util/net NewProxierWithNoProxyCIDR):
 * - HTTPS_PROXY for https and HTTP_PROXY for http URLs, upper case before lower case; HTTP_PROXY is ignored when
 *   REQUEST_METHOD is set (a CGI environment);
 * - a value without a scheme means http://;
 * - `localhost` and loopback addresses are never proxied;
 * - NO_PROXY is a comma list of `*`, CIDRs, IPs (optionally `:port`) and domains (optionally `:port`); `a.com`
 *   matches a.com and its subdomains, `.a.com` and `*.a.com` only subdomains; a domain entry never matches an IP.
 */
export function proxyForUrl(target: URL, env: NodeJS.ProcessEnv): URL | undefined {
  const any = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  let raw: string | undefined;
  if (target.protocol === 'https:') raw = any('HTTPS_PROXY', 'https_proxy');
  else if (target.protocol === 'http:') {
    raw = any('HTTP_PROXY', 'http_proxy');
    if (raw && env.REQUEST_METHOD) return undefined;
  }
  const proxy = raw ? parseProxyValue(raw) : undefined;
  if (!proxy) return undefined;
  return useProxy(target, any('NO_PROXY', 'no_proxy') ?? '') ? proxy : undefined;
}

function parseProxyValue(raw: string): URL | undefined {
  try {
    const u = new URL(raw);
    if (u.host !== '') return u;
  } catch {
    // fall through: Go retries with http:// in front
  }
  try {
    return new URL(`http://${raw}`);
  } catch {
    return undefined;
  }
}

/** The host of a URL without IPv6 brackets. */
export function bareHost(u: URL): string {
  return u.hostname.replace(/^\[(.*)\]$/, '$1');
}

function defaultPort(u: URL): string {
  return u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : u.protocol.startsWith('socks') ? '1080' : '');
}

function isLoopback(ip: string, family: number): boolean {
  if (family === 4) return ip.startsWith('127.');
  const lower = ip.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7).startsWith('127.');
  const list = new BlockList();
  list.addAddress('::1', 'ipv6');
  return list.check(ip, 'ipv6');
}

function useProxy(target: URL, noProxy: string): boolean {
  const host = bareHost(target).toLowerCase();
  const port = defaultPort(target);
  if (host === 'localhost') return false;
  const family = isIP(host);
  if (family && isLoopback(host, family)) return false;
  for (const entry of noProxy.split(',')) {
    const p = entry.trim().toLowerCase();
    if (!p) continue;
    if (p === '*') return false;
    const cidr = /^(.+)\/(\d{1,3})$/.exec(p);
    if (cidr && isIP(cidr[1] ?? '')) {
      if (!family) continue;
      const list = new BlockList();
      const type = isIP(cidr[1] ?? '') === 4 ? 'ipv4' : 'ipv6';
      try {
        list.addSubnet(cidr[1] ?? '', Number(cidr[2]), type);
      } catch {
        continue;
      }
      if (list.check(host, family === 4 ? 'ipv4' : 'ipv6')) return false;
      continue;
    }
    // host:port, [v6]:port, or a bare host (a bare IPv6 has colons but no port).
    let phost = p;
    let pport = '';
    const m = /^\[(.+)\](?::(\d+))?$/.exec(p) ?? (isIP(p) ? null : /^([^:]+):(\d+)$/.exec(p));
    if (m) {
      phost = m[1] ?? '';
      pport = m[2] ?? '';
    }
    if (!phost) continue;
    if (isIP(phost)) {
      if (family && sameIp(phost, host) && (pport === '' || pport === port)) return false;
      continue;
    }
    if (family) continue; // a domain entry never matches an IP
    let suffix = phost.startsWith('*.') ? phost.slice(1) : phost;
    const matchHost = !suffix.startsWith('.');
    if (matchHost) suffix = `.${suffix}`;
    if ((host.endsWith(suffix) || (matchHost && host === suffix.slice(1))) && (pport === '' || pport === port)) return false;
  }
  return true;
}

function sameIp(a: string, b: string): boolean {
  const list = new BlockList();
  list.addAddress(a, isIP(a) === 4 ? 'ipv4' : 'ipv6');
  return list.check(b, isIP(b) === 4 ? 'ipv4' : 'ipv6');
}

/** TLS settings for the API server behind a tunnel. */
export interface TunnelTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** Proxy schemes kubectl accepts in a kubeconfig `proxy-url` (client-go rest/transport.go): http, https, socks5. */
export const PROXY_SCHEMES = ['http:', 'https:', 'socks5:', 'socks5h:'] as const;

/**
 * An agent that reaches `server` through `proxy`: a CONNECT tunnel (http/https proxies) or a SOCKS5 connection,
 * then TLS to the API server itself. The certificate is checked against the server URL's host (an IP is checked
 * as an IP) or the kubeconfig's tls-server-name, never against a default such as "localhost".
 */
export function tunnelAgent(server: URL, proxy: URL, tlsSettings: TunnelTls, opts: { maxSockets: number; timeoutMs: number }): http.Agent {
  const host = bareHost(server);
  const port = Number(defaultPort(server));
  const open = () => openTunnel(proxy, host, port, opts.timeoutMs);
  if (server.protocol === 'https:') {
    // Node verifies against `servername || host`; an IP may not be sent as SNI, so it goes in `host` alone.
    const servername = tlsSettings.servername ?? (isIP(host) ? undefined : host);
    return new (class extends https.Agent {
      override createConnection(_options: unknown, cb?: ConnectionCallback): undefined {
        open().then(
          (socket) => {
            const secure = tls.connect({
              socket,
              host,
              ...(servername ? { servername } : {}),
              rejectUnauthorized: tlsSettings.rejectUnauthorized,
              ...(tlsSettings.ca ? { ca: tlsSettings.ca } : {}),
              ...(tlsSettings.cert ? { cert: tlsSettings.cert } : {}),
              ...(tlsSettings.key ? { key: tlsSettings.key } : {}),
            });
            cb?.(null, secure);
          },
          (err: unknown) => cb?.(err instanceof Error ? err : new Error(String(err)), NO_STREAM),
        );
        return undefined;
      }
    })({ keepAlive: true, maxSockets: opts.maxSockets });
  }
  return new (class extends http.Agent {
    override createConnection(_options: unknown, cb?: ConnectionCallback): undefined {
      open().then(
        (socket) => cb?.(null, socket),
        (err: unknown) => cb?.(err instanceof Error ? err : new Error(String(err)), NO_STREAM),
      );
      return undefined;
    }
  })({ keepAlive: true, maxSockets: opts.maxSockets });
}

type ConnectionCallback = (err: Error | null, stream: Duplex) => void;
/** Node's agent callback wants a stream argument even on failure, where it ignores it. */
const NO_STREAM = undefined as unknown as Duplex;

/** `Proxy-Authorization` for a proxy URL with userinfo (as Go's transport sends it), else nothing. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === '' && proxy.password === '') return {};
  const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'Proxy-Authorization': `Basic ${Buffer.from(creds).toString('base64')}` };
}

function proxyError(proxy: URL, message: string): ClusterError {
  return new ClusterError('ProxyFailure', `the proxy ${redactUrl(proxy.href)} ${message}`);
}

/** A socket to host:port through the proxy. */
function openTunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return proxy.protocol.startsWith('socks') ? socks5Connect(proxy, host, port, timeoutMs) : connectTunnel(proxy, host, port, timeoutMs);
}

function connectTunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const mod = proxy.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: bareHost(proxy),
      port: Number(defaultPort(proxy)),
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...proxyAuthorization(proxy) },
      agent: false,
      timeout: timeoutMs,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(proxyError(proxy, `refused to open a tunnel to ${authority} (HTTP ${res.statusCode ?? 0})`));
      }
    });
    req.once('timeout', () => req.destroy(Object.assign(new Error(`proxy ${redactUrl(proxy.href)} did not answer`), { code: 'ETIMEDOUT' })));
    req.once('error', reject);
    req.end();
  });
}

const SOCKS_REPLIES: Record<number, string> = {
  1: 'general failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** RFC 1928 CONNECT (with RFC 1929 username/password when the URL has them); host names are resolved by the proxy. */
function socks5Connect(proxy: URL, host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(defaultPort(proxy)), bareHost(proxy));
    socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error(`proxy ${redactUrl(proxy.href)} did not answer`), { code: 'ETIMEDOUT' })));
    const user = decodeURIComponent(proxy.username);
    const pass = decodeURIComponent(proxy.password);
    const withAuth = user !== '' || pass !== '';
    let buf = Buffer.alloc(0);
    let stage: 'method' | 'auth' | 'reply' = 'method';
    const fail = (why: string) => {
      socket.destroy();
      reject(proxyError(proxy, why));
    };
    const sendConnect = () => {
      const family = isIP(host);
      const addr =
        family === 4
          ? Buffer.from([1, ...host.split('.').map(Number)])
          : family === 6
            ? Buffer.concat([Buffer.from([4]), ipv6Bytes(host)])
            : Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host)]);
      const p = Buffer.alloc(2);
      p.writeUInt16BE(port);
      socket.write(Buffer.concat([Buffer.from([5, 1, 0]), addr, p]));
      stage = 'reply';
    };
    socket.once('connect', () => socket.write(Buffer.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0])));
    socket.on('error', reject);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === 'method') {
        if (buf.length < 2) return;
        const method = buf[1];
        buf = buf.subarray(2);
        if (method === 0) sendConnect();
        else if (method === 2 && withAuth) {
          socket.write(Buffer.concat([Buffer.from([1, Buffer.byteLength(user)]), Buffer.from(user), Buffer.from([Buffer.byteLength(pass)]), Buffer.from(pass)]));
          stage = 'auth';
        } else return fail('accepts none of the offered authentication methods');
      }
      if (stage === 'auth') {
        if (buf.length < 2) return;
        if (buf[1] !== 0) return fail('rejected the username and password');
        buf = buf.subarray(2);
        sendConnect();
      }
      if (stage === 'reply') {
        if (buf.length < 5) return;
        if (buf[1] !== 0) return fail(`could not connect to ${host}:${port} (${SOCKS_REPLIES[buf[1] ?? 1] ?? `reply ${buf[1]}`})`);
        const atyp = buf[3];
        const len = 4 + (atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + (buf[4] ?? 0)) + 2;
        if (buf.length < len) return;
        socket.off('data', onData);
        socket.off('error', reject);
        socket.setTimeout(0);
        if (buf.length > len) socket.unshift(buf.subarray(len));
        resolve(socket);
      }
    };
    socket.on('data', onData);
  });
}

/** 16 bytes of an IPv6 address (`::` expanded; an embedded dotted IPv4 tail is converted). */
function ipv6Bytes(ip: string): Buffer {
  let text = ip.split('%')[0] ?? ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a, b, c, d] = v4[1].split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return out;
}
