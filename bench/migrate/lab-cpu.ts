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

/**
 * utime + stime, in clock ticks, of a /proc/PID/stat line. The command name (field 2) is in parentheses and may hold
 * spaces and parentheses itself, so fields are counted from the last `)`: utime and stime are fields 14 and 15.
 */
export function statCpuTicks(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/PID/stat line: ${stat.slice(0, 80)}`);
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`no utime/stime in /proc/PID/stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const out = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isInteger(out) && out > 0 ? out : 100;
  }
  return ticksPerSecond;
}

/**
 * CPU ms so far of each lab process still running, keyed `<cluster> <group>` (e.g. `dst API server`), summed over the
 * processes of a group. A pid whose executable is no longer the recorded binary (reused) is left out.
 */
export async function labCpuMs(labDir: string): Promise<Map<string, number>> {
  const state = JSON.parse(await readFile(path.join(labDir, 'lab.json'), 'utf8')) as { processes?: LabProcess[] };
  const out = new Map<string, number>();
  for (const p of state.processes ?? []) {
    const exe = await readlink(`/proc/${p.pid}/exe`).catch(() => undefined);
    if (exe === undefined || exe !== (await realpath(p.bin).catch(() => p.bin))) continue;
    const stat = await readFile(`/proc/${p.pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    const key = `${p.cluster || 'lab'} ${componentGroup(p.component)}`;
    out.set(key, (out.get(key) ?? 0) + (statCpuTicks(stat) * 1000) / clockTicks());
  }
  // A bench must not print zeros it did not measure.
  if (out.size === 0) throw new Error(`no running process of ${path.join(labDir, 'lab.json')} found in /proc`);
  return out;
}

/** after − before per key (a key only in `after`, a process started in between, counts whole). */
export function cpuDelta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

/** The user + system CPU ms `/usr/bin/time -v` reports for a command and the children it waited for. */
export function timeVCpuMs(stderr: string): number {
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
  if (user === undefined || sys === undefined) throw new Error('no "User time"/"System time" in /usr/bin/time -v output');
  return Math.round((Number(user) + Number(sys)) * 1000);
}
