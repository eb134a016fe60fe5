// The stop request `lab down` sends to `lab traffic` processes: a removed file, watched by the process.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labTrafficRunsDir, registerLabTrafficRun, stopLabTrafficRuns } from './lab-traffic-runs.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'lab-traffic-runs-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A child process that registers like `lab traffic` and exits 0 once its file is gone. */
function watcher(labDir: string): { pid: number; exit: Promise<number | null>; registered: Promise<void> } {
  const runs = labTrafficRunsDir(labDir);
  const script = `
    const fs = require('node:fs');
    const f = require('node:path').join(${JSON.stringify(runs)}, process.pid + '.json');
    fs.mkdirSync(${JSON.stringify(runs)}, { recursive: true });
    fs.writeFileSync(f, '{}');
    process.stdout.write('registered\\n');
    setInterval(() => { if (!fs.existsSync(f)) process.exit(0); }, 50);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const registered = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { pid: child.pid!, exit, registered };
}

describe('lab traffic runs', () => {
  it('registers the calling process and sees the stop request when its file is removed', async () => {
    const dir = tmp();
    const run = await registerLabTrafficRun(dir);
    expect(run.file).toBe(path.join(dir, 'traffic-runs', `${process.pid}.json`));
    expect(run.stopRequested()).toBe(false);
    rmSync(run.file);
    expect(run.stopRequested()).toBe(true);
    await run.remove(); // already gone: no error
  });

  it('stopLabTrafficRuns removes every record and waits for the processes that watch them to exit', async () => {
    const dir = tmp();
    const a = watcher(dir);
    const b = watcher(dir);
    await Promise.all([a.registered, b.registered]);
    expect(readdirSync(labTrafficRunsDir(dir)).sort()).toEqual([`${a.pid}.json`, `${b.pid}.json`].sort());
    const r = await stopLabTrafficRuns(dir, 120_000);
    expect(r).toEqual({ asked: 2, stillRunning: [] });
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
    expect(readdirSync(labTrafficRunsDir(dir))).toEqual([]);
  });

  it('a stale record of a process that is gone is removed without waiting, and nothing is signalled', async () => {
    const dir = tmp();
    await registerLabTrafficRun(dir).then((r) => expect(existsSync(r.file)).toBe(true));
    // A pid that cannot be alive: above the kernel's pid_max limit (4194304).
    writeFileSync(path.join(labTrafficRunsDir(dir), '4194399.json'), '{}');
    // This process's own record: alive, but it does not watch its file; the grace bounds the wait.
    const r = await stopLabTrafficRuns(dir, 200);
    expect(r.asked).toBe(2);
    expect(r.stillRunning).toEqual([process.pid]);
    expect(readdirSync(labTrafficRunsDir(dir))).toEqual([]);
  });

  it('a lab without the folder has nothing to stop', async () => {
    expect(await stopLabTrafficRuns(tmp())).toEqual({ asked: 0, stillRunning: [] });
  });
});
