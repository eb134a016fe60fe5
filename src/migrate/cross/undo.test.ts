// The undo of single CrossCluster entries: which entries can be meshferry's (a table), and each undo against an in-memory API server (deleted, restored, refused, already as recorded).
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryApiServer } from '../../../test/support/kube/memory-apiserver.js';
import { Journal, type JournalEntry } from '../../journal/journal.js';
import type { KubeObject } from '../../resources/object.js';
import { STEP } from '../act.js';
import { MigrationClusters } from '../clusters.js';
import { copyable } from '../config.js';
import { MIGRATION_API_VERSION, MIGRATION_KIND, type MeshMigrationSpec } from '../spec.js';
import { crossEntryProblem, undoChanged, undoCreated, undoScale, undoShift, type CrossUndoContext } from './undo.js';

const SPEC: MeshMigrationSpec = {
  mode: 'CrossCluster',
  source: { context: 'src', revision: 'old' },
  target: { context: 'home', revision: 'new', clusters: ['home', 'remote'] },
  waves: [{ name: 'shop', namespaces: ['shop'], cluster: 'remote', shifts: ['./shift.yaml'] }],
};

const entry = (step: string, target: Record<string, string>, before: unknown, extra: Partial<JournalEntry> = {}): JournalEntry => ({
  seq: 1,
  step,
  target: target as unknown as JournalEntry['target'],
  before,
  intent: { wave: 0, state: {} },
  state: 'done',
  at: '2026-11-30T01:00:00Z',
  ...extra,
});
const web = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const cm = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' };

describe('crossEntryProblem: an entry alone never decides what rollback deletes, restores or scales', () => {
  it.each<[string, JournalEntry, RegExp | undefined]>([
    ['a scale-down of a source Deployment', entry(STEP.scale, { ...web, context: 'src' }, { replicas: 3 }, { intent: { wave: 0, state: { replicas: 0 } } }), undefined],
    ['a scale that did not go to 0 (meshferry only scales down to 0)', entry(STEP.scale, { ...web, context: 'src' }, { replicas: 3 }, { intent: { wave: 0, state: { replicas: 5 } } }), /its intent is not \{replicas: 0\}/],
    ['a scale of a workload outside the wave\'s namespaces', entry(STEP.scale, { ...web, namespace: 'kube-system', name: 'coredns', context: 'src' }, { replicas: 2 }, { intent: { wave: 0, state: { replicas: 0 } } }), /not in the namespaces of the wave/],
    ['a copy outside the wave\'s namespaces', entry(STEP.copy, { ...cm, namespace: 'payments', context: 'remote' }, { object: null }), /not in the namespaces of the wave/],
    ['a namespace that is not the wave\'s', entry(STEP.crossNamespace, { apiVersion: 'v1', kind: 'Namespace', name: 'payments', context: 'remote' }, { object: null }), /not a namespace of the wave/],
    ['a remote secret of a cluster the migration does not name', entry(STEP.remoteSecret, { apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: 'istio-remote-secret-prod' }, { object: null }), /not the remote secret of a remote/],
    ['a reader object under another name', entry(STEP.created, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'cluster-admin', context: 'remote' }, { object: null }), /not one of the remote reader's objects/],
    ['a shift naming no shift file of its wave', entry(STEP.shift, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', namespace: 'shop', name: 's' }, { object: null }, { intent: { wave: 0, shift: './other.yaml', state: {} } }), /names no shift file of the wave/],
    ['a scale of a DaemonSet (it has no replicas to restore)', entry(STEP.scale, { ...web, kind: 'DaemonSet', context: 'src' }, { replicas: 3 }), /DaemonSet shop\/web in context "src" is not what a xc.scale step writes/],
    ['a scale recording labels', entry(STEP.scale, { ...web, context: 'src' }, { labels: { app: null } }), /prior state other than \{replicas: n\}/],
    ['a scale recording negative replicas', entry(STEP.scale, { ...web, context: 'src' }, { replicas: -1 }), /prior state other than/],
    ['a scale aimed at the target cluster', entry(STEP.scale, { ...web, context: 'remote' }, { replicas: 3 }, { intent: { wave: 0, state: { replicas: 0 } } }), /xc\.scale step acts on the source cluster \("src"\), not on context "remote"/],
    ['a copy meshferry created in its wave\'s cluster', entry(STEP.copy, { ...cm, context: 'remote' }, { object: null }), undefined],
    ['a copy that changed a prior object', entry(STEP.copy, { ...cm, context: 'remote' }, { object: { ...cm, metadata: { name: 'cfg', namespace: 'shop' } } }), undefined],
    ['a copy whose prior object is another one', entry(STEP.copy, { ...cm, context: 'remote' }, { object: { ...cm, metadata: { name: 'other', namespace: 'shop' } } }), /prior state is not \{object: null\} nor that very object/],
    ['a copy of a ClusterRoleBinding (not a kind a wave copies)', entry(STEP.copy, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'admin', context: 'remote' }, { object: null }), /is not what a xc\.copy step writes/],
    ['a copy of a Secret (Secrets go by xc.secret, digest only)', entry(STEP.copy, { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 's', context: 'remote' }, { object: null }), /not what a xc\.copy step writes/],
    ['a copy in the source cluster (its wave copies into remote)', entry(STEP.copy, { ...cm, context: 'src' }, { object: null }), /wave shop's cluster \("remote"\), not on context "src"/],
    ['a copy without context: home, not its wave\'s cluster', entry(STEP.copy, cm, { object: null }), /not on context "home"/],
    ['a namespace recording a prior object', entry(STEP.crossNamespace, { apiVersion: 'v1', kind: 'Namespace', name: 'shop', context: 'remote' }, { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } }), /meshferry only creates these/],
    ['a namespace meshferry created', entry(STEP.crossNamespace, { apiVersion: 'v1', kind: 'Namespace', name: 'shop', context: 'remote' }, { object: null }), undefined],
    ['a Secret step aimed at a ConfigMap', entry(STEP.secret, { ...cm, context: 'remote' }, { object: null }), /not what a xc\.secret step writes/],
    ['the remote secret in home', entry(STEP.remoteSecret, { apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: 'istio-remote-secret-remote' }, { object: null }), undefined],
    ['the remote secret in a remote', entry(STEP.remoteSecret, { apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: 'istio-remote-secret-remote', context: 'remote' }, { object: null }), /home cluster/],
    ['the reader ClusterRole in the remote', entry(STEP.created, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'istio-reader-clusterrole-istio-system', context: 'remote' }, { object: null }), undefined],
    ['a reader object of another kind', entry(STEP.created, { ...web, context: 'remote' }, { object: null }), /not what a xc\.created step writes/],
    ['a shift aimed at a Deployment', entry(STEP.shift, web, { object: null }), /not what a xc\.shift step writes/],
    ['a shift in home', entry(STEP.shift, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', namespace: 'shop', name: 's' }, { object: null }, { intent: { wave: 0, shift: './shift.yaml', state: {} } }), undefined],
    ['an in-place step', entry(STEP.restart, web, { restartedAt: null }), /not a CrossCluster step/],
  ])('%s', (_name, e, want) => {
    const why = crossEntryProblem(e, SPEC, 'home');
    if (want) expect(why).toMatch(want);
    else expect(why).toBeUndefined();
  });

  it.each<[string, string, boolean]>([
    ['apps/v1', 'Deployment', true],
    ['apps/v1', 'StatefulSet', true],
    ['v1', 'ConfigMap', true],
    ['v1', 'Namespace', true],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', true],
    ['policy/v1', 'PodDisruptionBudget', true],
    ['networking.k8s.io/v1', 'NetworkPolicy', true],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding', true],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', false],
    ['v1', 'Secret', false],
    ['v1', 'Pod', false],
    ['networking.istio.io/v1', 'VirtualService', false],
    ['example.com/v1', 'Deployment', false],
  ])('copyable(%s, %s) is %s', (apiVersion, kind, want) => {
    expect(copyable(apiVersion, kind)).toBe(want);
  });
});

const servers: MemoryApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const mine = (time = '2026-11-30T01:00:00Z') => [{ manager: 'meshferry', operation: 'Apply', time, apiVersion: 'v1', fieldsType: 'FieldsV1' }];

/** A home cluster holding the journal, and a remote one the entries act on. */
async function setup(): Promise<{ ctx: CrossUndoContext; journal: Journal; remote: MemoryApiServer; add: (e: Omit<JournalEntry, 'seq' | 'state' | 'at'>, result?: unknown) => Promise<JournalEntry> }> {
  const home = await MemoryApiServer.start();
  const remote = await MemoryApiServer.start();
  servers.push(home.server, remote.server);
  const m = home.server.seed({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, metadata: { name: 'mig' }, spec: {} });
  const localDir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-undo-'));
  const journal = await Journal.open(home.client, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'mig', uid: String(m.metadata.uid) }, { localDir });
  const clusters = new MigrationClusters(home.client, { set: { client: () => Promise.resolve(remote.client) }, allowed: ['remote'] });
  const add = async (e: Omit<JournalEntry, 'seq' | 'state' | 'at'>, result?: unknown) => {
    const [x] = await journal.beginMany([{ step: e.step, ...(e.target ? { target: e.target } : {}), before: e.before, intent: e.intent }]);
    await journal.finish(x!.seq, result);
    return journal.entries().find((y) => y.seq === x!.seq)!;
  };
  return { ctx: { clusters, journal, access: { clusters }, spec: SPEC, pollMs: 5 }, journal, remote: remote.server, add };
}
const rollbacks = (j: Journal) => j.entries().filter((e) => e.step === STEP.rollback).map((e) => ({ intent: e.intent, state: e.state, target: e.target, ...(e.result === undefined ? {} : { result: e.result }) }));
const CM_PATH = '/api/v1/namespaces/shop/configmaps/cfg';

describe('undoCreated', () => {
  it('deletes the copy meshferry created, with uid and resourceVersion preconditions, journaled as undoing its step', async () => {
    const { ctx, journal, remote, add } = await setup();
    const live = remote.seed({ ...cm, metadata: { name: 'cfg', namespace: 'shop', managedFields: mine() }, data: { a: '1' } } as KubeObject);
    const e = await add({ step: STEP.copy, target: { ...cm, context: 'remote' }, before: { object: null }, intent: { wave: 0, state: { object: live } } }, { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion, created: true });
    expect(await undoCreated(ctx, [e])).toEqual({ restored: `deleted ConfigMap shop/cfg in context "remote" (created by xc.copy, step ${e.seq})` });
    expect(remote.objects.has(CM_PATH)).toBe(false);
    const del = remote.writes.find((w) => w.method === 'DELETE')!;
    expect(JSON.parse(del.body)).toMatchObject({ preconditions: { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion } });
    expect(rollbacks(journal)).toEqual([{ intent: { undoes: e.seq, state: { object: null } }, state: 'done', target: { ...cm, context: 'remote' } }]);
  });

  it('leaves an object someone made again under the same name (another uid), naming it', async () => {
    const { ctx, journal, remote, add } = await setup();
    remote.seed({ ...cm, metadata: { name: 'cfg', namespace: 'shop', managedFields: mine() } } as KubeObject);
    const e = await add({ step: STEP.copy, target: { ...cm, context: 'remote' }, before: { object: null }, intent: { wave: 0, state: {} } }, { uid: 'uid-old', resourceVersion: '1', created: true });
    const o = await undoCreated(ctx, [e]);
    expect(o.refused).toMatch(/^ConfigMap shop\/cfg in context "remote": it is not the object meshferry created \(uid uid-\d+, meshferry recorded uid-old\)/);
    expect(remote.objects.has(CM_PATH)).toBe(true);
    expect(remote.writes).toEqual([]);
    expect(rollbacks(journal)).toEqual([]);
  });

  it('refuses a recorded uid on an object meshferry never wrote (a forged entry that copied a live uid)', async () => {
    const { ctx, remote, add } = await setup();
    const live = remote.seed({ ...cm, metadata: { name: 'cfg', namespace: 'shop', managedFields: [{ manager: 'kubectl', operation: 'Update', time: '2026-11-30T01:00:00Z' }] } } as KubeObject);
    const e = await add({ step: STEP.copy, target: { ...cm, context: 'remote' }, before: { object: null }, intent: { wave: 0, state: {} } }, { uid: live.metadata.uid, resourceVersion: '1', created: true });
    expect((await undoCreated(ctx, [e])).refused).toMatch(/carries no write by meshferry/);
    expect(remote.objects.has(CM_PATH)).toBe(true);
  });

  it('refuses a recorded uid on an object someone else created and meshferry only wrote to later (a forged entry on a namespace meshferry relabelled)', async () => {
    const { ctx, remote, add } = await setup();
    const live = remote.seed({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', managedFields: [{ manager: 'kubectl-create', operation: 'Update', time: '2026-11-30T00:00:00Z' }, { manager: 'meshferry', operation: 'Update', time: '2026-11-30T01:00:00Z' }] },
    });
    const e = await add({ step: STEP.crossNamespace, target: { apiVersion: 'v1', kind: 'Namespace', name: 'shop', context: 'remote' }, before: { object: null }, intent: { wave: 0, state: {} } }, { uid: live.metadata.uid, resourceVersion: '1', created: true });
    expect((await undoCreated(ctx, [e])).refused).toMatch(/others wrote it before meshferry did \(kubectl-create\), so meshferry did not create it/);
    expect(remote.writes).toEqual([]);
  });

  it.each<[string, unknown[], boolean]>([
    ['meshferry alone', mine(), true],
    ['meshferry, and its status written by the controller (a Deployment\'s revision goes through UpdateStatus)', [...mine(), { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', time: '2026-11-30T01:00:01Z' }], true],
    ['meshferry and kubectl', [...mine(), { manager: 'kubectl-edit', operation: 'Update', time: '2026-11-30T01:00:01Z' }], false],
  ])('without a recorded uid (settled by looking), deletes only what meshferry alone wrote: %s', async (_name, managedFields, deleted) => {
    const { ctx, remote, add } = await setup();
    remote.seed({ ...cm, metadata: { name: 'cfg', namespace: 'shop', managedFields } } as KubeObject);
    const e = await add({ step: STEP.copy, target: { ...cm, context: 'remote' }, before: { object: null }, intent: { wave: 0, state: {} } }, { settled: 'found applied in the cluster on resume' });
    const o = await undoCreated(ctx, [e]);
    expect(remote.objects.has(CM_PATH)).toBe(!deleted);
    if (!deleted) expect(o.refused).toMatch(/recorded no uid, and others wrote the live object too \(kubectl-edit\)/);
  });

  it('records an object already gone as already restored', async () => {
    const { ctx, journal, add } = await setup();
    const e = await add({ step: STEP.copy, target: { ...cm, context: 'remote' }, before: { object: null }, intent: { wave: 0, state: {} } }, { uid: 'u', resourceVersion: '1', created: true });
    expect(await undoCreated(ctx, [e])).toEqual({ already: true });
    expect(rollbacks(journal)).toEqual([{ intent: { undoes: e.seq, state: { object: null } }, state: 'done', target: { ...cm, context: 'remote' }, result: { alreadyRestored: true } }]);
  });

  it('journals a Secret\'s delete without its target (the journal holds Secrets only by digest)', async () => {
    const { ctx, journal, remote, add } = await setup();
    const secret = { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'tls' };
    const live = remote.seed({ ...secret, metadata: { name: 'tls', namespace: 'shop', managedFields: [{ manager: 'meshferry', operation: 'Update', time: '2026-11-30T01:00:00Z' }] }, data: { k: 'c2VjcmV0' } } as KubeObject);
    const e = await add({ step: STEP.secret, target: { ...secret, context: 'remote' }, before: { object: null }, intent: { wave: 0, state: { secretDigest: `hmac-sha256:${'b'.repeat(12)}:${'a'.repeat(64)}` } } }, { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion, created: true });
    expect((await undoCreated(ctx, [e])).restored).toMatch(/^deleted Secret shop\/tls/);
    expect(remote.objects.has('/api/v1/namespaces/shop/secrets/tls')).toBe(false);
    expect(rollbacks(journal)).toEqual([{ intent: { undoes: e.seq, deletes: 'Secret shop/tls in context "remote"' }, state: 'done', target: undefined }]);
    expect(JSON.stringify(journal.entries())).not.toContain('c2VjcmV0');
  });

  it('keeps a namespace that holds an object rollback left alone', async () => {
    const { ctx, remote, add } = await setup();
    const live = remote.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', managedFields: mine() } });
    const e = await add({ step: STEP.crossNamespace, target: { apiVersion: 'v1', kind: 'Namespace', name: 'shop', context: 'remote' }, before: { object: null }, intent: { wave: 0, state: {} } }, { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion, created: true });
    const o = await undoCreated({ ...ctx, kept: new Set(['remote\0shop']) }, [e]);
    expect(o.refused).toMatch(/Namespace shop in context "remote": meshferry created it, but it holds an object rollback left alone/);
    expect(remote.objects.has('/api/v1/namespaces/shop')).toBe(true);
    expect((await undoCreated(ctx, [e])).restored).toMatch(/^deleted Namespace shop/);
  });
});

describe('undoChanged', () => {
  const prior: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { a: 'before' } };
  it('puts the prior object back while the live one is at the resourceVersion meshferry left; refuses once someone changed it', async () => {
    const { ctx, journal, remote, add } = await setup();
    const live = remote.seed({ ...prior, metadata: { ...prior.metadata, managedFields: mine() }, data: { a: 'copied' } });
    const e = await add({ step: STEP.copy, target: { ...cm, context: 'remote' }, before: { object: prior }, intent: { wave: 0, state: {} } }, { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion, created: false });
    expect((await undoChanged(ctx, [e])).restored).toMatch(/^restored ConfigMap shop\/cfg in context "remote"/);
    expect(remote.objects.get(CM_PATH)!.data).toEqual({ a: 'before' });
    expect(rollbacks(journal)[0]).toMatchObject({ intent: { undoes: e.seq, state: { object: prior } }, state: 'done' });

    remote.seed({ ...prior, metadata: { ...prior.metadata, managedFields: mine() }, data: { a: 'edited' } });
    const o = await undoChanged(ctx, [e]);
    expect(o.refused).toMatch(/was changed after meshferry's copy \(resourceVersion \d+, meshferry left \d+\); meshferry will not overwrite it/);
    expect(remote.objects.get(CM_PATH)!.data).toEqual({ a: 'edited' });
  });
});

describe('undoScale', () => {
  it.each<[string, number, { restored?: RegExp; refused?: RegExp; already?: true }, number]>([
    ['still at the 0 meshferry scaled it to: back to 3', 0, { restored: /^scaled Deployment shop\/web in context "remote" back to 3 replica\(s\)/ }, 3],
    ['already back at 3', 3, { already: true }, 3],
    ['scaled to 5 by someone since: left alone', 5, { refused: /was scaled to 5 by someone else after meshferry scaled it to 0/ }, 5],
  ])('%s', async (_name, now, want, after) => {
    const { ctx, remote, add } = await setup();
    remote.seed({ ...web, metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: now } } as KubeObject);
    const e = await add({ step: STEP.scale, target: { ...web, context: 'remote' }, before: { replicas: 3 }, intent: { wave: 0, state: { replicas: 0 } } });
    const o = await undoScale(ctx, e);
    if (want.restored) expect(o.restored).toMatch(want.restored);
    if (want.refused) expect(o.refused).toMatch(want.refused);
    if (want.already) expect(o).toEqual({ already: true });
    expect(remote.objects.get('/apis/apps/v1/namespaces/shop/deployments/web')!.spec).toEqual({ replicas: after });
  });
});

describe('undoShift', () => {
  const ts = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', namespace: 'shop', name: 'to-new' };
  it('names the shift as not undone without a reverseShift, and journals a refused reversal as failed', async () => {
    const { ctx, journal, add } = await setup();
    const e = await add({ step: STEP.shift, target: ts, before: { object: null }, intent: { wave: 0, state: {} } });
    expect((await undoShift(ctx, [e])).refused).toMatch(/its traffic was not moved back \(this rollback was given no way to reverse a shift\)/);
    const calls: number[] = [];
    const o = await undoShift({ ...ctx, reverseShift: (x) => (calls.push(x.seq), Promise.resolve({ refused: 'the weights were edited by someone' })) }, [e]);
    expect(o.refused).toBe('TrafficShift shop/to-new: the weights were edited by someone');
    expect(calls).toEqual([e.seq]);
    expect(rollbacks(journal)).toEqual([{ intent: { reverses: e.seq }, state: 'failed', target: ts, result: { reason: 'the weights were edited by someone' } }]);
  });
});
