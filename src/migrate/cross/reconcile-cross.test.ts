// The CrossCluster step function as a table: each stage's observation gives one next action; no data is never quiet; finish needs every check.
import { describe, expect, it } from 'vitest';
import { initialStatus, type CrossStage, type MeshMigrationSpec, type MigrationStatus } from '../spec.js';
import { crossFinish, crossWave, prepareCross, type CrossWaveObservation } from './reconcile-cross.js';

const spec: MeshMigrationSpec = {
  mode: 'CrossCluster',
  source: { context: 'tcm', revision: '1-18-5' },
  target: { context: 'primary', revision: '1-31-1', clusters: ['primary'] },
  waves: [{ name: 'shop', namespaces: ['shop'], cluster: 'primary', scaleDownSource: true }, { name: 'pay', namespaces: ['pay'], pauseBefore: true }],
};

function at(stage: CrossStage | undefined, state: MigrationStatus['waves'][number]['state'] = 'OptedIn', wave = 0): MigrationStatus {
  const s = initialStatus(spec);
  s.phase = 'Migrating';
  s.waves[wave]!.state = state;
  if (stage) s.waves[wave]!.stage = stage;
  return s;
}
const seen = (stage: CrossStage, more: Partial<CrossWaveObservation> = {}): CrossWaveObservation => ({ index: 0, stage, cluster: 'primary', ...more });

describe('crossWave: one next action per stage', () => {
  it.each([
    { why: 'not observed yet', status: at(undefined, 'Pending'), obs: undefined, want: { kind: 'wait' } },
    { why: 'observed at another stage (a stale read)', status: at('Workloads'), obs: seen('Namespaces'), want: { kind: 'wait' } },
    { why: 'Secrets missing in the target stop the wave before any write', status: at(undefined, 'Pending'), obs: seen('Namespaces', { secretsMissing: ['shop/db (Deployment shop/cart: env DB)'], namespacesToWrite: ['shop'] }), want: { kind: 'fail', check: 'SecretsMissing', message: expect.stringContaining('shop/db') } },
    { why: 'namespaces to create or label', status: at(undefined, 'Pending'), obs: seen('Namespaces', { namespacesToWrite: ['shop'] }), want: { kind: 'createNamespaces', namespaces: ['shop'] } },
    { why: 'the target injector does not serve', status: at('Namespaces'), obs: seen('Namespaces', { namespacesToWrite: [], serving: 'webhook down' }), want: { kind: 'fail', check: 'TargetServing', message: expect.stringContaining('webhook down') } },
    { why: 'namespaces ready: on to Workloads', status: at('Namespaces'), obs: seen('Namespaces', { namespacesToWrite: [], serving: true }), want: { kind: 'crossStage', stage: 'Workloads' } },
    { why: 'objects to copy', status: at('Workloads'), obs: seen('Workloads', { toCopy: ['Deployment shop/a'] }), want: { kind: 'copyObjects', refs: ['Deployment shop/a'] } },
    { why: 'copy: false waits for the pipeline', status: at('Workloads'), obs: seen('Workloads', { awaited: ['Deployment shop/a'] }), want: { kind: 'wait', message: expect.stringContaining('your pipeline deploys them') } },
    { why: 'everything copied: on to Ready', status: at('Workloads'), obs: seen('Workloads', { toCopy: [], leftAlone: ['x'] }), want: { kind: 'crossStage', stage: 'Ready' } },
    { why: 'a pod injected by someone else fails verification', status: at('Ready'), obs: seen('Ready', { problems: [{ pod: 'shop/a-1', reason: 'injected by revision 1-18-5, not 1-31-1' }], notReady: ['y'] }), want: { kind: 'fail', check: 'Verify' } },
    { why: 'not ready yet', status: at('Ready'), obs: seen('Ready', { problems: [], notReady: ['Deployment shop/a: 1 ready replica(s), the source has 2'] }), want: { kind: 'wait', message: expect.stringContaining('the source has 2') } },
    { why: 'ready: on to Shifting, with counts', status: at('Ready'), obs: seen('Ready', { problems: [], notReady: [], workloads: 2, verifiedPods: 3 }), want: { kind: 'crossStage', stage: 'Shifting', counts: { workloads: 2, verifiedPods: 3 } } },
    { why: 'a shift that rolled back fails the wave', status: at('Shifting'), obs: seen('Shifting', { shifts: [{ file: 'a.yaml', ref: 'shop/a', done: false, failed: 'gate error-rate failed twice' }] }), want: { kind: 'fail', check: 'Shift', message: expect.stringContaining('shop/a') } },
    { why: 'a shift still running is ticked', status: at('Shifting'), obs: seen('Shifting', { shifts: [{ file: 'a.yaml', done: true }, { file: 'b.yaml', done: false }] }), want: { kind: 'shiftTick', file: 'b.yaml' } },
    { why: 'shifts done: on to ScalingDown', status: at('Shifting'), obs: seen('Shifting', { shifts: [{ file: 'a.yaml', done: true }] }), want: { kind: 'crossStage', stage: 'ScalingDown' } },
    { why: 'the source quiet: scale it down, naming HPAs', status: at('ScalingDown'), obs: seen('ScalingDown', { toScale: ['Deployment shop/a'], autoscalers: ['HorizontalPodAutoscaler shop/a'], quiet: { verdict: 'quiet', evidence: [] } }), want: { kind: 'scaleDown', refs: ['Deployment shop/a'], autoscalers: ['HorizontalPodAutoscaler shop/a'] } },
    { why: 'the source busy: wait', status: at('ScalingDown'), obs: seen('ScalingDown', { toScale: ['Deployment shop/a'], quiet: { verdict: 'busy', evidence: ['shop/a: 3 req/s'] } }), want: { kind: 'wait', message: expect.stringContaining('still receive requests') } },
    { why: 'no data is never quiet', status: at('ScalingDown'), obs: seen('ScalingDown', { toScale: ['Deployment shop/a'], quiet: { verdict: 'noData', evidence: ['no series'] } }), want: { kind: 'wait', message: expect.stringContaining('never takes that for quiet') } },
    { why: 'nothing left to scale: the wave is verified', status: at('ScalingDown'), obs: seen('ScalingDown', { toScale: [] }), want: { kind: 'crossVerified', wave: 0 } },
  ])('$why', ({ status, obs, want }) => {
    expect(crossWave(spec, status, 0, obs)).toMatchObject(want);
  });

  it('pauses before a wave that asks for it, and goes on once resume released it', () => {
    const s = at(undefined, 'Pending', 1);
    s.waves[0]!.state = 'Verified';
    const obs = { ...seen('Namespaces', { namespacesToWrite: ['pay'] }), index: 1 };
    expect(crossWave(spec, s, 1, obs)).toMatchObject({ kind: 'pause', wave: 1 });
    s.waves[1]!.released = true;
    expect(crossWave(spec, s, 1, obs)).toMatchObject({ kind: 'createNamespaces', wave: 1 });
  });
});

describe('prepareCross and crossFinish', () => {
  it('creates a missing remote secret, refuses a foreign one, and has nothing to do when all are present', () => {
    expect(prepareCross(undefined)).toMatchObject({ kind: 'wait' });
    expect(prepareCross({ remoteSecretsMissing: ['remote'], remoteSecretsForeign: [] })).toEqual({ kind: 'ensureRemoteSecret', cluster: 'remote' });
    expect(prepareCross({ remoteSecretsMissing: ['remote'], remoteSecretsForeign: ['eu: made by someone else'] })).toMatchObject({ kind: 'fail', check: 'RemoteSecret', message: expect.stringContaining('eu: made by someone else') });
    expect(prepareCross({ remoteSecretsMissing: [], remoteSecretsForeign: [] })).toBeUndefined();
  });

  it('finishes only when every check passes or is skipped; not proven fails and says so', () => {
    expect(crossFinish(undefined)).toMatchObject({ kind: 'wait' });
    expect(crossFinish([{ name: 'SourcePods', verdict: 'pass', evidence: [] }, { name: 'OldGatewayTraffic', verdict: 'skipped', evidence: [] }])).toMatchObject({ kind: 'finishCross' });
    expect(crossFinish([{ name: 'SourcePods', verdict: 'pass', evidence: [] }, { name: 'OldGatewayTraffic', verdict: 'notProven', evidence: ['no data for q'] }])).toMatchObject({ kind: 'fail', check: 'Finish', message: 'finish check OldGatewayTraffic not proven: no data for q' });
    expect(crossFinish([{ name: 'SourcePods', verdict: 'fail', evidence: ['tcm/Deployment shop/a: replicas 1'] }])).toMatchObject({ kind: 'fail', message: expect.stringContaining('SourcePods failed: tcm/Deployment shop/a: replicas 1') });
    // What waiting can end (pods terminating, the old gateway's last requests in the window) waits; never a pass.
    const going = { name: 'SourcePods' as const, verdict: 'fail' as const, evidence: ['pod shop/a-1 in context tcm is Running'], transient: true };
    const settling = { name: 'OldGatewayTraffic' as const, verdict: 'notProven' as const, evidence: ['counter moved in the window'], transient: true };
    expect(crossFinish([going, settling])).toMatchObject({ kind: 'wait', message: expect.stringContaining('waiting for the finish checks') });
    expect(crossFinish([going, { ...settling, transient: undefined }])).toMatchObject({ kind: 'fail' });
  });
});
