// The reconciler's decisions on recorded states: one row per (spec, status, observation) → action, every pending step included.
import { describe, expect, it } from 'vitest';
import { reconcile, terminal, type Action, type Observation, type ObservedWorkload } from './reconcile.js';
import type { ConfigFinding } from './config-findings.js';
import { initialStatus, type MeshMigrationSpec, type MigrationStatus, type WaveState } from './spec.js';

const spec: MeshMigrationSpec = {
  mode: 'InPlace',
  target: { revision: 'canary' },
  waves: [
    { name: 'one', namespaces: ['a'], maxUnavailable: 2 },
    { name: 'two', namespaces: ['b'], pauseBefore: true },
  ],
};
const withMetadata: MeshMigrationSpec = { ...spec, requiredProxyMetadata: { PROXY_CONFIG_XDS_AGENT: 'true' } };
const withConfig: MeshMigrationSpec = { ...spec, config: { from: './export', rules: './rules.yaml' } };
const withBoth: MeshMigrationSpec = { ...withMetadata, config: { from: './export' } };
const finding: ConfigFinding = { code: 'MF0005', name: 'ReferencedResourceNotFound', level: 'Error', object: 'VirtualService shop/reviews', reference: 'export/shop/virtualservices/reviews.yaml:9', message: 'Referenced gateway not found: "shop/gone"' };
const toImport = (...refs: string[]) => refs.map((ref) => ({ ref, change: 'create' as const }));

function status(over: Partial<MigrationStatus> = {}, waves: WaveState[] = ['Pending', 'Pending']): MigrationStatus {
  const s = initialStatus(spec);
  s.waves.forEach((w, i) => (w.state = waves[i] ?? 'Pending'));
  return { ...s, ...over };
}
const obs = (over: Partial<Observation> = {}): Observation => ({ generation: 1, now: '2026-11-29T13:00:00Z', pending: [], ...over });
const wl = (ref: string, restarted: boolean, rolledOut: boolean, onDelete = false): ObservedWorkload => ({ ref, restarted, rolledOut, ...(onDelete ? { onDelete } : {}) });
const wave = (over: Partial<NonNullable<Observation['wave']>> = {}): NonNullable<Observation['wave']> => ({
  index: 0,
  serving: true,
  optedIn: true,
  workloads: [],
  problems: [],
  verifiedPods: 0,
  untouchable: [],
  ...over,
});

interface Row {
  name: string;
  spec?: MeshMigrationSpec;
  status: MigrationStatus;
  obs: Observation;
  want: Partial<Action> & { kind: Action['kind'] };
}

const rows: Row[] = [
  // Pending journal steps come first, whatever the phase: look before redoing.
  ...['optIn.namespace', 'optIn.template', 'optIn.tag', 'restart', 'proxyConfig', 'config.import', 'revert', 'rollback'].flatMap((step): Row[] => [
    { name: `pending ${step}, found applied → settle done`, status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ pending: [{ seq: 7, step, applied: true }], wave: wave() }), want: { kind: 'settle', seq: 7, applied: true } },
    { name: `pending ${step}, not applied → settle failed (redone by the next decision)`, status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ pending: [{ seq: 7, step, applied: false }] }), want: { kind: 'settle', seq: 7, applied: false } },
  ]),
  { name: 'two pending steps: the oldest first', status: status(), obs: obs({ pending: [{ seq: 3, step: 'restart', applied: false }, { seq: 4, step: 'restart', applied: true }] }), want: { kind: 'settle', seq: 3 } },
  { name: 'rolled back: nothing more to do', status: status({ phase: 'RolledBack' }), obs: obs({ pending: [{ seq: 1, step: 'restart', applied: false }] }), want: { kind: 'done' } },
  // Init
  { name: 'Init checks fail → fail with every reason', status: status(), obs: obs({ init: { failures: ['namespace late does not exist', 'missing permissions'], warnings: [] } }), want: { kind: 'fail', check: 'Init', message: 'Init check failed: namespace late does not exist; missing permissions' } },
  { name: 'Init checks pass → Prepare, warnings kept', status: status(), obs: obs({ init: { failures: [], warnings: ['default tag on source'] } }), want: { kind: 'advance', to: 'Prepare', warnings: ['default tag on source'] } },
  { name: 'Init not observed yet → wait', status: status(), obs: obs(), want: { kind: 'wait' } },
  // Init: the config's analysis
  {
    name: 'Init: analyze finds an Error in the config → fail naming code, object, place, message and the fix',
    spec: withConfig,
    status: status(),
    obs: obs({ init: { failures: [], warnings: [], analyze: { failOn: 'Error', findings: [finding] } } }),
    want: {
      kind: 'fail',
      check: 'Init',
      message:
        'Init check failed: analyze found 1 finding(s) at or above Error in the config to import (./export through ./rules.yaml): MF0005 ReferencedResourceNotFound on VirtualService shop/reviews (export/shop/virtualservices/reviews.yaml:9): Referenced gateway not found: "shop/gone". Fix the objects in ./export or add a rule to ./rules.yaml, or suppress a finding with the annotation meshferry.dev/suppress: "<code>" on the object, or raise spec.config.analyze.failOn',
    },
  },
  { name: 'Init: other checks and the analysis both fail → one message with both', spec: withConfig, status: status(), obs: obs({ init: { failures: ['namespace late does not exist'], warnings: [], analyze: { failOn: 'Warning', findings: [finding] } } }), want: { kind: 'fail', check: 'Init' } },
  { name: 'Init: the config analyzes clean → Prepare', spec: withConfig, status: status(), obs: obs({ init: { failures: [], warnings: [], analyze: { failOn: 'Error', findings: [] } } }), want: { kind: 'advance', to: 'Prepare' } },
  { name: 'Init: spec.config but no analysis observed → wait, never advance unchecked', spec: withConfig, status: status(), obs: obs({ init: { failures: [], warnings: [] } }), want: { kind: 'wait' } },
  { name: 'Init: analyze failed, retry not bumped → stays failed', spec: withConfig, status: status({ failedCheck: { name: 'Init', retryCounter: 0 }, message: 'analyze found 1 finding(s)' }), obs: obs(), want: { kind: 'stopFailed' } },
  { name: 'Init: analyze failed, retried after the fix → Prepare', spec: { ...withConfig, retryCounter: 1 }, status: status({ failedCheck: { name: 'Init', retryCounter: 0 } }), obs: obs({ init: { failures: [], warnings: [], analyze: { failOn: 'Error', findings: [] } } }), want: { kind: 'advance', to: 'Prepare' } },
  // Prepare: the config import
  { name: 'Prepare: config objects to create or change → import them', spec: withConfig, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { config: { toImport: [{ ref: 'Namespace shop', change: 'create' }, { ref: 'VirtualService shop/reviews', change: 'change' }], skipped: [] }, proxyConfigReady: true, lacking: [], outside: [] } }), want: { kind: 'importConfig', objects: ['Namespace shop', 'VirtualService shop/reviews'] } },
  { name: 'Prepare: config not compared yet → wait', spec: withConfig, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { proxyConfigReady: true, lacking: [], outside: [] } }), want: { kind: 'wait' } },
  { name: 'Prepare: config imported, no required metadata → Migrating, skipped Secrets as a warning', spec: withConfig, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { config: { toImport: [], skipped: ['Secret shop/tls'] }, proxyConfigReady: true, lacking: [], outside: [] } }), want: { kind: 'advance', to: 'Migrating', warnings: ['not imported (create them in the target yourself): Secret shop/tls'] } },
  { name: 'Prepare: config and metadata → the import comes before the ProxyConfig', spec: withBoth, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { config: { toImport: toImport('VirtualService a/v'), skipped: [] }, proxyConfigReady: false, lacking: [wl('Deployment a/x', false, true)], outside: [] } }), want: { kind: 'importConfig', objects: ['VirtualService a/v'] } },
  { name: 'Prepare: config imported, ProxyConfig missing → create it', spec: withBoth, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { config: { toImport: [], skipped: [] }, proxyConfigReady: false, lacking: [], outside: [] } }), want: { kind: 'ensureProxyConfig' } },
  { name: 'Prepare: a pending config.import entry comes first, even with objects left to import', spec: withConfig, status: status({ phase: 'Prepare' }), obs: obs({ pending: [{ seq: 4, step: 'config.import', applied: false }], prepare: { config: { toImport: toImport('VirtualService a/v'), skipped: [] }, proxyConfigReady: true, lacking: [], outside: [] } }), want: { kind: 'settle', seq: 4, applied: false } },
  { name: 'Prepare: the import failed (ConfigImport), not retried → stays failed', spec: withConfig, status: status({ phase: 'Prepare', failedCheck: { name: 'ConfigImport', retryCounter: 0 } }), obs: obs(), want: { kind: 'stopFailed' } },
  { name: 'Prepare: the import failed, retried → import what is left', spec: { ...withConfig, retryCounter: 1 }, status: status({ phase: 'Prepare', failedCheck: { name: 'ConfigImport', retryCounter: 0 } }), obs: obs({ prepare: { config: { toImport: toImport('VirtualService a/v'), skipped: [] }, proxyConfigReady: true, lacking: [], outside: [] } }), want: { kind: 'importConfig', objects: ['VirtualService a/v'] } },
  // retryCounter
  { name: 'failed check, counter not bumped → stays failed', status: status({ failedCheck: { name: 'Init', retryCounter: 0 }, message: 'namespace late does not exist' }), obs: obs({ init: { failures: [], warnings: [] } }), want: { kind: 'stopFailed' } },
  { name: 'failed check, counter bumped → re-run: passes now', spec: { ...spec, retryCounter: 1 }, status: status({ failedCheck: { name: 'Init', retryCounter: 0 } }), obs: obs({ init: { failures: [], warnings: [] } }), want: { kind: 'advance', to: 'Prepare' } },
  { name: 'failed check, counter bumped → re-run: fails again', spec: { ...spec, retryCounter: 1 }, status: status({ failedCheck: { name: 'Init', retryCounter: 0 } }), obs: obs({ init: { failures: ['still missing'], warnings: [] } }), want: { kind: 'fail', check: 'Init' } },
  // Prepare
  { name: 'Prepare without required metadata → Migrating', status: status({ phase: 'Prepare' }), obs: obs(), want: { kind: 'advance', to: 'Migrating' } },
  { name: 'Prepare: ProxyConfig missing → create it', spec: withMetadata, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { proxyConfigReady: false, lacking: [wl('Deployment a/x', false, true)], outside: [] } }), want: { kind: 'ensureProxyConfig' } },
  { name: 'Prepare: pods lack metadata → restart as many as the first wave\'s maxUnavailable', spec: withMetadata, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { proxyConfigReady: true, proxyConfigServed: true, lacking: [wl('Deployment a/x', false, true), wl('Deployment a/y', false, true), wl('Deployment b/z', false, true)], outside: [] } }), want: { kind: 'restart', purpose: 'prepare', workloads: ['Deployment a/x', 'Deployment a/y'] } },
  { name: 'Prepare: ProxyConfig exists but a dry-run Pod lacks the metadata → wait, no restart', spec: withMetadata, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { proxyConfigReady: true, proxyConfigServed: 'istiod has not applied it yet', lacking: [wl('Deployment a/x', false, true)], outside: [] } }), want: { kind: 'wait' } },
  { name: 'Prepare: workloads to restart, the dry-run not made → wait, no restart', spec: withMetadata, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { proxyConfigReady: true, lacking: [wl('Deployment a/x', false, true)], outside: [] } }), want: { kind: 'wait' } },
  { name: 'Prepare: restarted, rolling → wait', spec: withMetadata, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { proxyConfigReady: true, lacking: [wl('Deployment a/x', true, false)], outside: [] } }), want: { kind: 'wait' } },
  { name: 'Prepare: restarted, rolled out, still lacking → fail ProxyMetadata', spec: withMetadata, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { proxyConfigReady: true, lacking: [wl('Deployment a/x', true, true)], outside: [] } }), want: { kind: 'fail', check: 'ProxyMetadata' } },
  { name: 'Prepare: every proxy carries it → Migrating, outside pods as a warning', spec: withMetadata, status: status({ phase: 'Prepare' }), obs: obs({ prepare: { proxyConfigReady: true, lacking: [], outside: ['c/p'] } }), want: { kind: 'advance', to: 'Migrating' } },
  // Migrating: a wave's life
  { name: 'wave Pending, target serving → opt in', status: status({ phase: 'Migrating' }), obs: obs({ wave: wave({ optedIn: false }) }), want: { kind: 'optIn', wave: 0, reapply: false } },
  { name: 'wave Pending, target not serving → fail TargetServing, opt-in not made', status: status({ phase: 'Migrating' }), obs: obs({ wave: wave({ serving: 'webhook failed', optedIn: false }) }), want: { kind: 'fail', check: 'TargetServing', wave: 0 } },
  { name: 'wave Pending with pauseBefore → pause', status: status({ phase: 'Migrating' }, ['Verified', 'Pending']), obs: obs({ wave: wave({ index: 1 }) }), want: { kind: 'pause', wave: 1 } },
  { name: 'wave Paused, still not released → pause again', status: status({ phase: 'Migrating' }, ['Verified', 'Paused']), obs: obs({ wave: wave({ index: 1 }) }), want: { kind: 'pause', wave: 1 } },
  {
    name: 'wave Paused, released by resume → opt in',
    status: (() => {
      const s = status({ phase: 'Migrating' }, ['Verified', 'Pending']);
      s.waves[1]!.released = true;
      return s;
    })(),
    obs: obs({ wave: wave({ index: 1, optedIn: false }) }),
    want: { kind: 'optIn', wave: 1 },
  },
  { name: 'wave OptedIn: restart up to maxUnavailable', status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ wave: wave({ workloads: [wl('Deployment a/x', false, true), wl('Deployment a/y', false, true), wl('Deployment a/z', false, true)] }) }), want: { kind: 'restart', purpose: 'wave', wave: 0, workloads: ['Deployment a/x', 'Deployment a/y'] } },
  { name: 'wave OptedIn: one rolling, room for one more', status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ wave: wave({ workloads: [wl('Deployment a/x', true, false), wl('Deployment a/y', false, true), wl('Deployment a/z', false, true)] }) }), want: { kind: 'restart', workloads: ['Deployment a/y'] } },
  { name: 'wave OptedIn: maxUnavailable rolling → wait', status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ wave: wave({ workloads: [wl('Deployment a/x', true, false), wl('Deployment a/y', true, false), wl('Deployment a/z', false, true)] }) }), want: { kind: 'wait' } },
  { name: 'wave OptedIn: an OnDelete StatefulSet rolling → wait and nudge it', status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ wave: wave({ workloads: [wl('StatefulSet a/db', true, false, true)] }) }), want: { kind: 'wait', nudge: ['StatefulSet a/db'] } },
  { name: 'wave OptedIn: all rolled out, a pod on the source → fail Verify naming it', status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ wave: wave({ workloads: [wl('Deployment a/x', true, true)], problems: [{ pod: 'a/x-1', reason: 'injected by revision default, not canary' }] }) }), want: { kind: 'fail', check: 'Verify', wave: 0, message: 'wave one: 1 pod(s) failed verification: a/x-1 (injected by revision default, not canary)' } },
  { name: 'wave OptedIn: all verified → Verified with counts', status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ wave: wave({ workloads: [wl('Deployment a/x', true, true)], verifiedPods: 2, untouchable: [{ kind: 'Pod', namespace: 'a', name: 'solo', reason: 'bare Pod' }] }) }), want: { kind: 'waveVerified', wave: 0, counts: { workloads: 1, restarted: 1, verifiedPods: 2, untouched: 1 } } },
  { name: 'wave OptedIn: the target stopped serving → revert the opt-in', status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ wave: wave({ serving: 'connection refused', workloads: [wl('Deployment a/x', true, false)] }) }), want: { kind: 'revertOptIn', wave: 0 } },
  {
    name: 'wave OptedIn: labels changed by someone else → pause (exit 1) naming the change, nothing put back',
    status: status({ phase: 'Migrating' }, ['OptedIn']),
    obs: obs({ wave: wave({ optedIn: false, drift: ['namespace a: istio.io/rev is "default", the opt-in sets "canary"'] }) }),
    want: { kind: 'pause', wave: 0, drift: true, message: expect.stringContaining('its opt-in was changed outside meshferry (namespace a: istio.io/rev is "default", the opt-in sets "canary"); nothing was put back') },
  },
  { name: 'wave Paused on drift, not released (a second apply) → still paused, exit 1', status: { ...status({ phase: 'Migrating' }), waves: [{ name: 'one', state: 'Paused', reason: 'wave one: changed', restartAt: '2026-11-29T12:00:00Z', counts: { workloads: 1, restarted: 1, verifiedPods: 0, untouched: 0 } }, { name: 'two', state: 'Pending', counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 } }] }, obs: obs({ wave: wave({ optedIn: false }) }), want: { kind: 'pause', wave: 0, drift: true, message: 'wave one: changed' } },
  { name: 'wave OptedIn: relabelled by hand, so the probe fails too → pause on the drift, not a revert', status: status({ phase: 'Migrating' }, ['OptedIn']), obs: obs({ wave: wave({ optedIn: false, serving: 'injected by default, not canary', drift: ['x'] }) }), want: { kind: 'pause', wave: 0, drift: true } },
  { name: 'wave Failed: labels changed by someone else → pause too', status: status({ phase: 'Migrating' }, ['Failed']), obs: obs({ wave: wave({ optedIn: false, drift: ['x'] }) }), want: { kind: 'pause', wave: 0, drift: true } },
  { name: 'wave released after a drift pause (it has a stamp) → opt in again with a new one', status: { ...status({ phase: 'Migrating' }), waves: [{ name: 'one', state: 'Pending', released: true, restartAt: '2026-11-29T12:00:00Z', counts: { workloads: 1, restarted: 1, verifiedPods: 0, untouched: 0 } }, { name: 'two', state: 'Pending', counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 } }] }, obs: obs({ wave: wave({ optedIn: false }) }), want: { kind: 'optIn', wave: 0, reapply: true } },
  { name: 'wave Reverted, target still down → blocked (exit 1)', status: status({ phase: 'Migrating' }, ['Reverted']), obs: obs({ wave: wave({ serving: 'connection refused', optedIn: false }) }), want: { kind: 'blocked', wave: 0 } },
  { name: 'wave Reverted, target back → opt in again', status: status({ phase: 'Migrating' }, ['Reverted']), obs: obs({ wave: wave({ optedIn: false }) }), want: { kind: 'optIn', wave: 0, reapply: true } },
  { name: 'wave Failed (verify), retried → verify again', spec: { ...spec, retryCounter: 1 }, status: status({ phase: 'Migrating', failedCheck: { name: 'Verify', retryCounter: 0 } }, ['Failed']), obs: obs({ wave: wave({ workloads: [wl('Deployment a/x', true, true)], verifiedPods: 2 }) }), want: { kind: 'waveVerified', wave: 0 } },
  { name: 'wave not observed yet → wait', status: status({ phase: 'Migrating' }), obs: obs(), want: { kind: 'wait' } },
  // Finish
  { name: 'all waves verified, a source pod remains → fail Finish', status: status({ phase: 'Migrating' }, ['Verified', 'Verified']), obs: obs({ finish: { sourcePods: ['a/late-1'], residue: [] } }), want: { kind: 'fail', check: 'Finish' } },
  { name: 'all waves verified, none remains → Finished with residue', status: status({ phase: 'Migrating' }, ['Verified', 'Verified']), obs: obs({ finish: { sourcePods: [], residue: ['injector webhook istio-sidecar-injector'] } }), want: { kind: 'finish', residue: ['injector webhook istio-sidecar-injector'] } },
  { name: 'Finished → done', status: status({ phase: 'Finished' }, ['Verified', 'Verified']), obs: obs(), want: { kind: 'done' } },
];

describe('reconcile', () => {
  it.each(rows)('$name', ({ spec: s, status: st, obs: o, want }) => {
    expect(reconcile(s ?? spec, st, o)).toMatchObject(want);
  });

  it('stops the CLI loop on done, pause (exit 0) and failures (exit 1), and goes on otherwise', () => {
    expect(terminal({ kind: 'done', message: '' })).toBe(0);
    expect(terminal({ kind: 'pause', wave: 0, message: '' })).toBe(0);
    expect(terminal({ kind: 'pause', wave: 0, message: '', drift: true })).toBe(1);
    expect(terminal({ kind: 'fail', check: 'x', message: '' })).toBe(1);
    expect(terminal({ kind: 'stopFailed', message: '' })).toBe(1);
    expect(terminal({ kind: 'blocked', wave: 0, message: '' })).toBe(1);
    expect(terminal({ kind: 'wait', message: '' })).toBeUndefined();
    expect(terminal({ kind: 'optIn', wave: 0, reapply: false })).toBeUndefined();
  });
});
