// CPU time the lab's own processes (API servers, etcd, controllers, scheduler, kwok, istiod) spend while a timed path
// runs, read from /proc before and after it. On the bench's machine the lab shares the CPUs with the tools, so this
// is the cluster work a path set off, and the least wall time any tool needs for it on that many cores.
import { execFileSync } from 'node:child_process';
import { readFile, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';

/** One process of lab.json (src/lab/process.ts ProcessRecord: only what this reads). */
interface LabProcess {
  cluster: string;
  component: string;
  pid: number;
  bin: string;
}

/** How the table names a component: the controllers and the scheduler together, every istiod revision as one. */
export function componentGroup(component: string): string {
  if (component === 'kube-controller-manager' || component === 'kube-scheduler') return 'controllers';
  if (component.startsWith('istiod')) return 'istiod';
  if (component === 'kube-apiserver') return 'API server';
  return component;
}

/** The fields of a /proc/PID/stat line after the command name (field 3 first): the name, in parentheses, may hold spaces and parentheses itself, so they are counted from the last `)`. */
function statFields(stat: string): string[] {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/PID/stat line: ${stat.slice(0, 80)}`);
  return stat.slice(close + 2).trim().split(/\s+/);
}

/** utime + stime (fields 14 and 15), in clock ticks, of a /proc/PID/stat line. */
export function statCpuTicks(stat: string): number {
  const fields = statFields(stat);
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`no utime/stime in /proc/PID/stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** The process's start time (field 22, ticks since boot): with the pid, it names one process even when pids are reused. */
export function statStartTime(stat: string): string {
  const start = statFields(stat)[19];
  if (start === undefined || !/^\d+$/.test(start)) throw new Error(`no start time in /proc/PID/stat line: ${stat.slice(0, 80)}`);
  return start;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const out = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isInteger(out) && out > 0 ? out : 100;
  }
  return ticksPerSecond;
}

/** One lab process's CPU so far: its group key (`<cluster> <group>`, e.g. `dst API server`) and its CPU ms. */
export interface ProcessCpu {
  key: string;
  ms: number;
}

/**
 * CPU ms so far of each lab process still running, keyed by pid and start time. A pid whose executable is not the
 * recorded binary (its pid reused by another program) is left out; a binary replaced on disk since it started
 * (`… (deleted)`) still counts.
 */
export async function labCpu(labDir: string): Promise<Map<string, ProcessCpu>> {
  const state = JSON.parse(await readFile(path.join(labDir, 'lab.json'), 'utf8')) as { processes?: LabProcess[] };
  const out = new Map<string, ProcessCpu>();
  for (const p of state.processes ?? []) {
    const exe = await readlink(`/proc/${p.pid}/exe`).catch(() => undefined);
    if (exe === undefined || exe.replace(/ \(deleted\)$/, '') !== (await realpath(p.bin).catch(() => p.bin))) continue;
    const stat = await readFile(`/proc/${p.pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    out.set(`${p.pid}:${statStartTime(stat)}`, { key: `${p.cluster || 'lab'} ${componentGroup(p.component)}`, ms: (statCpuTicks(stat) * 1000) / clockTicks() });
  }
  // A bench must not print zeros it did not measure.
  if (out.size === 0) throw new Error(`no running process of ${path.join(labDir, 'lab.json')} found in /proc`);
  return out;
}

/**
 * The CPU ms each group spent between two readings, process by process: one that started in between counts whole;
 * one that stopped (or restarted) in between is an error, since what it spent after `before` is unknown.
 */
export function cpuDelta(before: ReadonlyMap<string, ProcessCpu>, after: ReadonlyMap<string, ProcessCpu>): Map<string, number> {
  const gone = [...before].filter(([id]) => !after.has(id));
  if (gone.length > 0) throw new Error(`lab process(es) ${gone.map(([id, p]) => `${p.key} (pid ${id.split(':')[0]})`).join(', ')} stopped or restarted while a path ran: its CPU cannot be counted`);
  const out = new Map<string, number>();
  for (const [id, p] of after) out.set(p.key, (out.get(p.key) ?? 0) + p.ms - (before.get(id)?.ms ?? 0));
  return out;
}
