// `shift run` end to end on a VirtualService in a real lab, with a real Prometheus scraping the loopback data plane
// (`lab traffic` following the live weights): healthy 0 → 100 with the measured split at each step, rollbacks (gradual
// and instant), Prometheus killed mid-shift, no data past maxHold, Ctrl-C and SIGKILL then run again, a person's
// edit, and bad files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServedResource } from '../../src/kube/discovery.js';
import type { ObjectClient } from '../../src/kube/object-client.js';
import { killLabNow, startLab } from '../../src/lab/index.js';
import type { Lab } from '../../src/lab/index.js';
import type { KubeObject } from '../../src/resources/object.js';
import { startLabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import type { LabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import type { Faults } from '../../src/traffic/dataplane/backend.js';
import { startPrometheus } from '../../src/traffic/prometheus-process.js';
import type { RunningPrometheus } from '../../src/traffic/prometheus-process.js';
import { KubeconfigClusterSet } from '../../src/traffic/routers/cluster-set.js';
import { createRouter } from '../../src/traffic/routers/create-router.js';
import { statusToState } from '../../src/traffic/shift/store.js';
import { isTerminal } from '../../src/traffic/shift/decide.js';
import type { ShiftState } from '../../src/traffic/shift/decide.js';
import type { TrafficShiftSpec } from '../../src/traffic/shift/spec.js';
import { hasStackTrace, runCliAsync, startCli } from '../support/cli.js';
import type { RunningCli } from '../support/cli.js';
import { eventually } from './lab-kubectl.js';

const CTX = 'east';
const NS = 'shop';
// A hang guard for polls, not a speed limit: a loaded two-core machine is slow, never this slow.
const GUARD_MS = 300_000;

let lab: Lab;
let failed = false;
let people: KubeconfigClusterSet;
let routers: KubeconfigClusterSet;
let client: ObjectClient;
let prom: RunningPrometheus;
let proxy: LoopbackForwarder;
const traffic: LabTraffic[] = [];
const parent = mkdtempSync(path.join(os.tmpdir(), 'shift-vs-'));
const dir = path.join(parent, 'lab');
const killOnExit = () => killLabNow(dir);
process.on('exit', killOnExit);

/**
 * A fixed loopback address in front of Prometheus, so a Prometheus restarted on another port is the same address
 * to the shift (as a Service in front of a real Prometheus would be).
 */
class LoopbackForwarder {
  readonly server: Server;
  upstream: number;
  readonly #sockets = new Set<Socket>();
  constructor(upstream: number) {
    this.upstream = upstream;
    this.server = createServer((inbound) => {
      const out = createConnection({ host: '127.0.0.1', port: this.upstream });
      this.#sockets.add(inbound).add(out);
      inbound.pipe(out).pipe(inbound);
      const end = () => {
        inbound.destroy();
        out.destroy();
        this.#sockets.delete(inbound);
        this.#sockets.delete(out);
      };
      inbound.on('error', end).on('close', end);
      out.on('error', end).on('close', end);
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const portOf = (url: string) => Number(new URL(url).port);
let promAddress: string;

beforeAll(async () => {
  lab = await startLab({ dir, clusters: [CTX], revisions: ['default'], log: (m) => process.stderr.write(`${m}\n`) });
  people = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  routers = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  client = await people.client(CTX);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, { fieldManager: 'kubectl-create' });
  prom = await startPrometheus({ dir: path.join(parent, 'prometheus') });
  proxy = new LoopbackForwarder(portOf(prom.url));
  promAddress = await proxy.listen();
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  for (const t of traffic) await t.stop();
  await proxy?.close();
  await prom?.stop();
  people?.close();
  routers?.close();
  await lab?.stop({ purge: !failed });
  if (!failed) rmSync(parent, { recursive: true, force: true });
  process.off('exit', killOnExit);
});

// ---- fixtures --------------------------------------------------------------------------------------------------------

/** A VirtualService splitting `name` between `<name>-v1` and `<name>-v2`, with the fields a shift must keep. */
function virtualService(name: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: NS },
    spec: {
      hosts: [name],
      http: [
        {
          name: 'main',
          match: [{ uri: { prefix: '/' } }],
          retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset' },
          timeout: '10s',
          headers: { request: { set: { 'x-shift': 'meshferry' } } },
          mirror: { host: `${name}-shadow` },
          mirrorPercentage: { value: 5 },
          fault: { delay: { percentage: { value: 0.1 }, fixedDelay: '1s' } },
          corsPolicy: { allowOrigins: [{ exact: 'https://shop.example' }], allowMethods: ['GET'] },
          route: [
            { destination: { host: `${name}-v1` }, weight: 100 },
            { destination: { host: `${name}-v2` }, weight: 0 },
          ],
        },
      ],
    },
  };
}

function routerOf(name: string) {
  return { virtualService: { targets: [{ context: CTX, name }], from: { host: `${name}-v1` }, to: { host: `${name}-v2` } } };
}

const SUCCESS = { metric: 'request-success-rate', min: 99 };

/** Writes a TrafficShift file for VirtualService `name`; returns its path. */
function shiftFile(name: string, spec: Partial<TrafficShiftSpec>): string {
  const doc = {
    apiVersion: 'meshferry.dev/v1alpha1',
    kind: 'TrafficShift',
    metadata: { name, namespace: NS },
    spec: { router: routerOf(name), steps: [10, 25, 50, 100], interval: '3s', ...spec },
  };
  const file = path.join(parent, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

const gates = (over: Record<string, unknown> = {}) => ({ prometheus: { address: promAddress }, checks: [SUCCESS], window: '10s', failureThreshold: 2, ...over });

let vsResource: ServedResource;
async function createVirtualService(name: string): Promise<KubeObject> {
  const vs = virtualService(name);
  const res = await client.create(vs, { fieldManager: 'kubectl-create' });
  vsResource ??= client.discovery.resourceFor('networking.istio.io', 'VirtualService')!;
  return res.object;
}

async function liveVirtualService(name: string): Promise<KubeObject> {
  return (await client.get(vsResource, NS, name))!;
}

function routeWeights(vs: KubeObject): number[] {
  const spec = vs.spec as { http: { route: { weight?: number }[] }[] };
  return spec.http[0]!.route.map((r) => r.weight ?? 0);
}

/** `lab traffic` for the shift of VirtualService `name`, registered with the lab's Prometheus. */
async function startTraffic(name: string, faults: Partial<Record<'from' | 'to', Faults>> = {}): Promise<LabTraffic> {
  const reader = createRouter(routerOf(name), routers, { namespace: NS });
  const t = await startLabTraffic({ targetsDir: prom.targetsDir, shift: { name, namespace: NS }, router: routerOf(name), reader, rps: 200, faults, pollMs: 200 });
  traffic.push(t);
  // Prometheus scrapes it before the shift's first check, so "no data" is not what the first check sees.
  await eventually(`Prometheus scrapes the data plane of ${name}`, async () => ((await promValue(`up{instance="${t.dataPlane.metricsAddress}"}`)) === 1 ? true : undefined), GUARD_MS);
  return t;
}

async function promValue(query: string, time?: number): Promise<number | undefined> {
  const url = new URL('/api/v1/query', prom.url);
  url.searchParams.set('query', query);
  if (time !== undefined) url.searchParams.set('time', (time / 1000).toFixed(3));
  try {
    const res = await fetch(url);
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    const v = body.data?.result?.[0]?.value[1];
    return v === undefined ? undefined : Number(v);
  } catch {
    return undefined;
  }
}

let shiftResource: ServedResource | undefined;
async function shiftState(name: string): Promise<ShiftState | undefined> {
  if (!shiftResource) {
    await client.refreshDiscovery();
    shiftResource = client.discovery.resourceAt('meshferry.dev', 'v1alpha1', 'TrafficShift');
    if (!shiftResource) return undefined;
  }
  const obj = await client.get(shiftResource, NS, name);
  return obj ? statusToState(obj.status) : undefined;
}

const kube = () => ['--kubeconfig', lab.kubeconfigPath, '--context', CTX];

/** `shift run` in the background: its stderr so far, and its end. */
function startRun(file: string, extra: readonly string[] = []): RunningCli {
  const run = startCli(['shift', 'run', file, ...kube(), ...extra]);
  return run;
}

const weightsOf = (s: ShiftState | undefined) => s?.history.map((h) => h.weight) ?? [];

/**
 * The shift's weight is at least `min` and in the VirtualService. The status may still show it as the pending write
 * (the runner records a write's result with its next tick), so the live route decides.
 */
async function waitForWeight(name: string, min: number): Promise<ShiftState & { weight: number }> {
  return eventually(`shift ${name} at weight ≥ ${min}`, async () => {
    const s = await shiftState(name);
    const w = s?.pendingWeight ?? s?.weight;
    if (!s || w === undefined || w < min) return undefined;
    return routeWeights(await liveVirtualService(name))[1] === w ? { ...s, weight: w } : undefined;
  }, GUARD_MS);
}

/** Requests answered by one side of a data plane between two instants, from the counters as Prometheus scraped them. */
async function answered(t: LabTraffic, workload: string, from: number, to: number): Promise<number> {
  const q = `sum(istio_requests_total{instance="${t.dataPlane.metricsAddress}",reporter="source",destination_workload="${workload}"})`;
  return ((await promValue(q, to)) ?? 0) - ((await promValue(q, from)) ?? 0);
}

function withoutWeights(vs: KubeObject): unknown {
  const spec = structuredClone(vs.spec) as { http: { route: { weight?: number }[] }[] };
  for (const r of spec.http[0]!.route) delete r.weight;
  return spec;
}

// ---- the tests -------------------------------------------------------------------------------------------------------

describe('shift run on a VirtualService, gated by a real Prometheus over lab traffic', () => {
  it('a healthy shift goes 0 → 100 through every step; the split Prometheus measured at each step matches within ±3 points; every other field survives', async () => {
    const before = await createVirtualService('cart');
    const t = await startTraffic('cart');
    const file = shiftFile('cart', { interval: '6s', gates: gates({ checks: [SUCCESS, { metric: 'request-duration-p99', max: 1000 }] }) });
    const run = startRun(file);
    const res = await run.done;
    expect(res.code, res.stderr).toBe(0);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.stderr).toMatch(/checks at weight 50:\n {2}request-success-rate 100 \(min 99\): pass\n {2}request-duration-p99 [\d.]+ \(max 1000\): pass/);
    expect(res.stderr).toContain('east/VirtualService shop/cart spec.http[0] (route "main"): from 75 / to 25');
    const s = (await shiftState('cart'))!;
    expect(s.phase).toBe('Succeeded');
    expect(s.history.map((h) => [h.weight, h.why])).toEqual([[10, 'start'], [25, 'advance'], [50, 'advance'], [100, 'advance']]);
    const after = await liveVirtualService('cart');
    expect(routeWeights(after)).toEqual([0, 100]);
    expect(withoutWeights(after)).toEqual(withoutWeights(before));
    expect(after.metadata.labels).toEqual(before.metadata.labels);

    // Each step's split, from the counters at two instants inside it (the follower moves within 200 ms of a write).
    const ends = [...s.history.slice(1).map((h) => h.at), s.history.at(-1)!.at + 6000];
    for (const [i, step] of s.history.entries()) {
      const from = step.at + 1500;
      const to = ends[i]! - 200;
      await eventually('Prometheus has scraped past the step', async () => ((await promValue(`timestamp(up{instance="${t.dataPlane.metricsAddress}"})`)) ?? 0) * 1000 > to + 1000 || undefined, GUARD_MS);
      const v1 = await answered(t, 'cart-v1', from, to);
      const v2 = await answered(t, 'cart-v2', from, to);
      expect(v1 + v2, `requests in step ${step.weight}`).toBeGreaterThan(200);
      expect(Math.abs((v2 / (v1 + v2)) * 100 - step.weight), `measured ${((v2 / (v1 + v2)) * 100).toFixed(2)} % at weight ${step.weight}`).toBeLessThanOrEqual(3);
    }
  });

  it('errors on "to" (30%) after reaching 50: rolls back after failureThreshold intervals, gradually through 25 to 0; exit 1 names the check and its value', async () => {
    await createVirtualService('pay');
    const t = await startTraffic('pay');
    const file = shiftFile('pay', { interval: '4s', gates: gates({ window: '4s' }), rollback: { mode: 'gradual', steps: [75, 25, 0], interval: '2s' } });
    const run = startRun(file);
    await waitForWeight('pay', 50);
    t.dataPlane.setFaults('to', { errorRate: 0.3 });
    const res = await run.done;
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/failed checks \(1\/2\): request-success-rate [\d.]+ < min 99: fail/);
    expect(res.stderr).toMatch(/failed checks: request-success-rate [\d.]+ < min 99: fail/);
    const s = (await shiftState('pay'))!;
    expect(s.phase).toBe('RolledBack');
    // 75 is above 50, so it is skipped; 25 then 0.
    expect(s.history.map((h) => [h.weight, h.why]).slice(-3)).toEqual([[50, 'advance'], [25, 'rollback'], [0, 'rollback']]);
    expect(s.failedChecks).toBe(2);
    expect(s.rollback?.failed[0]?.value).toBeLessThan(99);
    expect(routeWeights(await liveVirtualService('pay'))).toEqual([100, 0]);
  });

  it('errors on "to" (30%) from the start with an instant rollback: straight to 0, the failed value near 70', async () => {
    await createVirtualService('inst');
    await startTraffic('inst', { to: { errorRate: 0.3 } });
    const file = shiftFile('inst', { steps: [20, 100], interval: '4s', gates: gates({ window: '4s' }), rollback: { mode: 'instant' } });
    const res = await startRun(file).done;
    expect(res.code, res.stderr).toBe(1);
    const s = (await shiftState('inst'))!;
    expect(s.phase).toBe('RolledBack');
    expect(s.history.map((h) => [h.weight, h.why])).toEqual([[20, 'start'], [0, 'rollback']]);
    const value = s.rollback!.failed[0]!.value!;
    expect(Math.abs(value - 70), `success rate ${value}`).toBeLessThanOrEqual(3);
    expect(res.stderr).toContain(`request-success-rate ${s.rollback!.failed[0]!.text.split(' ')[1]} < min 99: fail`);
    expect(routeWeights(await liveVirtualService('inst'))).toEqual([100, 0]);
  });

  it('Prometheus killed mid-shift: the shift holds and says so, then goes on when Prometheus returns', async () => {
    await createVirtualService('hold');
    await startTraffic('hold');
    // A long interval, so a starved test process still kills Prometheus before the first check at 50 is due.
    const file = shiftFile('hold', { steps: [50, 100], interval: '8s', gates: gates({ consecutiveErrorLimit: 1000 }) });
    const run = startRun(file);
    let killed = false;
    let restarted = false;
    const restart = async () => {
      if (!killed || restarted) return;
      restarted = true;
      // The same data folder, a new port behind the same address.
      prom = await startPrometheus({ dir: path.join(parent, 'prometheus') });
      proxy.upstream = portOf(prom.url);
    };
    try {
      const at50 = await waitForWeight('hold', 50);
      expect(at50.weight, 'the shift went past 50 before the test saw it').toBe(50);
      process.kill(-prom.record.pid, 'SIGKILL');
      killed = true;
      const held = await eventually('the shift holds on a Prometheus error, or ends', async () => {
        const s = await shiftState('hold');
        return s?.phase === 'Holding' || (s && isTerminal(s.phase)) ? s : undefined;
      }, GUARD_MS);
      expect(held.phase, `shift run's output so far:\n${run.stderr()}`).toBe('Holding');
      // The run writes Holding into the TrafficShift before it prints the line: wait for the line, do not race it.
      const says = /hold: holding at weight 50: Prometheus error 1\/1000 in a row \(not a failed check\): .*unreachable/;
      await eventually('the run says it holds on the Prometheus error', () => (says.test(run.stderr()) ? true : undefined), GUARD_MS).catch(() => undefined);
      expect(run.stderr()).toMatch(says);
      expect((await shiftState('hold'))?.weight).toBe(50);
      await restart();
      const res = await run.done;
      expect(res.code, res.stderr).toBe(0);
      const s = (await shiftState('hold'))!;
      expect(s.phase).toBe('Succeeded');
      expect(weightsOf(s)).toEqual([50, 100]);
    } finally {
      // Later tests need Prometheus whatever happened here.
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await restart();
    }
  });

  it('no data past maxHold: the shift fails and rolls back', async () => {
    await createVirtualService('ghost');
    const file = shiftFile('ghost', { steps: [50, 100], interval: '2s', gates: gates({ workload: { namespace: NS, name: 'nobody' }, noData: { verdict: 'hold', maxHold: '4s' } }) });
    const res = await startRun(file).done;
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/hold: holding at weight 50: no data for \d+ s of at most 4 s: request-success-rate: no data/);
    const s = (await shiftState('ghost'))!;
    expect(s.phase).toBe('Failed');
    expect(s.message).toMatch(/^failed to weight 0: no data for \d+ s \(maxHold 4 s\)/);
    expect(weightsOf(s)).toEqual([50, 0]);
    expect(routeWeights(await liveVirtualService('ghost'))).toEqual([100, 0]);
  });

  it('Ctrl-C exits 130 with the state consistent; SIGKILL mid-step too; run again continues from the live weights to the same end', async () => {
    await createVirtualService('crash');
    await startTraffic('crash');
    const file = shiftFile('crash', { interval: '3s', gates: gates() });
    const first = startRun(file);
    await waitForWeight('crash', 10);
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toContain('Run "meshferry shift run');
    expect(interrupted.stderr).toContain('again to continue from the live weights');
    const atInterrupt = (await shiftState('crash'))!;
    expect(atInterrupt.pendingWeight).toBeUndefined();
    expect(routeWeights(await liveVirtualService('crash'))[1]).toBe(atInterrupt.weight);

    const second = startRun(file);
    await waitForWeight('crash', Math.max(25, (atInterrupt.weight ?? 0) + 1));
    second.child.kill('SIGKILL');
    await second.done;
    // Killed between any two records: the live weight is the one recorded, or the one it was about to write.
    const live = routeWeights(await liveVirtualService('crash'))[1]!;
    const atKill = (await shiftState('crash'))!;
    expect([atKill.weight, atKill.pendingWeight]).toContain(live);

    const third = await startRun(file).done;
    expect(third.code, third.stderr).toBe(0);
    const s = (await shiftState('crash'))!;
    expect(s.phase).toBe('Succeeded');
    // Every step once, in order: nothing redone, nothing skipped.
    expect(weightsOf(s)).toEqual([10, 25, 50, 100]);
    expect(routeWeights(await liveVirtualService('crash'))).toEqual([0, 100]);
  });

  it("a person's edit mid-shift pauses it, naming the object and the field; resume continues from the edited weight", async () => {
    await createVirtualService('edit');
    // A long enough interval that a starved test process still edits before the shift's next step.
    const file = shiftFile('edit', { steps: [25, 50, 100], interval: '6s' });
    const run = startRun(file);
    await waitForWeight('edit', 25);
    const vs = await liveVirtualService('edit');
    await client.patch(vsResource, NS, 'edit', [
      { op: 'test', path: '/metadata/resourceVersion', value: vs.metadata.resourceVersion },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 60 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 40 },
    ], 'json', { fieldManager: 'kubectl-edit' });
    const paused = await eventually('the shift pauses', async () => {
      const s = await shiftState('edit');
      return s?.phase === 'Paused' ? s : undefined;
    }, GUARD_MS);
    expect(paused.message).toMatch(/^someone else changed the weights: east\/VirtualService shop\/edit spec\.http\[0\] \(route "main"\) is 40 \(meshferry last set 25\)/);
    // The run records the pause, then prints it: a starved run may print a moment after the status shows it.
    await eventually('shift run prints the pause', () => (run.stderr().includes('paused: someone else changed the weights: east/VirtualService shop/edit') ? true : undefined), GUARD_MS);
    expect(routeWeights(await liveVirtualService('edit'))).toEqual([60, 40]);
    // shift status: a table for people, the status as JSON for scripts; exit 0 while the shift is not over.
    const table = await runCliAsync(['shift', 'status', 'edit', '-n', NS, ...kube()]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+PHASE\s+WEIGHT\s+FAILED CHECKS\s+ERRORS\n/i);
    expect(table.stdout).toMatch(new RegExp(`${NS}/edit\\s+Paused\\s+25\\s+0\\s+0`));
    expect(table.stdout).toContain('someone else changed the weights: east/VirtualService shop/edit');
    expect(table.stdout).toMatch(/weights written:\n\s+\S+\s+25\s+\(start\)/);
    const json = await runCliAsync(['shift', 'status', 'edit', '-n', NS, '-o', 'json', ...kube()]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: `${NS}/edit`, phase: 'Paused', weight: 25 });

    const resume = await runCliAsync(['shift', 'resume', 'edit', '-n', NS, ...kube()]);
    expect(resume.code, resume.stderr).toBe(0);
    const res = await run.done;
    expect(res.code, res.stderr).toBe(0);
    const s = (await shiftState('edit'))!;
    expect(weightsOf(s)).toEqual([25, 50, 100]);
    expect(routeWeights(await liveVirtualService('edit'))).toEqual([0, 100]);
  });

  it('bad files exit 2 with file:line: sum of weights 0, an unknown metric, a step above 100, a host that is in no route', async () => {
    await createVirtualService('bad');
    const cases: [Partial<TrafficShiftSpec>, RegExp][] = [
      [{ steps: [0, 0] }, /bad\.yaml:\d+:\d+: the sum of the step weights is 0/],
      [{ gates: gates({ checks: [{ metric: 'request-sucess-rate', min: 99 }] }) }, /bad\.yaml:\d+:\d+: unknown metric "request-sucess-rate" \(did you mean request-success-rate\?\)/],
      [{ steps: [10, 150] }, /bad\.yaml:\d+:\d+: must be at most 100, not 150 \(at spec\.steps\[1\]\)/],
      [{ router: { virtualService: { targets: [{ context: CTX, name: 'bad' }], from: { host: 'bad-v1' }, to: { host: 'nowhere' } } } }, /bad\.yaml:\d+:\d+: east\/VirtualService shop\/bad.*nowhere/s],
    ];
    for (const [spec, message] of cases) {
      const file = shiftFile('bad', spec);
      for (const verb of ['plan', 'run']) {
        const res = await runCliAsync(['shift', verb, file, ...kube()]);
        expect(res.code, `${verb}: ${res.stderr}`).toBe(2);
        expect(res.stderr).toMatch(message);
        expect(hasStackTrace(res.stderr)).toBe(false);
      }
    }
    expect(routeWeights(await liveVirtualService('bad'))).toEqual([100, 0]);
  });
});
