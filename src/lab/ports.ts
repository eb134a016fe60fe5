// Picks free TCP ports on the loopback address, all at once so one lab never gets the same port twice.
import { createServer } from 'node:net';
import type { Server } from 'node:net';

/** The only address lab components listen on and connect to. */
export const LOOPBACK = '127.0.0.1';

/**
 * Returns `count` distinct ports that were free on 127.0.0.1 a moment ago. Every probe socket stays open
 * until all are chosen, so the kernel cannot hand the same port out twice within one call.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, LOOPBACK, () => resolve());
      });
    }
    return servers.map((s) => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') throw new Error('loopback probe socket has no port');
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
