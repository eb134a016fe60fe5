// Stops and starts one istiod revision of a running lab, so tests can make an injector fail and bring it back.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { LabError, UsageError } from '../errors.js';
import { ensureLabBinaries } from './binaries.js';
import { type ClusterContext, type LabPki } from './cluster.js';
import { startIstiod, waitIstiodReady } from './istiod.js';
import { isRunning, stopProcesses } from './process.js';
import { restartComponent } from './restart.js';
import { readLabState, type LabCluster, type LabState } from './state.js';

export interface IstiodControlOptions {
  /** The revision to stop or start (`canary`). */
  revision: string;
  /** Only this cluster; default every cluster of the lab that runs the revision. */
  cluster?: string;
  /** Limit for the readiness wait after a start; default 180 s. */
  timeoutMs?: number;
  log?: (message: string) => void;
}

/** What stop or start did, per cluster. */
export interface IstiodControlReport {
  clusters: { cluster: string; revision: string; pid: number; changed: boolean }[];
}

/**
 * Stops one istiod revision (its process group: SIGTERM, then SIGKILL). Its webhook configurations stay, pointing
 * at a port nobody answers, exactly like an injector that went down in a real cluster (`failurePolicy: Fail`).
 * The process stays recorded in lab.json, so `lab status` shows it Stopped and the lab as not fully running.
 */
export async function stopLabIstiod(dir: string, opts: IstiodControlOptions): Promise<IstiodControlReport> {
  const state = await mustReadState(dir);
  const report: IstiodControlReport = { clusters: [] };
  for (const cluster of clustersWith(state, opts)) {
    const rec = state.processes.find((p) => p.cluster === cluster.name && p.component === `istiod-${opts.revision}`);
    if (!rec) throw new LabError(`cluster ${cluster.name} has no recorded istiod-${opts.revision} process`);
    const running = isRunning(rec);
    if (running) await stopProcesses([rec], 3000);
    opts.log?.(`lab: ${cluster.name}: istiod ${opts.revision} ${running ? 'stopped' : 'was not running'}`);
    report.clusters.push({ cluster: cluster.name, revision: opts.revision, pid: rec.pid, changed: running });
  }
  return report;
}

/**
 * Starts a stopped istiod revision again on its recorded ports and waits until its webhooks inject again (the same
 * readiness checks as `lab up`). A revision that runs is left alone. A cluster with its own CA (`meshCa` in lab.json,
 * `lab up --istiod-ca per-cluster`) gets it again, since startIstiod reads the cluster's record.
 */
export async function startLabIstiod(dir: string, opts: IstiodControlOptions): Promise<IstiodControlReport> {
  const state = await mustReadState(dir);
  const report: IstiodControlReport = { clusters: [] };
  const targets = clustersWith(state, opts);
  const binaries = await ensureLabBinaries({ onLog: opts.log ?? (() => undefined) });
  const pki = await readPki(state);
  for (const cluster of targets) {
    const component = `istiod-${opts.revision}`;
    const old = state.processes.find((p) => p.cluster === cluster.name && p.component === component);
    if (old && isRunning(old)) {
      report.clusters.push({ cluster: cluster.name, revision: opts.revision, pid: old.pid, changed: false });
      continue;
    }
    const ist = cluster.istiods.find((i) => i.revision === opts.revision);
    if (!ist) continue;
    const started = await restartComponent<ClusterContext>(state, cluster, component, { binaries, pki, timeoutMs: opts.timeoutMs ?? 180_000, log: opts.log ?? (() => undefined) }, async (run, ctx) => {
      await startIstiod(run, ctx, ist);
      await waitIstiodReady(run, ist);
    });
    opts.log?.(`lab: ${cluster.name}: istiod ${opts.revision} serving again at https://localhost:${ist.ports.https}`);
    report.clusters.push({ cluster: cluster.name, revision: opts.revision, pid: started?.record.pid ?? -1, changed: true });
  }
  return report;
}

async function mustReadState(dir: string): Promise<LabState> {
  const state = await readLabState(path.resolve(dir));
  if (!state) throw new UsageError(`${dir} holds no lab; start one with \`meshferry lab up --dir ${dir}\``);
  return state;
}

function clustersWith(state: LabState, opts: IstiodControlOptions): LabCluster[] {
  if (opts.cluster && !state.clusters.some((c) => c.name === opts.cluster))
    throw new UsageError(`the lab has no cluster "${opts.cluster}" (it has ${state.clusters.map((c) => c.name).join(', ')})`);
  const runs = (c: LabCluster) => c.istiods.some((i) => i.revision === opts.revision);
  const picked = state.clusters.filter((c) => (!opts.cluster || c.name === opts.cluster) && runs(c));
  if (picked.length > 0) return picked;
  // With per-cluster revisions (`lab up --revisions tcm=1-18-5,primary=1-31-1`) clusters run different revisions:
  // say which runs what, not only that the one asked for does not run it.
  const where = `revisions: ${whoRunsWhat(state)}`;
  if (opts.cluster && state.clusters.some(runs)) throw new UsageError(`cluster ${opts.cluster} does not run istiod revision "${opts.revision}" (${where})`);
  throw new UsageError(`no cluster of the lab runs istiod revision "${opts.revision}" (${where})`);
}

/** `1-18-5 in tcm; 1-31-1 in primary, remote`, or `none`. */
function whoRunsWhat(state: LabState): string {
  const byRevision = new Map<string, string[]>();
  for (const c of state.clusters) for (const i of c.istiods) byRevision.set(i.revision, [...(byRevision.get(i.revision) ?? []), c.name]);
  return [...byRevision].map(([rev, clusters]) => `${rev} in ${clusters.join(', ')}`).join('; ') || 'none';
}

/** The lab's PKI files, as startLab wrote them (pki/ beside lab.json). */
export async function readPki(state: LabState): Promise<LabPki> {
  const pkiDir = path.dirname(state.caFile);
  return {
    caFile: state.caFile,
    caPem: await readFile(state.caFile, 'utf8'),
    servingCertFile: path.join(pkiDir, 'serving.crt'),
    servingKeyFile: path.join(pkiDir, 'serving.key'),
  };
}
