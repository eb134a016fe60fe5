// Ports for one lab are distinct and usable on loopback.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LOOPBACK, freePorts } from './ports.js';

describe('freePorts', () => {
  it('returns distinct ports that can be bound on 127.0.0.1', async () => {
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const port of ports.slice(0, 3)) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, LOOPBACK, () => resolve());
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
