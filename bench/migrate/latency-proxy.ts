// A TCP proxy on loopback that adds a network's round trip to a connection: every chunk is forwarded unchanged, in
// order, held for half the round trip in each direction. It works below TLS, so an API server's certificate (for
// 127.0.0.1) still verifies; only the port changes. Used by bench/migrate/cross.ts (BENCH_RTT_MS) to time both paths
// as if the API servers were a cloud provider's, reached over a network, instead of 0.05 ms away.
import net from 'node:net';

const LOOPBACK = '127.0.0.1';

export interface LatencyProxyOptions {
  /** The port on 127.0.0.1 to forward to (the proxy never connects anywhere else). */
  targetPort: number;
  /** The round trip to add, in ms: each chunk waits half of it in each direction. */
  rttMs: number;
  /**
   * Also charge TCP's handshake: a new connection's first bytes reach the target no sooner than one round trip plus
   * half a round trip after the client connected (SYN, SYN-ACK, then the data), as over a network. The proxy's own
   * accept is local and immediate, so without this a new connection costs one round trip less than it would.
   */
  handshake?: boolean;
}

export interface LatencyProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

/** One direction's queue: data, then at most one end and one close, each released at its time, never reordered. */
type Item = { at: number; chunk: Buffer } | { at: number; end: true } | { at: number; close: true; reset: boolean };

/**
 * Forwards `from`'s bytes to `to`, each chunk at arrival + `delay` ms (not before `notBefore`, a performance.now()
 * time), in arrival order. `from`'s end ends `to` (after the data); `from`'s close ends `to` and destroys it once its
 * writes are flushed, or, when `from` failed (a reset), resets `to` after the data. Back-pressure: `from` pauses while
 * `to` cannot take more.
 */
function forward(from: net.Socket, to: net.Socket, delay: number, notBefore: number): void {
  const queue: Item[] = [];
  let timer: NodeJS.Timeout | undefined;
  let waitingForDrain = false;
  const release = (): void => {
    timer = undefined;
    const now = performance.now();
    while (queue.length) {
      const head = queue[0]!;
      if (head.at > now) {
        // Timers may fire a fraction of a millisecond early by performance.now(): wait again, never release early.
        timer = setTimeout(release, Math.max(1, Math.ceil(head.at - now)));
        return;
      }
      queue.shift();
      if (to.destroyed) continue;
      if ('chunk' in head) {
        if (!to.write(head.chunk) && !waitingForDrain) {
          waitingForDrain = true;
          from.pause();
          to.once('drain', () => {
            waitingForDrain = false;
            from.resume();
          });
        }
      } else if ('end' in head) {
        if (!to.writableEnded) to.end();
      } else if (head.reset) {
        // `from` was reset (a failed connection, not a close): reset `to` too, once the data before it is written.
        if (to.writableLength === 0) to.resetAndDestroy();
        else to.once('drain', () => to.resetAndDestroy());
      } else {
        if (!to.writableEnded) to.end();
        if (to.writableFinished) to.destroy();
        else to.once('finish', () => to.destroy());
      }
    }
  };
  const push = (item: Item): void => {
    queue.push(item);
    if (!timer) timer = setTimeout(release, Math.max(0, Math.ceil(queue[0]!.at - performance.now())));
  };
  const due = (): number => Math.max(performance.now() + delay, notBefore);
  from.on('data', (chunk: Buffer) => push({ at: due(), chunk }));
  from.on('end', () => push({ at: due(), end: true }));
  from.on('close', (hadError: boolean) => push({ at: due(), close: true, reset: hadError }));
}

/** Starts a proxy on 127.0.0.1 (a free port) in front of 127.0.0.1:`targetPort`. */
export async function startLatencyProxy(opts: LatencyProxyOptions): Promise<LatencyProxy> {
  if (!(Number.isFinite(opts.rttMs) && opts.rttMs >= 0)) throw new Error(`round trip must be a number of ms >= 0, not ${opts.rttMs}`);
  const oneWay = opts.rttMs / 2;
  const open = new Set<net.Socket>();
  let connections = 0;
  const track = (s: net.Socket): void => {
    open.add(s);
    s.on('close', () => open.delete(s));
    // A failed side closes; its 'close' ends the other side (forward). Without a listener an error would throw.
    s.on('error', () => undefined);
    s.setNoDelay(true);
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    connections++;
    const accepted = performance.now();
    const upstream = net.connect({ host: LOOPBACK, port: opts.targetPort, allowHalfOpen: true });
    track(client);
    track(upstream);
    forward(client, upstream, oneWay, opts.handshake ? accepted + 3 * oneWay : 0);
    forward(upstream, client, oneWay, 0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
