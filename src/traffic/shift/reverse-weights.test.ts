// The walk back to "from" after a shift ended: the file's rollback path, intent before each write and a history entry after, someone else's edit refused, idempotent after a crash; on the no-op router.
import { describe, expect, it } from 'vitest';
import { MeshferryError } from '../../errors.js';
import type { ServedResource } from '../../kube/discovery.js';
import type { ObjectClient } from '../../kube/object-client.js';
import type { KubeObject } from '../../resources/object.js';
import type { ClusterSet } from '../routers/router.js';
import { NoopRouter } from '../routers/noop.js';
import { initialState } from './decide.js';
import type { ShiftState } from './decide.js';
import { reverseShift, walkBack } from './reverse-weights.js';
import type { WalkBackInput } from './reverse-weights.js';
import type { ShiftStateStore } from './runner.js';
import type { ShiftPlan } from './spec.js';

/** A store that keeps every saved state, in order, starting from `first`. */
class RecordingStore implements ShiftStateStore {
  saved: ShiftState[] = [];
  constructor(readonly first: ShiftState) {}
  get state(): ShiftState {
    return this.saved.at(-1) ?? this.first;
  }
  load() {
    return Promise.resolve({ state: this.state, requests: { pause: false, promote: false }, generation: 3 });
  }
  save(state: ShiftState) {
    this.saved.push(state);
    return Promise.resolve();
  }
}

const T0 = 1_000_000;
const succeeded = (weight = 100): ShiftState => ({
  ...initialState(),
  phase: 'Succeeded',
  message: `weight ${weight} held healthy for 2 s`,
  weight,
  history: [
    { weight: 50, at: T0 - 4000, why: 'start' },
    { weight, at: T0 - 2000, why: 'advance' },
  ],
});

const INSTANT: WalkBackInput['plan'] = { rollback: { mode: 'instant' }, rollbackIntervalMs: 5000 };
const GRADUAL = (steps: number[]): WalkBackInput['plan'] => ({ rollback: { mode: 'gradual', steps }, rollbackIntervalMs: 5000 }) as Pick<ShiftPlan, 'rollback' | 'rollbackIntervalMs'>;

/** A walk on a fake clock: each sleep moves it on (and may run `onSleep`, standing in for someone else meanwhile). */
function setup(state: ShiftState, plan: WalkBackInput['plan'], routerTo: number, opts: { targets?: string[]; onSleep?: (ms: number) => void } = {}) {
  let now = T0;
  const router = new NoopRouter({ to: routerTo, targets: opts.targets ?? ['gw'] });
  const store = new RecordingStore(state);
  const sleeps: number[] = [];
  const steps: string[] = [];
  const input = (over: Partial<WalkBackInput> = {}): WalkBackInput => ({
    router,
    store,
    plan,
    display: 'TrafficShift shop/ingress',
    reason: 'the migration was rolled back',
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      opts.onSleep?.(ms);
      return Promise.resolve();
    },
    onStep: (m) => steps.push(m),
    ...over,
  });
  const tos = async () => (await router.read()).targets.map((t) => t.raw);
  return { router, store, sleeps, steps, input, tos, clock: { advance: (ms: number) => (now += ms) } };
}

const history = (s: ShiftState) => s.history.map((h) => [h.weight, h.why]);

describe('walkBack', () => {
  it('instant: one write of 0, recorded as intent first, then RolledBack with a rollback entry in the history', async () => {
    const t = setup(succeeded(), INSTANT, 100);
    const out = await walkBack(t.input());
    expect(out.refused).toBeUndefined();
    expect(out.restored).toBe('TrafficShift shop/ingress: traffic back on "from": weight of "to" 100 → 0 (RolledBack: rolled back to weight 0: the migration was rolled back)');
    expect(await t.tos()).toEqual([{ from: 100, to: 0 }]);
    expect(t.store.saved.map((s) => [s.phase, s.weight, s.pendingWeight])).toEqual([
      ['RollingBack', 100, 0],
      ['RolledBack', 0, undefined],
    ]);
    expect(history(t.store.state)).toEqual([[50, 'start'], [100, 'advance'], [0, 'rollback']]);
    expect(t.store.state.rollback).toEqual({ outcome: 'RolledBack', reason: 'the migration was rolled back', remaining: [], failed: [] });
    expect(t.sleeps).toEqual([]);
    expect(t.router.outcome).toBe('rolledBack');
  });

  it('gradual: the rollback steps below the live weight, one per rollback interval, each read back before the next', async () => {
    const t = setup(succeeded(100), GRADUAL([75, 25, 0]), 100);
    const out = await walkBack(t.input());
    expect(out.restored).toContain('weight of "to" 100 → 75 → 25 → 0');
    expect(t.sleeps).toEqual([5000, 5000]);
    expect(history(t.store.state).slice(2)).toEqual([[75, 'rollback'], [25, 'rollback'], [0, 'rollback']]);
    expect(t.store.state.history.slice(2).map((h) => h.at - T0)).toEqual([0, 5000, 10000]);
    expect(t.steps).toEqual([75, 25, 0].map((w) => `TrafficShift shop/ingress: weight of "to" → ${w} (gw (dry run, in memory): from ${100 - w} / to ${w})`));
    expect(await t.tos()).toEqual([{ from: 100, to: 0 }]);
  });

  it('gradual from a weight below some steps skips them (never moves traffic the wrong way), and ends at 0 without a 0 step', async () => {
    const t = setup(succeeded(40), GRADUAL([75, 25, 0]), 40);
    await walkBack(t.input());
    expect(history(t.store.state).slice(2)).toEqual([[25, 'rollback'], [0, 'rollback']]);
  });

  it('is idempotent: a second walk finds the traffic on "from" and writes nothing, not even the status', async () => {
    const t = setup(succeeded(), INSTANT, 100);
    await walkBack(t.input());
    const saves = t.store.saved.length;
    const version = (await t.router.read()).targets[0]!.resourceVersion;
    const again = await walkBack(t.input());
    expect(again).toEqual({ restored: 'already at the source: TrafficShift shop/ingress is RolledBack with all traffic on "from"' });
    expect(t.store.saved).toHaveLength(saves);
    expect((await t.router.read()).targets[0]!.resourceVersion).toBe(version);
  });

  it("someone else's edit after Succeeded is refused, naming the target and the weight; nothing is written", async () => {
    const t = setup(succeeded(), INSTANT, 100);
    t.router.edit(0, { from: 30, to: 70 });
    const out = await walkBack(t.input());
    expect(out.restored).toBeUndefined();
    expect(out.refused).toBe(
      'TrafficShift shop/ingress: someone else changed the weights: gw (dry run, in memory) weight is 70 (meshferry last set 100); meshferry never overwrites a weight it did not set. Put them back, or move the traffic back yourself, then run the rollback again',
    );
    expect(await t.tos()).toEqual([{ from: 30, to: 70 }]);
    expect(t.store.saved).toEqual([]);
  });

  it("someone else's edit between two gradual steps stops the walk, recorded on the status; the edit stays", async () => {
    let t: ReturnType<typeof setup> | undefined = undefined;
    t = setup(succeeded(), GRADUAL([50, 0]), 100, { onSleep: () => t!.router.edit(0, { from: 20, to: 80 }) });
    const out = await walkBack(t.input());
    expect(out.refused).toMatch(/^TrafficShift shop\/ingress: someone else changed the weights: gw \(dry run, in memory\) weight is 80 \(meshferry last set 50\)/);
    expect(await t.tos()).toEqual([{ from: 20, to: 80 }]);
    expect(t.store.state).toMatchObject({ phase: 'RollingBack', weight: 50, message: out.refused });
    expect(t.store.state.pendingWeight).toBeUndefined();
  });

  it('a walk interrupted between two steps throws exit 130; run again it waits out the rest of the interval and finishes', async () => {
    const t = setup(succeeded(), GRADUAL([50, 0]), 100);
    const controller = new AbortController();
    const stop = t.input({ signal: controller.signal, sleep: () => (controller.abort(), Promise.reject(new Error('aborted'))) });
    const err = await walkBack(stop).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshferryError);
    expect((err as MeshferryError).exitCode).toBe(130);
    expect(t.store.state).toMatchObject({ phase: 'RollingBack', weight: 50, nextCheckAt: T0 + 5000, rollback: { remaining: [0] } });
    expect(await t.tos()).toEqual([{ from: 50, to: 50 }]);
    t.clock.advance(2000);
    const out = await walkBack(t.input());
    expect(out.restored).toContain('weight of "to" 50 → 0');
    expect(t.sleeps).toEqual([3000]);
    expect(history(t.store.state).slice(2)).toEqual([[50, 'rollback'], [0, 'rollback']]);
  });

  it('a crash between the intent and the write: not landed, the write is made; landed, it is recorded and nothing is written', async () => {
    const intent: ShiftState = { ...succeeded(), phase: 'RollingBack', pendingWeight: 0, rollback: { outcome: 'RolledBack', reason: 'rb', remaining: [], failed: [] } };
    const notLanded = setup(intent, INSTANT, 100);
    expect((await walkBack(notLanded.input())).restored).toContain('weight of "to" 100 → 0');
    expect(history(notLanded.store.state).slice(2)).toEqual([[0, 'rollback']]);

    const landed = setup(intent, INSTANT, 0);
    const version = (await landed.router.read()).targets[0]!.resourceVersion;
    const out = await walkBack(landed.input());
    expect(out.restored).toBe('TrafficShift shop/ingress: all traffic on "from" (rolled back to weight 0: rb)');
    expect((await landed.router.read()).targets[0]!.resourceVersion).toBe(version);
    expect(landed.store.state).toMatchObject({ phase: 'RolledBack', weight: 0 });
    expect(history(landed.store.state).slice(2)).toEqual([[0, 'rollback']]);
  });

  it("a write cut short between two clusters (one target at the pending weight, one at the recorded) is meshferry's own: walked back from there", async () => {
    const state: ShiftState = { ...succeeded(25), phase: 'Progressing', pendingWeight: 50 };
    const t = setup(state, INSTANT, 25, { targets: ['east', 'west'] });
    t.router.edit(0, { from: 50, to: 50 });
    const out = await walkBack(t.input());
    expect(out.restored).toContain('weight of "to" 50 → 0');
    expect(await t.tos()).toEqual([{ from: 100, to: 0 }, { from: 100, to: 0 }]);
    expect(t.store.state.phase).toBe('RolledBack');
  });

  it('a shift stopped mid-way with the traffic still on "from" is ended (RolledBack) without a write; one that never wrote a weight but finds traffic on "to" is refused', async () => {
    const midway: ShiftState = { ...initialState(), phase: 'Progressing', message: 'found weight 0', weight: 0 };
    const t = setup(midway, INSTANT, 0);
    expect((await walkBack(t.input())).restored).toBe('TrafficShift shop/ingress: all traffic on "from" (rolled back to weight 0: the migration was rolled back)');
    expect(t.store.state.phase).toBe('RolledBack');
    expect(t.store.state.history).toEqual([]);

    const never = setup(initialState(), INSTANT, 30);
    const out = await walkBack(never.input());
    expect(out.refused).toMatch(/the shift never wrote a weight \(Pending\), yet gw \(dry run, in memory\) weight is 30: those weights are someone else's/);
    expect(never.store.saved).toEqual([]);
  });

  it('a Succeeded shift someone else already moved back to 0 is "already at the source", with nothing written', async () => {
    const t = setup(succeeded(), INSTANT, 0);
    const out = await walkBack(t.input());
    expect(out.restored).toMatch(/^already at the source: TrafficShift shop\/ingress succeeded at weight 100, but every target now sends nothing to "to"/);
    expect(t.store.saved).toEqual([]);
  });

  it("the shift's own rollback cut short (Failed, gradual) goes on along its remaining steps and keeps its outcome", async () => {
    const state: ShiftState = {
      ...succeeded(50),
      phase: 'RollingBack',
      message: 'rolling back to weight 50: no data',
      nextCheckAt: T0 + 1000,
      rollback: { outcome: 'Failed', reason: 'no data for 60 s', remaining: [10, 0], failed: [{ name: 'sr', verdict: 'noData', text: 'sr: no data' }] },
    };
    const t = setup(state, GRADUAL([50, 25, 0]), 50);
    await walkBack(t.input());
    expect(t.sleeps).toEqual([1000, 5000]);
    expect(history(t.store.state).slice(2)).toEqual([[10, 'rollback'], [0, 'rollback']]);
    expect(t.store.state).toMatchObject({ phase: 'Failed', message: 'failed to weight 0: no data for 60 s', rollback: { outcome: 'Failed', failed: [{ name: 'sr' }] } });
  });
});

// ---- reverseShift around the walk: which object it follows --------------------------------------------------------

const SERVICE: ServedResource = { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, verbs: ['get', 'patch'] };
const SHIFTS: ServedResource = { group: 'meshferry.dev', version: 'v1alpha1', kind: 'TrafficShift', plural: 'trafficshifts', namespaced: true, verbs: ['get', 'patch'] };
const WEIGHT = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-weight';

/** A cluster that only answers reads (a reverseShift that would write fails the test). */
function readOnlyCluster(context: string, objects: KubeObject[], crd: boolean): ObjectClient {
  const fake = {
    transport: { contextName: context },
    discovery: { resourceFor: (_g: string, kind: string) => (kind === 'Service' ? SERVICE : undefined), resourceAt: (_g: string, _v: string, kind: string) => (crd && kind === 'TrafficShift' ? SHIFTS : undefined) },
    get: (r: ServedResource, ns: string, name: string) => Promise.resolve(objects.find((o) => o.kind === r.kind && o.metadata.namespace === ns && o.metadata.name === name)),
  };
  return fake as unknown as ObjectClient;
}

const gw = (name: string, weight: number): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop', resourceVersion: '1', annotations: { [WEIGHT]: String(weight) } } });
const SPEC = {
  router: { lbWeight: { provider: 'ack', from: { context: 'primary', service: 'shop/gw-old' }, to: { context: 'remote', service: 'shop/gw-new' } } },
  steps: [50, 100],
  interval: '2s',
};
const shiftObject = (spec: unknown, status: unknown): KubeObject => ({ apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', metadata: { name: 'ingress', namespace: 'shop' }, spec: spec as Record<string, unknown>, status });

function clusters(weights: { from: number; to: number }, shift: KubeObject | undefined) {
  const home = readOnlyCluster('primary', [gw('gw-old', weights.from), ...(shift ? [shift] : [])], shift !== undefined);
  const remote = readOnlyCluster('remote', [gw('gw-new', weights.to)], false);
  const set: ClusterSet = { client: (ctx) => (ctx === 'remote' ? Promise.resolve(remote) : Promise.reject(new Error(`context ${String(ctx)} opened`))) };
  return { home, set };
}

describe('reverseShift', () => {
  const ref = { namespace: 'shop', name: 'ingress' };
  it('a TrafficShift never applied (or deleted): at the source is "already"; elsewhere refused, since nothing records its writes; the journal\'s spec names the router', async () => {
    expect(await reverseShift(clusters({ from: 100, to: 0 }, undefined), { ...ref, spec: SPEC })).toEqual({
      restored: 'already at the source: TrafficShift shop/ingress is not in context primary (never applied, or deleted), and every target sends nothing to "to"',
    });
    const out = await reverseShift(clusters({ from: 0, to: 100 }, undefined), { ...ref, spec: SPEC });
    expect(out.refused).toMatch(/^TrafficShift shop\/ingress is not in context primary \(never applied, or deleted\), so nothing records which weights meshferry wrote: remote\/Service shop\/gw-new .* is 100\./);
    expect(await reverseShift(clusters({ from: 100, to: 0 }, undefined), ref)).toEqual({ refused: 'TrafficShift shop/ingress does not exist in context primary, and nothing else records its router: meshferry cannot tell which weights are its own' });
  });

  it('a live TrafficShift whose spec is not the one meshferry applied is not followed, naming the fields', async () => {
    const edited = shiftObject({ ...SPEC, steps: [100] }, { phase: 'Succeeded', weight: 100 });
    expect(await reverseShift(clusters({ from: 0, to: 100 }, edited), { ...ref, spec: SPEC })).toEqual({
      refused: 'TrafficShift shop/ingress: spec.steps is not what meshferry applied; someone else changed it, so meshferry does not follow it. Move the traffic back yourself',
    });
  });

  it('a stored spec that is not a valid TrafficShift is not followed; a router target that is gone is named', async () => {
    const bad = shiftObject({ ...SPEC, rollback: { mode: 'gradual', steps: [0, 50] } }, { phase: 'Succeeded', weight: 100 });
    expect((await reverseShift(clusters({ from: 0, to: 100 }, bad), ref)).refused).toMatch(/^TrafficShift shop\/ingress: its spec is not a valid TrafficShift, so meshferry does not follow it: .*rollback steps must descend: 50 follows 0/s);
    const { home } = clusters({ from: 0, to: 100 }, shiftObject(SPEC, { phase: 'Succeeded', weight: 100 }));
    const empty: ClusterSet = { client: () => Promise.resolve(readOnlyCluster('remote', [], false)) };
    expect((await reverseShift({ home, set: empty }, ref)).refused).toBe('TrafficShift shop/ingress: remote/Service shop/gw-new: Service shop/gw-new does not exist');
  });
});
