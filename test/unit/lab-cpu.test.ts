// bench/migrate/lab-cpu.ts and the bench harness: reading CPU time from /proc/PID/stat and /usr/bin/time -v, and summing it per component.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { timeVCpuMs } from '../../bench/export/harness.js';
import { componentGroup, cpuDelta, labCpu, statCpuTicks, statStartTime, type ProcessCpu } from '../../bench/migrate/lab-cpu.js';

/** Burns at least `ms` of this process's CPU time (not wall time: a starved process still gets there). */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 100_000; i++) x += Math.sqrt(x + i);
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms && x > 0) return;
  }
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('statCpuTicks and statStartTime', () => {
  it('reads utime + stime (fields 14 and 15) and the start time (field 22), counting fields after the last ")"', () => {
    const rest = 'S 1 2 3 4 5 6 7 8 9 10 111 222 13 14 15 16 17 18 98765 20';
    expect(statCpuTicks(`42 (kube-apiserver) ${rest}`)).toBe(333);
    expect(statStartTime(`42 (kube-apiserver) ${rest}`)).toBe('98765');
    // A command name may hold spaces and parentheses: fields are not counted from the start.
    expect(statCpuTicks(`42 (a) b (c) d) ${rest}`)).toBe(333);
    expect(statStartTime(`42 (a) b (c) d) ${rest}`)).toBe('98765');
  });

  it("reads this process's own /proc/self/stat: the count grows as it works, the start time stays", async () => {
    const before = await readFile('/proc/self/stat', 'utf8');
    burnCpu(100);
    const after = await readFile('/proc/self/stat', 'utf8');
    expect(statCpuTicks(after)).toBeGreaterThan(statCpuTicks(before));
    expect(statStartTime(after)).toBe(statStartTime(before));
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => statCpuTicks('no parenthesis here')).toThrow(/not a \/proc\/PID\/stat line/);
    expect(() => statCpuTicks('1 (x) S 1 2')).toThrow(/no utime\/stime/);
    expect(() => statStartTime('1 (x) S 1 2')).toThrow(/no start time/);
  });
});

describe('labCpu', () => {
  async function labDir(processes: unknown[]): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-lab-cpu-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'lab.json'), JSON.stringify({ processes }));
    return dir;
  }

  it('counts a recorded process running its recorded binary, by cluster and group, and leaves out a pid running another binary', async () => {
    const dir = await labDir([
      { cluster: 'dst', component: 'kube-apiserver', pid: process.pid, bin: process.execPath, log: '' },
      // This pid runs node, not this binary: a reused pid is not the lab's.
      { cluster: 'dst', component: 'etcd', pid: process.pid, bin: '/usr/bin/etcd-not-this', log: '' },
    ]);
    const first = await labCpu(dir);
    expect([...first.values()].map((p) => p.key)).toEqual(['dst API server']);
    burnCpu(50);
    const delta = cpuDelta(first, await labCpu(dir));
    expect([...delta.keys()]).toEqual(['dst API server']);
    expect(delta.get('dst API server')).toBeGreaterThan(0);
  });

  it('fails loudly when no recorded process runs', async () => {
    const dir = await labDir([{ cluster: 'dst', component: 'etcd', pid: process.pid, bin: '/usr/bin/etcd-not-this', log: '' }]);
    await expect(labCpu(dir)).rejects.toThrow(/no running process of .*lab\.json found/);
  });
});

describe('timeVCpuMs', () => {
  it("adds /usr/bin/time -v's user and system seconds", () => {
    const out = 'kubectl output\n\tCommand being timed: "bash x.sh"\n\tUser time (seconds): 61.25\n\tSystem time (seconds): 18.40\n\tPercent of CPU this job got: 84%\n';
    expect(timeVCpuMs(out)).toBe(79650);
  });
  it('refuses output without them', () => {
    expect(() => timeVCpuMs('exit 1')).toThrow(/User time/);
  });
});

describe('cpuDelta and componentGroup', () => {
  const at = (entries: [string, string, number][]) => new Map<string, ProcessCpu>(entries.map(([id, key, ms]) => [id, { key, ms }]));
  it('subtracts process by process and sums per group; a process started in between counts whole', () => {
    const before = at([['1:100', 'dst controllers', 1000], ['2:100', 'dst controllers', 50], ['3:100', 'dst etcd', 70]]);
    const after = at([['1:100', 'dst controllers', 4500], ['2:100', 'dst controllers', 80], ['3:100', 'dst etcd', 70], ['4:200', 'dst istiod', 700]]);
    expect([...cpuDelta(before, after)]).toEqual([['dst controllers', 3530], ['dst etcd', 0], ['dst istiod', 700]]);
  });
  it('refuses a process that stopped or restarted in between (its pid back with another start time)', () => {
    const before = at([['1:100', 'dst API server', 1000]]);
    expect(() => cpuDelta(before, at([['1:900', 'dst API server', 20]]))).toThrow(/dst API server \(pid 1\) stopped or restarted/);
  });
  it.each([
    ['kube-apiserver', 'API server'],
    ['kube-controller-manager', 'controllers'],
    ['kube-scheduler', 'controllers'],
    ['istiod-1-31-1', 'istiod'],
    ['etcd', 'etcd'],
    ['kwok', 'kwok'],
  ])('%s is counted as %s', (component, group) => expect(componentGroup(component)).toBe(group));
});
