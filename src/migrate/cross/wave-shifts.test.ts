// A wave's shifts: the object planned from a file (nothing touched), bad files with file:line, the tick in the wave's words, and which xc.shift journal entries the rollback follows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, MeshferryError } from '../../errors.js';
import type { JournalEntry } from '../../journal/journal.js';
import type { ObjectClient } from '../../kube/object-client.js';
import type { ClusterSet } from '../../traffic/routers/router.js';
import { initialState } from '../../traffic/shift/decide.js';
import type { ShiftState } from '../../traffic/shift/decide.js';
import type { TickResult } from '../../traffic/shift/runner.js';
import { reverseShiftEntry, waveShiftTick, WaveShifts } from './wave-shifts.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wave-shifts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHIFT = [
  'apiVersion: meshferry.dev/v1alpha1',
  'kind: TrafficShift',
  'metadata:',
  '  name: shop-ingress',
  '  namespace: shop',
  '  labels: {team: shop}',
  'spec:',
  '  router:',
  '    lbWeight:',
  '      provider: ack',
  '      from: {context: tcm, service: istio-system/istio-ingressgateway}',
  '      to: {context: remote, configContext: primary, service: istio-system/istio-ingressgateway-new}',
  '  steps: [50, 100]',
  '  interval: 2s',
  '  rollback: {mode: gradual, steps: [50, 0], interval: 1s}',
  '',
].join('\n');
writeFileSync(path.join(dir, 'shift.yaml'), SHIFT);
writeFileSync(path.join(dir, 'bad.yaml'), SHIFT.replace('steps: [50, 100]', 'steps: [100, 50]'));

/** A home cluster and a set that fail the test if anything reaches them; home answers only its context's name. */
const untouchedHome = new Proxy({} as ObjectClient, {
  get: (_t, prop) => {
    if (prop === 'transport') return { contextName: 'primary' };
    if (prop === 'then') return undefined;
    throw new Error(`home was used: ${String(prop)}`);
  },
});
const untouchedSet: ClusterSet = { client: (context) => Promise.reject(new Error(`cluster ${String(context)} was opened`)) };
const shifts = () => new WaveShifts({ home: untouchedHome, set: untouchedSet, base: dir });

describe('WaveShifts', () => {
  it('planned: the TrafficShift applySpec would apply for the file, from the file alone', async () => {
    expect(await shifts().planned('shift.yaml')).toEqual({
      namespace: 'shop',
      name: 'shop-ingress',
      object: {
        apiVersion: 'meshferry.dev/v1alpha1',
        kind: 'TrafficShift',
        metadata: { name: 'shop-ingress', namespace: 'shop', labels: { team: 'shop' } },
        spec: {
          router: {
            lbWeight: {
              provider: 'ack',
              from: { context: 'tcm', service: 'istio-system/istio-ingressgateway' },
              to: { context: 'remote', configContext: 'primary', service: 'istio-system/istio-ingressgateway-new' },
            },
          },
          steps: [50, 100],
          interval: '2s',
          rollback: { mode: 'gradual', steps: [50, 0], interval: '1s' },
        },
      },
    });
  });

  it("a bad file is shift run's error, with file:line, before any cluster is reached", async () => {
    const err = await shifts().tick('bad.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toMatch(new RegExp(`^${path.join(dir, 'bad.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:13:\\d+: steps must ascend: 50 follows 100`));
  });

  it('a path that leaves the base folder is refused; a missing file is named', async () => {
    const out = await shifts().planned('../shift.yaml').catch((e: unknown) => e);
    expect(out).toBeInstanceOf(InputError);
    expect((out as InputError).code).toBe('ConfigPathEscapes');
    const missing = await shifts().tick('nope.yaml').catch((e: unknown) => e);
    expect((missing as InputError).code).toBe('FileNotFound');
  });

  it('a tick asked after an interrupt ticks nothing and exits 130', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await shifts().tick('shift.yaml', controller.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshferryError);
    expect((err as MeshferryError).exitCode).toBe(130);
  });
});

describe('waveShiftTick', () => {
  const tick = (state: ShiftState, nextTickAt: number): TickResult => ({ decision: { action: { kind: 'wait' }, state, wakeAt: nextTickAt }, nextTickAt });
  it.each([
    ['progressing', { ...initialState(), phase: 'Progressing', message: 'step 1/2: weight 50' } as ShiftState, 5000, { ref: 'shop/x', phase: 'Progressing', done: false, message: 'step 1/2: weight 50', nextTickAt: 5000 }],
    ['succeeded', { ...initialState(), phase: 'Succeeded', message: 'weight 100 held healthy for 2 s' } as ShiftState, Infinity, { ref: 'shop/x', phase: 'Succeeded', done: true, message: 'weight 100 held healthy for 2 s' }],
    [
      'rolled back on failed checks',
      {
        ...initialState(),
        phase: 'RolledBack',
        message: 'rolled back to weight 0: failed checks (2/2): sr 70 < min 99: fail',
        rollback: { outcome: 'RolledBack', reason: 'failed checks', remaining: [], failed: [{ name: 'sr', verdict: 'fail', value: 70, text: 'sr 70 < min 99: fail' }] },
      } as ShiftState,
      Infinity,
      {
        ref: 'shop/x',
        phase: 'RolledBack',
        done: false,
        failed: 'TrafficShift shop/x RolledBack: rolled back to weight 0: failed checks (2/2): sr 70 < min 99: fail; failed checks: sr 70 < min 99: fail',
        message: 'rolled back to weight 0: failed checks (2/2): sr 70 < min 99: fail',
      },
    ],
    [
      'aborted, no checks',
      { ...initialState(), phase: 'Aborted', message: 'aborted to weight 0: aborted by request' } as ShiftState,
      Infinity,
      { ref: 'shop/x', phase: 'Aborted', done: false, failed: 'TrafficShift shop/x Aborted: aborted to weight 0: aborted by request', message: 'aborted to weight 0: aborted by request' },
    ],
  ])('%s', (_name, state, next, want) => expect(waveShiftTick('shop/x', tick(state, next))).toEqual(want));
});

describe('reverseShiftEntry', () => {
  const applied = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', metadata: { name: 'shop-ingress', namespace: 'shop' }, spec: { router: {}, interval: '2s' } };
  const entry = (over: Partial<JournalEntry>): JournalEntry => ({
    seq: 7,
    step: 'xc.shift',
    target: { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', namespace: 'shop', name: 'shop-ingress' },
    before: { object: null },
    intent: { wave: 0, shift: 'shift.yaml', state: { object: applied } },
    state: 'done',
    at: '2026-11-30T01:00:00Z',
    ...over,
  });
  const reverse = reverseShiftEntry({ home: untouchedHome, set: untouchedSet });
  it.each([
    ['another step', entry({ step: 'xc.copy' }), /not a shift entry \(xc\.shift\)/],
    ['another kind', entry({ target: { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'shop-ingress' } }), /its target is not a meshferry\.dev\/v1alpha1 TrafficShift/],
    ['another cluster', entry({ target: { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', namespace: 'shop', name: 'shop-ingress', context: 'tcm' } }), /lives in the home cluster \(context "primary"\), not in "tcm"/],
    ['no recorded object', entry({ intent: { wave: 0 } }), /does not record the TrafficShift meshferry applied/],
    ['an object of another name', entry({ intent: { state: { object: { ...applied, metadata: { name: 'other', namespace: 'shop' } } } } }), /does not record the TrafficShift meshferry applied/],
  ])('refuses %s without reaching a cluster', async (_name, e, want) => {
    const out = await reverse(e);
    expect(out.restored).toBeUndefined();
    expect(out.refused).toMatch(want);
    expect(out.refused).toMatch(/^journal entry 7 \(/);
  });
});
