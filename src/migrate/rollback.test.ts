// Rollback with entries that name clusters: a foreign context, and CrossCluster steps in an InPlace journal, are named and left alone; the rest is still undone. CrossCluster's order and refusals.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, type JournalEntry } from '../journal/journal.js';
import type { KubeObject } from '../resources/object.js';
import type { ObjectClient } from '../kube/object-client.js';
import { MemoryApiServer } from '../../test/support/kube/memory-apiserver.js';
import { STEP } from './act.js';
import { MigrationClusters } from './clusters.js';
import { crossRollbackStages, rollbackMigration, rollbackOrder } from './rollback.js';
import { MIGRATION_API_VERSION, MIGRATION_KIND } from './spec.js';

const servers: MemoryApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('rollbackMigration across clusters', () => {
  it('names a foreign-context entry and a CrossCluster step, touches neither, and restores the rest in the cluster each names', async () => {
    const home = await MemoryApiServer.start();
    const remote = await MemoryApiServer.start();
    servers.push(home.server, remote.server);
    const res = home.client.discovery.resourceFor('meshferry.dev', MIGRATION_KIND)!;
    const m = home.server.seed({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, metadata: { name: 'mig' }, spec: { target: { revision: 'new' }, waves: [] }, status: { phase: 'Migrating', message: '', retryCounter: 0, observedGeneration: 1, conditions: [], waves: [] } });
    home.server.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 0 } });
    remote.server.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 0, template: { metadata: { labels: { app: 'web', 'istio.io/rev': 'new' } } } } });
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-rb-'));
    const journal = await Journal.open(home.client, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'mig', uid: String(m.metadata.uid) }, { localDir });
    const web = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
    const entries = await journal.beginMany([
      // A pod-template label meshferry set in the remote cluster: restored there.
      { step: STEP.template, target: { ...web, context: 'remote' }, before: { labels: { 'istio.io/rev': null } }, intent: { state: { labels: { 'istio.io/rev': 'new' } } } },
      { step: STEP.scale, target: { ...web, context: 'remote' }, before: { replicas: 3 }, intent: { state: { replicas: 0 } } },
      { step: STEP.template, target: { ...web, context: 'prod-admin' }, before: { labels: { app: null } }, intent: { state: { labels: { app: 'x' } } } },
    ]);
    await journal.finishMany(entries.map((e) => ({ seq: e.seq })));
    const set = { client: (ctx: string | undefined): Promise<ObjectClient> => (ctx === 'remote' ? Promise.resolve(remote.client) : Promise.reject(new Error(`opened ${ctx}`))) };
    const clusters = new MigrationClusters(home.client, { set, allowed: ['remote'] });
    const writesBefore = { home: home.server.writes.length, remote: remote.server.writes.length };
    const r = await rollbackMigration({ client: home.client, clusters, resource: res, name: 'mig', journal: { localDir }, timeoutMs: 1000, pollMs: 10 });
    expect(r.exit).toBe(1);
    expect(r.status.message).toContain('journal entry 3 (optIn.template Deployment shop/web in context "prod-admin") names context "prod-admin", which this migration does not use');
    expect(r.status.message).toContain('journal entry 2 (xc.scale Deployment shop/web in context "remote"): a CrossCluster step in a migration whose mode is not CrossCluster');
    expect(remote.server.objects.get('/apis/apps/v1/namespaces/shop/deployments/web')!.spec).toEqual({ replicas: 0, template: { metadata: { labels: { app: 'web' } } } });
    expect(home.server.objects.get('/apis/apps/v1/namespaces/shop/deployments/web')!.spec).toEqual({ replicas: 0 });
    // The remote saw one write (the template restore); home only journal and status writes.
    expect(remote.server.writes.length - writesBefore.remote).toBe(1);
    expect(home.server.writes.slice(writesBefore.home).every((w) => w.path.includes('/configmaps/') || w.path.includes('/meshmigrations/'))).toBe(true);
  });
});

describe('rollbackMigration and forged entries', () => {
  it.each<[string, string, unknown, unknown]>([
    ['a ProxyConfig step whose target is a Deployment (its undo would delete it)', STEP.proxyConfig, { proxyConfig: null }, { proxyConfig: { replicas: 2 } }],
    ['a label step recording a whole object (only the config import restores objects, with its trust checks)', STEP.template, { object: null }, { labels: { a: 'b' } }],
    ['a tag step aimed at a Deployment', STEP.tag, { tag: { revision: 'x', clientConfigs: [] } }, { labels: { a: 'b' } }],
  ])('refuses %s, naming it, and leaves the object alone', async (_why, step, before, wrote) => {
    const home = await MemoryApiServer.start();
    servers.push(home.server);
    const res = home.client.discovery.resourceFor('meshferry.dev', MIGRATION_KIND)!;
    const m = home.server.seed({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, metadata: { name: 'mig' }, spec: { target: { revision: 'new' }, waves: [] }, status: { phase: 'Migrating', message: '', retryCounter: 0, observedGeneration: 1, conditions: [], waves: [] } });
    home.server.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system' }, spec: { replicas: 2 } });
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-rb-'));
    const journal = await Journal.open(home.client, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'mig', uid: String(m.metadata.uid) }, { localDir });
    const [e] = await journal.beginMany([{ step, target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'kube-system', name: 'coredns' }, before, intent: { state: wrote } }]);
    await journal.finish(e!.seq);
    const r = await rollbackMigration({ client: home.client, resource: res, name: 'mig', journal: { localDir }, timeoutMs: 1000, pollMs: 10 });
    expect(r.exit).toBe(1);
    expect(r.status.message).toMatch(new RegExp(`journal entry 1 \\(${step.replace('.', '\\.')} Deployment kube-system/coredns\\): .*leaves it alone`));
    expect(home.server.objects.get('/apis/apps/v1/namespaces/kube-system/deployments/coredns')!.spec).toEqual({ replicas: 2 });
  });
});

describe('rollbackMigration groups config imports per cluster', () => {
  it('undoes two imports of one name in two clusters each in its own cluster (sameTarget compares target.context)', async () => {
    const home = await MemoryApiServer.start();
    const remote = await MemoryApiServer.start();
    servers.push(home.server, remote.server);
    const res = home.client.discovery.resourceFor('meshferry.dev', MIGRATION_KIND)!;
    const m = home.server.seed({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, metadata: { name: 'mig' }, spec: { target: { revision: 'new' }, waves: [] }, status: { phase: 'Migrating', message: '', retryCounter: 0, observedGeneration: 1, conditions: [], waves: [] } });
    const managedFields = [{ manager: 'meshferry', operation: 'Apply', time: '2026-11-30T01:00:00Z', apiVersion: 'v1', fieldsType: 'FieldsV1' }];
    const inHome = home.server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', managedFields } });
    const inRemote = remote.server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', managedFields } });
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-rb-'));
    const journal = await Journal.open(home.client, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'mig', uid: String(m.metadata.uid) }, { localDir });
    const ns = { apiVersion: 'v1', kind: 'Namespace', name: 'shop' };
    const entries = await journal.beginMany([
      { step: STEP.import, target: ns, before: { object: null }, intent: { state: { object: { ...ns, metadata: { name: 'shop' } } } } },
      { step: STEP.import, target: { ...ns, context: 'remote' }, before: { object: null }, intent: { state: { object: { ...ns, metadata: { name: 'shop' } } } } },
    ]);
    await journal.finishMany([
      { seq: entries[0]!.seq, result: { resourceVersion: inHome.metadata.resourceVersion } },
      { seq: entries[1]!.seq, result: { resourceVersion: inRemote.metadata.resourceVersion } },
    ]);
    const set = { client: (ctx: string | undefined): Promise<ObjectClient> => (ctx === 'remote' ? Promise.resolve(remote.client) : Promise.reject(new Error(`opened ${ctx}`))) };
    const clusters = new MigrationClusters(home.client, { set, allowed: ['remote'] });
    const r = await rollbackMigration({ client: home.client, clusters, resource: res, name: 'mig', journal: { localDir }, timeoutMs: 1000, pollMs: 10 });
    expect(r.status.message).toBe('rolled back to revision default from the journal (2 restore step(s))');
    expect(home.server.objects.has('/api/v1/namespaces/shop')).toBe(false);
    expect(remote.server.objects.has('/api/v1/namespaces/shop')).toBe(false);
  });
});

describe('crossRollbackStages', () => {
  it('orders a CrossCluster journal: scales, shifts, copies and Secrets, namespaces, imports, remote secrets; newest first, one group per object', () => {
    const t = (kind: string, name: string, context?: string) => ({ apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, namespace: 'shop', name, ...(context ? { context } : {}) });
    const e = (seq: number, step: string, target: ReturnType<typeof t>): JournalEntry => ({ seq, step, target, before: { object: null }, intent: {}, state: 'done', at: '' });
    const entries = [
      e(1, STEP.remoteSecret, t('Secret', 'istio-remote-secret-remote')),
      e(2, STEP.created, t('ServiceAccount', 'istio-reader', 'remote')),
      e(3, STEP.import, t('Namespace', 'shop')),
      e(4, STEP.crossNamespace, t('Namespace', 'shop', 'remote')),
      e(5, STEP.copy, t('ConfigMap', 'cfg', 'remote')),
      e(6, STEP.secret, t('Secret', 'tls', 'remote')),
      e(7, STEP.copy, t('ConfigMap', 'cfg', 'remote')),
      e(8, STEP.copy, t('ConfigMap', 'cfg', 'other')),
      e(9, STEP.shift, t('TrafficShift', 'to-new')),
      e(10, STEP.scale, t('Deployment', 'web', 'src')),
      e(11, STEP.namespace, t('Namespace', 'pay', 'remote')),
    ];
    const stages = crossRollbackStages(rollbackOrder(entries), 'home').map((s) => s.map((g) => g.map((x) => x.seq)));
    expect(stages).toEqual([[[10]], [[9]], [[8], [5, 7], [6]], [[11], [4]], [[3]], [[2], [1]]]);
  });
});

describe('rollbackMigration of a CrossCluster journal', () => {
  const spec = { mode: 'CrossCluster', source: { context: 'src', revision: 'old' }, target: { context: 'fake', revision: 'new', clusters: ['remote'] }, waves: [{ name: 'shop', namespaces: ['shop'], cluster: 'remote', shifts: ['shift.yaml'] }] };
  const ts = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', namespace: 'shop', name: 'to-new' };
  const web = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
  const cfg = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' };
  const mine = [{ manager: 'meshferry', operation: 'Apply', time: '2026-11-30T01:00:00Z', apiVersion: 'v1', fieldsType: 'FieldsV1' }];

  async function setup(readyReplicas: number, extra: { step: string; target: JournalEntry['target'] }[] = []) {
    const home = await MemoryApiServer.start();
    const src = await MemoryApiServer.start();
    const remote = await MemoryApiServer.start();
    servers.push(home.server, src.server, remote.server);
    const res = home.client.discovery.resourceFor('meshferry.dev', MIGRATION_KIND)!;
    const m = home.server.seed({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, metadata: { name: 'mig' }, spec, status: { phase: 'Migrating', message: '', retryCounter: 0, observedGeneration: 1, conditions: [], waves: [{ name: 'shop', state: 'Verified' }] } });
    src.server.seed({ ...web, metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 0 }, status: { readyReplicas } } as KubeObject);
    src.server.seed({ ...web, kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'shop' }, spec: {} } as KubeObject);
    const copied = remote.server.seed({ ...cfg, metadata: { name: 'cfg', namespace: 'shop', managedFields: mine } } as KubeObject);
    const theirs = remote.server.seed({ ...cfg, metadata: { name: 'theirs', namespace: 'shop', managedFields: mine } } as KubeObject);
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-rb-'));
    const journal = await Journal.open(home.client, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'mig', uid: String(m.metadata.uid) }, { localDir });
    const created = (o: KubeObject) => ({ uid: String(o.metadata.uid), resourceVersion: String(o.metadata.resourceVersion), created: true });
    const forward = await journal.beginMany([
      { step: STEP.copy, target: { ...cfg, context: 'remote' }, before: { object: null }, intent: { wave: 0, state: { object: copied } } },
      // Forged: a recorded uid that is not the live object's; a copy in a context the migration does not use.
      { step: STEP.copy, target: { ...cfg, name: 'theirs', context: 'remote' }, before: { object: null }, intent: { wave: 0, state: {} } },
      { step: STEP.copy, target: { ...cfg, context: 'prod' }, before: { object: null }, intent: { wave: 0, state: {} } },
      { step: STEP.shift, target: ts, before: { object: { ...ts, metadata: { name: 'to-new', namespace: 'shop' } } }, intent: { wave: 0, shift: 'shift.yaml', state: {} } },
      { step: STEP.scale, target: { ...web, context: 'src' }, before: { replicas: 3 }, intent: { wave: 0, state: { replicas: 0 } } },
      // Forged: a scale of a DaemonSet, and one recording labels.
      { step: STEP.scale, target: { ...web, kind: 'DaemonSet', name: 'agent', context: 'src' }, before: { replicas: 3 }, intent: { wave: 0, state: { replicas: 0 } } },
      { step: STEP.scale, target: { ...web, context: 'src' }, before: { labels: { app: null } }, intent: { wave: 0, state: { labels: { app: 'x' } } } },
      ...extra.map((x) => ({ ...x, before: { object: null }, intent: { state: { object: null } } })),
    ]);
    await journal.finishMany([
      { seq: forward[0]!.seq, result: created(copied) },
      { seq: forward[1]!.seq, result: { ...created(theirs), uid: 'uid-of-another' } },
      ...forward.slice(2).map((e) => ({ seq: e.seq })),
    ]);
    const set = { client: (ctx: string | undefined): Promise<ObjectClient> => (ctx === 'src' ? Promise.resolve(src.client) : ctx === 'remote' ? Promise.resolve(remote.client) : Promise.reject(new Error(`opened ${ctx}`))) };
    const clusters = new MigrationClusters(home.client, { set, allowed: ['src', 'remote'] });
    const calls: { seq: number; srcReplicas: unknown; copyThere: boolean }[] = [];
    const reverseShift = async (e: JournalEntry) => {
      const d = src.server.objects.get('/apis/apps/v1/namespaces/shop/deployments/web')!;
      calls.push({ seq: e.seq, srcReplicas: (d.spec as { replicas: number }).replicas, copyThere: remote.server.objects.has('/api/v1/namespaces/shop/configmaps/cfg') });
      return Promise.resolve({ restored: 'moved the traffic back' });
    };
    const rollback = () => rollbackMigration({ client: home.client, clusters, resource: res, name: 'mig', journal: { localDir }, reverseShift, timeoutMs: 200, pollMs: 10 });
    return { src: src.server, remote: remote.server, forward, calls, rollback };
  }

  it('restores the source scale, then reverses the shift, then deletes the copy; names forged entries and leaves their objects', async () => {
    const { src, remote, forward, calls, rollback } = await setup(3);
    const r = await rollback();
    expect(calls).toEqual([{ seq: forward[3]!.seq, srcReplicas: 3, copyThere: true }]);
    expect(remote.objects.has('/api/v1/namespaces/shop/configmaps/cfg')).toBe(false);
    expect(src.objects.get('/apis/apps/v1/namespaces/shop/deployments/web')!.spec).toEqual({ replicas: 3 });
    expect(r.exit).toBe(1);
    expect(r.status.message).toContain('left 4 object(s) alone');
    expect(r.status.message).toContain('journal entry 3 (xc.copy ConfigMap shop/cfg in context "prod") names context "prod", which this migration does not use');
    expect(r.status.message).toContain('journal entry 6 (xc.scale DaemonSet shop/agent in context "src"): DaemonSet shop/agent in context "src" is not what a xc.scale step writes');
    expect(r.status.message).toContain('journal entry 7 (xc.scale Deployment shop/web in context "src"): it records a prior state other than {replicas: n}');
    expect(r.status.message).toMatch(/ConfigMap shop\/theirs in context "remote": it is not the object meshferry created \(uid uid-\d+, meshferry recorded uid-of-another\)/);
    expect(remote.objects.has('/api/v1/namespaces/shop/configmaps/theirs')).toBe(true);
    expect(src.objects.get('/apis/apps/v1/namespaces/shop/daemonsets/agent')!.spec).toEqual({});
    // Again: nothing is redone, the shift is not reversed twice.
    const writes = { src: src.writes.length, remote: remote.writes.length };
    const again = await rollback();
    expect(again.exit).toBe(1);
    expect(calls).toHaveLength(1);
    expect({ src: src.writes.length, remote: remote.writes.length }).toEqual(writes);
  });

  it('moves no traffic and deletes nothing while the restored source is not ready', async () => {
    const { src, remote, calls, rollback } = await setup(1);
    const r = await rollback();
    expect(r.exit).toBe(1);
    expect(r.status.message).toMatch(/^rollback restored the source replicas, but moved no traffic back: Deployment shop\/web in context "src" has 1 of 3 replica\(s\) ready/);
    expect(calls).toEqual([]);
    expect(src.objects.get('/apis/apps/v1/namespaces/shop/deployments/web')!.spec).toEqual({ replicas: 3 });
    expect(remote.objects.has('/api/v1/namespaces/shop/configmaps/cfg')).toBe(true);
  });

  it('names a decommission step as never undone, and still undoes the rest', async () => {
    const { remote, rollback } = await setup(3, [{ step: STEP.decommission, target: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', name: 'istio-sidecar-injector-old', context: 'src' } }]);
    const r = await rollback();
    expect(r.status.message).toContain('journal entry 8 (decommission MutatingWebhookConfiguration istio-sidecar-injector-old in context "src"): meshferry never undoes a decommission step');
    expect(r.status.message).toContain('left 5 object(s) alone');
    expect(remote.objects.has('/api/v1/namespaces/shop/configmaps/cfg')).toBe(false);
  });
});
