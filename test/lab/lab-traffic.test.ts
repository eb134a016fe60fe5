// `lab up --prometheus` + `lab traffic` against a real two-cluster lab: Prometheus discovers and scrapes the data
// plane, the measured split follows a VirtualService weight change, faults show per side, per-side clusters and
// --call chains reach the call graph, status and down.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killLabNow, labStatus, processesMentioning, startLab, startLabPrometheus, stopLab } from '../../src/lab/index.js';
import type { Lab, LabPrometheus } from '../../src/lab/index.js';
import { isRunning } from '../../src/lab/process.js';
import { readLabState } from '../../src/lab/state.js';
import { describeOutcome, runCheck } from '../../src/traffic/gates/check.js';
import type { QueryResult } from '../../src/traffic/gates/gate.js';
import { PrometheusGate } from '../../src/traffic/gates/prometheus.js';
import { queryCallGraph } from '../../src/migrate/cross/call-graph-query.js';
import { resolveCheck } from '../../src/traffic/gates/templates.js';
import { KubeconfigClusterSet, createRouter } from '../../src/traffic/routers/index.js';
import { startLabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import { labTrafficTargetsDir } from '../../src/lab/index.js';
import type { RouterSpec } from '../../src/traffic/routers/index.js';
import type { KubeObject } from '../../src/resources/object.js';
import { CLI, REPO_ROOT, hasStackTrace } from '../support/cli.js';

const parent = mkdtempSync(path.join(os.tmpdir(), 'lab-traffic-test-'));
const dir = path.join(parent, 'lab');
const CLUSTERS = ['cluster1', 'cluster2'] as const;
let failed = false;
const killOnExit = () => killLabNow(dir);
process.on('exit', killOnExit);

let lab: Lab;
let prom: LabPrometheus;
let gate: PrometheusGate;
let clusters: KubeconfigClusterSet;
let traffic: ChildProcess | undefined;
let trafficErr = '';
let trafficOut = '';
let trafficExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

const vs = (from: number, to: number): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'productcatalog-migration', namespace: 'default' },
  spec: {
    hosts: ['productcatalogservice'],
    http: [
      {
        name: 'main',
        retries: { attempts: 3, perTryTimeout: '2s' },
        route: [
          { destination: { host: 'productcatalogservice' }, weight: from },
          { destination: { host: 'productcatalogservice-gke' }, weight: to },
        ],
      },
    ],
  },
});

const SHIFT = `apiVersion: meshferry.dev/v1alpha1
kind: TrafficShift
metadata: {name: productcatalog-to-gke, namespace: default}
spec:
  router:
    virtualService:
      targets:
      - {context: cluster1, name: productcatalog-migration}
      - {context: cluster2, name: productcatalog-migration}
      from: {host: productcatalogservice}
      to: {host: productcatalogservice-gke}
  steps: [10, 25, 50, 100]
  interval: 10s
  gates:
    prometheus: {address: http://127.0.0.1:9090}
    checks:
    - {metric: request-success-rate, min: 99}
`;

/** Writes the weights into one cluster's VirtualService (SSA by a test "person", as kubectl apply would). */
async function setWeights(context: string, from: number, to: number): Promise<void> {
  const client = await clusters.client(context);
  await client.apply(vs(from, to), { fieldManager: 'a-person', force: true });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (traffic && traffic.exitCode !== null) throw new Error(`lab traffic exited (${traffic.exitCode}) while waiting for ${what}:\n${trafficErr}`);
    await sleep(250);
  }
}

const valueOf = (r: QueryResult): number | undefined => (r.kind === 'value' ? r.value : undefined);

/** The "to" share of the requests of the last `window`, as Prometheus measures it from the source reporter. */
async function measuredToShare(window: string): Promise<number | undefined> {
  return valueOf(
    await gate.query(
      `sum(increase(istio_requests_total{reporter="source",meshferry_shift="default/productcatalog-to-gke",destination_workload="productcatalogservice-gke"}[${window}])) / ` +
        `sum(increase(istio_requests_total{reporter="source",meshferry_shift="default/productcatalog-to-gke"}[${window}])) * 100`,
    ),
  );
}

/** Waits until a full `seconds` window of scrapes of the data plane lies after `sinceSec` (unix seconds). */
async function windowAfter(sinceSec: number, seconds: number): Promise<void> {
  await until('a full scrape window after the change', async () =>
    (valueOf(await gate.query('min(timestamp(up{job="meshferry-lab-traffic"} == 1))')) ?? 0) > sinceSec + seconds + 2 ? true : undefined,
  );
}

beforeAll(async () => {
  lab = await startLab({ dir, clusters: [...CLUSTERS], revisions: ['default'] });
  prom = await startLabPrometheus(dir);
  gate = new PrometheusGate(prom.url);
  clusters = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath });
  // 80/20 in both clusters; istiod's validating webhook checks each write.
  for (const c of CLUSTERS) await setWeights(c, 80, 20);
  writeFileSync(path.join(parent, 'shift.yaml'), SHIFT);
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  if (traffic && traffic.exitCode === null) traffic.kill('SIGKILL');
  clusters?.close();
  await stopLab(dir, { purge: !failed });
  if (!failed) rmSync(parent, { recursive: true, force: true });
  process.off('exit', killOnExit);
});

describe('lab up --prometheus + lab traffic on two lab clusters', () => {
  it('lab status shows the Prometheus with its address, healthy', async () => {
    const s = await labStatus(dir);
    expect(s.running).toBe(true);
    expect(s.prometheus).toBe(prom.url);
    const row = s.components.find((c) => c.component === 'prometheus');
    expect(row).toMatchObject({ cluster: '(lab)', running: true, health: 'ok', endpoint: prom.url });
    expect(prom.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await gate.isOnline()).toBe(true);
  });

  it('lab traffic starts at the live split, registers itself, and Prometheus scrapes it', async () => {
    traffic = spawn(process.execPath, [CLI, 'lab', 'traffic', path.join(parent, 'shift.yaml'), '--dir', dir, '--rps', '100', '--error-rate', 'to=0.3', '--poll-interval', '250ms'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    traffic.stderr!.on('data', (d: Buffer) => (trafficErr += d.toString()));
    traffic.stdout!.on('data', (d: Buffer) => (trafficOut += d.toString()));
    const child = traffic;
    trafficExit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await until('the first split line', async () => (/split from 80 \/ to 20/.test(trafficErr) ? true : undefined));
    // Printed after it registered itself (a few awaits later): waited for, never assumed to have come with the split.
    await until('the registration line', async () => (/registered for the lab's Prometheus at http:\/\/127\.0\.0\.1:\d+/.test(trafficErr) ? true : undefined));
    const files = readdirSync(path.join(dir, 'traffic-targets')).filter((f) => f.endsWith('.json'));
    expect(files).toEqual([`traffic-${traffic.pid}-1.json`]);
    await until('Prometheus scraping lab traffic', async () => (valueOf(await gate.query('count(up{job="meshferry-lab-traffic"} == 1)')) === 1 ? true : undefined));
  });

  it('the measured split is 80/20 within ±3 points, then follows a VirtualService change to 50/50 in both clusters', async () => {
    const started = Date.now() / 1000;
    await windowAfter(started, 10);
    const before = await measuredToShare('10s');
    expect(before, 'to share at 80/20').toBeDefined();
    expect(Math.abs(before! - 20)).toBeLessThanOrEqual(3);

    for (const c of CLUSTERS) await setWeights(c, 50, 50);
    await until('lab traffic to see 50/50', async () => (/split from 50 \/ to 50/.test(trafficErr) ? true : undefined));
    const changed = Date.now() / 1000;
    await windowAfter(changed, 10);
    const after = await measuredToShare('10s');
    expect(after, 'to share at 50/50').toBeDefined();
    expect(Math.abs(after! - 50)).toBeLessThanOrEqual(3);
  });

  it('one cluster edited alone: the split is the mean of the two clusters (documented), 65/35', async () => {
    await setWeights('cluster1', 20, 80);
    await until('lab traffic to see the mean', async () => (/split from 35 \/ to 65/.test(trafficErr) ? true : undefined));
    const changed = Date.now() / 1000;
    await windowAfter(changed, 10);
    const share = await measuredToShare('10s');
    expect(Math.abs(share! - 65)).toBeLessThanOrEqual(3);
  });

  it('faults show per side: "to" succeeds about 70% and fails min 99; "from" passes at 100', async () => {
    const scope = (workload: string) => ({ namespace: 'default', workload, interval: '10s', reporter: 'destination' as const });
    const to = await runCheck(gate, resolveCheck({ metric: 'request-success-rate', min: 99 }, scope('productcatalogservice-gke')));
    const from = await runCheck(gate, resolveCheck({ metric: 'request-success-rate', min: 99 }, scope('productcatalogservice')));
    expect(to.verdict, describeOutcome(to)).toBe('fail');
    if (to.verdict === 'fail') expect(Math.abs(to.value - 70), describeOutcome(to)).toBeLessThanOrEqual(3);
    expect(from, describeOutcome(from)).toEqual({ verdict: 'pass', check: 'request-success-rate', value: 100 });
  });

  it('Ctrl-C stops lab traffic cleanly: exit 130, a summary on stdout, its target file removed', async () => {
    traffic!.kill('SIGINT');
    const exit = await trafficExit;
    traffic = undefined;
    expect(exit.code, trafficErr).toBe(130);
    expect(hasStackTrace(trafficErr)).toBe(false);
    expect(trafficOut).toMatch(/^SIDE\s+WORKLOAD\s+SENT/m);
    expect(trafficOut).toMatch(/^to\s+default\/productcatalogservice-gke\s+\d+\s+200:\d+ 503:\d+/m);
    expect(readdirSync(path.join(dir, 'traffic-targets')).filter((f) => f.endsWith('.json'))).toEqual([]);
    await until('Prometheus to drop the target', async () => (valueOf(await gate.query('count(up{job="meshferry-lab-traffic"})')) === undefined ? true : undefined));
  });

  it('a stale target of a SIGKILLed lab traffic is removed by the next one', async () => {
    const targets = path.join(dir, 'traffic-targets');
    // A pid that cannot be alive: above the kernel's pid_max limit (4194304).
    const stale = path.join(targets, 'traffic-4194399-1.json');
    writeFileSync(stale, '[{"targets":["127.0.0.1:1"],"labels":{}}]\n');
    const child = spawn(process.execPath, [CLI, 'lab', 'traffic', path.join(parent, 'shift.yaml'), '--dir', dir, '--rps', '5', '--duration', '1s'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, err).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(targets).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('lbWeight (ACK CLB weights on two gateway Services): reported as gateways report, the split follows the annotations, --status to=404 shows on "to"', async () => {
    const ACK = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';
    const client = await clusters.client('cluster1');
    const gatewayService = (name: string, weight: number): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace: 'istio-system',
        annotations: { [`${ACK}id`]: 'lb-lab', [`${ACK}vgroup-port`]: `rsp-${name}:80`, [`${ACK}force-override-listeners`]: 'false', [`${ACK}weight`]: String(weight) },
      },
      spec: { type: 'LoadBalancer', selector: { istio: name }, ports: [{ name: 'http2', port: 80 }] },
    });
    for (const [name, w] of [['istio-ingressgateway', 90], ['istio-ingressgateway-asm', 10]] as const) await client.apply(gatewayService(name, w), { fieldManager: 'a-person', force: true });
    const router: RouterSpec = {
      lbWeight: { provider: 'ack', from: { context: 'cluster1', service: 'istio-system/istio-ingressgateway' }, to: { context: 'cluster1', service: 'istio-system/istio-ingressgateway-asm' } },
    };
    const reader = createRouter(router, clusters, { namespace: 'istio-system' });
    const t = await startLabTraffic({
      targetsDir: labTrafficTargetsDir(dir),
      shift: { name: 'ingress-to-asm', namespace: 'istio-system' },
      router,
      reader,
      rps: 100,
      faults: { to: { status: 404 } },
      upstream: 'shop/frontend',
      pollMs: 250,
    });
    try {
      expect(t.sides.mode).toBe('gateway');
      expect(t.current()).toEqual({ from: 90, to: 10 });
      const share = async (window: string) =>
        valueOf(
          await gate.query(
            `sum(increase(istio_requests_total{meshferry_shift="istio-system/ingress-to-asm",reporter="source",source_workload="istio-ingressgateway-asm"}[${window}])) / ` +
              `sum(increase(istio_requests_total{meshferry_shift="istio-system/ingress-to-asm",reporter="source"}[${window}])) * 100`,
          ),
        );
      await windowAfter(Date.now() / 1000, 10);
      expect(Math.abs((await share('10s'))! - 10)).toBeLessThanOrEqual(3);
      // The gateway reports as the source, itself the source workload; the upstream's sidecar reports only what
      // reached it: the "to" gateway answers 404 by itself (no route), so nothing of it at the destination.
      const atUpstream = (gw: string) => gate.query(`sum(istio_requests_total{meshferry_shift="istio-system/ingress-to-asm",reporter="destination",source_workload="${gw}",destination_workload="frontend"})`);
      expect(valueOf(await atUpstream('istio-ingressgateway'))).toBeGreaterThan(0);
      expect(await atUpstream('istio-ingressgateway-asm')).toEqual({ kind: 'noData', reason: 'empty' });
      const asm404 = await gate.query(
        'sum(istio_requests_total{meshferry_shift="istio-system/ingress-to-asm",reporter="source",source_workload="istio-ingressgateway-asm",source_workload_namespace="istio-system",destination_workload="frontend",destination_workload_namespace="shop",response_code="404"})',
      );
      expect(valueOf(asm404)).toBeGreaterThan(0);
      const asmOther = await gate.query('sum(istio_requests_total{meshferry_shift="istio-system/ingress-to-asm",source_workload="istio-ingressgateway-asm",response_code!="404"})');
      expect(asmOther).toEqual({ kind: 'noData', reason: 'empty' });

      // The CLB weights move to 50/50 (as shift run would write them): the split follows.
      for (const [name, w] of [['istio-ingressgateway', 50], ['istio-ingressgateway-asm', 50]] as const) await client.apply(gatewayService(name, w), { fieldManager: 'a-person', force: true });
      await until('lab traffic to follow the annotations', async () => (t.current().to === 50 ? true : undefined));
      await windowAfter(Date.now() / 1000, 10);
      expect(Math.abs((await share('10s'))! - 50)).toBeLessThanOrEqual(3);
    } finally {
      await t.stop();
    }
    expect(existsSync(t.targetFile)).toBe(false);
  });

  it('lab traffic --cluster from=cluster1,to=cluster2 with a --call chain: per-side clusters in every series, and queryCallGraph finds shop → payments', async () => {
    const ACK = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';
    // The old gateway in cluster1, the new one in cluster2, behind one CLB (the TCM exit's cutover), at 50/50.
    const gatewayService = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace: 'istio-system',
        annotations: { [`${ACK}id`]: 'lb-exit', [`${ACK}vgroup-port`]: `rsp-${name}:80`, [`${ACK}force-override-listeners`]: 'false', [`${ACK}weight`]: '50' },
      },
      spec: { type: 'LoadBalancer', selector: { istio: name }, ports: [{ name: 'http2', port: 80 }] },
    });
    await (await clusters.client('cluster1')).apply(gatewayService('gw-old'), { fieldManager: 'a-person', force: true });
    await (await clusters.client('cluster2')).apply(gatewayService('gw-new'), { fieldManager: 'a-person', force: true });
    const file = path.join(parent, 'exit-shift.yaml');
    writeFileSync(
      file,
      `apiVersion: meshferry.dev/v1alpha1
kind: TrafficShift
metadata: {name: shop-exit, namespace: istio-system}
spec:
  router:
    lbWeight:
      provider: ack
      from: {context: cluster1, service: istio-system/gw-old}
      to: {context: cluster2, service: istio-system/gw-new}
  steps: [50, 100]
  interval: 10s
`,
    );
    const args = ['--upstream', 'shop/frontend', '--cluster', 'from=cluster1,to=cluster2', '--call', 'shop/frontend=payments/payments', '--call', 'payments/payments=ledger/ledger@cluster1'];
    const child = spawn(process.execPath, [CLI, 'lab', 'traffic', file, '--dir', dir, '--rps', '100', '--poll-interval', '250ms', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const alive = () => {
        if (child.exitCode !== null) throw new Error(`lab traffic exited (${child.exitCode}):\n${err}`);
      };
      await until('the exit shift\'s lab traffic to register', async () => {
        alive();
        return /registered for the lab's Prometheus/.test(err) ? true : undefined;
      });
      expect(err).toMatch(/from istio-system\/gw-old in cluster cluster1 at http:\/\/127\.0\.0\.1:\d+; to istio-system\/gw-new in cluster cluster2/);
      expect(err).toContain('each request that reaches payments/payments calls ledger/ledger in cluster cluster1');

      // Every (source cluster, destination cluster, source ns, destination ns) the chain makes, and no other.
      const byEnds = 'sum by (source_cluster, destination_cluster, source_workload_namespace, destination_workload_namespace) (increase(istio_requests_total{meshferry_shift="istio-system/shop-exit"}[1m]))';
      const want = [
        'cluster1 → cluster1: istio-system → shop', // the old gateway to frontend in its own cluster
        'cluster2 → cluster2: istio-system → shop', // the new gateway to frontend in its own cluster
        'cluster1 → cluster1: shop → payments', // frontend calls payments on the side it ran on
        'cluster2 → cluster2: shop → payments',
        'cluster1 → cluster1: payments → ledger', // the pinned hop: ledger in cluster1 whatever the side
        'cluster2 → cluster1: payments → ledger',
      ].sort();
      const seen = await until('every edge of the chain with requests in both clusters', async () => {
        alive();
        const r = await gate.queryVector(byEnds);
        if (r.kind === 'error') throw r.error;
        const got = r.series
          .filter((x) => x.value > 0)
          .map((x) => `${x.labels.source_cluster} → ${x.labels.destination_cluster}: ${x.labels.source_workload_namespace} → ${x.labels.destination_workload_namespace}`)
          .sort();
        return want.every((w) => got.includes(w)) ? got : undefined;
      });
      expect(seen).toEqual(want);
      // The calls are reported by both sidecars; the gateway edge by the gateway (source) and frontend's sidecar.
      for (const [src, dst] of [['shop', 'payments'], ['payments', 'ledger'], ['istio-system', 'shop']])
        expect(valueOf(await gate.query(`count(count by (reporter) (istio_requests_total{meshferry_shift="istio-system/shop-exit",source_workload_namespace="${src}",destination_workload_namespace="${dst}"}))`)), `${src} → ${dst}`).toBe(2);
      expect(valueOf(await gate.query('count(istio_requests_total{meshferry_shift="istio-system/shop-exit",reporter="source",source_workload="gw-new",source_cluster="cluster2"})'))).toBe(1);

      // The CrossCluster plan's query over the same Prometheus: shop → payments is an edge of the call graph.
      const graph = await until('the call graph to hold shop → payments', async () => {
        alive();
        const g = await queryCallGraph(gate, '1m');
        return g.known && g.edges.some((e) => e.from === 'shop' && e.to === 'payments') ? g : undefined;
      });
      expect(graph.known).toBe(true);
      if (graph.known) {
        // istio-system (the gateways) is ignored; the earlier cases' calls stay inside namespace default.
        expect(graph.edges.map((e) => `${e.from} → ${e.to}`).sort()).toEqual(['payments → ledger', 'shop → payments']);
        expect(graph.edges.find((e) => e.from === 'shop')!.requests).toBeGreaterThan(0);
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGINT');
      expect(await exited, err).toBe(130);
    }
    expect(hasStackTrace(err)).toBe(false);
  });

  it('lab down stops Prometheus and a running lab traffic with the rest: nothing of the lab keeps running', async () => {
    const state = await readLabState(dir);
    const rec = state!.processes.find((p) => p.component === 'prometheus')!;
    expect(isRunning(rec)).toBe(true);
    // A lab traffic left running (no --duration): lab down must not leave it polling a lab that is gone.
    const child = spawn(process.execPath, [CLI, 'lab', 'traffic', path.join(parent, 'shift.yaml'), '--dir', dir, '--rps', '5'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let out = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until('lab traffic registered', async () => (existsSync(path.join(dir, 'traffic-runs', `${child.pid}.json`)) && /registered/.test(err) ? true : undefined));
    const r = await stopLab(dir);
    expect(r.stopped).toBe(state!.processes.length);
    expect(await exited).toBe(0);
    expect(err).toContain('lab traffic: the lab is going down (lab down); stopping');
    expect(out).toMatch(/^SIDE\s+WORKLOAD\s+SENT/m);
    expect(isRunning(rec)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
    expect(await gate.isOnline()).toBe(false);
  });
});
