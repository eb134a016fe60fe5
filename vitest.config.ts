// Two projects: `unit` (pure logic and CLI, no cluster) and `lab` (real apiserver/etcd/kwok/istiod).
// Both build dist/ first (test/support/build-dist.ts, once per run): CLI tests spawn the binary built from this tree.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          globalSetup: ['test/support/build-dist.ts'],
          // A hang guard, not a speed limit: a CLI test spawns node several times, and on a shared 2-core
          // machine under load (seen: load average 34) one spawn can take 10 s.
          testTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          globalSetup: ['test/support/build-dist.ts', 'test/lab/global-setup.ts'],
          // Lab clusters are heavy on 2 cores: one file at a time.
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
