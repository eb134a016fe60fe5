// bench/migrate, case `cross`: moving N Deployments (with their Services, ConfigMaps and Istio config) from cluster src
// (1-18-5) to dst (1-31-1), `meshferry export` + `migrate apply` (CrossCluster) side by side with the seed's kubectl path.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, kubectlRequests, loadBuilt, mustSucceed, printTable, seconds, timeCommand, timeWithPeakRss } from '../export/harness.js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { goToolBinary } from '../../test/support/go-tool.js';
import { cpuDelta, labCpu } from './lab-cpu.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { revisionCounts } from './pods.js';

const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 200);
const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 10);
/** Waves of the meshferry run: the namespaces split evenly, in order (default one wave per namespace). */
const WAVES = Number(process.env.BENCH_WAVES ?? NAMESPACES);
/**
 * meshferry runs twice, each on its own equal set of namespaces: with WAVES waves (each namespace verified before the
 * next starts, more than the seed path checks), and with one wave of every namespace (the seed path's own shape: apply
 * everything, then wait once).
 */
const MESHFERRY_RUNS: readonly { prefix: string; waves: number }[] = [{ prefix: 'viamf', waves: WAVES }, ...(WAVES !== 1 ? [{ prefix: 'viaone', waves: 1 }] : [])];
const HERE = path.join(ROOT, 'bench', 'migrate');
/** A folder to keep meshferry's request timelines and stderr in (for finding where its time goes); off by default. */
const KEEP = process.env.BENCH_KEEP;
/** `BENCH_ANCHOR=skip` runs meshferry's side alone (for finding where its time goes); no ratio is printed then. */
const ANCHOR = process.env.BENCH_ANCHOR !== 'skip';
/** `BENCH_PROFILE=DIR` writes a V8 CPU profile of each meshferry process there (`node --cpu-prof`). */
const PROFILE = process.env.BENCH_PROFILE;
/**
 * `BENCH_RTT_MS=20`: the timed paths (the seed path's kubectl calls; meshferry's export, apply and status) reach each API
 * server through a proxy on 127.0.0.1 (latency-proxy.ts) that holds every chunk for half this round trip in each
 * direction, as when leaving a managed mesh whose API servers are a cloud provider's, a network away. The seeding and
 * the bench's own checks stay direct. Default 0: no proxy, loopback's ~0.05 ms round trip.
 */
const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 0);
if (!(Number.isFinite(RTT_MS) && RTT_MS >= 0)) throw new Error(`BENCH_RTT_MS must be a number of ms >= 0, not ${process.env.BENCH_RTT_MS}`);
/**
 * With BENCH_RTT_MS, the proxy also charges each new connection TCP's handshake (one more round trip before its first
 * bytes arrive; the proxy's own accept is local). `BENCH_RTT_HANDSHAKE=0` leaves it out: chunks delayed, nothing else.
 */
const RTT_HANDSHAKE = process.env.BENCH_RTT_HANDSHAKE !== '0';
/** How the round trip is labelled in the header and results. */
const RTT_LABEL = `round trip ${RTT_MS} ms added by a loopback proxy${RTT_HANDSHAKE ? ' (plus one more per new connection, as TCP\'s handshake)' : ''}`;
/**
 * `BENCH_EXPORT=init`: no `meshferry export` process; the MeshMigration's config names only its rules, so Init exports
 * the source's config itself (docs/migrate.md, step 2). Default `separate`: `meshferry export` first, named in `config.from`.
 */
const EXPORT_IN_INIT = process.env.BENCH_EXPORT === 'init';
/**
 * After meshferry, the floor: the same objects created straight into the target and waited for, by the bench itself,
 * on a set of namespaces of its own; a direct create-and-wait baseline for this end state on this machine.
 * `BENCH_FLOOR=skip` leaves it out.
 */
const FLOOR = process.env.BENCH_FLOOR !== 'skip';
/** How long the lab's idle CPU is measured before the floor. */
const IDLE_MS = 5000;

/** The CPU ms of a path's groups, those `keep` names (default all). */
const sum = (cpu: ReadonlyMap<string, number>, keep: (k: string) => boolean = () => true): number => [...cpu].filter(([k]) => keep(k)).reduce((n, [, v]) => n + v, 0);
// dist/ itself, not the harness's snapshot: the snapshot folder has no schemas/ beside it, and migrate loads one.
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const SOURCE = { context: 'src', revision: '1-18-5' } as const;
const TARGET = { context: 'dst', revision: '1-31-1' } as const;

/**
 * CPU seconds while each path ran: the target's lab processes by component, the source's in one column, the tool's
 * own (its children included). Every path reaches the same end state in the target; on N cores a run cannot take less
 * wall time than the CPU spent during it divided by N (the lab shares the cores with the tools).
 */
function printCpu(rows: readonly { path: string; cpu: ReadonlyMap<string, number> }[], seedMs: number | undefined): void {
  if (rows.length === 0) return;
  const cores = os.availableParallelism();
  const groups = ['API server', 'etcd', 'controllers', 'kwok', 'istiod'];
  const s = (ms: number) => (ms / 1000).toFixed(1);
  console.log('');
  console.log(`CPU seconds while each path ran (the lab's processes from /proc, by lab.json; the tool's own, children included, from /usr/bin/time -v; ${cores} cores):`);
  printTable([
    ['', ...groups.map((g) => `${TARGET.context} ${g}`), `${SOURCE.context} (all)`, 'tool', 'total', `total / ${cores} cores`],
    ...rows.map(({ path: p, cpu }) => {
      const total = sum(cpu);
      return [p, ...groups.map((g) => s(cpu.get(`${TARGET.context} ${g}`) ?? 0)), s(sum(cpu, (k) => k.startsWith(`${SOURCE.context} `))), s(cpu.get('tool') ?? 0), s(total), `${s(total / cores)} s`];
    }),
  ]);
  for (const { path: p, cpu } of rows.filter((r) => r.path.startsWith('meshferry'))) {
    const lab = sum(cpu, (k) => k !== 'tool');
    console.log(`${p}: the lab worked ${s(lab)} s of CPU while it ran, at least ${s(lab / cores)} s of wall time on ${cores} cores` + (seedMs !== undefined ? `; 10x the seed path needs ${s(seedMs / 10)} s` : ''));
  }
}

interface Measured {
  ms: number;
  peakRssMiB: number;
  requests: number;
}

type Obj = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };


/** The namespaces of one tool's set. */
const namespacesOf = (prefix: string): string[] => Array.from({ length: NAMESPACES }, (_, i) => `${prefix}-${i}`);

/**
 * One tool's set in src: `prefix-0..M-1` on revision 1-18-5, N/M Deployments (one replica, reading their ConfigMap),
 * each with a Service, a ConfigMap, a VirtualService and a DestinationRule.
 */
function objectsFor(prefix: string): Obj[] {
  const perNs = Math.ceil(DEPLOYMENTS / NAMESPACES);
  const out: Obj[] = [];
  namespacesOf(prefix).forEach((ns, n) => {
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio.io/rev': SOURCE.revision } } });
    for (let d = 0; d < perNs && n * perNs + d < DEPLOYMENTS; d++) {
      const name = `svc-${d}`;
      const host = `${name}.${ns}.svc.cluster.local`;
      out.push(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-settings`, namespace: ns }, data: { LOG_LEVEL: 'info', UPSTREAM: host } },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace: ns, labels: { app: name } },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: name } },
            template: {
              metadata: { labels: { app: name, version: 'v1' } },
              spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 8080 }], envFrom: [{ configMapRef: { name: `${name}-settings` } }] }] },
            },
          },
        },
        { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels: { app: name } }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name, namespace: ns },
          spec: { host, trafficPolicy: { connectionPool: { http: { http1MaxPendingRequests: 100 } } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name, namespace: ns },
          spec: { hosts: [host], http: [{ route: [{ destination: { host, subset: 'v1' } }], timeout: '5s', retries: { attempts: 2, perTryTimeout: '2s' } }] },
        },
      );
    }
  });
  return out;
}

/** The MeshMigration meshferry applies: config from its export, copies, WAVES waves of the namespaces into dst, no shifts. */
function migrationYaml(name: string, namespaces: readonly string[], waveCount: number): string {
  const waves = Array.from({ length: waveCount }, (_, w) => namespaces.filter((_, i) => Math.floor((i * waveCount) / namespaces.length) === w));
  return [
    'apiVersion: meshferry.dev/v1alpha1',
    'kind: MeshMigration',
    `metadata: {name: ${name}}`,
    'spec:',
    '  mode: CrossCluster',
    `  source: {context: ${SOURCE.context}, revision: ${SOURCE.revision}}`,
    `  target: {context: ${TARGET.context}, revision: ${TARGET.revision}, clusters: [${TARGET.context}]}`,
    // The runbook's hand adjustment, as rules: the exported namespaces carry istio.io/rev=1-18-5, which dst lacks.
    EXPORT_IN_INIT ? '  config: {rules: ./rules.yaml}' : '  config: {from: ./export, rules: ./rules.yaml}',
    '  workloads: {copy: true}',
    '  verify: {timeout: 30m}',
    '  waves:',
    ...waves.filter((w) => w.length).map((w, i) => `  - {name: w${i}, namespaces: [${w.join(', ')}], cluster: ${TARGET.context}}`),
    '',
  ].join('\n');
}

/**
 * A copy of the lab's kubeconfig at `out` whose every cluster's server is a latency proxy (RTT_MS) in front of it, on
 * 127.0.0.1 (the API servers' certificates are for that address; only the port changes). The proxies go into `proxies`
 * as they start, for the caller to close.
 */
async function proxiedKubeconfig(labKubeconfig: string, out: string, proxies: LatencyProxy[]): Promise<void> {
  const doc = parseYaml(await readFile(labKubeconfig, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[] };
  for (const c of doc.clusters) {
    const url = new URL(c.cluster.server);
    // Loopback only: the proxy forwards to 127.0.0.1 and nowhere else.
    if (url.hostname !== '127.0.0.1' || !url.port) throw new Error(`cluster ${c.name}: server ${c.cluster.server} is not 127.0.0.1:PORT`);
    const proxy = await startLatencyProxy({ targetPort: Number(url.port), rttMs: RTT_MS, handshake: RTT_HANDSHAKE });
    proxies.push(proxy);
    url.port = String(proxy.port);
    c.cluster.server = url.pathname === '/' ? url.origin : `${url.origin}${url.pathname}`;
  }
  await writeFile(out, stringifyYaml(doc), { mode: 0o600 });
}

/**
 * Mean wall time of one run of `cmd args` fed `input` (n runs, one after another). The seed path's neat is one process
 * per object, run as `kubectl neat` (kubectl starts, then the kubectl-neat plugin); kubectl-neat itself cannot be
 * fetched here (the Go module proxy does not serve it), so the plugin is the reference one built from
 * test/tools/kubectl-neat. One call of it and one of `meshferry neat -`, measured in the same run, go in the docs.
 */
function meanCallMs(cmd: string, args: readonly string[], input: string, env: NodeJS.ProcessEnv = {}, n = 20): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = spawnSync(cmd, args, { input, env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'ignore'] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}`);
  }
  return (performance.now() - t0) / n;
}

export async function crossCase(): Promise<void> {
  const { lab: labApi } = await loadBuilt();
  const kube = (await import(path.join(ROOT, 'dist/kube/index.js'))) as typeof import('../../src/kube/index.js');
  const cluster = (await import(path.join(ROOT, 'dist/migrate/cluster/index.js'))) as typeof import('../../src/migrate/cluster/index.js');
  if (KEEP) await mkdir(KEEP, { recursive: true });
  // Built before the lab starts, so a missing Go toolchain fails the run at once.
  const neatPlugin = ANCHOR ? goToolBinary('kubectl-neat', 'kubectl-neat') : undefined;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-bench-cross-'));
  // Room for every tool's pods (the seed path's, each meshferry run's, the floor's), 100 a node (kwok's default is 110).
  const nodes = Math.ceil(((1 + MESHFERRY_RUNS.length + (FLOOR ? 1 : 0)) * DEPLOYMENTS) / 100) + 1;
  console.log(
    `bench/migrate cross: ${DEPLOYMENTS} Deployments + Services + ConfigMaps + VS + DR over ${NAMESPACES} namespaces per tool, ` +
      `${SOURCE.context} (${SOURCE.revision}) → ${TARGET.context} (${TARGET.revision}), ${WAVES} meshferry wave(s), ${nodes} kwok nodes per cluster` +
      `${RTT_MS > 0 ? `, ${RTT_LABEL}` : ''} (work dir ${tmp})`,
  );
  const lab = await labApi.startLab({
    dir: path.join(tmp, 'lab'),
    clusters: [SOURCE.context, TARGET.context],
    revisions: { [SOURCE.context]: [SOURCE.revision], [TARGET.context]: [TARGET.revision] },
    istiodCa: 'per-cluster',
    nodes,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  const src = await kube.openCluster({ kubeconfig: lab.kubeconfigPath, context: SOURCE.context });
  const dst = await kube.openCluster({ kubeconfig: lab.kubeconfigPath, context: TARGET.context });
  const proxies: LatencyProxy[] = [];
  try {
    // The kubeconfig of the timed paths: the lab's, or with BENCH_RTT_MS its copy through the latency proxies.
    const timedKubeconfig = RTT_MS > 0 ? path.join(tmp, 'kubeconfig-rtt.yaml') : lab.kubeconfigPath;
    if (RTT_MS > 0) await proxiedKubeconfig(lab.kubeconfigPath, timedKubeconfig, proxies);
    /** Connections the proxies accepted so far (0 without BENCH_RTT_MS): each timed path must add some. */
    const proxied = (): number => proxies.reduce((n, p) => n + p.connections, 0);
    /** The connections `run` made through the proxies; with BENCH_RTT_MS, none fails the bench (it bypassed them). */
    const throughProxies = async <T>(what: string, run: () => Promise<T>): Promise<{ value: T; connections: number }> => {
      const before = proxied();
      const value = await run();
      const connections = proxied() - before;
      if (RTT_MS > 0 && connections === 0) throw new Error(`${what} made no connection through the latency proxies`);
      return { value, connections };
    };
    const podsOf = (c: typeof src) => c.client.discovery.resourceFor('', 'Pod')!;
    /**
     * Running pods of `prefix`'s namespaces in a cluster, by injecting revision. One LIST per namespace of the prefix:
     * one of every pod in dst (800 by the floor) would cost the server more than the floor's own work.
     */
    const revisions = async (c: typeof src, prefix: string): Promise<Map<string, number>> =>
      revisionCounts((await kube.mapLimit(namespacesOf(prefix), 16, (namespace) => c.client.list(podsOf(c), { namespace }))).flat(), prefix, cluster.podInjection);
    const prefixes = ['viascript', ...MESHFERRY_RUNS.map((r) => r.prefix)];
    const all = prefixes.flatMap(objectsFor);
    const t0 = Date.now();
    await kube.mapLimit(all.filter((o) => o.kind === 'Namespace'), 16, (o) => src.client.apply(o as never, { force: true }));
    await kube.mapLimit(all.filter((o) => o.kind !== 'Namespace'), 16, (o) => src.client.apply(o as never, { force: true }));
    for (const p of prefixes)
      for (;;) {
        const c = await revisions(src, p);
        if (c.get(SOURCE.revision) === DEPLOYMENTS && c.size === 1) break;
        await sleep(2000);
      }
    console.log(`seeded ${all.length} objects in ${SOURCE.context}, every pod Running and injected by ${SOURCE.revision}, in ${seconds(Date.now() - t0)}`);

    const kubectl = (await labApi.ensureLabBinaries({ build: false })).paths.kubectl;
    // The runbook's neat: `kubectl neat`, kubectl finding the kubectl-neat plugin on PATH (cross-anchor.sh and
    // kubedump.sh run $neat unquoted, so the two words split into command and argument).
    const plugins = path.join(tmp, 'kubectl-plugins');
    await mkdir(plugins);
    if (neatPlugin) await symlink(neatPlugin, path.join(plugins, 'kubectl-neat'));
    const pluginEnv = { PATH: `${plugins}${path.delimiter}${process.env.PATH ?? ''}` };
    const neat = `${kubectl} neat`;

    // The anchor: one bash process running the whole seed path, timed from its start to its last check.
    const scriptNs = namespacesOf('viascript');
    /** The lab's CPU (per cluster and component) and the tool's own while `run` runs. */
    const withCpu = async <T>(run: () => Promise<T>, toolCpuMs: (value: T) => number): Promise<{ value: T; cpu: Map<string, number> }> => {
      const before = await labCpu(lab.dir);
      const value = await run();
      const cpu = cpuDelta(before, await labCpu(lab.dir));
      cpu.set('tool', toolCpuMs(value));
      return { value, cpu };
    };
    const cpuRows: { path: string; cpu: Map<string, number> }[] = [];
    const anchorRun = ANCHOR
      ? await withCpu(
          () => throughProxies('the seed path', () => timeWithPeakRss('bash', [path.join(HERE, 'cross-anchor.sh'), kubectl, neat, timedKubeconfig, SOURCE.context, TARGET.context, TARGET.revision, path.join(tmp, 'kubedump'), ...scriptNs], pluginEnv)),
          (r) => r.value.cpuMs,
        ).then((r) => (cpuRows.push({ path: 'seed path', cpu: r.cpu }), r.value))
      : undefined;
    const script = anchorRun?.value;
    if (script) mustSucceed('seed path (cross-anchor.sh)', script);
    const scriptResult = script ? await revisions(dst, 'viascript') : undefined;
    // One object as kubectl prints it, through one neat call each way: `kubectl neat` (the anchor's) and `meshferry neat -`.
    const sample = JSON.stringify({ ...objectsFor('viascript').find((o) => o.kind === 'VirtualService')!, status: {} });
    const neatCalls = ANCHOR ? { kubectl: meanCallMs(kubectl, ['neat'], sample, pluginEnv), meshferry: meanCallMs(process.execPath, [CLI, 'neat', '-'], sample), count: 2 * DEPLOYMENTS + NAMESPACES } : undefined;

    // meshferry: the export of the source's config (what kubedump does), then the migration until it stops; once per
    // wave layout, each on its own equal set of namespaces.
    const env = { MESHFERRY_STATE_DIR: path.join(tmp, 'state') };
    const counted = async (name: string, args: readonly string[]) => {
      const requestsFile = path.join(tmp, `requests-${name}`);
      const log = KEEP ? { MESHFERRY_BENCH_REQUESTS_LOG: path.join(KEEP, `requests-${name}.log`) } : {};
      const profile = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
      const m = await timeWithPeakRss(process.execPath, [...profile, '--require', path.join(HERE, 'count-requests.cjs'), CLI, ...args], { ...env, ...log, MESHFERRY_BENCH_REQUESTS_FILE: requestsFile });
      if (KEEP) await writeFile(path.join(KEEP, `stderr-${name}.log`), m.stderr);
      return { ...m, requests: Number(await readFile(requestsFile, 'utf8').catch(() => 'NaN')) };
    };
    const show = (m: Map<string, number>) => [...m].map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
    const runs: { waves: number; mf: Measured; result: Map<string, number>; line: string; connections: number }[] = [];
    for (const run of MESHFERRY_RUNS) {
      const work = path.join(tmp, run.prefix);
      await mkdir(work, { recursive: true });
      const mfNs = namespacesOf(run.prefix);
      const name = `bench-cross-${run.waves}`;
      const file = path.join(work, 'migration.yaml');
      await writeFile(file, migrationYaml(name, mfNs, run.waves));
      await writeFile(path.join(work, 'rules.yaml'), ['apiVersion: meshferry.dev/v1alpha1', 'kind: TransformRules', 'metadata: {name: to-dst}', 'rules:', `- setRevision: {to: ${TARGET.revision}}`, ''].join('\n'));
      const tag = run.waves === WAVES ? '' : `-${run.waves}wave`;
      const {
        value: {
          value: [exported, applied],
          connections,
        },
        cpu,
      } = await withCpu(() => throughProxies(`meshferry export + migrate apply (${run.waves} waves)`, async () => {
        const exported = EXPORT_IN_INIT
          ? { ms: 0, peakRssMiB: 0, requests: 0, cpuMs: 0 }
          : await counted(`export${tag}`, ['export', '--kubeconfig', timedKubeconfig, '--context', SOURCE.context, '-n', mfNs.join(','), '--with-context', '--output-dir', path.join(work, 'export')]);
        if ('code' in exported) mustSucceed('meshferry export', exported);
        return [exported, await counted(`apply${tag}`, ['migrate', 'apply', file, '--accept-unknown-calls', '--kubeconfig', timedKubeconfig])] as const;
      }), (r) => r.value[0].cpuMs + r.value[1].cpuMs);
      cpuRows.push({ path: `meshferry, ${run.waves} wave(s)`, cpu });
      // Neither path scales the source down (that needs Prometheus to prove it quiet), so the finish check SourcePods
      // refuses Finished by design: exit 1 with that one check ("finish check SourcePods failed", singular) and nothing else is the verified end state here.
      mustSucceed('meshferry migrate apply', applied, [0, 1]);
      const statusRun = mustSucceed('meshferry migrate status', await timeCommand(process.execPath, [CLI, 'migrate', 'status', name, '-o', 'json', '--kubeconfig', timedKubeconfig, '--context', TARGET.context], { env }));
      const status = JSON.parse(statusRun.stdout) as { phase: string; message?: string; waves: { state: string; counts?: { verifiedPods?: number } }[] };
      const unverified = status.waves.filter((w) => w.state !== 'Verified').length;
      const endedRight = status.phase === 'Finished' || (applied.code === 1 && /finish check SourcePods failed/.test(applied.stderr));
      if (unverified > 0 || !endedRight) throw new Error(`meshferry (${run.waves} waves) did not reach the verified end state (phase ${status.phase}, ${unverified} wave(s) not Verified): ${applied.stderr.slice(-2000)}`);
      const result = await revisions(dst, run.prefix);
      if (result.get(TARGET.revision) !== DEPLOYMENTS || result.size !== 1) throw new Error(`meshferry (${run.waves} waves): pods in ${TARGET.context} are ${show(result)}, not ${DEPLOYMENTS} on ${TARGET.revision}`);
      const mf: Measured = { ms: exported.ms + applied.ms, peakRssMiB: Math.max(exported.peakRssMiB, applied.peakRssMiB), requests: exported.requests + applied.requests };
      runs.push({ waves: run.waves, mf, result, connections, line: `meshferry, ${run.waves} wave(s): export ${seconds(exported.ms)} (${exported.requests} requests), migrate apply ${seconds(applied.ms)} (${applied.requests} requests), exit ${applied.code}, phase ${status.phase}; last lines: ${applied.stderr.split('\n').filter((l) => l.startsWith('migrate') || /^[A-Z][a-z]+: /.test(l)).slice(-1).join(' | ').slice(0, 160)}` });
    }
    // The floor: a direct create-and-wait baseline for this end state. The bench's own definitions of the objects (already
    // clean, the namespaces labelled for the target) created in dst 16 at a time, in meshferry's order (namespaces; then
    // ConfigMaps, Services and the Istio config; then the Deployments, so no pod starts before its Service), then a look at
    // its pods every 250 ms until all run injected by the target: no reading of the source, no neat, no analysis, no
    // journal, no checks. First the lab's idle CPU over IDLE_MS (what it spends with no path running, the earlier runs'
    // tails included), to take out of the floor's.
    let floor: { ms: number; labCpuMs: number; idleLabMsPerS: number } | undefined;
    if (FLOOR) {
      const target = await kube.openCluster({ kubeconfig: timedKubeconfig, context: TARGET.context });
      try {
        const idle = await withCpu(() => sleep(IDLE_MS), () => 0);
        const idleLabMsPerS = (sum(idle.cpu) * 1000) / IDLE_MS;
        cpuRows.push({ path: `idle lab, ${seconds(IDLE_MS)}`, cpu: idle.cpu });
        const objects = objectsFor('viafloor').map((o) => (o.kind === 'Namespace' ? { ...o, metadata: { ...o.metadata, labels: { 'istio.io/rev': TARGET.revision } } } : o));
        const tierOf = (o: Obj) => (o.kind === 'Namespace' ? 0 : o.kind === 'Deployment' ? 2 : 1);
        const { value: timed, cpu } = await withCpu(
          () =>
            throughProxies('the floor', async () => {
              const cpu0 = process.cpuUsage();
              const t = Date.now();
              for (const tier of [0, 1, 2]) await kube.mapLimit(objects.filter((o) => tierOf(o) === tier), 16, (o) => target.client.create(o as never));
              for (const deadline = Date.now() + 600_000; ; ) {
                const c = await revisions(target, 'viafloor');
                if (c.get(TARGET.revision) === DEPLOYMENTS && c.size === 1) break;
                if (Date.now() > deadline) throw new Error(`the floor: after 10 minutes the running pods in ${TARGET.context} are ${show(c)}, not ${DEPLOYMENTS} on ${TARGET.revision}`);
                await sleep(250);
              }
              // The bench process's CPU: with BENCH_RTT_MS the latency proxies' too (they run in it).
              const used = process.cpuUsage(cpu0);
              return { ms: Date.now() - t, cpuMs: (used.user + used.system) / 1000 };
            }),
          (r) => r.value.cpuMs,
        );
        floor = { ms: timed.value.ms, labCpuMs: sum(cpu, (k) => k !== 'tool'), idleLabMsPerS };
        cpuRows.push({ path: 'floor (create, wait)', cpu });
      } finally {
        target.close();
      }
    }
    if (scriptResult && (scriptResult.get(TARGET.revision) !== DEPLOYMENTS || scriptResult.size !== 1)) throw new Error(`seed path: pods in ${TARGET.context} are ${show(scriptResult)}, not ${DEPLOYMENTS} on ${TARGET.revision}`);

    const results: [string, Measured, Map<string, number>][] = [
      ...(script && scriptResult
        ? [['seed path (kubedump loop + apply, get|neat|apply per ns, rollout status, injection check)', { ms: script.ms, peakRssMiB: script.peakRssMiB, requests: kubectlRequests(script.stderr) }, scriptResult] as [string, Measured, Map<string, number>]]
        : []),
      ...runs.map((r): [string, Measured, Map<string, number>] => [`meshferry export + migrate apply (CrossCluster, ${r.waves} wave(s), copy, every pod verified, journal)`, r.mf, r.result]),
    ];
    console.log('');
    printTable([
      ['', RTT_MS > 0 ? `wall time (RTT ${RTT_MS} ms)` : 'wall time', 'peak RSS', 'API requests', 'requests / Deployment', `pods in ${TARGET.context} after`],
      ...results.map(([n, m, r]) => [n, seconds(m.ms), `${m.peakRssMiB.toFixed(0)} MiB`, String(m.requests), (m.requests / DEPLOYMENTS).toFixed(2), show(r)]),
    ]);
    console.log('');
    for (const r of runs) console.log(r.line);
    if (RTT_MS > 0)
      console.log(
        `${RTT_LABEL} (bench/migrate/latency-proxy.ts) in front of each API server, for the timed paths only (not the seeding ` +
          `or the bench's checks); connections through it: ${[...(anchorRun ? [`seed path ${anchorRun.connections}`] : []), ...runs.map((r) => `meshferry (${r.waves} wave(s)) ${r.connections}`)].join(', ')}`,
      );
    // The seed path's neat calls: one per Istio object of the kubedump loop, one per namespace for the workloads.
    if (script && neatCalls)
      console.log(
        `neat in the seed path: ${neatCalls.count} calls of \`kubectl neat\` (reference plugin, test/tools/kubectl-neat) at ${neatCalls.kubectl.toFixed(0)} ms each; ` +
          `one \`meshferry neat -\` call takes ${neatCalls.meshferry.toFixed(0)} ms (mean of 20 calls each, one VirtualService)`,
      );
    for (const r of runs)
      console.log(
        script
          ? `speed-up seed path / meshferry (${r.waves} wave(s)) = ${(script.ms / r.mf.ms).toFixed(2)}x   goal >= 10x`
          : `speed-up (${r.waves} wave(s)): not measured (BENCH_ANCHOR=skip ran meshferry alone)`,
      );
    printCpu(cpuRows, script?.ms);
    if (floor) {
      const net = floor.labCpuMs - (floor.idleLabMsPerS * floor.ms) / 1000;
      console.log(
        `floor: creating the same objects in ${TARGET.context} (no source read, no checks, no journal) and waiting until every pod runs injected took ${seconds(floor.ms)}` +
          (script ? ` (the seed path / the floor = ${(script.ms / floor.ms).toFixed(2)}x)` : '') +
          `; the lab's CPU during it was ${seconds(floor.labCpuMs)}, ${seconds(net)} above its idle rate (${(floor.idleLabMsPerS / 1000).toFixed(2)} s a second), at least ${seconds(net / os.availableParallelism())} of wall time on ${os.availableParallelism()} cores`,
      );
    }
    console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await Promise.all(proxies.map((p) => p.close()));
    src.close();
    dst.close();
    await lab.stop({ purge: true });
    await rm(tmp, { recursive: true, force: true });
  }
}
