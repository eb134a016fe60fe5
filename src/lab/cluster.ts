// Starts one lab cluster: etcd, kube-apiserver, controller-manager, scheduler, kwok with fake nodes, Istio CRDs.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { LabError } from '../errors.js';
import { isPlainObject } from '../resources/object.js';
import { writeFileAtomic } from '../resources/yaml-write.js';
import { LabApiClient, waitFor } from './api-client.js';
import type { LabBinaries } from './binaries.js';
import { writeKubeconfig } from './kubeconfig.js';
import { LOOPBACK } from './ports.js';
import { logTail, startProcess } from './process.js';
import type { StartedProcess } from './process.js';
import type { LabCluster } from './state.js';
import { newKeyPair } from './x509.js';

/** Fake address ranges: nothing may ever connect to them (design.md). 192.0.2.0/24 is TEST-NET-1. */
export const SERVICE_CIDR = '10.96.0.0/16';
export const POD_CIDR = '10.244.0.0/16';
const NODE_IP_PREFIX = '192.0.2.';
/** kwok manages only nodes carrying this annotation (kwok's documented convention for fake nodes). */
export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** Files shared by every cluster of a lab. */
export interface LabPki {
  caFile: string;
  caPem: string;
  servingCertFile: string;
  servingKeyFile: string;
}

/** What a cluster start needs from the lab around it. */
export interface ClusterContext {
  labDir: string;
  binaries: LabBinaries;
  pki: LabPki;
  /** Persists a started process in lab.json before anything waits on it (so `lab down` can always find it). */
  track(p: StartedProcess): Promise<void>;
  log(message: string): void;
  /** True once `stopLab` was called for this lab while it starts: start nothing more. */
  aborted(): boolean;
  /** Timeout for each readiness wait. */
  timeoutMs: number;
}

/** A cluster being started: its static description plus the live handles used while waiting. */
export class ClusterRun {
  readonly cluster: LabCluster;
  readonly dir: string;
  readonly apiserverPort: number;
  /** Kubeconfig for this cluster's components (a single context, 0600). */
  readonly kubeconfig: string;
  readonly client: LabApiClient;
  #ctx: ClusterContext;
  #procs: StartedProcess[] = [];
  #died: string | undefined;

  constructor(cluster: LabCluster, apiserverPort: number, ctx: ClusterContext) {
    this.cluster = cluster;
    this.apiserverPort = apiserverPort;
    this.#ctx = ctx;
    this.dir = path.join(ctx.labDir, cluster.name);
    this.kubeconfig = path.join(this.dir, 'kubeconfig');
    this.client = new LabApiClient(cluster.server, cluster.token, ctx.pki.caPem);
  }

  get logDir(): string {
    return path.join(this.dir, 'logs');
  }

  /** A reason to stop waiting: a component of this cluster exited during start-up. */
  died(): string | undefined {
    return this.#died;
  }

  /** Starts one component of this cluster, tracked in lab.json, watched for early exit. */
  async start(component: string, bin: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<StartedProcess> {
    if (this.#ctx.aborted()) throw new LabError('lab start interrupted');
    const p = startProcess({
      cluster: this.cluster.name,
      component,
      bin,
      args,
      ...opts,
      log: path.join(this.logDir, `${component}.log`),
      pidFile: path.join(this.dir, 'run', `${component}.pid`),
    });
    this.#procs.push(p);
    await this.#ctx.track(p);
    void p.exited.then(({ code, signal }) => {
      this.#died ??= `${component} of cluster ${this.cluster.name} exited (${signal ?? `code ${code}`}) during start-up; last lines of ${p.record.log}:\n${logTail(p.record.log)}`;
    });
    return p;
  }

  /** Stops watching for exits: after start-up, exits are `lab status`'s business. */
  settle(): void {
    this.#died = undefined;
    for (const p of this.#procs) p.child.removeAllListeners('exit');
  }

  /** Polls until `check` yields, failing fast when one of this cluster's components died. */
  wait<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    return waitFor(`${what} (cluster ${this.cluster.name})`, check, {
      timeoutMs: this.#ctx.timeoutMs,
      abort: () => (this.#ctx.aborted() ? 'lab start interrupted' : this.#died),
    });
  }
}

/** Starts etcd and the API server and waits for /readyz. */
export async function startControlPlane(run: ClusterRun, ctx: ClusterContext): Promise<void> {
  const { cluster, dir } = run;
  const bin = ctx.binaries.paths;
  await Promise.all(['logs', 'run', 'etcd'].map((d) => mkdir(path.join(dir, d), { recursive: true, mode: 0o700 })));

  // Each cluster signs its own ServiceAccount tokens, so a token from one cluster is worthless in another.
  const sa = newKeyPair();
  const saKey = path.join(dir, 'sa.key');
  const saPub = path.join(dir, 'sa.pub');
  await writeFile(saKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(saPub, sa.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  const tokens = path.join(dir, 'tokens.csv');
  await writeFile(tokens, `${cluster.token},lab-admin,lab-admin,"system:masters"\n`, { mode: 0o600 });
  await writeKubeconfig(run.kubeconfig, [{ name: cluster.name, server: cluster.server, token: cluster.token }], ctx.pki.caPem);

  const { clientPort, peerPort } = cluster.etcd;
  await run.start('etcd', bin.etcd, [
    `--name=${cluster.name}`,
    `--data-dir=${path.join(dir, 'etcd')}`,
    `--listen-client-urls=http://${LOOPBACK}:${clientPort}`,
    `--advertise-client-urls=http://${LOOPBACK}:${clientPort}`,
    `--listen-peer-urls=http://${LOOPBACK}:${peerPort}`,
    `--initial-advertise-peer-urls=http://${LOOPBACK}:${peerPort}`,
    `--initial-cluster=${cluster.name}=http://${LOOPBACK}:${peerPort}`,
    `--initial-cluster-token=${cluster.name}-${randomBytes(4).toString('hex')}`,
    '--initial-cluster-state=new',
    '--auto-compaction-retention=1',
    // Lab data is thrown away: skipping fsync makes every write (and so start-up) several times faster.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);

  // Flags follow envtest and kwokctl: loopback only, no endpoint reconciler (there is no real Service network).
  await run.start('kube-apiserver', bin['kube-apiserver'], [
    `--etcd-servers=http://${LOOPBACK}:${clientPort}`,
    `--bind-address=${LOOPBACK}`,
    `--advertise-address=${LOOPBACK}`,
    `--secure-port=${run.apiserverPort}`,
    `--cert-dir=${dir}`,
    `--tls-cert-file=${ctx.pki.servingCertFile}`,
    `--tls-private-key-file=${ctx.pki.servingKeyFile}`,
    `--client-ca-file=${ctx.pki.caFile}`,
    `--token-auth-file=${tokens}`,
    `--service-account-key-file=${saPub}`,
    `--service-account-signing-key-file=${saKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--authorization-mode=RBAC',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--v=0',
  ]);
  await run.wait('the API server to be ready', async () => {
    const r = await run.client.get('/readyz');
    return r.status === 200 ? true : undefined;
  });
}

/** What a cluster does about istiod while its workers start (see startWorkers). */
export interface IstioPhase {
  /** Runs while the CRDs are being created (in-cluster objects that do not need them). */
  prepare(): Promise<void>;
  /** Runs once the CRDs are established and `prepare` is done. */
  start(): Promise<void>;
}

/**
 * Starts controller-manager, scheduler and kwok; creates istio-system, the fake nodes and the Istio CRDs. The
 * istio phase overlaps: its objects are applied while the CRDs are created, and istiod starts as soon as they
 * are established, while the nodes may still be turning Ready.
 */
export async function startWorkers(run: ClusterRun, ctx: ClusterContext, istio?: IstioPhase): Promise<void> {
  const { cluster, dir } = run;
  const bin = ctx.binaries.paths;
  await run.start('kube-controller-manager', bin['kube-controller-manager'], [
    `--kubeconfig=${run.kubeconfig}`,
    '--leader-elect=false',
    '--secure-port=0',
    // As kwokctl: no node IPAM (kwok hands out fake pod IPs itself).
    '--controllers=*,-nodeipam',
    `--cluster-name=${cluster.name}`,
    `--service-account-private-key-file=${path.join(dir, 'sa.key')}`,
    `--root-ca-file=${ctx.pki.caFile}`,
    '--kube-api-qps=500',
    '--kube-api-burst=1000',
    '--v=0',
  ]);
  await run.start('kube-scheduler', bin['kube-scheduler'], [
    `--kubeconfig=${run.kubeconfig}`,
    '--leader-elect=false',
    '--secure-port=0',
    '--kube-api-qps=500',
    '--kube-api-burst=1000',
    '--v=0',
  ]);
  await run.start('kwok', bin.kwok, [
    `--kubeconfig=${run.kubeconfig}`,
    `--config=${ctx.binaries.kwokStages}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
    `--cidr=${POD_CIDR}`,
    `--node-ip=${NODE_IP_PREFIX}1`,
    '--node-lease-duration-seconds=40',
  ]);

  await createNamespace(run, 'istio-system');
  // Nodes and Istio need nothing from each other: istiod may start while kwok is still turning nodes Ready.
  await Promise.all([
    (async () => {
      await createNodes(run);
      await run.wait(`${cluster.nodes} node(s) to be Ready`, async () => {
        const r = await run.client.get('/api/v1/nodes');
        const ready = listItems(r.body).filter((n) => conditionTrue(n, 'Ready'));
        return ready.length >= cluster.nodes ? true : undefined;
      });
      ctx.log(`lab: ${cluster.name}: ${cluster.nodes} node(s) Ready`);
    })(),
    (async () => {
      await Promise.all([
        (async () => {
          await installCrds(run, ctx.binaries.istioCrds);
          ctx.log(`lab: ${cluster.name}: Istio CRDs established`);
        })(),
        istio?.prepare(),
      ]);
      await istio?.start();
    })(),
  ]);
}

/** The fake Node objects kwok adopts. kubeletVersion is the lab's Kubernetes version, as a real node reports. */
export function fakeNode(cluster: string, index: number, kubeletVersion: string): Record<string, unknown> {
  const name = `${cluster}-node-${index}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [FAKE_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        'node-role.kubernetes.io/agent': '',
        'topology.kubernetes.io/region': 'lab',
        'topology.kubernetes.io/zone': `lab-${String.fromCharCode(97 + (index % 3))}`,
        type: 'kwok',
      },
    },
    spec: {},
    status: {
      addresses: [
        { type: 'InternalIP', address: `${NODE_IP_PREFIX}${(index % 250) + 2}` },
        { type: 'Hostname', address: name },
      ],
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        containerRuntimeVersion: 'kwok',
        kernelVersion: 'kwok',
        osImage: 'kwok fake node',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

async function createNodes(run: ClusterRun): Promise<void> {
  // Report the API server's own version as the kubelet's: istiod decides on native sidecars from it.
  const v = await run.client.get('/version');
  const version = isPlainObject(v.body) && typeof v.body.gitVersion === 'string' ? v.body.gitVersion : 'v1.34.0';
  await Promise.all(
    Array.from({ length: run.cluster.nodes }, async (_, i) => {
      const r = await run.client.post('/api/v1/nodes', fakeNode(run.cluster.name, i, version));
      if (r.status !== 201 && r.status !== 409) throw new LabError(`cannot create node ${i} in cluster ${run.cluster.name}: ${r.status} ${r.text}`);
    }),
  );
}

async function createNamespace(run: ClusterRun, name: string): Promise<void> {
  const r = await run.client.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (r.status !== 201 && r.status !== 409) throw new LabError(`cannot create namespace ${name}: ${r.status} ${r.text}`);
}

const crdCache = new Map<string, Promise<Record<string, unknown>[]>>();

/**
 * The CRDs of the pinned Istio release, parsed once per process. The YAML (about 1 MB) takes seconds to parse,
 * so a JSON copy is kept beside it and read on later starts.
 */
export function loadCrds(file: string): Promise<Record<string, unknown>[]> {
  let hit = crdCache.get(file);
  if (!hit) {
    hit = readCrds(file);
    crdCache.set(file, hit);
    hit.catch(() => crdCache.delete(file));
  }
  return hit;
}

async function readCrds(file: string): Promise<Record<string, unknown>[]> {
  const json = `${file}.json`;
  try {
    const [y, j] = await Promise.all([stat(file), stat(json)]);
    if (j.mtimeMs >= y.mtimeMs) {
      const parsed: unknown = JSON.parse(await readFile(json, 'utf8'));
      if (Array.isArray(parsed) && parsed.length > 0) return parsed.filter(isPlainObject);
    }
  } catch {
    // No usable JSON copy yet.
  }
  const docs = parseAllDocuments(await readFile(file, 'utf8'))
    .map((d) => d.toJS() as unknown)
    .filter((o): o is Record<string, unknown> => isPlainObject(o) && o.kind === 'CustomResourceDefinition');
  if (docs.length === 0) throw new LabError(`${file} holds no CustomResourceDefinition`);
  await writeFileAtomic(json, JSON.stringify(docs)).catch(() => undefined); // a read-only cache only costs time
  return docs;
}

async function installCrds(run: ClusterRun, file: string): Promise<void> {
  const crds = await loadCrds(file);
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  await Promise.all(
    crds.map(async (crd) => {
      const r = await run.client.post(base, crd);
      if (r.status !== 201 && r.status !== 409) throw new LabError(`cannot create CRD in cluster ${run.cluster.name}: ${r.status} ${r.text}`);
    }),
  );
  const names = new Set(crds.map((c) => (isPlainObject(c.metadata) ? String(c.metadata.name) : '')));
  await run.wait(`${names.size} Istio CRDs to be Established`, async () => {
    const r = await run.client.get(base);
    const established = listItems(r.body).filter((c) => names.has(nameOf(c)) && conditionTrue(c, 'Established'));
    return established.length === names.size ? true : undefined;
  });
}

/** `items` of a list response, or [] for anything else. */
export function listItems(body: unknown): Record<string, unknown>[] {
  if (!isPlainObject(body) || !Array.isArray(body.items)) return [];
  return body.items.filter(isPlainObject);
}

export function nameOf(obj: Record<string, unknown>): string {
  return isPlainObject(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '';
}

/** True when status.conditions has `type` with status "True". */
export function conditionTrue(obj: Record<string, unknown>, type: string): boolean {
  const status = isPlainObject(obj.status) ? obj.status : undefined;
  const conds = status && Array.isArray(status.conditions) ? status.conditions : [];
  return conds.some((c) => isPlainObject(c) && c.type === type && c.status === 'True');
}
