// Rollback with entries that name clusters: a foreign context, and CrossCluster steps in an InPlace journal, are named and left alone; the rest is still undone. CrossCluster's order and refusals.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../journal/journal.js';
import type { ObjectClient } from '../kube/object-client.js';
import { MemoryApiServer } from '../../test/support/kube/memory-apiserver.js';
import { STEP } from './act.js';
import { MigrationClusters } from './clusters.js';
import { rollbackMigration } from './rollback.js';
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
