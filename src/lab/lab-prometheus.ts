// The lab's optional Prometheus (`lab up --prometheus`): started on loopback, recorded in lab.json, found by `lab traffic`.
import path from 'node:path';
import { LabError } from '../errors.js';
import { startPrometheus } from '../traffic/prometheus-process.js';
import { isRunning } from './process.js';
import { readLabState, writeLabState } from './state.js';
import type { LabPrometheus } from './state.js';

/** Where every `lab traffic` of a lab registers its /metrics endpoint for file-based discovery. */
export function labTrafficTargetsDir(labDir: string): string {
  return path.join(path.resolve(labDir), 'traffic-targets');
}

/**
 * Starts a real Prometheus for the lab in `labDir` (folder `<lab>/prometheus`, 1 s scrapes of every file in
 * `<lab>/traffic-targets`) and records it in lab.json, so `lab status` shows it and `lab down` stops it with the
 * rest. A lab whose Prometheus already runs keeps it.
 */
export async function startLabPrometheus(labDir: string, opts: { bin?: string; startTimeoutMs?: number; port?: number } = {}): Promise<LabPrometheus> {
  const dir = path.resolve(labDir);
  const state = await readLabState(dir);
  if (!state) throw new LabError(`${dir} holds no lab; start one with \`meshferry lab up --dir ${dir} --prometheus\``);
  const existing = state.prometheus && state.processes.find((p) => p.component === 'prometheus' && p.pid === state.prometheus?.pid);
  if (state.prometheus && existing && isRunning(existing)) return state.prometheus;
  const running = await startPrometheus({
    dir: path.join(dir, 'prometheus'),
    targetsDir: labTrafficTargetsDir(dir),
    scrapeIntervalSeconds: 1,
    ...(opts.bin ? { bin: opts.bin } : {}),
    ...(opts.port ? { port: opts.port } : {}),
    ...(opts.startTimeoutMs ? { startTimeoutMs: opts.startTimeoutMs } : {}),
  });
  // Re-read: the lab may have been written meanwhile; only the Prometheus entries are ours to change.
  const now = (await readLabState(dir)) ?? state;
  const info: LabPrometheus = { url: running.url, targetsDir: running.targetsDir, pid: running.record.pid, log: running.log };
  now.processes = [...now.processes.filter((p) => p.component !== 'prometheus'), running.record];
  now.prometheus = info;
  try {
    await writeLabState(now);
  } catch (err) {
    await running.stop();
    throw err;
  }
  return info;
}

/** The lab's Prometheus when it runs, else undefined. */
export async function labPrometheus(labDir: string): Promise<LabPrometheus | undefined> {
  const state = await readLabState(path.resolve(labDir));
  const p = state?.prometheus;
  if (!state || !p) return undefined;
  const rec = state.processes.find((r) => r.component === 'prometheus' && r.pid === p.pid);
  return rec && isRunning(rec) ? p : undefined;
}
