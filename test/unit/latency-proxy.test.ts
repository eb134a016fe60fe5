// bench/migrate/latency-proxy.ts (the cross-cluster bench's BENCH_RTT_MS): bytes through it unchanged and in order both
// ways, the round trip it adds applied (a lower bound only: a loaded machine may be slower, never faster), and a close
// on either side reaching the other.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLatencyProxy, type LatencyProxy } from '../../bench/migrate/latency-proxy.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server on 127.0.0.1 calling `onConnection` per connection; closed after the test. */
async function target(onConnection: (s: net.Socket) => void, allowHalfOpen = false): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen }, (s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return (server.address() as net.AddressInfo).port;
}

async function proxy(targetPort: number, rttMs: number, handshake = false): Promise<LatencyProxy> {
  const p = await startLatencyProxy({ targetPort, rttMs, handshake });
  cleanups.push(() => p.close());
  return p;
}

async function connect(port: number, allowHalfOpen = false): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen });
  cleanups.push(() => void s.destroy());
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  return s;
}

/** Everything `s` receives until its end. */
const readAll = (s: net.Socket): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('error', reject);
  });

const closed = (s: net.Socket): Promise<void> => new Promise((resolve) => (s.destroyed && s.closed ? resolve() : s.once('close', () => resolve())));

/** The next `n` bytes `s` receives. */
const readBytes = (s: net.Socket, n: number): Promise<Buffer> =>
  new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      got = Buffer.concat([got, c]);
      if (got.length >= n) {
        s.off('data', onData);
        resolve(got);
      }
    };
    s.on('data', onData);
  });

describe('latency proxy', () => {
  it('carries 5 MB each way intact and in order, both at once, with the ends after the data', async () => {
    const up = randomBytes(5 * 1024 * 1024);
    const down = randomBytes(5 * 1024 * 1024);
    let received: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
    // The target sends its 5 MB at once while it reads the client's, then ends once the client has ended.
    const port = await target((s) => {
      received = readAll(s);
      s.write(down);
      void received.then(() => s.end());
    }, true);
    const p = await proxy(port, 10);
    const client = await connect(p.port, true);
    const back = readAll(client);
    // In several writes of odd sizes, so chunks cross in both directions while both are in flight.
    for (let i = 0; i < up.length; i += 65_521) client.write(up.subarray(i, i + 65_521));
    client.end();
    const got = await back;
    expect(got.length).toBe(down.length);
    expect(got.equals(down)).toBe(true);
    const sent = await received;
    expect(sent.length).toBe(up.length);
    expect(sent.equals(up)).toBe(true);
    await closed(client);
    expect(p.connections).toBe(1);
  });

  it('adds at least the round trip to every request and answer on a connection', async () => {
    const rtt = 40;
    const port = await target((s) => s.on('data', (c: Buffer) => s.write(c)));
    const p = await proxy(port, rtt);
    const client = await connect(p.port);
    for (let i = 0; i < 5; i++) {
      const msg = Buffer.from(`ping ${i}\n`);
      const t0 = performance.now();
      const answer = readBytes(client, msg.length);
      client.write(msg);
      expect((await answer).equals(msg)).toBe(true);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(rtt);
    }
  });

  it('with handshake, charges a new connection one more round trip before its first answer', async () => {
    const rtt = 40;
    const port = await target((s) => s.on('data', (c: Buffer) => s.write(c)));
    const p = await proxy(port, rtt, true);
    const t0 = performance.now();
    const client = await connect(p.port);
    const answer = readBytes(client, 4);
    client.write('ping');
    expect((await answer).toString()).toBe('ping');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2 * rtt);
    // Later requests on the same connection: one round trip each, as before.
    const t1 = performance.now();
    const again = readBytes(client, 4);
    client.write('pong');
    expect((await again).toString()).toBe('pong');
    expect(performance.now() - t1).toBeGreaterThanOrEqual(rtt);
  });

  it('a client that ends closes the target side, with its last bytes delivered first', async () => {
    let serverSide: Promise<{ data: Buffer; closed: Promise<void> }> | undefined;
    const port = await target((s) => (serverSide = readAll(s).then((data) => ({ data, closed: closed(s) }))));
    const p = await proxy(port, 20);
    const client = await connect(p.port);
    client.end('last words');
    await closed(client);
    await expect.poll(() => serverSide).toBeDefined();
    const { data, closed: serverClosed } = await serverSide!;
    expect(data.toString()).toBe('last words');
    await serverClosed;
  });

  it('a target that ends closes the client, with its last bytes delivered first', async () => {
    const port = await target((s) => s.end('goodbye'));
    const p = await proxy(port, 20);
    const client = await connect(p.port);
    expect((await readAll(client)).toString()).toBe('goodbye');
    await closed(client);
  });

  it('a side destroyed abruptly closes the other', async () => {
    let serverSocket: net.Socket | undefined;
    const port = await target((s) => (serverSocket = s));
    const p = await proxy(port, 20);
    // Client destroyed → target side closes.
    const client = await connect(p.port);
    await expect.poll(() => serverSocket).toBeDefined();
    const first = serverSocket!;
    client.destroy();
    await closed(first);
    // Target destroyed → client closes.
    serverSocket = undefined;
    const client2 = await connect(p.port);
    await expect.poll(() => serverSocket).toBeDefined();
    serverSocket!.destroy();
    await closed(client2);
    expect(p.connections).toBe(2);
  });

  it('a reset on either side resets the other, even a peer that keeps its half of the connection open', async () => {
    let serverSocket: net.Socket | undefined;
    const port = await target((s) => (serverSocket = s), true);
    const p = await proxy(port, 20);
    const client = await connect(p.port, true);
    client.on('error', () => undefined);
    await expect.poll(() => serverSocket).toBeDefined();
    const first = serverSocket!;
    client.resetAndDestroy();
    await closed(first);
    serverSocket = undefined;
    const client2 = await connect(p.port, true);
    client2.on('error', () => undefined);
    await expect.poll(() => serverSocket).toBeDefined();
    serverSocket!.resetAndDestroy();
    await closed(client2);
  });

  it('a target that refuses the connection closes the client', async () => {
    // A port that was free a moment ago and is closed now: nothing listens there.
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const n = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(n));
      });
    });
    const p = await proxy(free, 20);
    const client = await connect(p.port);
    client.on('error', () => undefined);
    await closed(client);
  });
});
