// `shift run` end to end on the other routers, in one two-cluster lab with a real Prometheus scraping `lab traffic`:
// lbWeight (two ACK gateway Services sharing one CLB id), httpRoute (Gateway API), and a VirtualService pair in two
// clusters. Each: a healthy 0 → 100 with the split Prometheus measured at each step, a rollback, a person's edit,
// and SIGKILL then run again. Nothing here waits on the clock: every wait is for an exact state.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServedResource } from '../../src/kube/discovery.js';
import type { ObjectClient } from '../../src/kube/object-client.js';
import { killLabNow, startLab } from '../../src/lab/index.js';
import type { Lab } from '../../src/lab/index.js';
import type { KubeObject } from '../../src/resources/object.js';
import type { Faults } from '../../src/traffic/dataplane/backend.js';
import { startLabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import type { LabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import { startPrometheus } from '../../src/traffic/prometheus-process.js';
import type { RunningPrometheus } from '../../src/traffic/prometheus-process.js';
import { KubeconfigClusterSet } from '../../src/traffic/routers/cluster-set.js';
import { createRouter } from '../../src/traffic/routers/create-router.js';
import type { RouterSpec } from '../../src/traffic/routers/spec.js';
import type { ShiftState } from '../../src/traffic/shift/decide.js';
import type { TrafficShiftSpec } from '../../src/traffic/shift/spec.js';
import { TrafficShiftStore, statusToState } from '../../src/traffic/shift/store.js';
import { hasStackTrace, runCliAsync, startCli } from '../support/cli.js';
import type { CliResult, RunningCli } from '../support/cli.js';
import { eventually } from './lab-kubectl.js';

const CLUSTERS = ['east', 'west'] as const;
/** Where the TrafficShift objects live, and the single-cluster routers' objects. */
const HOME = 'east';
const NS = 'shop';
const ACK = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';
const CLB = 'lb-lab0001';
// A hang guard for polls, not a speed limit: a loaded two-core machine is slow, never this slow.
const GUARD_MS = 300_000;

let lab: Lab;
let failed = false;
let people: KubeconfigClusterSet;
let routers: KubeconfigClusterSet;
let prom: RunningPrometheus;
const traffic: LabTraffic[] = [];
const runs: ChildProcess[] = [];
const parent = mkdtempSync(path.join(os.tmpdir(), 'shift-routers-'));
const dir = path.join(parent, 'lab');
const killOnExit = () => killLabNow(dir);
process.on('exit', killOnExit);

beforeAll(async () => {
  lab = await startLab({ dir, clusters: [...CLUSTERS], revisions: ['default'], log: (m) => process.stderr.write(`${m}\n`) });
  people = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  routers = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  for (const ctx of CLUSTERS) {
    const c = await people.client(ctx);
    await c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, { fieldManager: 'kubectl-create' });
  }
  // The gateways' routes: one Istio Gateway selects the pods of both gateway Services, so they serve the same hosts.
  await (await people.client(HOME)).create(istioGateway(), { fieldManager: 'kubectl-create' });
  prom = await startPrometheus({ dir: path.join(parent, 'prometheus') });
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
  // One data plane at a time: load left running would slow every later test's answers (and smear its splits).
  for (const s of samplers.splice(0)) clearInterval(s);
  for (const t of traffic.splice(0)) await t.stop();
}, GUARD_MS);

afterAll(async () => {
  for (const r of runs) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL');
  for (const t of traffic.splice(0)) await t.stop();
  await prom?.stop();
  people?.close();
  routers?.close();
  await lab?.stop({ purge: !failed });
  if (!failed) rmSync(parent, { recursive: true, force: true });
  process.off('exit', killOnExit);
});

// ---- the three routers, behind one shape ----------------------------------------------------------------------------

type Raw = { from: number; to: number };

/** One router kind as the tests drive it: its objects, its spec, and how a person reads and edits its weights. */
interface Subject {
  /** Creates the objects holding shift `name`'s weights (all on "from"), in every cluster the router spans. */
  create(name: string): Promise<void>;
  router(name: string): RouterSpec;
  /** The raw weights of every target, read straight from the objects (targets in the router's order). */
  raw(name: string): Promise<Raw[]>;
  /** A person's edit of target `index`'s weights (kubectl's field manager). */
  edit(name: string, raw: Raw, index: number): Promise<void>;
  /** Target `index` as `shift run` names it: the object and the field. */
  target(name: string, index: number): string;
  /** The PromQL selector of the requests one side answered, as the data plane reports them. */
  answered(name: string, side: 'from' | 'to'): string;
  /** How many targets there are. */
  readonly targets: number;
}

async function resourceOf(c: ObjectClient, group: string, kind: string): Promise<ServedResource> {
  const r = c.discovery.resourceFor(group, kind);
  if (!r) throw new Error(`${group} ${kind} is not served`);
  return r;
}

async function getObject(ctx: string, group: string, kind: string, name: string): Promise<KubeObject> {
  const c = await people.client(ctx);
  const obj = await c.get(await resourceOf(c, group, kind), NS, name);
  if (!obj) throw new Error(`${ctx} ${kind} ${NS}/${name} is gone`);
  return obj;
}

async function jsonPatch(ctx: string, group: string, kind: string, name: string, ops: { op: 'replace' | 'add'; path: string; value: unknown }[]): Promise<void> {
  const c = await people.client(ctx);
  const obj = await getObject(ctx, group, kind, name);
  await c.patch(await resourceOf(c, group, kind), NS, name, [{ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }, ...ops], 'json', { fieldManager: 'kubectl-edit' });
}

function istioGateway(): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'ingress', namespace: NS },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example'] }] },
  };
}

function gatewayService(name: string, weight: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: NS,
      labels: { app: name },
      annotations: { [`${ACK}id`]: CLB, [`${ACK}vgroup-port`]: `rsp-${name}:80`, [`${ACK}force-override-listeners`]: 'false', [`${ACK}weight`]: String(weight) },
    },
    spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway', app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

const WEIGHT_KEY = `${ACK}weight`;

const lbWeight: Subject = {
  targets: 1,
  async create(name) {
    const c = await people.client(HOME);
    await c.create(gatewayService(`${name}-old`, 100), { fieldManager: 'kubectl-create' });
    await c.create(gatewayService(`${name}-new`, 0), { fieldManager: 'kubectl-create' });
  },
  router: (name) => ({ lbWeight: { provider: 'ack', from: { context: HOME, service: `${NS}/${name}-old` }, to: { context: HOME, service: `${NS}/${name}-new` } } }),
  async raw(name) {
    const weight = async (svc: string) => Number((await getObject(HOME, '', 'Service', svc)).metadata.annotations?.[WEIGHT_KEY]);
    return [{ from: await weight(`${name}-old`), to: await weight(`${name}-new`) }];
  },
  async edit(name, raw) {
    const op = (value: number) => ({ op: 'replace' as const, path: `/metadata/annotations/${WEIGHT_KEY.replace(/\//g, '~1')}`, value: String(value) });
    await jsonPatch(HOME, '', 'Service', `${name}-new`, [op(raw.to)]);
    await jsonPatch(HOME, '', 'Service', `${name}-old`, [op(raw.from)]);
  },
  target: (name) => `${HOME}/Service ${NS}/${name}-new metadata.annotations["${WEIGHT_KEY}"] (with ${HOME}/Service ${NS}/${name}-old)`,
  // A gateway reports its own requests: reporter="source", itself the source workload.
  answered: (name, side) => `reporter="source",source_workload="${name}-${side === 'from' ? 'old' : 'new'}"`,
};

function httpRouteObject(name: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: {
      parentRefs: [{ name: 'shop-gateway' }],
      hostnames: ['shop.example'],
      rules: [
        {
          name: 'main',
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-shift', value: 'meshferry' }] } }],
          backendRefs: [
            { name: `${name}-v1`, port: 80, weight: 100 },
            { name: `${name}-v2`, port: 80, weight: 0 },
          ],
        },
      ],
    },
  };
}

const HR = ['gateway.networking.k8s.io', 'HTTPRoute'] as const;

const httpRoute: Subject = {
  targets: 1,
  async create(name) {
    await (await people.client(HOME)).create(httpRouteObject(name), { fieldManager: 'kubectl-create' });
  },
  router: (name) => ({ httpRoute: { targets: [{ context: HOME, name }], from: { backendRef: `${name}-v1` }, to: { backendRef: `${name}-v2` } } }),
  async raw(name) {
    const spec = (await getObject(HOME, ...HR, name)).spec as { rules: { backendRefs: { weight: number }[] }[] };
    const refs = spec.rules[0]!.backendRefs;
    return [{ from: refs[0]!.weight, to: refs[1]!.weight }];
  },
  async edit(name, raw) {
    await jsonPatch(HOME, ...HR, name, [
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: raw.from },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: raw.to },
    ]);
  },
  target: (name) => `${HOME}/HTTPRoute ${NS}/${name} spec.rules[0] (rule "main")`,
  answered: (name, side) => `reporter="source",destination_workload="${name}-${side === 'from' ? 'v1' : 'v2'}"`,
};

const VS = ['networking.istio.io', 'VirtualService'] as const;
/** West names "to" in its own terms, as in the issue's example (the same workload across the mesh). */
const toHostIn = (ctx: string, name: string) => (ctx === 'west' ? `${name}-v2.${NS}.global` : `${name}-v2`);

function virtualService(ctx: string, name: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: NS },
    spec: {
      hosts: [name],
      http: [
        {
          name: 'main',
          retries: { attempts: 3, perTryTimeout: '2s' },
          route: [
            { destination: { host: `${name}-v1` }, weight: 100 },
            { destination: { host: toHostIn(ctx, name) }, weight: 0 },
          ],
        },
      ],
    },
  };
}

const vsPair: Subject = {
  targets: CLUSTERS.length,
  async create(name) {
    for (const ctx of CLUSTERS) await (await people.client(ctx)).create(virtualService(ctx, name), { fieldManager: 'kubectl-create' });
  },
  router: (name) => ({
    virtualService: {
      targets: CLUSTERS.map((ctx) => ({ context: ctx, name, ...(ctx === 'west' ? { to: { host: toHostIn(ctx, name) } } : {}) })),
      from: { host: `${name}-v1` },
      to: { host: `${name}-v2` },
    },
  }),
  async raw(name) {
    const out: Raw[] = [];
    for (const ctx of CLUSTERS) {
      const spec = (await getObject(ctx, ...VS, name)).spec as { http: { route: { weight: number }[] }[] };
      out.push({ from: spec.http[0]!.route[0]!.weight, to: spec.http[0]!.route[1]!.weight });
    }
    return out;
  },
  async edit(name, raw, index) {
    await jsonPatch(CLUSTERS[index]!, ...VS, name, [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: raw.from },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: raw.to },
    ]);
  },
  target: (name, index) => `${CLUSTERS[index]!}/VirtualService ${NS}/${name} spec.http[0] (route "main")`,
  answered: (name, side) => `reporter="source",destination_workload="${name}-${side === 'from' ? 'v1' : 'v2'}"`,
};

// ---- shift files, runs, state -------------------------------------------------------------------------------------

const SUCCESS = { metric: 'request-success-rate', min: 99 };
const gates = (over: Record<string, unknown> = {}) => ({ prometheus: { address: prom.url }, checks: [SUCCESS], window: '4s', failureThreshold: 2, ...over });

function shiftFile(subject: Subject, name: string, spec: Partial<TrafficShiftSpec>): string {
  const doc = {
    apiVersion: 'meshferry.dev/v1alpha1',
    kind: 'TrafficShift',
    metadata: { name, namespace: NS },
    spec: { router: subject.router(name), steps: [10, 25, 50, 100], interval: '3s', ...spec },
  };
  const file = path.join(parent, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

const kube = () => ['--kubeconfig', lab.kubeconfigPath, '--context', HOME];

function startRun(file: string, extra: readonly string[] = []): RunningCli {
  const run = startCli(['shift', 'run', file, ...kube(), ...extra]);
  runs.push(run.child);
  return run;
}

let store: TrafficShiftStore | undefined;
async function shiftState(name: string): Promise<ShiftState | undefined> {
  const c = await people.client(HOME);
  store ??= await TrafficShiftStore.open(c, NS, name);
  const obj = await c.get(store.resource, NS, name);
  return obj ? statusToState(obj.status) : undefined;
}

async function waitForState(what: string, ok: (s: ShiftState) => boolean, name: string): Promise<ShiftState> {
  return eventually(`shift ${name}: ${what}`, async () => {
    const s = await shiftState(name);
    return s && ok(s) ? s : undefined;
  }, GUARD_MS);
}

const steps = (s: ShiftState) => s.history.map((h) => [h.weight, h.why]);
const rawFor = (to: number): Raw => ({ from: 100 - to, to });

/** Each weight `shift run` wrote, with the weights it read back from every target right after. */
function writesIn(stderr: string): { weight: number; lines: string[] }[] {
  const out: { weight: number; lines: string[] }[] = [];
  for (const line of stderr.split('\n')) {
    const head = /^(?:start|step|rollback|promote|finish an interrupted write): weight of "to" → (\d+)$/.exec(line);
    if (head) out.push({ weight: Number(head[1]), lines: [] });
    else if (line.startsWith('  ') && out.length > 0 && / \/ to \d+$/.test(line)) out.at(-1)!.lines.push(line.trim());
  }
  return out;
}

// ---- lab traffic and Prometheus -------------------------------------------------------------------------------------

/**
 * A running `lab traffic` for a shift; every split it switched to, with when (its own clock) and how many requests
 * it had sent by then; and, sampled every 50 ms, how many it had sent and how many had ended (answered or not).
 */
interface Traffic {
  t: LabTraffic;
  changes: { at: number; to: number; sent?: number }[];
  progress: { at: number; sent: number; ended: number }[];
}

const samplers: NodeJS.Timeout[] = [];

function totals(t: LabTraffic): { sent: number; ended: number } {
  const s = t.dataPlane.stats();
  const answered = (side: 'from' | 'to') => Object.values(s.answered[side]).reduce((a, b) => a + b, 0);
  return { sent: s.sent.from + s.sent.to, ended: answered('from') + answered('to') + s.failed.from + s.failed.to };
}

async function startTraffic(subject: Subject, name: string, faults: Partial<Record<'from' | 'to', Faults>> = {}): Promise<Traffic> {
  const router = subject.router(name);
  const changes: Traffic['changes'] = [];
  const progress: Traffic['progress'] = [];
  let started: LabTraffic | undefined;
  const t = await startLabTraffic({
    targetsDir: prom.targetsDir,
    shift: { name, namespace: NS },
    router,
    reader: createRouter(router, routers, { namespace: NS }),
    rps: 200,
    faults,
    pollMs: 200,
    onChange: (split) => changes.push({ at: Date.now(), to: split.to, ...(started ? { sent: totals(started).sent } : {}) }),
  });
  started = t;
  traffic.push(t);
  const sampler = setInterval(() => progress.push({ at: Date.now(), ...totals(t) }), 50);
  sampler.unref();
  samplers.push(sampler);
  await eventually(`Prometheus scrapes the data plane of ${name}`, async () => ((await promQuery(`up{instance="${t.dataPlane.metricsAddress}"}`))[0]?.value?.[1] === '1' ? true : undefined), GUARD_MS);
  return { t, changes, progress };
}

interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

async function promQuery(query: string): Promise<PromSeries[]> {
  const url = new URL('/api/v1/query', prom.url);
  url.searchParams.set('query', query);
  try {
    const body = (await (await fetch(url)).json()) as { data?: { result?: PromSeries[] } };
    return body.data?.result ?? [];
  } catch {
    return [];
  }
}

/**
 * The requests one side answered between two instants, from the raw samples Prometheus stored: the first sample
 * scraped after `from` and the last scraped before `to`. Raw samples, not values at instants, so a late scrape
 * can only shorten the window, never move counts of another split into it. A counter first scraped inside the
 * window was born there (the side had no traffic before): it counts from 0. Undefined: too few scrapes inside.
 */
function answeredBetween(samples: Map<number, number>, from: number, to: number): number | undefined {
  const times = [...samples.keys()].sort((a, b) => a - b);
  const inside = times.filter((ts) => ts >= from && ts <= to);
  if (times.every((ts) => ts > to)) return 0;
  const born = times[0]! >= from;
  if (inside.length < (born ? 1 : 2)) return undefined;
  return samples.get(inside.at(-1)!)! - (born ? 0 : samples.get(inside[0]!)!);
}

/** Every stored sample of one side's request counter (summed over response codes), by scrape time in ms. */
async function counterSamples(t: LabTraffic, selector: string): Promise<Map<number, number>> {
  const series = await promQuery(`istio_requests_total{instance="${t.dataPlane.metricsAddress}",${selector}}[1h]`);
  const byTime = new Map<number, number>();
  for (const s of series) for (const [ts, v] of s.values ?? []) byTime.set(Math.round(ts * 1000), (byTime.get(Math.round(ts * 1000)) ?? 0) + Number(v));
  return byTime;
}

/**
 * The split Prometheus measured at each weight the shift wrote. A step's window runs from the moment every request
 * sent before the data plane switched to that weight had ended (a backlog of them is counted when answered), to its
 * next switch, each end moved half a second inward for a scrape that began before an instant and was answered
 * after it. A test process starved at any point only shortens a window.
 */
async function measuredSplits(subject: Subject, name: string, tr: Traffic, s: ShiftState): Promise<{ weight: number; measured: number; requests: number }[]> {
  const out: { weight: number; measured: number; requests: number }[] = [];
  let searchFrom = 0;
  const windows: { weight: number; from: number; to: number }[] = [];
  for (const step of s.history) {
    const i = tr.changes.findIndex((c, k) => k >= searchFrom && c.to === step.weight);
    expect(i, `lab traffic switched to ${step.weight} (its changes: ${JSON.stringify(tr.changes.map((c) => c.to))})`).toBeGreaterThanOrEqual(0);
    const end = tr.changes[i + 1]?.at ?? Date.now();
    const change = tr.changes[i]!;
    const drained = change.sent === undefined ? change.at : tr.progress.find((p) => p.at >= change.at && p.ended >= change.sent!)?.at;
    expect(drained, `the requests sent before the switch to ${step.weight} ended`).toBeDefined();
    windows.push({ weight: step.weight, from: drained! + 500, to: end - 500 });
    searchFrom = i + 1;
  }
  const last = windows.at(-1)!;
  await eventually('Prometheus has scraped past the last step', async () => ([...(await counterSamples(tr.t, subject.answered(name, 'to'))).keys()].some((ts) => ts > last.to) ? true : undefined), GUARD_MS);
  const fromSamples = await counterSamples(tr.t, subject.answered(name, 'from'));
  const toSamples = await counterSamples(tr.t, subject.answered(name, 'to'));
  for (const w of windows) {
    const a = answeredBetween(fromSamples, w.from, w.to);
    const b = answeredBetween(toSamples, w.from, w.to);
    expect(a !== undefined && b !== undefined, `two scrapes inside the step at ${w.weight}`).toBe(true);
    out.push({ weight: w.weight, measured: ((b! / (a! + b!)) * 100), requests: a! + b! });
  }
  return out;
}

// ---- the cases, shared by every router ------------------------------------------------------------------------------

/** A healthy 0 → 100: every step written once, and the split Prometheus measured at each within ±3 points. */
async function healthyShift(subject: Subject, name: string): Promise<{ res: CliResult; state: ShiftState }> {
  await subject.create(name);
  const tr = await startTraffic(subject, name);
  const file = shiftFile(subject, name, { interval: '6s', gates: gates() });
  const res = await startRun(file).done;
  expect(res.code, res.stderr).toBe(0);
  expect(hasStackTrace(res.stderr)).toBe(false);
  const state = (await shiftState(name))!;
  expect(state.phase).toBe('Succeeded');
  expect(steps(state)).toEqual([[10, 'start'], [25, 'advance'], [50, 'advance'], [100, 'advance']]);
  expect(await subject.raw(name)).toEqual(Array.from({ length: subject.targets }, () => rawFor(100)));
  for (const m of await measuredSplits(subject, name, tr, state)) {
    expect(m.requests, `requests measured at weight ${m.weight}`).toBeGreaterThan(100);
    expect(Math.abs(m.measured - m.weight), `measured ${m.measured.toFixed(2)} % at weight ${m.weight}; lab traffic's splits: ${tr.changes.map((c) => `${c.to}@${c.at - tr.changes[0]!.at}`).join(' ')}; steps: ${state.history.map((h) => `${h.weight}@${h.at - tr.changes[0]!.at}`).join(' ')}`).toBeLessThanOrEqual(3);
  }
  return { res, state };
}

/**
 * A person's edit while the shift sits at 25 pauses it, naming the object and field; resume adopts the edited
 * weight, and promote ends it at 100. The interval is long so that the shift cannot move on by itself, however slow
 * the test is; the edit is judged against the state read right before it.
 */
async function editPauses(subject: Subject, name: string, index: number): Promise<void> {
  await subject.create(name);
  // It still looks at the objects and its requests every half second.
  const run = startRun(shiftFile(subject, name, { steps: [25, 50, 100], interval: '10m' }), ['--poll-ms', '500']);
  await waitForState('at weight 25', (s) => s.weight === 25 && s.pendingWeight === undefined, name);
  await subject.edit(name, { from: 60, to: 40 }, index);
  const paused = await waitForState('paused', (s) => s.phase === 'Paused', name);
  const others = Array.from({ length: subject.targets }, (_, i) => i).filter((i) => i !== index);
  expect(paused.message).toMatch(new RegExp(`^someone else changed the weights: ${escape(subject.target(name, index))} is 40 \\(meshferry last set 25\\)`));
  for (const i of others) expect(paused.message).not.toContain(subject.target(name, i));
  await eventually('shift run says it paused', () => (run.stderr().includes(`paused: someone else changed the weights: ${subject.target(name, index)}`) ? true : undefined), GUARD_MS);
  // Nothing was overwritten.
  expect((await subject.raw(name))[index]).toEqual({ from: 60, to: 40 });

  if (subject.targets > 1) {
    // Resume refuses while the clusters disagree; a person brings them together first.
    for (const i of others) await subject.edit(name, { from: 60, to: 40 }, i);
  }
  const resume = await runCliAsync(['shift', 'resume', name, '-n', NS, ...kube()]);
  expect(resume.code, resume.stderr).toBe(0);
  await waitForState('resumed at the edited weight', (s) => s.phase === 'Progressing' && s.weight === 40, name);
  const promote = await runCliAsync(['shift', 'promote', name, '-n', NS, ...kube()]);
  expect(promote.code, promote.stderr).toBe(0);
  const res = await run.done;
  expect(res.code, res.stderr).toBe(0);
  const s = (await shiftState(name))!;
  expect(s.phase).toBe('Succeeded');
  expect(steps(s)).toEqual([[25, 'start'], [100, 'promote']]);
  expect(await subject.raw(name)).toEqual(Array.from({ length: subject.targets }, () => rawFor(100)));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * SIGKILL once the shift is past 25, wherever it is; the weights then live are those recorded (or, on each side,
 * those of the write it was about to make); run again ends at 100 with every step written once.
 */
async function killAndRunAgain(subject: Subject, name: string): Promise<void> {
  await subject.create(name);
  const file = shiftFile(subject, name, { interval: '2s' });
  const first = startRun(file);
  await waitForState('at weight 25 or more', (s) => (s.weight ?? 0) >= 25, name);
  first.child.kill('SIGKILL');
  await first.done;
  const atKill = (await shiftState(name))!;
  const allowed = [atKill.weight, atKill.pendingWeight].filter((w): w is number => w !== undefined);
  for (const raw of await subject.raw(name)) {
    expect(allowed.map((w) => 100 - w), `"from" ${raw.from} at the kill, state ${JSON.stringify(allowed)}`).toContain(raw.from);
    expect(allowed, `"to" ${raw.to} at the kill`).toContain(raw.to);
  }
  const again = await startRun(file).done;
  expect(again.code, again.stderr).toBe(0);
  const s = (await shiftState(name))!;
  expect(s.phase).toBe('Succeeded');
  expect(s.history.map((h) => h.weight)).toEqual([10, 25, 50, 100]);
  expect(await subject.raw(name)).toEqual(Array.from({ length: subject.targets }, () => rawFor(100)));
}

// ---- the tests ------------------------------------------------------------------------------------------------------

describe('shift run on lbWeight: two ACK gateway Services sharing one CLB', () => {
  it('a healthy shift goes 0 → 100; the split the gateways reported, as Prometheus measured it, matches each step within ±3 points', async () => {
    const { res } = await healthyShift(lbWeight, 'gw-ok');
    expect(res.stderr).toContain(`step: weight of "to" → 25\n  ${lbWeight.target('gw-ok', 0)}: from 75 / to 25`);
  });

  it('every request through the new gateway answers 404: the success rate passes, the check counting 404s fails, and the shift rolls back to 100 / 0', async () => {
    const name = 'gw-404';
    await lbWeight.create(name);
    await startTraffic(lbWeight, name, { to: { status: 404 } });
    const notFound = { name: 'not-found', query: 'sum(rate(istio_requests_total{reporter="source",source_workload="{{ workload }}",response_code="404"}[{{ interval }}])) or vector(0)', max: 1 };
    const file = shiftFile(lbWeight, name, { steps: [20, 100], interval: '4s', gates: gates({ checks: [SUCCESS, notFound] }), rollback: { mode: 'instant' } });
    const res = await startRun(file).done;
    expect(res.code, res.stderr).toBe(1);
    const s = (await shiftState(name))!;
    expect(s.phase).toBe('RolledBack');
    expect(steps(s)[0]).toEqual([20, 'start']);
    expect(steps(s).at(-1)).toEqual([0, 'rollback']);
    expect(s.rollback?.failed.map((c) => c.name)).toEqual(['not-found']);
    expect(s.rollback!.failed[0]!.value).toBeGreaterThan(1);
    // 404 is not a 5xx: the success-rate check alone would have let this gateway take all the traffic.
    expect(s.checks.find((c) => c.name === 'request-success-rate')?.verdict).toBe('pass');
    expect(res.stderr).toMatch(/failed checks: not-found [\d.]+ > max 1: fail/);
    expect(await lbWeight.raw(name)).toEqual([rawFor(0)]);
  });

  it("a person's edit of the weight annotations pauses the shift, naming the Service and the annotation; resume adopts it", async () => {
    await editPauses(lbWeight, 'gw-edit', 0);
  });

  it('SIGKILL mid-shift, then run again: the same end, every step once', async () => {
    await killAndRunAgain(lbWeight, 'gw-kill');
  });

  it('a crash between the two annotation writes (the new gateway moved, the old one not yet) is finished by run again, not taken for an edit', async () => {
    const name = 'gw-half';
    await lbWeight.create(name);
    // A long interval: the shift sits at 10 until the test has killed it, however slow the test is.
    const first = startRun(shiftFile(lbWeight, name, { interval: '1h' }));
    await waitForState('at weight 10', (s) => s.weight === 10 && s.pendingWeight === undefined, name);
    first.child.kill('SIGKILL');
    await first.done;
    // What the runner leaves when killed inside router.write(25): the intent recorded, then the Service whose
    // weight grows written first ("to" 25), and "from" still at 90.
    const st = await TrafficShiftStore.open(await people.client(HOME), NS, name);
    const stored = await st.load();
    await st.save({ ...stored.state, pendingWeight: 25 }, stored.generation);
    const svc = await resourceOf(await people.client(HOME), '', 'Service');
    await (await people.client(HOME)).patch(svc, NS, `${name}-new`, { metadata: { annotations: { [WEIGHT_KEY]: '25' } } }, 'merge', { fieldManager: 'meshferry' });
    expect(await lbWeight.raw(name)).toEqual([{ from: 90, to: 25 }]);

    const again = await startRun(shiftFile(lbWeight, name, { interval: '2s' })).done;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`finish an interrupted write: weight of "to" → 25\n  ${lbWeight.target(name, 0)}: from 75 / to 25`);
    expect(again.stderr).not.toContain('someone else changed the weights');
    const s = (await shiftState(name))!;
    expect(s.phase).toBe('Succeeded');
    expect(s.history.map((h) => h.weight)).toEqual([10, 25, 50, 100]);
    expect(await lbWeight.raw(name)).toEqual([rawFor(100)]);
  });
});

describe('shift run on httpRoute (Gateway API)', () => {
  it('a healthy shift goes 0 → 100; the split Prometheus measured matches each step within ±3 points; the rule keeps its other fields', async () => {
    await healthyShift(httpRoute, 'hr-ok');
    const rules = (o: KubeObject) => (o.spec as { rules: { backendRefs: { weight?: number }[] }[] }).rules.map((r) => ({ ...r, backendRefs: r.backendRefs.map(({ weight: _, ...ref }) => ref) }));
    const live = await getObject(HOME, ...HR, 'hr-ok');
    expect(rules(live)).toMatchObject(rules(httpRouteObject('hr-ok')));
    expect(live.spec).toMatchObject({ parentRefs: [{ name: 'shop-gateway' }], hostnames: ['shop.example'] });
  });

  it('30% errors on "to" from the start: an instant rollback after two failed intervals, the failed value near 70', async () => {
    const name = 'hr-err';
    await httpRoute.create(name);
    await startTraffic(httpRoute, name, { to: { errorRate: 0.3 } });
    const res = await startRun(shiftFile(httpRoute, name, { steps: [20, 100], interval: '4s', gates: gates(), rollback: { mode: 'instant' } })).done;
    expect(res.code, res.stderr).toBe(1);
    const s = (await shiftState(name))!;
    expect(s.phase).toBe('RolledBack');
    expect(steps(s)[0]).toEqual([20, 'start']);
    expect(steps(s).at(-1)).toEqual([0, 'rollback']);
    const value = s.rollback!.failed[0]!.value!;
    expect(Math.abs(value - 70), `success rate ${value}`).toBeLessThanOrEqual(3);
    expect(await httpRoute.raw(name)).toEqual([rawFor(0)]);
  });

  it("a person's edit of the backendRef weights pauses the shift, naming the HTTPRoute and the rule; resume adopts it", async () => {
    await editPauses(httpRoute, 'hr-edit', 0);
  });

  it('SIGKILL mid-shift, then run again: the same end, every step once', async () => {
    await killAndRunAgain(httpRoute, 'hr-kill');
  });
});

describe('shift run on a VirtualService pair in two clusters (east, west)', () => {
  it('a healthy shift moves both clusters together at every step (each write read back from both); the split Prometheus measured matches within ±3 points', async () => {
    const name = 'pair-ok';
    const { res } = await healthyShift(vsPair, name);
    const writes = writesIn(res.stderr);
    expect(writes.map((w) => w.weight)).toEqual([10, 25, 50, 100]);
    for (const w of writes) expect(w.lines).toEqual([0, 1].map((i) => `${vsPair.target(name, i)}: from ${100 - w.weight} / to ${w.weight}`));
  });

  it('30% errors on "to": both clusters roll back together, in one write read back from both', async () => {
    const name = 'pair-err';
    await vsPair.create(name);
    await startTraffic(vsPair, name, { to: { errorRate: 0.3 } });
    const res = await startRun(shiftFile(vsPair, name, { steps: [20, 100], interval: '4s', gates: gates(), rollback: { mode: 'instant' } })).done;
    expect(res.code, res.stderr).toBe(1);
    const s = (await shiftState(name))!;
    expect(s.phase).toBe('RolledBack');
    expect(steps(s).at(-1)).toEqual([0, 'rollback']);
    const writes = writesIn(res.stderr);
    expect(writes.at(-1)).toEqual({ weight: 0, lines: [0, 1].map((i) => `${vsPair.target(name, i)}: from 100 / to 0`) });
    for (const w of writes) expect(w.lines).toHaveLength(2);
    expect(await vsPair.raw(name)).toEqual([rawFor(0), rawFor(0)]);
  });

  it("a person's edit in west alone pauses the shift, naming west's VirtualService and not east's; resume once both agree", async () => {
    await editPauses(vsPair, 'pair-edit', 1);
  });

  it('SIGKILL mid-shift, then run again: both clusters end at 100, every step once', async () => {
    await killAndRunAgain(vsPair, 'pair-kill');
  });
});
