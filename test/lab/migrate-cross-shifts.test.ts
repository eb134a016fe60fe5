// A CrossCluster wave's shift inside the engine's process, in a two-cluster lab with a real Prometheus scraping
// `lab traffic`: WaveShifts ticks an lb-weight shift across the clusters (the old gateway in primary, the new one in
// remote with its config in primary) to 100 under gates; reverseShift then walks the weights back to "from", a
// second reverse writes nothing, and a person's edit after success is refused with the weights left as they are.
// Every assertion reads the cluster objects themselves; every wait is for an exact state.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/journal/journal.js';
import type { ObjectClient } from '../../src/kube/object-client.js';
import type { Lab } from '../../src/lab/index.js';
import { reverseShiftEntry, WaveShifts } from '../../src/migrate/cross/wave-shifts.js';
import type { WaveShiftTick } from '../../src/migrate/cross/wave-shifts.js';
import type { KubeObject } from '../../src/resources/object.js';
import { startLabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import type { LabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import { startPrometheus } from '../../src/traffic/prometheus-process.js';
import type { RunningPrometheus } from '../../src/traffic/prometheus-process.js';
import { KubeconfigClusterSet } from '../../src/traffic/routers/cluster-set.js';
import { createRouter } from '../../src/traffic/routers/create-router.js';
import type { RouterSpec } from '../../src/traffic/routers/spec.js';
import type { ShiftState } from '../../src/traffic/shift/decide.js';
import { reverseShift } from '../../src/traffic/shift/reverse-weights.js';
import { SHIFT_API_VERSION, SHIFT_GROUP, SHIFT_VERSION, statusToState } from '../../src/traffic/shift/store.js';
import { hasStackTrace, runCliAsync } from '../support/cli.js';
import { until } from '../support/poll.js';
import { labPerFile } from './lab-per-file.js';

const HOME = 'primary';
const REMOTE = 'remote';
const NS = 'shop';
const ACK = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';
const WEIGHT = `${ACK}weight`;
// A hang guard, not a speed limit: each case drives a real shift on a shared two-core machine.
const GUARD_MS = 300_000;

let lab: Lab;
const { parent } = labPerFile('migrate-cross-shifts-', { clusters: [HOME, REMOTE], revisions: [] }, (l) => {
  lab = l;
});
let set: KubeconfigClusterSet;
let home: ObjectClient;
let prom: RunningPrometheus;
const traffic: LabTraffic[] = [];

beforeAll(async () => {
  set = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  home = await set.client(HOME);
  for (const ctx of [HOME, REMOTE]) await (await set.client(ctx)).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, { fieldManager: 'kubectl-create' });
  // Primary-remote: the gateways' Istio config lives in primary only; "to" reads it there through configContext.
  await home.create(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'ingress', namespace: NS },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example'] }] },
    },
    { fieldManager: 'kubectl-create' },
  );
  prom = await startPrometheus({ dir: path.join(parent, 'prometheus') });
}, GUARD_MS);

afterEach(async () => {
  for (const t of traffic.splice(0)) await t.stop();
}, GUARD_MS);

afterAll(async () => {
  for (const t of traffic.splice(0)) await t.stop();
  await prom?.stop();
  set?.close();
}, GUARD_MS);

// ---- the gateways and their shift -----------------------------------------------------------------------------------

/** A gateway Service behind the shared CLB (ACK annotations), created by a person (kubectl's field manager). */
async function gatewayService(ctx: string, name: string, weight: number): Promise<void> {
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: NS,
      labels: { app: name },
      annotations: { [`${ACK}id`]: 'lb-lab0001', [`${ACK}vgroup-port`]: `rsp-${name}:80`, [`${ACK}force-override-listeners`]: 'false', [WEIGHT]: String(weight) },
    },
    spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway', app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
  await (await set.client(ctx)).create(svc, { fieldManager: 'kubectl-create' });
}

/** The old gateway in primary, the new one in remote (its Gateways read in primary). */
const router = (name: string): RouterSpec => ({
  lbWeight: { provider: 'ack', from: { context: HOME, service: `${NS}/${name}-old` }, to: { context: REMOTE, configContext: HOME, service: `${NS}/${name}-new` } },
});

/** Writes the wave's shift file beside the (imagined) MeshMigration file; returns its path relative to that folder. */
function shiftFile(name: string, spec: Record<string, unknown>): string {
  const doc = { apiVersion: SHIFT_API_VERSION, kind: 'TrafficShift', metadata: { name, namespace: NS }, spec: { router: router(name), ...spec } };
  writeFileSync(path.join(parent, `${name}.yaml`), JSON.stringify(doc, null, 2));
  return `${name}.yaml`;
}

async function service(ctx: string, name: string): Promise<KubeObject> {
  const c = await set.client(ctx);
  const obj = await c.get(c.discovery.resourceFor('', 'Service')!, NS, name);
  if (!obj) throw new Error(`${ctx}/Service ${NS}/${name} is gone`);
  return obj;
}

/** The live weights as the cluster objects hold them: "from" in primary, "to" in remote. */
async function liveWeights(name: string): Promise<{ from: string | undefined; to: string | undefined }> {
  return { from: (await service(HOME, `${name}-old`)).metadata.annotations?.[WEIGHT], to: (await service(REMOTE, `${name}-new`)).metadata.annotations?.[WEIGHT] };
}

async function versions(name: string): Promise<string[]> {
  return [String((await service(HOME, `${name}-old`)).metadata.resourceVersion), String((await service(REMOTE, `${name}-new`)).metadata.resourceVersion), String((await shiftObject(name)).metadata.resourceVersion)];
}

async function shiftObject(name: string): Promise<KubeObject> {
  // Served since WaveShifts' first tick installed the CRD (its discovery refreshed: the same client).
  const obj = await home.get(home.discovery.resourceAt(SHIFT_GROUP, SHIFT_VERSION, 'TrafficShift')!, NS, name);
  if (!obj) throw new Error(`TrafficShift ${NS}/${name} is not in ${HOME}`);
  return obj;
}

const shiftState = async (name: string): Promise<ShiftState> => statusToState((await shiftObject(name)).status);
const history = (s: ShiftState) => s.history.map((h) => [h.weight, h.why]);

/** The engine's loop for one shift: a tick, then sleep until the tick's nextTickAt, until it has ended. */
async function tickToEnd(shifts: WaveShifts, file: string): Promise<WaveShiftTick[]> {
  const ticks: WaveShiftTick[] = [];
  for (;;) {
    const t = await shifts.tick(file);
    ticks.push(t);
    if (t.nextTickAt === undefined) return ticks;
    await sleep(Math.max(0, t.nextTickAt - Date.now()));
  }
}

async function startTraffic(name: string): Promise<void> {
  const spec = router(name);
  const t = await startLabTraffic({ targetsDir: prom.targetsDir, shift: { name, namespace: NS }, router: spec, reader: createRouter(spec, set, { namespace: NS }), rps: 100, pollMs: 200 });
  traffic.push(t);
  await until(async () => {
    const url = new URL('/api/v1/query', prom.url);
    url.searchParams.set('query', `up{instance="${t.dataPlane.metricsAddress}"}`);
    const body = (await (await fetch(url)).json().catch(() => ({}))) as { data?: { result?: { value?: [number, string] }[] } };
    return body.data?.result?.[0]?.value?.[1] === '1' ? true : undefined;
  });
}

// ---- the cases ------------------------------------------------------------------------------------------------------

describe('a wave shift in the engine process, then back', () => {
  it('ticks an lb-weight shift across two clusters to 100 under gates; reverseShift walks it back to 100/0, recorded for shift status; a second reverse writes nothing', async () => {
    const name = 'ingress';
    await gatewayService(HOME, `${name}-old`, 100);
    await gatewayService(REMOTE, `${name}-new`, 0);
    await startTraffic(name);
    const file = shiftFile(name, {
      steps: [50, 100],
      interval: '3s',
      gates: { prometheus: { address: prom.url }, checks: [{ metric: 'request-success-rate', min: 99 }], window: '4s' },
      rollback: { mode: 'gradual', steps: [50, 0], interval: '1s' },
    });
    const shifts = new WaveShifts({ home, set, base: parent });
    const planned = await shifts.planned(file);
    expect(planned).toMatchObject({ namespace: NS, name, object: { kind: 'TrafficShift', metadata: { name, namespace: NS }, spec: { steps: [50, 100] } } });

    const ticks = await tickToEnd(shifts, file);
    expect(ticks.at(-1)).toMatchObject({ ref: `${NS}/${name}`, phase: 'Succeeded', done: true });
    expect(ticks.at(-1)!.failed).toBeUndefined();
    expect(await liveWeights(name)).toEqual({ from: '0', to: '100' });
    const done = await shiftState(name);
    expect(done.phase).toBe('Succeeded');
    expect(history(done)).toEqual([[50, 'start'], [100, 'advance']]);
    // The gates ran against Prometheus at both steps and passed (not a shift without checks).
    expect(done.checks.map((c) => [c.name, c.verdict])).toEqual([['request-success-rate', 'pass']]);
    // The object applied is the one planned (what the engine journals as xc.shift).
    expect((await shiftObject(name)).spec).toEqual(planned.object.spec);

    const steps: string[] = [];
    const back = await reverseShift({ home, set, onStep: (m) => steps.push(m) }, { namespace: NS, name, spec: planned.object.spec });
    expect(back.refused).toBeUndefined();
    expect(back.restored).toContain('weight of "to" 100 → 50 → 0');
    expect(steps).toHaveLength(2);
    expect(await liveWeights(name)).toEqual({ from: '100', to: '0' });
    const rolled = await shiftState(name);
    expect(rolled.phase).toBe('RolledBack');
    expect(history(rolled)).toEqual([[50, 'start'], [100, 'advance'], [50, 'rollback'], [0, 'rollback']]);
    const status = await runCliAsync(['shift', 'status', name, '-n', NS, '-o', 'json', '--kubeconfig', lab.kubeconfigPath, '--context', HOME]);
    expect(status.code, status.stderr).toBe(1);
    expect(hasStackTrace(status.stderr)).toBe(false);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: `${NS}/${name}`, phase: 'RolledBack', weight: 0 });

    // Again, as a rollback re-run after a crash does, through the journal adapter: nothing moves, nothing is written.
    const before = await versions(name);
    const entry: JournalEntry = {
      seq: 1,
      step: 'xc.shift',
      target: { apiVersion: SHIFT_API_VERSION, kind: 'TrafficShift', namespace: NS, name },
      before: { object: null },
      intent: { wave: 0, shift: file, state: { object: planned.object } },
      state: 'done',
      at: new Date().toISOString(),
    };
    const again = await reverseShiftEntry({ home, set })(entry);
    expect(again).toEqual({ restored: `already at the source: TrafficShift ${NS}/${name} is RolledBack with all traffic on "from"` });
    expect(await versions(name)).toEqual(before);
    expect(await liveWeights(name)).toEqual({ from: '100', to: '0' });
  }, GUARD_MS);

  it("a person's edit of the weights after the shift succeeded: reverseShift refuses, naming it, and leaves weights and status as they are", async () => {
    const name = 'edited';
    await gatewayService(HOME, `${name}-old`, 100);
    await gatewayService(REMOTE, `${name}-new`, 0);
    const file = shiftFile(name, { steps: [100], interval: '1s' });
    const shifts = new WaveShifts({ home, set, base: parent });
    expect((await tickToEnd(shifts, file)).at(-1)).toMatchObject({ phase: 'Succeeded', done: true });
    expect(await liveWeights(name)).toEqual({ from: '0', to: '100' });

    // A person moves 30 % back by hand (kubectl's field manager), "to" first.
    const remote = await set.client(REMOTE);
    const svc = remote.discovery.resourceFor('', 'Service')!;
    await remote.patch(svc, NS, `${name}-new`, { metadata: { annotations: { [WEIGHT]: '70' } } }, 'merge', { fieldManager: 'kubectl-edit' });
    await home.patch(svc, NS, `${name}-old`, { metadata: { annotations: { [WEIGHT]: '30' } } }, 'merge', { fieldManager: 'kubectl-edit' });
    await until(async () => ((await liveWeights(name)).from === '30' ? true : undefined));
    const before = await versions(name);

    const out = await reverseShift({ home, set }, { namespace: NS, name });
    expect(out.restored).toBeUndefined();
    expect(out.refused).toContain(`someone else changed the weights: ${REMOTE}/Service ${NS}/${name}-new metadata.annotations["${WEIGHT}"] (with ${HOME}/Service ${NS}/${name}-old) is 70 (meshferry last set 100)`);
    expect(out.refused).toContain('meshferry never overwrites a weight it did not set');
    expect(await liveWeights(name)).toEqual({ from: '30', to: '70' });
    expect(await versions(name)).toEqual(before);
    expect((await shiftState(name)).phase).toBe('Succeeded');
  }, GUARD_MS);
});
