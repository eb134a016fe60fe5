// bench/migrate/lab-cpu.ts: reading CPU time from /proc/PID/stat and /usr/bin/time -v, and summing it per component.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { componentGroup, cpuDelta, statCpuTicks, timeVCpuMs } from '../../bench/migrate/lab-cpu.js';

describe('statCpuTicks', () => {
  it('adds utime and stime (fields 14 and 15), counting fields after the last ")" of the command name', () => {
    const rest = 'S 1 2 3 4 5 6 7 8 9 10 111 222 13 14 15 16';
    expect(statCpuTicks(`42 (kube-apiserver) ${rest}`)).toBe(333);
    // A command name may hold spaces and parentheses: fields are not counted from the start.
    expect(statCpuTicks(`42 (a) b (c) d) ${rest}`)).toBe(333);
  });

  it("reads this process's own /proc/self/stat, and the count grows as it works", async () => {
    const before = statCpuTicks(await readFile('/proc/self/stat', 'utf8'));
    const until = Date.now() + 300;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(statCpuTicks(await readFile('/proc/self/stat', 'utf8'))).toBeGreaterThan(before);
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => statCpuTicks('no parenthesis here')).toThrow(/not a \/proc\/PID\/stat line/);
    expect(() => statCpuTicks('1 (x) S 1 2')).toThrow(/no utime\/stime/);
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
  it('subtracts per key; a key only after counts whole', () => {
    const d = cpuDelta(new Map([['dst API server', 1000], ['dst etcd', 50]]), new Map([['dst API server', 4500], ['dst etcd', 50], ['dst istiod', 700]]));
    expect([...d]).toEqual([['dst API server', 3500], ['dst etcd', 0], ['dst istiod', 700]]);
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
