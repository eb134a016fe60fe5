// Starts one lab cluster: etcd, kube-apiserver, controller-manager, scheduler, kwok with fake nodes, Istio CRDs.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { LabError } from '../errors.js';
import { isPlainObject } from '../resources/object.js';
import { writeFileAtomic } from '../resources/yaml-write.js';
import type { KubeObject } from '../resources/object.js';
import { discover } from '../kube/discovery.js';
import { LabKube, labConnection } from './lab-kube.js';
import { waitFor } from './wait.js';
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
  /** Marks the end of a start-up step of a cluster (the profile the lab-start benchmark prints). */
  step(cluster: string, step: string): void;
  /** True once `stopLab` was called for this lab while it starts: start nothing more. */
  aborted(): boolean;
  /** Timeout for each readiness wait. */
  timeoutMs: number;
}

/** What a ClusterRun needs: a cluster context without the binaries (a restart uses the recorded ones). */
export type ClusterRunContext = Omit<ClusterContext, 'binaries'>;

/** A cluster being started: its static description plus the live handles used while waiting. */
export class ClusterRun {
  readonly cluster: LabCluster;
  readonly dir: string;
  readonly apiserverPort: number;
  /** Kubeconfig for this cluster's components (a single context, 0600). */
  readonly kubeconfig: string;
  /** This cluster's API server, through src/kube. */
  readonly kube: LabKube;
  #ctx: ClusterRunContext;
  #procs: StartedProcess[] = [];
  #died: string | undefined;

  constructor(cluster: LabCluster, apiserverPort: number, ctx: ClusterRunContext) {
    this.cluster = cluster;
    this.apiserverPort = apiserverPort;
    this.#ctx = ctx;
    this.dir = path.join(ctx.labDir, cluster.name);
    this.kubeconfig = path.join(this.dir, 'kubeconfig');
    this.kube = new LabKube(labConnection(cluster.name, cluster.server, cluster.token, ctx.pki.caPem));
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

  /** Records that a start-up step of this cluster finished. */
  step(what: string): void {
    this.#ctx.step(this.cluster.name, what);
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
  run.step('etcd and kube-apiserver started');
  await waitApiServerReady(run);
  run.step('API server ready');
}

/** Waits until the cluster's API server answers /readyz with 200 (at start, and after `startApiServer`). */
export async function waitApiServerReady(run: ClusterRun): Promise<void> {
  await run.wait('the API server to be ready', async () => ((await run.kube.status('/readyz')) === 200 ? true : undefined));
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
  // The CRDs go first: establishing them is the longest wait, and nothing else needs to exist for it.
  const crds = (async () => {
    await installCrds(run, ctx.binaries.istioCrds);
    ctx.log(`lab: ${cluster.name}: Istio CRDs established`);
  })();
  // Never an unhandled rejection while the processes start; the error is awaited below.
  crds.catch(() => undefined);
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
  run.step('controller-manager, scheduler and kwok started');

  await createNamespace(run, 'istio-system');
  // Nodes and Istio need nothing from each other: istiod may start while kwok is still turning nodes Ready.
  await Promise.all([
    (async () => {
      await createNodes(run);
      run.step('nodes created');
      const nodes = await run.kube.resource('', 'Node');
      const client = await run.kube.objects();
      await run.wait(`${cluster.nodes} node(s) to be Ready`, async () => {
        const ready = (await client.list(nodes)).filter((n) => conditionTrue(n, 'Ready'));
        return ready.length >= cluster.nodes ? true : undefined;
      });
      run.step('nodes Ready');
      ctx.log(`lab: ${cluster.name}: ${cluster.nodes} node(s) Ready`);
    })(),
    (async () => {
      await Promise.all([
        crds,
        istio?.prepare().then(() => run.step('istiod manifests applied')),
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
  const v = await run.kube.transport.requestJson({ method: 'GET', path: '/version', what: 'read the server version' });
  const version = isPlainObject(v.body) && typeof v.body.gitVersion === 'string' ? v.body.gitVersion : 'v1.34.0';
  const nodes = await run.kube.resource('', 'Node');
  await Promise.all(Array.from({ length: run.cluster.nodes }, (_, i) => run.kube.create(nodes, fakeNode(run.cluster.name, i, version))));
}

async function createNamespace(run: ClusterRun, name: string): Promise<void> {
  await run.kube.create(await run.kube.resource('', 'Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
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
  const resource = await run.kube.resource('apiextensions.k8s.io', 'CustomResourceDefinition');
  await Promise.all(crds.map((crd) => run.kube.create(resource, crd)));
  run.step('CRDs created');
  const wanted = servedKinds(crds);
  // Discovery lists a CRD's kinds only once it is Established (apiextensions-apiserver
  // pkg/apiserver/customresource_discovery_controller.go, sync), and it is what clients such as istiod read. One
  // aggregated discovery answer is also a fraction of a LIST of the CRDs, which carries their 1 MB of schemas.
  await run.wait(`${crds.length} Istio CRDs to be Established`, async () => {
    const served = await discover(run.kube.probe);
    return wanted.every((w) => served.resourceAt(w.group, w.version, w.kind)) ? true : undefined;
  });
  run.step('CRDs Established');
}

/** Group, version and kind of every served version of each CRD. */
export function servedKinds(crds: readonly Record<string, unknown>[]): { group: string; version: string; kind: string }[] {
  const out: { group: string; version: string; kind: string }[] = [];
  for (const crd of crds) {
    const spec = isPlainObject(crd.spec) ? crd.spec : {};
    const group = typeof spec.group === 'string' ? spec.group : '';
    const kind = isPlainObject(spec.names) && typeof spec.names.kind === 'string' ? spec.names.kind : '';
    for (const v of Array.isArray(spec.versions) ? spec.versions : [])
      if (isPlainObject(v) && v.served === true && typeof v.name === 'string') out.push({ group, version: v.name, kind });
  }
  return out;
}

/** True when status.conditions has `type` with status "True". */
export function conditionTrue(obj: KubeObject, type: string): boolean {
  const status = isPlainObject(obj.status) ? obj.status : undefined;
  const conds = status && Array.isArray(status.conditions) ? status.conditions : [];
  return conds.some((c) => isPlainObject(c) && c.type === type && c.status === 'True');
}
