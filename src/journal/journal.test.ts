// The journal's batches (one shard write per batch, crash semantics kept) and its digest-only Secret entries, against an in-memory API server.
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { statusBody } from '../../test/support/kube/fake-apiserver.js';
import { MemoryApiServer } from '../../test/support/kube/memory-apiserver.js';
import { Journal, JOURNAL_OF_LABEL, type JournalOwner } from './journal.js';
import { SecretDigest } from './secret-digest.js';

const servers: MemoryApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const tmp = () => mkdtemp(path.join(os.tmpdir(), 'meshferry-journal-'));

async function open(opts: { shardBytes?: number } = {}) {
  const { server, client } = await MemoryApiServer.start();
  servers.push(server);
  const o = server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mig', namespace: 'default' } });
  const owner: JournalOwner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'mig', namespace: 'default', uid: String(o.metadata.uid) };
  const localDir = await tmp();
  const journal = await Journal.open(client, owner, { localDir, ...opts });
  const reopen = async () => (await Journal.open(client, owner, { localDir: await tmp(), ...opts })).entries();
  const shardText = () => [...server.objects.values()].filter((x) => x.metadata.labels?.[JOURNAL_OF_LABEL] === owner.uid).map((x) => JSON.stringify(x)).join('\n');
  return { server, client, journal, reopen, shardText, localDir };
}

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', name });

describe('beginMany / finishMany', () => {
  it('record a batch with one shard write before and one after, where single entries take two writes each', async () => {
    const { server, journal, reopen } = await open();
    const batch = Array.from({ length: 50 }, (_, i) => ({ step: 'xc.copy', target: ns(`n${i}`), before: { object: null }, intent: { i } }));
    const entries = await journal.beginMany(batch);
    expect(server.writes).toHaveLength(1);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // Intent is in the cluster before any change: a crash here leaves every entry pending for the next run.
    expect((await reopen()).map((e) => e.state)).toEqual(Array(50).fill('pending'));
    await journal.finishMany([...entries.slice(0, 48).map((e) => ({ seq: e.seq, result: { resourceVersion: String(e.seq) } })), { seq: 49, failed: 'HTTP 409 Conflict' }]);
    expect(server.writes).toHaveLength(2);
    const after = await reopen();
    expect(after.filter((e) => e.state === 'done')).toHaveLength(48);
    expect(after[47]!.result).toEqual({ resourceVersion: '48' });
    expect(after[48]).toMatchObject({ state: 'failed', result: { reason: 'HTTP 409 Conflict' } });
    // Left out of finishMany: its answer was lost, so it stays pending and is settled by looking.
    expect(after[49]!.state).toBe('pending');

    const singles = await open();
    for (const b of batch.slice(0, 5)) await singles.journal.finish((await singles.journal.begin(b.step, b)).seq);
    expect(singles.server.writes).toHaveLength(10);
  });

  it('a batch crossing the shard size writes each shard it touches once, in order, each under the limit', async () => {
    const { server, journal, reopen } = await open({ shardBytes: 2048 });
    await journal.begin('first', { intent: { pad: 'x'.repeat(300) } });
    const before = server.writes.length;
    await journal.beginMany(Array.from({ length: 12 }, (_, i) => ({ step: 'many', intent: { i, pad: 'x'.repeat(300) } })));
    const shards = [...server.objects.values()].filter((x) => x.metadata.name.startsWith('mig-journal-'));
    expect(server.writes.length - before).toBe(shards.length);
    expect(shards.length).toBeGreaterThan(2);
    for (const cm of shards) expect(Buffer.byteLength(String((cm.data as Record<string, string>)['entries.json']))).toBeLessThanOrEqual(2048);
    expect((await reopen()).map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    await journal.finishMany([{ seq: 1 }, { seq: 13 }]);
    expect((await reopen()).filter((e) => e.state === 'done').map((e) => e.seq)).toEqual([1, 13]);
  });

  it('a refused write leaves the journal in memory as the cluster has it', async () => {
    const { server, journal, reopen } = await open();
    const [a] = await journal.beginMany([{ step: 's', intent: 1 }]);
    server.failWrites = { status: 500, body: statusBody(500, 'InternalError', 'etcdserver: request timed out') };
    await expect(journal.beginMany([{ step: 't', intent: 2 }, { step: 'u', intent: 3 }])).rejects.toThrow(/etcdserver/);
    await expect(journal.finishMany([{ seq: a!.seq }])).rejects.toThrow(/etcdserver/);
    expect(journal.entries().map((e) => [e.seq, e.state])).toEqual([[1, 'pending']]);
    server.failWrites = undefined;
    expect((await journal.beginMany([{ step: 't', intent: 2 }]))[0]!.seq).toBe(2);
    expect((await reopen()).map((e) => e.step)).toEqual(['s', 't']);
  });

  it('refuses an unknown seq before writing anything', async () => {
    const { server, journal } = await open();
    await journal.beginMany([{ step: 's', intent: 1 }]);
    await expect(journal.finishMany([{ seq: 1 }, { seq: 9 }])).rejects.toThrow(/has no entry 9/);
    expect(server.writes).toHaveLength(1);
    expect(journal.entries()[0]!.state).toBe('pending');
  });
});

describe('Secret entries', () => {
  const value = 's3cret-7f3a91';
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"stringData":{"password":"${value}"}}` } }, stringData: { password: value } };
  const target = { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'db', context: 'remote' };

  it('are recorded in the digest form only: no value in the shard or the local copy', async () => {
    const { journal, shardText, reopen, localDir } = await open();
    const digest = await SecretDigest.at(localDir).of(secret);
    const [e] = await journal.beginMany([{ step: 'xc.secret', target, before: { object: null }, intent: { wave: 0, from: 'tcm', state: { secretDigest: digest } } }]);
    await journal.finishMany([{ seq: e!.seq, result: { uid: 'u-1', created: true } }]);
    expect((await reopen())[0]).toMatchObject({ step: 'xc.secret', target, state: 'done', intent: { state: { secretDigest: digest } } });
    const local = await Promise.all((await readdir(localDir)).filter((f) => f.startsWith('shard-')).map((f) => readFile(path.join(localDir, f), 'utf8')));
    for (const text of [shardText(), ...local]) {
      expect(text).toContain(digest);
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
  });

  it.each<[string, { before?: unknown; intent: unknown }, RegExp]>([
    ['the object as intent', { before: { object: null }, intent: { state: { object: secret } } }, /intended state is not \{secretDigest\} alone/],
    ['the object beside the digest', { before: { object: null }, intent: { state: { secretDigest: 'hmac-sha256:000000000000:' + '0'.repeat(64) }, secret } }, /intent field\(s\) secret are not plain values/],
    ['annotations beside the digest', { intent: { state: { secretDigest: 'hmac-sha256:000000000000:' + '0'.repeat(64) }, annotations: secret.metadata.annotations } }, /annotations are not plain values/],
    ['a prior object', { before: { object: secret }, intent: { state: { secretDigest: 'hmac-sha256:000000000000:' + '0'.repeat(64) } } }, /prior state is not \{object: null\}/],
    ['a plain sha256 in another format', { intent: { state: { secretDigest: 'sha256:abc' } } }, /not \{secretDigest\} alone/],
    ['no state at all', { intent: {} }, /never records Secrets, only a digest of their data: step x targets Secret shop\/db, and its intent has no state/],
  ])('refuses %s, writing nothing', async (_why, e, want) => {
    const { server, journal, shardText } = await open();
    await expect(journal.beginMany([{ step: 'ok', intent: 1 }, { step: 'x', target, ...e }])).rejects.toThrow(want);
    expect(server.writes).toHaveLength(0);
    expect(journal.entries()).toEqual([]);
    expect(shardText()).not.toContain(value);
  });

  it('refuses an object as a Secret entry result', async () => {
    const { journal, shardText } = await open();
    const [e] = await journal.beginMany([{ step: 'xc.secret', target, before: { object: null }, intent: { state: { secretDigest: 'hmac-sha256:000000000000:' + '0'.repeat(64) } } }]);
    await expect(journal.finishMany([{ seq: e!.seq, result: { object: secret } }])).rejects.toThrow(/only scalar results/);
    expect(journal.entries()[0]!.state).toBe('pending');
    expect(shardText()).not.toContain(value);
  });
});
