// Polling for a condition in tests: never a fixed sleep before an assertion, and no deadline of its own.

import { setTimeout as sleep } from 'node:timers/promises';

/** Calls `probe` every 250 ms until it answers (not undefined); vitest's test timeout is the hang guard. */
export async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(250);
  }
}
