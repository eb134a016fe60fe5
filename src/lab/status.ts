// Reports whether a lab's processes run and its API servers and istiods answer (for `meshferry lab status`).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loopbackHttpStatus } from './istiod.js';
import { LabKube, labConnection } from './lab-kube.js';
import { LOOPBACK } from './ports.js';
import { isRunning } from './process.js';
import { readLabState } from './state.js';
import type { LabState } from './state.js';

export interface ComponentStatus {
  cluster: string;
  component: string;
  pid: number;
  running: boolean;
  /** Where it serves, when it serves anything on loopback. */
  endpoint: string;
  /** Result of its health probe (`ok`, `failing: ...`), or '' when it has none. */
  health: string;
}

export interface LabStatus {
  dir: string;
  /** False when the folder holds no lab. */
  exists: boolean;
  /** Every process runs and every probe passed. */
  running: boolean;
  kubeconfig: string;
  contexts: string[];
  components: ComponentStatus[];
  /** The lab's Prometheus (`lab up --prometheus`), when it has one. */
  prometheus?: string;
}

/** Looks at the lab in `dir`: processes alive, API server /readyz, istiod /ready. Never changes anything. */
export async function labStatus(dir: string): Promise<LabStatus> {
  const abs = path.resolve(dir);
  const state = await readLabState(abs);
  if (!state) return { dir: abs, exists: false, running: false, kubeconfig: '', contexts: [], components: [] };
  const caPem = await readFile(state.caFile, 'utf8').catch(() => '');
  const order = new Map(state.clusters.map((c, i) => [c.name, i]));
  // By cluster (in lab order), then in start order within a cluster.
  const records = [...state.processes].sort((a, b) => (order.get(a.cluster) ?? order.size) - (order.get(b.cluster) ?? order.size));
  const components = await Promise.all(records.map((p) => componentStatus(state, p.cluster, p.component, p.pid, isRunning(p), caPem)));
  const running = state.ready && components.length > 0 && components.every((c) => c.running && (c.health === '' || c.health === 'ok'));
  return {
    dir: abs,
    exists: true,
    running,
    kubeconfig: state.kubeconfig,
    contexts: state.clusters.map((c) => c.context),
    components,
    ...(state.prometheus ? { prometheus: state.prometheus.url } : {}),
  };
}

async function componentStatus(state: LabState, clusterName: string, component: string, pid: number, running: boolean, caPem: string): Promise<ComponentStatus> {
  const cluster = state.clusters.find((c) => c.name === clusterName);
  const base: ComponentStatus = { cluster: clusterName, component, pid, running, endpoint: '', health: '' };
  if (component === 'prometheus') return prometheusStatus(state, base);
  if (!cluster) return base;
  if (component === 'etcd') return { ...base, endpoint: `http://${LOOPBACK}:${cluster.etcd.clientPort}` };
  if (component === 'kube-apiserver') {
    base.endpoint = cluster.server;
    if (!running) return { ...base, health: 'failing: not running' };
    const kube = new LabKube(labConnection(cluster.name, cluster.server, cluster.token, caPem));
    try {
      const code = await kube.status('/readyz');
      return { ...base, health: code === 200 ? 'ok' : `failing: /readyz ${code || 'unreachable'}` };
    } finally {
      kube.close();
    }
  }
  const ist = cluster.istiods.find((i) => component === `istiod-${i.revision}`);
  if (ist) {
    base.endpoint = `https://localhost:${ist.ports.https}`;
    if (!running) return { ...base, health: 'failing: not running' };
    const code = await loopbackHttpStatus(ist.ports.http, '/ready', 3000);
    return { ...base, health: code === 200 ? 'ok' : `failing: /ready ${code || 'unreachable'}` };
  }
  return base;
}

/** The lab's Prometheus: its address, and /-/ready as its health probe. */
async function prometheusStatus(state: LabState, base: ComponentStatus): Promise<ComponentStatus> {
  const url = state.prometheus?.url;
  if (!url) return base;
  const out = { ...base, cluster: base.cluster || '(lab)', endpoint: url };
  if (!base.running) return { ...out, health: 'failing: not running' };
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return { ...out, health: res.status === 200 ? 'ok' : `failing: /-/ready ${res.status}` };
  } catch {
    return { ...out, health: 'failing: /-/ready unreachable' };
  }
}
