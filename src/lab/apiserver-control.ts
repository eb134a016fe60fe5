// Stops and starts the kube-apiserver of one lab cluster (etcd and its data stay), so tests can make a cluster unreachable mid-run and bring it back.
import { connect } from 'node:net';
import path from 'node:path';
import { LabError, UsageError } from '../errors.js';
import { waitApiServerReady } from './cluster.js';
import { readPki } from './istiod-control.js';
import { LOOPBACK } from './ports.js';
import { isRunning, stopProcesses } from './process.js';
import type { ProcessRecord } from './process.js';
import { restartComponent } from './restart.js';
import { readLabState } from './state.js';
import type { LabCluster, LabState } from './state.js';
import { waitFor } from './wait.js';

const COMPONENT = 'kube-apiserver';

export interface ApiServerControlOptions {
  /** Limit for each wait (the port to close after a stop, /readyz after a start); default 180 s. */
  timeoutMs?: number;
  /**
   * SIGTERM grace before SIGKILL; default 3 s, as `lab down`. The listener closes at once on SIGTERM, but while
   * controllers or istiod hold watches a kube-apiserver waits up to its request timeout (60 s) before it exits
   * (k8s.io/apiserver pkg/server/config.go: ShutdownTimeout = RequestTimeout).
   */
  graceMs?: number;
  log?: (message: string) => void;
}

/** What a stop or start did. */
export interface ApiServerControlReport {
  cluster: string;
  /** `https://127.0.0.1:<port>`, the same before and after. */
  server: string;
  /** The pid stopped, or the pid started (the running one when nothing changed). */
  pid: number;
  /** False when it was already stopped (stop) or already running (start). */
  changed: boolean;
  /** The stop needed SIGKILL (usual when watches were open, see `graceMs`). */
  forced: boolean;
}

/** A lab handle (`startLab`, `openLab`) or its folder. */
export type LabRef = string | { readonly dir: string };

/**
 * Stops the API server of one cluster: SIGTERM to its process group (SIGKILL after the grace), then waits until
 * its port refuses connections. etcd, the controllers and istiod keep running; clients see the cluster as
 * unreachable (`ClusterError` `Unreachable`, exit 3). The process stays recorded in lab.json, so `lab status`
 * shows it Stopped and `startApiServer` can start it again.
 */
export async function stopApiServer(lab: LabRef, cluster: string, opts: ApiServerControlOptions = {}): Promise<ApiServerControlReport> {
  const { state, c, rec } = await apiServerOf(lab, cluster);
  const running = isRunning(rec);
  const { forced } = running ? await stopProcesses([rec], opts.graceMs ?? 3000) : { forced: 0 };
  const port = portOf(c);
  // The process is gone, so its listening socket is closed; a port that still accepts has been taken by another process.
  await waitFor(`port ${port} of the API server of cluster ${c.name} to refuse connections (is another process listening on it?)`, async () => ((await portState(port)) === 'refused' ? true : undefined), {
    timeoutMs: opts.timeoutMs ?? 180_000,
  });
  opts.log?.(`lab: ${c.name}: API server ${running ? 'stopped' : 'was not running'}; ${c.server} refuses connections (etcd keeps the data in ${path.join(state.dir, c.name, 'etcd')})`);
  return { cluster: c.name, server: c.server, pid: rec.pid, changed: running, forced: forced > 0 };
}

/**
 * Starts a stopped API server again with the arguments recorded when the lab started it (same port, certificates,
 * token file and etcd, so every kubeconfig of the lab keeps working) and returns once /readyz answers 200, the
 * readiness check of `startLab`. An API server that runs is only waited for.
 */
export async function startApiServer(lab: LabRef, cluster: string, opts: ApiServerControlOptions = {}): Promise<ApiServerControlReport> {
  const { state, c, rec } = await apiServerOf(lab, cluster);
  const running = isRunning(rec);
  if (!running) {
    if (!rec.args) throw new LabError(`lab.json does not record how the API server of cluster ${c.name} was started (a lab started by an older meshferry); start the lab again`);
    const etcd = state.processes.find((p) => p.cluster === c.name && p.component === 'etcd');
    if (!etcd || !isRunning(etcd)) throw new LabError(`etcd of cluster ${c.name} is not running, so its API server cannot start; start the lab again`);
    if ((await portState(portOf(c))) === 'open')
      throw new LabError(`port ${portOf(c)} of the API server of cluster ${c.name} is taken by another process; stop it or start the lab again`);
  }
  const started = await restartComponent(state, c, COMPONENT, { pki: await readPki(state), timeoutMs: opts.timeoutMs ?? 180_000, log: opts.log ?? (() => undefined) }, async (run) => {
    if (!running) await run.start(COMPONENT, rec.bin, [...(rec.args ?? [])], { env: rec.env, cwd: rec.cwd });
    await waitApiServerReady(run);
  });
  opts.log?.(`lab: ${c.name}: API server ${running ? 'already runs' : 'ready again'} on ${c.server}`);
  return { cluster: c.name, server: c.server, pid: started?.record.pid ?? rec.pid, changed: !running, forced: false };
}

async function apiServerOf(lab: LabRef, cluster: string): Promise<{ state: LabState; c: LabCluster; rec: ProcessRecord }> {
  const dir = path.resolve(typeof lab === 'string' ? lab : lab.dir);
  const state = await readLabState(dir);
  if (!state) throw new UsageError(`${dir} holds no lab; start one with \`meshferry lab up --dir ${dir}\``);
  const c = state.clusters.find((x) => x.name === cluster);
  if (!c) throw new UsageError(`the lab has no cluster "${cluster}" (it has ${state.clusters.map((x) => x.name).join(', ')})`);
  const rec = state.processes.find((p) => p.cluster === c.name && p.component === COMPONENT);
  if (!rec) throw new LabError(`cluster ${c.name} has no recorded ${COMPONENT} process (the lab did not finish starting?)`);
  return { state, c, rec };
}

function portOf(c: LabCluster): number {
  return Number(new URL(c.server).port);
}

/** Whether a TCP connect to the loopback port is accepted, refused, or neither (a timeout, another error). */
function portState(port: number): Promise<'open' | 'refused' | 'other'> {
  return new Promise((resolve) => {
    const sock = connect({ host: LOOPBACK, port });
    sock.setTimeout(3000, () => {
      sock.destroy();
      resolve('other');
    });
    sock.once('connect', () => {
      sock.destroy();
      resolve('open');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'other'));
  });
}
