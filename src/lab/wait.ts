// Polling for lab readiness: tight at first, backing off a little, failing fast when a component died.
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../errors.js';

export interface WaitOptions {
  timeoutMs: number;
  /** First pause between checks; it grows by half each time up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** A reason to stop waiting at once (a process exited, the start was interrupted). */
  abort?: () => string | undefined;
}

/**
 * Waits until `check` returns a value (not undefined). A check that throws counts as "not yet" (the API server may
 * still be starting); its last message is named if the wait times out. Throws LabError on timeout or abort.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let interval = opts.intervalMs ?? 50;
  let lastError = '';
  for (;;) {
    const stop = opts.abort?.();
    if (stop) throw new LabError(`${what}: ${stop}`);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new LabError(`timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    await sleep(interval);
    interval = Math.min(interval * 1.5, opts.maxIntervalMs ?? 250);
  }
}
