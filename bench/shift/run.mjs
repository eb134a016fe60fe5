// bench/shift: (1) time from the check that reaches failureThreshold to the rollback weight written, against the bare
// cost of one Prometheus query plus one weight write; (2) CPU and RSS of 100 concurrent TrafficShifts in one process at a
// 10 s interval, against a loop doing only the same reads. Real lab API server, real Prometheus, loopback only.
// Run: npm run build && node bench/shift/run.mjs   (BENCH_SHIFTS, BENCH_SECONDS, BENCH_INTERVAL override the sizes)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const load = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);
const { startLab } = await load('lab/index.js');
const { startPrometheus } = await load('traffic/prometheus-process.js');
const { PrometheusGate } = await load('traffic/gates/prometheus.js');
const { KubeconfigClusterSet } = await load('traffic/routers/cluster-set.js');
const { createRouter } = await load('traffic/routers/create-router.js');
const { ShiftRunner } = await load('traffic/shift/runner.js');
const { TrafficShiftStore } = await load('traffic/shift/store.js');
const { planOf } = await load('traffic/shift/spec.js');
const { resolveShiftChecks } = await load('traffic/shift/gate-checks.js');

const SHIFTS = Number(process.env.BENCH_SHIFTS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const INTERVAL = process.env.BENCH_INTERVAL ?? '10s';
const NS = 'bench';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0)} ms`;

function vs(name) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: NS },
    spec: { hosts: [name], http: [{ name: 'main', route: [{ destination: { host: `${name}-v1` }, weight: 100 }, { destination: { host: `${name}-v2` }, weight: 0 }] }] },
  };
}

function shiftDoc(name, spec) {
  return {
    apiVersion: 'meshferry.dev/v1alpha1',
    kind: 'TrafficShift',
    metadata: { name, namespace: NS },
    spec: { router: { virtualService: { targets: [{ context: 'bench', name }], from: { host: `${name}-v1` }, to: { host: `${name}-v2` } } }, ...spec },
  };
}

async function runner(clusters, client, doc, opts = {}) {
  const router = createRouter(doc.spec.router, clusters, { namespace: NS });
  const store = await TrafficShiftStore.open(client, NS, doc.metadata.name);
  await store.applySpec(doc);
  const checks = resolveShiftChecks(doc.spec, router.reporter, NS);
  const gate = new PrometheusGate(doc.spec.gates.prometheus.address);
  return { router, store, checks, runner: new ShiftRunner({ plan: planOf(doc.spec), router, store, gate, checks, ...opts }) };
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-bench-shift-'));
console.log(`bench/shift: one lab cluster (no istiod), Debian's Prometheus, work dir ${tmp}`);
const lab = await startLab({ dir: path.join(tmp, 'lab'), clusters: ['bench'], revisions: [] });
const prom = await startPrometheus({ dir: path.join(tmp, 'prometheus') });
const clusters = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, context: 'bench', env: {} });
try {
  const client = await clusters.client('bench');
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const address = prom.url;

  // ---- (1) rollback latency ---------------------------------------------------------------------------------------
  // A check that always fails (`vector(50)` against min 99) at failureThreshold 1: the first check after the interval
  // is the one that reaches the threshold. Measured from that check's answer, and from the interval's end.
  const ROUNDS = 5;
  const fromAnswer = [];
  const fromDue = [];
  const anchor = [];
  for (let i = 0; i < ROUNDS; i++) {
    const name = `rollback-${i}`;
    await client.create(vs(name));
    const doc = shiftDoc(name, {
      steps: [50, 100],
      interval: '2s',
      gates: { prometheus: { address }, checks: [{ name: 'always-bad', query: 'vector(50)', min: 99 }], failureThreshold: 1 },
      rollback: { mode: 'instant' },
    });
    let checkedAt = 0;
    let writtenAt = 0;
    const r = await runner(clusters, client, doc, {
      onEvent: (e) => {
        if (e.kind === 'checks') checkedAt = Date.now();
        if (e.kind === 'write' && e.why === 'rollback') writtenAt = Date.now();
      },
    });
    await r.runner.run();
    const state = (await r.store.load()).state;
    const start = state.history.find((h) => h.weight === 50).at;
    fromAnswer.push(writtenAt - checkedAt);
    fromDue.push(writtenAt - (start + 2000));
    // The anchor: one query and one weight write, done directly (the least any loop must do).
    const t0 = Date.now();
    await new PrometheusGate(address).query('vector(50)');
    await r.router.write(50, await r.router.read());
    anchor.push(Date.now() - t0);
  }
  console.log('\n(1) from the check that reaches the threshold to the rollback weight written (median of %d)', ROUNDS);
  console.log(`  after the check's answer:   ${fmt(median(fromAnswer))}   (all: ${fromAnswer.join(', ')} ms)`);
  console.log(`  after the interval's end:   ${fmt(median(fromDue))}   goal <= 1000 ms beyond the interval`);
  console.log(`  anchor (1 query + 1 write): ${fmt(median(anchor))}   ratio loop/anchor = ${(median(fromDue) / median(anchor)).toFixed(2)}x`);

  // ---- (2) 100 concurrent shifts ------------------------------------------------------------------------------------
  const names = Array.from({ length: SHIFTS }, (_, i) => `many-${i}`);
  for (const n of names) await client.create(vs(n));
  const shifts = [];
  for (const n of names) {
    const doc = shiftDoc(n, {
      steps: Array.from({ length: 100 }, (_, i) => i + 1),
      interval: INTERVAL,
      gates: { prometheus: { address }, checks: [{ name: 'ok', query: 'vector(100)', min: 99 }], failureThreshold: 2 },
    });
    shifts.push(await runner(clusters, client, doc));
  }
  const stats = client.transport.stats;
  const weightsNow = () => Promise.all(shifts.map(async (s) => (await s.store.load()).state.weight ?? 0));
  const measure = async (label, start) => {
    const stop = start();
    await sleep(5000); // warm-up: every loop has ticked
    const startWeights = await weightsNow();
    const req0 = stats.requests;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let rss = 0;
    const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 500);
    await sleep(SECONDS * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    const requests = stats.requests - req0;
    const endWeights = await weightsNow();
    const steps = endWeights.reduce((n, w, i) => n + (w - startWeights[i]), 0);
    clearInterval(sampler);
    await stop();
    const share = (cpu.user + cpu.system) / 1000 / wall;
    const rate = (requests / (wall / 1000)).toFixed(1);
    console.log(`  ${label}: CPU ${(share * 100).toFixed(2)} % of one core, peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB, ${rate} API requests/s`);
    return { share, rss, requests, steps };
  };
  console.log(`\n(2) ${SHIFTS} concurrent TrafficShifts in one process, interval ${INTERVAL}, measured for ${SECONDS} s`);
  // Anchor: a loop that only does the reads every shift needs per poll (its object and its live weights), no more.
  // The loop's own default poll at this interval: one look per interval (ShiftRunner, within 0.5-10 s).
  const pollMs = Math.min(10_000, Math.max(500, planOf({ steps: [1], interval: INTERVAL }).intervalMs));
  const reads = await measure('anchor (reads only)', () => {
    const ac = new AbortController();
    setMaxListeners(0, ac.signal);
    const loops = shifts.map(async (s) => {
      while (!ac.signal.aborted) {
        await s.store.load();
        await s.router.read();
        await sleep(pollMs, undefined, { signal: ac.signal }).catch(() => undefined);
      }
    });
    return async () => {
      ac.abort();
      await Promise.all(loops);
    };
  });
  const loop = await measure('shift loops          ', () => {
    const ac = new AbortController();
    setMaxListeners(0, ac.signal);
    const runs = shifts.map((s) => s.runner.run(ac.signal));
    return async () => {
      ac.abort();
      await Promise.all(runs);
    };
  });
  const weights = await weightsNow();
  console.log(`  the shifts moved: weights now ${Math.min(...weights)}..${Math.max(...weights)} (each step held ${INTERVAL}); ${loop.steps} steps while measured`);
  // The shifts' own API requests per step they took (the 100 reads of the weights that bound the window excluded).
  if (loop.steps > 0) console.log(`  API requests per step: ${(loop.requests / loop.steps).toFixed(1)} (a step may straddle the window's ends)`);
  console.log(`  goal <= 5 % of one core: ${(loop.share * 100).toFixed(2)} %; goal <= 150 MiB: ${(loop.rss / 2 ** 20).toFixed(0)} MiB`);
  console.log(`  ratio loop/anchor: CPU ${(loop.share / reads.share).toFixed(2)}x, RSS ${(loop.rss / reads.rss).toFixed(2)}x`);
} finally {
  clusters.close();
  await prom.stop();
  await lab.stop({ purge: true });
  await rm(tmp, { recursive: true, force: true });
}
