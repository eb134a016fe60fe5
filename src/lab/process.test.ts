// Lab processes run detached in their own groups; stopping must take the whole group, forked children included.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunning, liveProcessGroups, logTail, processesMentioning, startProcess, stopProcesses } from './process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lab-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(component: string, script: string) {
  return startProcess({
    cluster: 'test',
    component,
    bin: '/bin/sh',
    args: ['-c', script, dir],
    log: path.join(dir, `${component}.log`),
    pidFile: path.join(dir, `${component}.pid`),
  });
}

/** Polls until `check` holds (no fixed sleeps: a loaded machine only makes the test slower, never wrong). */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await sleep(20);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('startProcess / stopProcesses', () => {
  it('starts a process group with a pid file and a log, and stops it with its forked child', async () => {
    // The shell forks a sleeping child, so the group has two members.
    const p = start('forker', 'echo hello; sleep 300 & wait');
    expect(Number(readFileSync(path.join(dir, 'forker.pid'), 'utf8'))).toBe(p.record.pid);
    // Recorded as started, so another process can start it again the same way.
    expect(p.record).toMatchObject({ bin: '/bin/sh', args: ['-c', 'echo hello; sleep 300 & wait', dir] });
    // The shell has run its first command once the log holds its output.
    await until('the shell to print hello', () => logTail(p.record.log) === 'hello');
    expect(isRunning(p.record)).toBe(true);
    expect(liveProcessGroups().has(p.record.pid)).toBe(true);
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(1);
    expect(logTail(p.record.log)).toBe('hello');

    const r = await stopProcesses([p.record], 2000);
    expect(r).toEqual({ stopped: 1, forced: 0 });
    expect(isRunning(p.record)).toBe(false);
    expect(liveProcessGroups().has(p.record.pid)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('uses SIGKILL for a group that ignores SIGTERM', async () => {
    const p = start('stubborn', "trap '' TERM; echo trapped; sleep 300 & wait; sleep 300");
    // Only after the trap is installed does SIGTERM get ignored; the echo comes after it.
    await until('the TERM trap to be installed', () => logTail(p.record.log) === 'trapped');
    const r = await stopProcesses([p.record], 300);
    expect(r).toEqual({ stopped: 1, forced: 1 });
    expect(liveProcessGroups().has(p.record.pid)).toBe(false);
  });

  it('reports a process that exited by itself as not running', async () => {
    const p = start('quick', 'exit 3');
    expect(await p.exited).toEqual({ code: 3, signal: null });
    expect(isRunning(p.record)).toBe(false);
    expect(await stopProcesses([p.record])).toEqual({ stopped: 0, forced: 0 });
  });

  it('does not mistake a recycled pid for the recorded binary', () => {
    expect(isRunning({ cluster: 'x', component: 'self', pid: process.pid, bin: '/nonexistent/etcd', log: '' })).toBe(false);
  });
});
