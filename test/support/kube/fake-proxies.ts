// Loopback proxies and a TLS API server for transport tests: an HTTP CONNECT proxy and a SOCKS5 proxy that record
// the destinations they were asked for and always connect to a loopback port instead (tests never leave loopback).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { issueCertificate } from '../../../src/lab/x509.js';

/** A proxy that records what it was asked to reach. */
export interface FakeProxy {
  url: string;
  /** `host:port` of every CONNECT / SOCKS request, or the absolute URL of a forwarded plain-HTTP request. */
  targets: string[];
  stop(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<{ destroy(): unknown }>): () => Promise<void> {
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** An HTTP proxy: CONNECT tunnels and absolute-form requests, both sent to 127.0.0.1:`upstreamPort`. */
export async function startConnectProxy(upstreamPort: () => number): Promise<FakeProxy> {
  const targets: string[] = [];
  const sockets = new Set<{ destroy(): unknown }>();
  const server = http.createServer((req, res) => {
    targets.push(req.url ?? '');
    const up = http.request({ host: '127.0.0.1', port: upstreamPort(), method: req.method, path: new URL(req.url ?? '/').pathname, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client, head) => {
    targets.push(req.url ?? '');
    const up = net.connect(upstreamPort(), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, targets, stop: closer(server, sockets) };
}

/** A SOCKS5 proxy (no authentication, CONNECT only) that sends every connection to 127.0.0.1:`upstreamPort`. */
export async function startSocksProxy(upstreamPort: () => number): Promise<FakeProxy> {
  const targets: string[] = [];
  const sockets = new Set<{ destroy(): unknown }>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'request' | 'piping' = 'greeting';
    client.on('data', (chunk: Buffer) => {
      if (stage === 'piping') return;
      buf = Buffer.concat([buf, chunk]);
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + (buf[1] ?? 0)) return;
        buf = buf.subarray(2 + (buf[1] ?? 0));
        client.write(Buffer.from([5, 0]));
        stage = 'request';
      }
      if (stage === 'request') {
        if (buf.length < 5) return;
        const atyp = buf[3];
        const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + (buf[4] ?? 0);
        if (buf.length < 4 + addrLen + 2) return;
        const addr = atyp === 3 ? buf.subarray(5, 5 + (buf[4] ?? 0)).toString() : atyp === 1 ? [...buf.subarray(4, 8)].join('.') : 'ipv6';
        const port = buf.readUInt16BE(4 + addrLen);
        const rest = buf.subarray(4 + addrLen + 2);
        targets.push(`${addr}:${port}`);
        stage = 'piping';
        client.removeAllListeners('data');
        const up = net.connect(upstreamPort(), '127.0.0.1', () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          if (rest.length) up.write(rest);
          up.pipe(client);
          client.pipe(up);
        });
        sockets.add(up);
        up.on('error', () => client.destroy());
      }
    });
  });
  const port = await listen(server);
  return { url: `socks5://127.0.0.1:${port}`, targets, stop: closer(server, sockets) };
}

/** An HTTPS server whose certificate (from its own CA) is valid only for `hosts`; answers every request with JSON. */
export async function startTlsServer(hosts: string[], answer: (req: http.IncomingMessage) => unknown = () => ({ ok: true })) {
  const caName = { commonName: 'fake-ca' };
  const ca = issueCertificate({ ...caName, isCA: true });
  const leaf = issueCertificate({ commonName: hosts[0] ?? 'fake', hosts }, { ...ca, ...caName });
  const seen: http.IncomingMessage[] = [];
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    seen.push(req);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer(req)));
  });
  const sockets = new Set<{ destroy(): unknown }>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return { port, caPem: ca.certPem, seen, stop: closer(server, sockets) };
}
