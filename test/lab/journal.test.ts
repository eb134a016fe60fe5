// The journal against a real API server (bare lab): write-ahead entries, shards under the size limit, reopen from
// another machine, the local copy, conflicts between two writers, batches, and no Secret data.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Journal, JOURNAL_OF_LABEL, readLocalJournal, SecretDigest, type JournalOwner } from '../../src/journal/index.js';
import { parse, stringify } from 'yaml';
import { MigrationClusters } from '../../src/migrate/clusters.js';
import { readState, stateHolds, writeState } from '../../src/migrate/target-state.js';
import { KubeconfigClusterSet } from '../../src/traffic/routers/cluster-set.js';
import { type Cluster } from '../../src/kube/cluster.js';
import type { Lab } from '../../src/lab/index.js';

import { labPerFile } from './lab-per-file.js';

let lab: Lab;
let cluster: Cluster;
const { parent } = labPerFile('journal-test-', { bare: true }, (l, c) => {
  lab = l;
  cluster = c;
});


/** An owner object in the cluster (a ConfigMap stands in for a MeshMigration: the journal only needs a uid). */
async function owner(name: string, namespace?: string): Promise<JournalOwner> {
  const res = await cluster.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: namespace ?? 'default' } });
  const uid = String(res.object.metadata.uid);
  return namespace ? { apiVersion: 'v1', kind: 'ConfigMap', name, namespace, uid } : { apiVersion: 'v1', kind: 'ConfigMap', name, uid };
}

const configMaps = () => cluster.discovery.resourceFor('', 'ConfigMap')!;

describe('journal', () => {
  it('writes intent before and the result after, in the cluster and locally (0600), and reopens from the cluster alone', async () => {
    const o = await owner('mig-a', 'default');
    const local = path.join(parent, 'machine-1');
    const j = await Journal.open(cluster.client, o, { localDir: local });
    expect(j.entries()).toEqual([]);
    const a = await j.begin('label-namespace', { target: { apiVersion: 'v1', kind: 'Namespace', name: 'shop' }, before: { labels: { 'istio-injection': 'enabled' } }, intent: { labels: { 'istio.io/rev': 'canary' } } });
    expect(a.seq).toBe(1);
    expect(a.state).toBe('pending');
    const b = await j.begin('restart', { intent: { workloads: ['shop/cart'] } });
    await j.finish(a.seq, { resourceVersion: '7' });
    await j.fail(b.seq, 'rollout stalled');
    const c = await j.begin('restart', { intent: { workloads: ['shop/web'] } });

    const cms = await cluster.client.list(configMaps(), { namespace: 'default', labelSelector: `${JOURNAL_OF_LABEL}=${o.uid}` });
    expect(cms.map((x) => x.metadata.name)).toEqual(['mig-a-journal-0']);
    expect(cms[0]!.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', name: 'mig-a', uid: o.uid }]);
    const managers = (cms[0]!.metadata.managedFields as { manager: string }[]).map((m) => m.manager);
    expect(new Set(managers)).toEqual(new Set(['meshferry']));

    // Another machine: an empty local folder; the cluster copy is the truth.
    const other = await Journal.open(cluster.client, o, { localDir: path.join(parent, 'machine-2') });
    expect(other.entries().map((e) => [e.seq, e.step, e.state])).toEqual([
      [1, 'label-namespace', 'done'],
      [2, 'restart', 'failed'],
      [3, 'restart', 'pending'],
    ]);
    expect(other.pending().map((e) => e.seq)).toEqual([c.seq]);
    expect(other.entries()[0]!.result).toEqual({ resourceVersion: '7' });
    expect(other.entries()[1]!.result).toEqual({ reason: 'rollout stalled' });
    expect(await readLocalJournal(path.join(parent, 'machine-2'))).toEqual(other.entries());
    expect(await readLocalJournal(local)).toEqual(other.entries());
    for (const f of readdirSync(local)) expect(statSync(path.join(local, f)).mode & 0o777).toBe(0o600);
  });

  it('shards below the size limit and reads the shards back in order', async () => {
    const o = await owner('mig-b', 'default');
    const j = await Journal.open(cluster.client, o, { localDir: path.join(parent, 'b'), shardBytes: 2048 });
    const pad = 'x'.repeat(300);
    for (let i = 0; i < 20; i++) {
      const e = await j.begin('step', { intent: { i, pad } });
      if (i % 2 === 0) await j.finish(e.seq);
    }
    const cms = await cluster.client.list(configMaps(), { namespace: 'default', labelSelector: `${JOURNAL_OF_LABEL}=${o.uid}` });
    expect(cms.length).toBeGreaterThan(2);
    for (const cm of cms) expect(Buffer.byteLength(String((cm.data as Record<string, string>)['entries.json']))).toBeLessThanOrEqual(2048);
    const again = await Journal.open(cluster.client, o, { localDir: path.join(parent, 'b2'), shardBytes: 2048 });
    expect(again.entries().map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(again.pending().map((e) => (e.intent as { i: number }).i)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    // Settling an entry of an old shard rewrites that shard only, and keeps working after a reopen.
    await again.finish(2);
    expect((await Journal.open(cluster.client, o, { localDir: path.join(parent, 'b3') })).entries()[1]!.state).toBe('done');
  });

  it('keeps a cluster-scoped owner\'s journal in meshferry-system, created on first use', async () => {
    const ns = await cluster.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'owner-ns-c' } });
    const o: JournalOwner = { apiVersion: 'v1', kind: 'Namespace', name: 'owner-ns-c', uid: String(ns.object.metadata.uid) };
    const j = await Journal.open(cluster.client, o, { localDir: path.join(parent, 'c') });
    await j.begin('x', { intent: 1 });
    expect(await cluster.client.get(configMaps(), 'meshferry-system', 'owner-ns-c-journal-0')).toBeDefined();
  });

  it('fails loudly when two processes write the same journal', async () => {
    const o = await owner('mig-d', 'default');
    const one = await Journal.open(cluster.client, o, { localDir: path.join(parent, 'd1') });
    await one.begin('first', { intent: 1 });
    const two = await Journal.open(cluster.client, o, { localDir: path.join(parent, 'd2') });
    await two.begin('second', { intent: 2 });
    await expect(one.begin('third', { intent: 3 })).rejects.toThrow(/changed by someone else/);
    // The failed write left the first journal's memory as it was; the cluster has what the second wrote.
    expect(one.entries().map((e) => e.step)).toEqual(['first']);
    expect((await Journal.open(cluster.client, o, { localDir: path.join(parent, 'd3') })).entries().map((e) => e.step)).toEqual(['first', 'second']);
  });

  it('refuses a Secret target and strips Secret data from what it records', async () => {
    const o = await owner('mig-e', 'default');
    const j = await Journal.open(cluster.client, o, { localDir: path.join(parent, 'e') });
    await expect(j.begin('edit', { target: { apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 's' }, intent: {} })).rejects.toThrow(/never records Secrets/);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { password: 'aHVudGVyMg==' } };
    await j.begin('import', { intent: { objects: [secret] } });
    const cm = await cluster.client.get(configMaps(), 'default', 'mig-e-journal-0');
    const text = JSON.stringify(cm);
    expect(text).not.toContain('aHVudGVyMg==');
    const recorded = JSON.parse(String((cm!.data as Record<string, string>)['entries.json'])) as { intent: { objects: unknown[] } }[];
    expect(recorded[0]!.intent.objects).toEqual([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } }]);
    expect(JSON.stringify(await readLocalJournal(path.join(parent, 'e')))).not.toContain('aHVudGVyMg==');
  });

  it('records a batch with one shard write before and one after, and a created Secret only by its digest', async () => {
    const o = await owner('mig-f', 'default');
    const local = path.join(parent, 'f');
    const j = await Journal.open(cluster.client, o, { localDir: local });
    const value = `s3cret-${randomBytes(6).toString('hex')}`;
    const secret = await cluster.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-f', namespace: 'default' }, stringData: { password: value } });
    const digest = await SecretDigest.at(local).of(secret.object);
    const target = { apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'db-f' };
    const creates = vi.spyOn(cluster.client, 'create');
    const replaces = vi.spyOn(cluster.client, 'replace');
    try {
      const entries = await j.beginMany([
        ...Array.from({ length: 30 }, (_, i) => ({ step: 'xc.namespace', target: { apiVersion: 'v1', kind: 'Namespace', name: `f-${i}` }, before: { object: null }, intent: { state: { object: null } } })),
        { step: 'xc.secret', target, before: { object: null }, intent: { wave: 0, state: { secretDigest: digest } } },
      ]);
      expect(creates.mock.calls.length + replaces.mock.calls.length).toBe(1);
      // The intent is in the cluster before any change: another machine sees every entry pending.
      expect((await Journal.open(cluster.client, o, { localDir: path.join(parent, 'f2') })).pending()).toHaveLength(31);
      await j.finishMany(entries.slice(1).map((e) => ({ seq: e.seq, result: { resourceVersion: String(secret.object.metadata.resourceVersion) } })));
      expect(creates.mock.calls.length + replaces.mock.calls.length).toBe(2);
    } finally {
      creates.mockRestore();
      replaces.mockRestore();
    }
    const again = await Journal.open(cluster.client, o, { localDir: path.join(parent, 'f3') });
    expect(again.pending().map((e) => e.seq)).toEqual([1]);
    expect(again.entries().at(-1)).toMatchObject({ step: 'xc.secret', state: 'done', target, before: { object: null }, intent: { state: { secretDigest: digest } } });
    // The digest is the live Secret's, read back from the API server with the migration's key.
    expect(await stateHolds({ clusters: MigrationClusters.homeOnly(cluster.client), secretDigest: SecretDigest.at(local) }, target, { secretDigest: digest })).toBe(true);
    const cm = JSON.stringify(await cluster.client.get(configMaps(), 'default', 'mig-f-journal-0'));
    const localText = readdirSync(local).map((f) => readFileSync(path.join(local, f), 'utf8')).join('\n');
    for (const text of [cm, localText]) {
      expect(text).toContain(digest);
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
    // The only form allowed: the Secret object itself is still refused.
    await expect(j.beginMany([{ step: 'xc.secret', target, before: { object: null }, intent: { state: { object: secret.object } } }])).rejects.toThrow(/only a digest of their data/);
  });

  it('resolves an entry\'s context through a KubeconfigClusterSet, and refuses one the migration does not use', async () => {
    // A second context naming the same lab API server stands in for another cluster of the kubeconfig.
    const config = parse(readFileSync(lab.kubeconfigPath, 'utf8')) as { contexts: { name: string; context: unknown }[] };
    config.contexts.push({ name: 'remote', context: config.contexts[0]!.context }, { name: 'prod-admin', context: config.contexts[0]!.context });
    const kubeconfig = path.join(parent, 'two-contexts.kubeconfig');
    writeFileSync(kubeconfig, stringify(config), { mode: 0o600 });
    const set = new KubeconfigClusterSet({ kubeconfig });
    try {
      const clusters = new MigrationClusters(cluster.client, { set, allowed: ['remote'] });
      await cluster.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ctx-g', labels: { 'istio.io/rev': 'old' } } });
      const access = { clusters };
      const t = { apiVersion: 'v1', kind: 'Namespace', name: 'ctx-g', context: 'remote' };
      const remote = await clusters.clientOf(t);
      expect(remote).not.toBe(cluster.client);
      expect(remote.transport.contextName).toBe('remote');
      expect(await clusters.clientOf(t)).toBe(remote);
      await writeState(access, t, { labels: { 'istio.io/rev': 'new' } });
      expect(await readState(access, t, { labels: { 'istio.io/rev': null } })).toEqual({ labels: { 'istio.io/rev': 'new' } });
      expect((await cluster.client.get(cluster.discovery.resourceFor('', 'Namespace')!, undefined, 'ctx-g'))!.metadata.labels?.['istio.io/rev']).toBe('new');
      // In the kubeconfig, but not named by the migration: never opened, never written.
      await expect(writeState(access, { ...t, context: 'prod-admin' }, { labels: { 'istio.io/rev': 'evil' } })).rejects.toThrow(/Namespace ctx-g in context "prod-admin" names context "prod-admin", which this migration does not use/);
      expect(await stateHolds(access, { ...t, context: undefined }, { labels: { 'istio.io/rev': 'new' } })).toBe(true);
    } finally {
      set.close();
    }
  });
});
