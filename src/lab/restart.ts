// Starts one component of a running lab's cluster again (`lab istiod start`, `lab apiserver start`).
import { ClusterRun } from './cluster.js';
import type { ClusterRunContext } from './cluster.js';
import { stopProcesses } from './process.js';
import type { ProcessRecord, StartedProcess } from './process.js';
import { readLabState, writeLabState } from './state.js';
import type { LabCluster, LabState } from './state.js';

/**
 * Runs `start` through a fresh ClusterRun of `cluster`. The process it starts replaces `component`'s record in
 * lab.json in place, on a fresh read (another command may have written meanwhile), so `lab status`, `lab down` and
 * the next stop follow the new pid. When `start` fails, what it started is stopped again. Returns the started
 * process, or undefined when `start` started none (it only waited).
 */
export async function restartComponent<C extends ClusterRunContext>(
  state: LabState,
  cluster: LabCluster,
  component: string,
  base: Omit<C, 'labDir' | 'step' | 'aborted' | 'track'>,
  start: (run: ClusterRun, ctx: C) => Promise<void>,
): Promise<StartedProcess | undefined> {
  let started: StartedProcess | undefined;
  const ctx = {
    ...base,
    labDir: state.dir,
    step: () => undefined,
    aborted: () => false,
    track: async (p: StartedProcess) => {
      started = p;
      const fresh = (await readLabState(state.dir)) ?? state;
      const isOld = (r: ProcessRecord) => r.cluster === cluster.name && r.component === component;
      fresh.processes = fresh.processes.some(isOld) ? fresh.processes.map((r) => (isOld(r) ? p.record : r)) : [...fresh.processes, p.record];
      await writeLabState(fresh);
    },
  } as unknown as C;
  const run = new ClusterRun(cluster, Number(new URL(cluster.server).port), ctx);
  try {
    await start(run, ctx);
  } catch (err) {
    if (started) await stopProcesses([started.record], 1000);
    throw err;
  } finally {
    run.settle();
    run.kube.close();
  }
  return started;
}
