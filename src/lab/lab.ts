// The lab API: start N isolated clusters (with istiod revisions) on loopback, open a running one, stop it for sure.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { LabError, UsageError } from '../errors.js';
import { ensureLabBinaries } from './binaries.js';
import type { LabBinaries } from './binaries.js';
import { ClusterRun, startControlPlane, startWorkers } from './cluster.js';
import type { ClusterContext } from './cluster.js';
import { installGatewayApiCrds } from './gateway-api.js';
import { applyIstiodManifests, startIstiod, waitIstiodReady } from './istiod.js';
import { writeKubeconfig } from './kubeconfig.js';
import { prepareLabDir } from './lab-dir.js';
import { LOOPBACK, freePorts } from './ports.js';
import { stopLabTrafficRuns } from './lab-traffic-runs.js';
import { isRunning, stopProcesses } from './process.js';
import type { ProcessRecord, StartedProcess } from './process.js';
import { LAB_STATE_FILE, LAB_STATE_VERSION, readLabState, writeLabState } from './state.js';
import type { LabCluster, LabIstiod, LabState } from './state.js';
import { ISTIOD_CA_MODES, writeMeshCa, writePki } from './lab-ca.js';
import type { IstiodCaMode } from './lab-ca.js';
import { checkNames, defaultRevisionOf, revisionsByCluster } from './lab-revisions.js';
import type { LabRevisions } from './lab-revisions.js';

export interface StartLabOptions {
  /** The lab folder (created; must be empty, absent, or hold a stopped lab). */
  dir: string;
  /** Cluster names (DNS labels); default `['lab']`. Each is also its kubeconfig context. */
  clusters?: readonly string[];
  /**
   * istiod revisions: a list is started in every cluster (default `['default']`, `[]` for none); a map
   * `{ tcm: ['1-18-5'], primary: ['1-31-1'] }` gives each cluster its own (a cluster it does not name runs none; a
   * name that is not in `clusters` is refused). In each cluster `default` (or else its first revision, through the
   * `default` revision tag) answers `istio-injection=enabled`.
   */
  revisions?: LabRevisions;
  /**
   * Where istiods get their CA. `shared` (default): every istiod serves with, and publishes as its root, the one lab
   * CA, so all control planes trust each other. `per-cluster`: each cluster gets a CA of its own that its istiods
   * plug in (istio's `cacerts` files), so two clusters have different mesh roots, as a TCM mesh and a self-built
   * mesh do, while the revisions of one cluster share theirs.
   */
  istiodCa?: IstiodCaMode;
  /** Fake Ready nodes per cluster; default 1. */
  nodes?: number;
  /** Only etcd + kube-apiserver per cluster (the envtest-like floor): no controllers, nodes, CRDs or istiod. */
  bare?: boolean;
  /** Prebuilt binaries; default `ensureLabBinaries()` (builds them when missing). */
  binaries?: LabBinaries;
  /** Progress lines for people (stderr in the CLI). */
  log?: (message: string) => void;
  /** Limit for each readiness wait; default 180 s (two cores shared with a build can be slow). */
  timeoutMs?: number;
  /** Called as each start-up step of a cluster ends, with the time since the start began (a profile). */
  onStep?: (step: LabStep) => void;
}

/** One finished start-up step. */
export interface LabStep {
  cluster: string;
  step: string;
  /** Milliseconds since startLab was called. */
  atMs: number;
}

export interface StopOptions {
  /** Remove the lab folder after stopping (default false: logs, certs and manifests stay for inspection). */
  purge?: boolean;
  /** SIGTERM grace before SIGKILL, default 3 s. */
  graceMs?: number;
}

export interface StopReport {
  /** Process groups that were running. */
  stopped: number;
  /** Of those, how many needed SIGKILL. */
  forced: number;
  purged: boolean;
}

/** A running lab. */
export interface Lab {
  readonly dir: string;
  readonly kubeconfigPath: string;
  /** PEM file of the lab CA (trust it to talk to the API servers, and to istiods of a cluster without a meshCa). */
  readonly caFile: string;
  /** How the istiods got their CA (see StartLabOptions.istiodCa); each cluster's own CA is its `meshCa`. */
  readonly istiodCa: IstiodCaMode;
  readonly clusters: readonly LabCluster[];
  /** The cluster named `name`; throws when there is none. */
  cluster(name: string): LabCluster;
  stop(opts?: StopOptions): Promise<StopReport>;
}

// Starts in progress in this process, by folder. stopLab() marks them aborted so nothing starts after it, and
// stops what the in-memory state lists (it may be ahead of lab.json, whose writes are asynchronous).
const inProgress = new Map<string, { aborted: boolean; state?: LabState }>();

/** Starts a lab and returns when every API server, CRD, node and istiod webhook is ready. */
export async function startLab(opts: StartLabOptions): Promise<Lab> {
  const dir = path.resolve(opts.dir);
  const clusterNames = opts.clusters?.length ? [...opts.clusters] : ['lab'];
  const nodes = opts.nodes ?? 1;
  checkNames('cluster name', clusterNames, 'east');
  const byCluster = revisionsByCluster(clusterNames, opts.revisions, Boolean(opts.bare));
  const revisionsOf = (cluster: string) => byCluster.get(cluster) ?? [];
  const allRevisions = [...new Set(clusterNames.flatMap(revisionsOf))];
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 500) throw new UsageError(`--nodes must be a whole number from 1 to 500, got ${nodes}`);
  const istiodCa = opts.istiodCa ?? 'shared';
  if (!ISTIOD_CA_MODES.includes(istiodCa)) throw new UsageError(`--istiod-ca must be one of ${ISTIOD_CA_MODES.join(', ')}, got "${String(istiodCa)}"`);
  if (istiodCa === 'per-cluster' && allRevisions.length === 0)
    throw new UsageError('--istiod-ca per-cluster gives each cluster\'s istiods a CA of their own, but this lab starts no istiod (--bare, --no-istiod or no revisions); drop --istiod-ca or start istiod');
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

  await prepareLabDir(dir);
  const flag: { aborted: boolean; state?: LabState } = { aborted: false };
  inProgress.set(dir, flag);
  const binaries = opts.binaries ?? (await ensureLabBinaries({ onLog: log }));
  const pki = await writePki(dir, clusterNames, allRevisions);
  // A cluster without istiod needs no mesh CA: nothing would plug it in.
  const meshCas = new Map(
    istiodCa === 'per-cluster'
      ? await Promise.all(clusterNames.filter((c) => revisionsOf(c).length > 0).map(async (c) => [c, await writeMeshCa(dir, c, revisionsOf(c))] as const))
      : [],
  );

  const ports = await freePorts(clusterNames.reduce((n, c) => n + 3 + 6 * revisionsOf(c).length, 0));
  const next = () => {
    const p = ports.shift();
    if (p === undefined) throw new LabError('ran out of allocated ports');
    return p;
  };
  const apiserverPorts = new Map<string, number>();
  const clusters: LabCluster[] = clusterNames.map((name) => {
    const revisions = revisionsOf(name);
    const defaultRevision = defaultRevisionOf(revisions);
    const apiserverPort = next();
    apiserverPorts.set(name, apiserverPort);
    const meshCa = meshCas.get(name);
    return {
      name,
      context: name,
      server: `https://${LOOPBACK}:${apiserverPort}`,
      token: randomBytes(24).toString('base64url'),
      bare: Boolean(opts.bare),
      nodes: opts.bare ? 0 : nodes,
      etcd: { clientPort: next(), peerPort: next() },
      istiods: revisions.map((revision): LabIstiod => {
        const istiodPorts = { http: next(), grpc: next(), secureGrpc: next(), https: next(), monitoring: next(), ctrlz: next() };
        return {
          revision,
          isDefault: revision === defaultRevision,
          ports: istiodPorts,
          injectionUrl: `https://localhost:${istiodPorts.https}/inject`,
          validationUrl: `https://localhost:${istiodPorts.https}/validate`,
        };
      }),
      ...(meshCa ? { meshCa } : {}),
    };
  });
  const state: LabState = {
    apiVersion: LAB_STATE_VERSION,
    dir,
    createdAt: new Date().toISOString(),
    kubeconfig: path.join(dir, 'kubeconfig'),
    caFile: pki.caFile,
    ...(istiodCa === 'per-cluster' ? { istiodCa } : {}),
    ready: false,
    clusters,
    processes: [],
  };
  flag.state = state;
  // lab.json is rewritten as each process starts; writes are chained so an older snapshot never lands last.
  let saving: Promise<void> = writeLabState(state);
  const save = () => (saving = saving.then(() => writeLabState(state)));
  await saving;
  await writeKubeconfig(state.kubeconfig, clusters, pki.caPem);

  const ctx: ClusterContext = {
    labDir: dir,
    binaries,
    pki,
    timeoutMs: opts.timeoutMs ?? 180_000,
    log: (m) => log(`${m} (${elapsed()})`),
    step: (cluster, step) => opts.onStep?.({ cluster, step, atMs: Date.now() - t0 }),
    aborted: () => flag.aborted,
    track: async (p: StartedProcess) => {
      state.processes.push(p.record);
      await save();
      if (flag.aborted) {
        await stopProcesses([p.record], 500);
        throw new LabError('lab start interrupted');
      }
    },
  };
  const runs = clusters.map((c) => new ClusterRun(c, apiserverPorts.get(c.name) ?? 0, ctx));
  try {
    await Promise.all(
      runs.map(async (run) => {
        const name = run.cluster.name;
        await startControlPlane(run, ctx);
        log(`lab: ${name}: API server ready on ${run.cluster.server} (${elapsed()})`);
        if (opts.bare) return;
        const istiods = run.cluster.istiods;
        // Beside the Istio CRDs, not in their way: only httproute routers and istiod's Gateway API support need them.
        const gatewayApi = installGatewayApiCrds(run, ctx);
        gatewayApi.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
        await startWorkers(
          run,
          ctx,
          istiods.length === 0
            ? undefined
            : {
                prepare: () => applyIstiodManifests(run, ctx),
                start: async () => {
                  for (const ist of istiods) await startIstiod(run, ctx, ist);
                  run.step('istiod started');
                  for (const ist of istiods) {
                    await waitIstiodReady(run, ist);
                    log(`lab: ${name}: istiod ${ist.revision} serving webhooks at https://localhost:${ist.ports.https} (${elapsed()})`);
                  }
                },
              },
        );
        await gatewayApi;
      }),
    );
  } catch (err) {
    flag.aborted = true;
    await saving.catch(() => undefined);
    await stopInOrder(state.processes);
    const msg = err instanceof Error ? err.message : String(err);
    throw new LabError(`${msg}\nThe lab was stopped; logs are kept in ${dir}/<cluster>/logs/.`, err);
  } finally {
    inProgress.delete(dir);
    for (const run of runs) {
      run.settle();
      run.kube.close();
    }
  }
  state.ready = true;
  await save();
  log(`lab: ready in ${elapsed()}`);
  return labHandle(state);
}

function labHandle(state: LabState): Lab {
  return {
    dir: state.dir,
    kubeconfigPath: state.kubeconfig,
    caFile: state.caFile,
    istiodCa: state.istiodCa ?? 'shared',
    clusters: state.clusters,
    cluster(name: string): LabCluster {
      const c = state.clusters.find((x) => x.name === name);
      if (!c) throw new UsageError(`the lab has no cluster "${name}" (it has ${state.clusters.map((x) => x.name).join(', ')})`);
      return c;
    },
    stop: (o) => stopLab(state.dir, o),
  };
}

/** Opens a lab that `startLab` (or `meshferry lab up`) started earlier in `dir`. */
export async function openLab(dir: string): Promise<Lab> {
  const state = await readLabState(path.resolve(dir));
  if (!state) throw new UsageError(`${dir} holds no lab (no ${LAB_STATE_FILE}); start one with \`meshferry lab up --dir ${dir}\``);
  return labHandle(state);
}

/** Stops every process group the lab in `dir` started (SIGTERM, then SIGKILL); a folder without a lab is a no-op. */
export async function stopLab(dir: string, opts: StopOptions = {}): Promise<StopReport> {
  const abs = path.resolve(dir);
  const flag = inProgress.get(abs);
  if (flag) flag.aborted = true;
  const live = flag?.state?.processes;
  const state = await readLabState(abs);
  if (!state && !live) return { stopped: 0, forced: 0, purged: false };
  const records = [...(live ?? []), ...(state?.processes ?? []).filter((p) => !live?.some((l) => l.pid === p.pid))];
  // `lab traffic` processes first: they read the API servers and are scraped by the lab's Prometheus.
  await stopLabTrafficRuns(abs);
  const { stopped, forced } = await stopInOrder(records, opts.graceMs);
  if (opts.purge) await rm(abs, { recursive: true, force: true });
  return { stopped, forced, purged: Boolean(opts.purge) };
}

/**
 * Stops clients first, then API servers, then etcd: an API server whose etcd is gone ignores SIGTERM for many
 * seconds, and etcd lingers while API servers hold connections; in this order everything ends in about a second.
 */
async function stopInOrder(records: readonly ProcessRecord[], graceMs?: number): Promise<{ stopped: number; forced: number }> {
  const tierOf = (r: ProcessRecord) => (r.component === 'etcd' ? 2 : r.component === 'kube-apiserver' ? 1 : 0);
  const total = { stopped: 0, forced: 0 };
  for (const tier of [0, 1, 2]) {
    const r = await stopProcesses(records.filter((p) => tierOf(p) === tier), graceMs);
    total.stopped += r.stopped;
    total.forced += r.forced;
  }
  return total;
}

/**
 * Kills every process group of the lab in `dir` with SIGKILL, synchronously: for `process.on('exit')` handlers,
 * where nothing asynchronous runs any more.
 */
export function killLabNow(dir: string): void {
  let records: ProcessRecord[] = [];
  try {
    const parsed = JSON.parse(readFileSync(path.join(path.resolve(dir), LAB_STATE_FILE), 'utf8')) as { processes?: ProcessRecord[] };
    records = Array.isArray(parsed.processes) ? parsed.processes : [];
  } catch {
    return;
  }
  for (const r of records) {
    if (typeof r.pid !== 'number' || r.pid <= 0 || !isRunning(r)) continue;
    try {
      process.kill(-r.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
