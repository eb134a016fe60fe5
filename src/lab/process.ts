// Starts lab components as detached process groups with logs and pid files, and stops them for sure.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';

/** What the lab remembers about one process it started (stored in lab.json). */
export interface ProcessRecord {
  /** Cluster name, or '' for lab-wide processes. */
  cluster: string;
  /** e.g. etcd, kube-apiserver, istiod-canary. */
  component: string;
  pid: number;
  /** Absolute path of the executable, used to tell our process from a recycled pid. */
  bin: string;
  log: string;
  /**
   * How it was started, so a later process can start it again the same way (`startApiServer`). Absent in
   * lab.json files written before they were recorded.
   */
  args?: string[];
  /** The extra environment it was given (never the inherited one). */
  env?: Record<string, string>;
  cwd?: string;
}

export interface ComponentSpec {
  cluster: string;
  component: string;
  bin: string;
  args: string[];
  /** Extra environment on top of a cleaned copy of ours. */
  env?: Record<string, string>;
  cwd?: string;
  /** The component's log file (stdout and stderr, appended). */
  log: string;
  /** Where to write the pid. */
  pidFile: string;
}

export interface StartedProcess {
  record: ProcessRecord;
  /** Settles when the process exits while this Node process is still around (used to fail fast). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  child: ChildProcess;
}

// Variables that would send a component's traffic somewhere else or at the user's own cluster.
const DROPPED_ENV = ['KUBECONFIG', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy'];

function componentEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of DROPPED_ENV) delete env[k];
  env.NO_PROXY = env.no_proxy = '127.0.0.1,localhost,::1';
  return { ...env, ...extra };
}

/**
 * Spawns a component in its own session and process group (so Ctrl-C in the terminal does not reach it and
 * `lab up` can return while it runs), with stdout and stderr appended to its log.
 */
export function startProcess(spec: ComponentSpec): StartedProcess {
  const fd = openSync(spec.log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.bin, spec.args, {
      cwd: spec.cwd,
      env: componentEnv(spec.env),
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: -1, signal: null }));
  });
  child.unref();
  const record = (pid: number): ProcessRecord => ({
    cluster: spec.cluster,
    component: spec.component,
    pid,
    bin: spec.bin,
    log: spec.log,
    args: [...spec.args],
    ...(spec.env ? { env: { ...spec.env } } : {}),
    ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
  });
  if (child.pid === undefined) {
    // spawn failed synchronously (missing binary); 'error' carries the reason into the log reader.
    return { record: record(-1), exited, child };
  }
  writeFileSync(spec.pidFile, `${child.pid}\n`);
  return { record: record(child.pid), exited, child };
}

/** Linux process state letter from /proc (Z = zombie, already dead), or undefined when /proc has no entry. */
function procState(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

const hasProc = (() => {
  try {
    readdirSync('/proc/self');
    return true;
  } catch {
    return false;
  }
})();

/** True when the recorded process still runs (and is still our binary, not a recycled pid). */
export function isRunning(rec: ProcessRecord): boolean {
  if (rec.pid <= 0) return false;
  try {
    process.kill(rec.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!hasProc) return true;
  const st = procState(rec.pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  try {
    const exe = readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return exe === rec.bin || path.basename(exe) === path.basename(rec.bin);
  } catch {
    return false;
  }
}

/** Process-group ids that still have a live (non-zombie) member, from one pass over /proc. */
export function liveProcessGroups(): Set<number> {
  const groups = new Set<number>();
  if (!hasProc) return groups;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procState(Number(entry));
    if (st && st.state !== 'Z' && st.state !== 'X') groups.add(st.pgrp);
  }
  return groups;
}

/** Live processes whose command line mentions `needle` (the lab folder): what `down` must leave none of. */
export function processesMentioning(needle: string): { pid: number; cmdline: string }[] {
  if (!hasProc) return [];
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const st = procState(Number(entry));
      if (cmdline.includes(needle) && st && st.state !== 'Z' && st.state !== 'X') out.push({ pid: Number(entry), cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function signalGroup(rec: ProcessRecord, signal: NodeJS.Signals): void {
  try {
    process.kill(-rec.pid, signal); // the whole group: the component and anything it forked
  } catch {
    try {
      process.kill(rec.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** The records whose process, or any member of its process group, is still alive. */
function stillAlive(records: readonly ProcessRecord[]): ProcessRecord[] {
  const groups = liveProcessGroups();
  return records.filter((r) => isRunning(r) || groups.has(r.pid));
}

/**
 * Stops every recorded process group: SIGTERM, then SIGKILL for whatever is left after `graceMs`.
 * Returns how many groups needed SIGKILL.
 */
export async function stopProcesses(records: readonly ProcessRecord[], graceMs = 3000): Promise<{ stopped: number; forced: number }> {
  const live = stillAlive(records.filter((r) => r.pid > 0));
  for (const r of live) signalGroup(r, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let left = live;
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = stillAlive(left);
  }
  const forced = left.length;
  for (const r of left) signalGroup(r, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (left.length > 0 && Date.now() < killDeadline) {
    await sleep(50);
    left = stillAlive(left);
  }
  return { stopped: live.length, forced };
}

/** The last `lines` lines of a log file (for error messages about a component that died). */
export function logTail(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
