// `lab traffic` processes of a lab: each registers a file, and `lab down` removes those files to ask them to stop.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The folder where running `lab traffic` processes register (`<pid>.json`). */
export function labTrafficRunsDir(labDir: string): string {
  return path.join(labDir, 'traffic-runs');
}

/** A registered `lab traffic` process. */
export interface LabTrafficRun {
  readonly file: string;
  /** True once `lab down` (or anyone) removed the file: the process should stop. */
  stopRequested(): boolean;
  /** Unregisters (on a normal exit). */
  remove(): Promise<void>;
}

/**
 * Registers the calling process as a `lab traffic` of the lab. A file, not a signal, is the stop request: a pid in a
 * file left by a killed process may belong to another process by the time `lab down` reads it, and a removed file
 * can only stop the process that watches it.
 */
export async function registerLabTrafficRun(labDir: string): Promise<LabTrafficRun> {
  const dir = labTrafficRunsDir(labDir);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${process.pid}.json`);
  await writeFile(file, `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })}\n`);
  return { file, stopRequested: () => !existsSync(file), remove: () => rm(file, { force: true }) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Asks every registered `lab traffic` of the lab to stop (removes its file) and waits up to `graceMs` for each to
 * exit; never signals anything, so a stale record of a killed process harms no one. Returns how many were asked
 * and how many were still running when the grace ended.
 */
export async function stopLabTrafficRuns(labDir: string, graceMs = 10_000): Promise<{ asked: number; stillRunning: number[] }> {
  const dir = labTrafficRunsDir(labDir);
  const entries = (await readdir(dir).catch(() => [] as string[])).filter((e) => /^\d+\.json$/.test(e));
  const pids = entries.map((e) => Number(e.slice(0, -'.json'.length)));
  for (const e of entries) await rm(path.join(dir, e), { force: true });
  const deadline = Date.now() + graceMs;
  let waiting = pids.filter(alive);
  while (waiting.length > 0 && Date.now() < deadline) {
    await sleep(100);
    waiting = waiting.filter(alive);
  }
  return { asked: pids.length, stillRunning: waiting };
}
