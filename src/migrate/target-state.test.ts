// Target states read, compared and written in the cluster each journal target names: old single-cluster entries, replicas, Secret digests.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, JOURNAL_OF_LABEL, JOURNAL_SHARD_ANNOTATION, type JournalTarget } from '../journal/journal.js';
import { SecretDigest } from '../journal/secret-digest.js';
import type { ObjectClient } from '../kube/object-client.js';
import { MemoryApiServer } from '../../test/support/kube/memory-apiserver.js';
import { rollbackOrder } from './rollback.js';
import { intendedState, observePending } from './observe.js';
import { MigrationClusters } from './clusters.js';
import { readState, stateHolds, writeState, type StateAccess, type TargetState } from './target-state.js';

const servers: MemoryApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start() {
  const s = await MemoryApiServer.start();
  servers.push(s.server);
  return s;
}

const tmp = () => mkdtemp(path.join(os.tmpdir(), 'meshferry-ts-'));

describe('a journal written before entries named their cluster', () => {
  it('still opens, settles its pending entry and rolls back in the home cluster', async () => {
    const { server, client } = await start();
    server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio.io/rev': 'canary' } } });
    const owner = server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mig', namespace: 'default' } });
    const uid = String(owner.metadata.uid);
    // The shard exactly as meshferry wrote it before JournalTarget had `context`.
    const oldEntries = [
      { seq: 1, step: 'optIn.namespace', target: { apiVersion: 'v1', kind: 'Namespace', name: 'shop' }, before: { labels: { 'istio-injection': 'enabled', 'istio.io/rev': null } }, intent: { wave: 0, state: { labels: { 'istio-injection': null, 'istio.io/rev': 'canary' } } }, state: 'pending', at: '2026-11-01T00:00:00.000Z' },
    ];
    server.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'mig-journal-0', namespace: 'default', labels: { [JOURNAL_OF_LABEL]: uid }, annotations: { [JOURNAL_SHARD_ANNOTATION]: '0' }, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'mig', uid }] },
      data: { 'entries.json': JSON.stringify(oldEntries) },
    });
    const journal = await Journal.open(client, { apiVersion: 'v1', kind: 'ConfigMap', name: 'mig', namespace: 'default', uid }, { localDir: await tmp() });
    const access: StateAccess = { clusters: MigrationClusters.homeOnly(client) };
    expect(await observePending(access, journal.pending())).toEqual([{ seq: 1, step: 'optIn.namespace', applied: true }]);
    await journal.finish(1);
    const [e] = rollbackOrder(journal.entries());
    expect(e!.target).toEqual({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' });
    await writeState(access, e!.target!, e!.before as TargetState);
    expect(server.objects.get('/api/v1/namespaces/shop')!.metadata.labels).toEqual({ 'istio-injection': 'enabled' });
    expect(await stateHolds(access, e!.target!, e!.before as TargetState)).toBe(true);
    expect(intendedState(e!)).toEqual({ labels: { 'istio-injection': null, 'istio.io/rev': 'canary' } });
  });
});

describe('targets in another cluster', () => {
  it('are read and written through the client of their context, never home', async () => {
    const home = await start();
    const remote = await start();
    remote.server.seed({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3 } });
    const set = { client: (ctx: string | undefined): Promise<ObjectClient> => (ctx === 'tcm' ? Promise.resolve(remote.client) : Promise.reject(new Error(`unexpected ${ctx}`))) };
    const access: StateAccess = { clusters: new MigrationClusters(home.client, { set, allowed: ['tcm'] }) };
    const t: JournalTarget = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', context: 'tcm' };
    expect(await readState(access, t, { replicas: 0 })).toEqual({ replicas: 3 });
    await writeState(access, t, { replicas: 0 });
    expect(remote.server.objects.get('/apis/apps/v1/namespaces/shop/deployments/web')!.spec).toEqual({ replicas: 0 });
    expect(await stateHolds(access, t, { replicas: 0 })).toBe(true);
    expect(home.server.writes).toEqual([]);
    await expect(readState(access, { ...t, context: 'prod-admin' }, { replicas: 0 })).rejects.toThrow(/names context "prod-admin", which this migration does not use/);
  });

  it('a pending entry naming a context the migration does not use is refused, not settled', async () => {
    const { client } = await start();
    const access: StateAccess = { clusters: MigrationClusters.homeOnly(client) };
    const entry = { seq: 4, step: 'xc.scale', target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', context: 'prod-admin' }, intent: { state: { replicas: 0 } }, state: 'pending' as const, at: '' };
    await expect(observePending(access, [entry])).rejects.toThrow(/journal entry 4 \(xc\.scale Deployment shop\/web in context "prod-admin"\) names context "prod-admin"/);
  });
});

describe('replicas', () => {
  it('reads an absent spec.replicas as 1 (the API default) and refuses a DaemonSet', async () => {
    const { server, client } = await start();
    server.seed({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' }, spec: {} });
    const access: StateAccess = { clusters: MigrationClusters.homeOnly(client) };
    const db: JournalTarget = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'shop', name: 'db' };
    expect(await readState(access, db, { replicas: 0 })).toEqual({ replicas: 1 });
    expect(await stateHolds(access, db, { replicas: 1 })).toBe(true);
    expect(await stateHolds(access, { ...db, name: 'gone' }, { replicas: 1 })).toBe(false);
    await expect(writeState(access, { ...db, kind: 'DaemonSet' }, { replicas: 0 })).rejects.toThrow(/a replicas state does not belong to DaemonSet shop\/db/);
  });
});

describe('secretDigest', () => {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-pass', namespace: 'shop' }, data: { password: Buffer.from('s3cret-42').toString('base64') } };
  const t: JournalTarget = { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'db-pass' };

  it('holds while the live data digests the same with the migration key, not after a change', async () => {
    const { server, client } = await start();
    server.seed(secret);
    const access: StateAccess = { clusters: MigrationClusters.homeOnly(client), secretDigest: SecretDigest.at(await tmp()) };
    const now = await readState(access, t, { secretDigest: '' });
    expect(now).toEqual({ secretDigest: await access.secretDigest!.of(secret) });
    expect(JSON.stringify(now)).not.toContain('s3cret');
    expect(await stateHolds(access, t, now)).toBe(true);
    server.seed({ ...secret, data: { password: Buffer.from('other').toString('base64') } });
    expect(await stateHolds(access, t, now)).toBe(false);
  });

  it('a digest made with another machine key is said to be uncomparable, not taken for a change', async () => {
    const { server, client } = await start();
    server.seed(secret);
    const elsewhere = await SecretDigest.at(await tmp()).of(secret);
    const access: StateAccess = { clusters: MigrationClusters.homeOnly(client), secretDigest: SecretDigest.at(await tmp()) };
    await expect(stateHolds(access, t, { secretDigest: elsewhere })).rejects.toThrow(/made with key [0-9a-f]{12}, but this machine's key .* is [0-9a-f]{12}: run the command on the machine that ran `migrate apply`/);
  });

  it('is never written back, and an object state of a Secret carries no data', async () => {
    const { server, client } = await start();
    server.seed({ ...secret, metadata: { ...secret.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(secret) } } });
    const access: StateAccess = { clusters: MigrationClusters.homeOnly(client), secretDigest: SecretDigest.at(await tmp()) };
    await expect(writeState(access, t, { secretDigest: 'hmac-sha256:x' })).rejects.toThrow(/recorded by digest only/);
    await expect(writeState(access, t, { object: secret })).rejects.toThrow(/never holds a Secret/);
    const before = await readState(access, t, { object: null });
    expect(JSON.stringify(before)).not.toContain(secret.data.password);
    expect(JSON.stringify(before)).not.toContain('last-applied');
    expect(server.writes).toEqual([]);
  });
});
