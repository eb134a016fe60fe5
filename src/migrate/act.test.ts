// How a journaled write that threw is recorded (failed only when the server refused it; otherwise left pending), alone and in a batch.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterError } from '../errors.js';
import { Journal, type JournalEntry } from '../journal/journal.js';
import { SecretDigest } from '../journal/secret-digest.js';
import { KubeApiError } from '../kube/errors.js';
import { MemoryApiServer } from '../../test/support/kube/memory-apiserver.js';
import { act, journaledWrites, recordWriteError, undoProblem, type ActContext, type BatchWrite } from './act.js';
import type { ConfigInput } from './config.js';
import type { Action } from './reconcile.js';
import { ResourceSet } from '../resources/resource-set.js';
import type { KubeObject } from '../resources/object.js';
import { statusBody, type FakeResponse } from '../../test/support/kube/fake-apiserver.js';
import { MigrationClusters } from './clusters.js';
import type { MeshMigrationSpec, MigrationStatus } from './spec.js';

/** A memory API server, and a journal on it owned by ConfigMap `default/mig`; every server is stopped after its test. */
const servers: MemoryApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function memoryJournal() {
  const { server, client } = await MemoryApiServer.start();
  servers.push(server);
  const o = server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mig', namespace: 'default' } });
  const localDir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-act-'));
  const journal = await Journal.open(client, { apiVersion: 'v1', kind: 'ConfigMap', name: 'mig', namespace: 'default', uid: String(o.metadata.uid) }, { localDir });
  return { server, client, journal, localDir };
}

function journal() {
  const failed: number[] = [];
  return { failed, fail: (seq: number) => (failed.push(seq), Promise.resolve()) };
}

describe('recordWriteError', () => {
  it.each([
    ['a 422 (invalid): nothing was written', new KubeApiError(422, 'Invalid', 'spec.x: Invalid value'), true],
    ['a 409 (conflict): nothing was written', new KubeApiError(409, 'Conflict', 'the object has been modified'), true],
    ['a 403 (forbidden): nothing was written', new KubeApiError(403, 'Forbidden', 'forbidden'), true],
    ['no answer (the API server went away): it may have landed', new ClusterError('Unreachable', 'cannot reach the API server'), false],
    ['a 504 after the write reached etcd: it may have landed', new KubeApiError(504, 'Timeout', 'the server was unable to return a response in the time allotted'), false],
    ['a 500: it may have landed', new KubeApiError(500, 'InternalError', 'etcdserver: request timed out'), false],
    ['anything else thrown', new Error('socket hang up'), false],
  ])('%s', async (_why, err, fails) => {
    const j = journal();
    await recordWriteError(j, 7, err);
    expect(j.failed).toEqual(fails ? [7] : []);
  });
});

describe('journaledWrites: the batch path', () => {
  async function context() {
    const { server, client, journal, localDir } = await memoryJournal();
    for (const n of ['a', 'b', 'c', 'd']) server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { team: 'x' } } });
    const ctx: ActContext = { client, clusters: MigrationClusters.homeOnly(client), secretDigest: SecretDigest.at(localDir), name: 'mig', spec: {} as MeshMigrationSpec, generation: 1, journal };
    const journalWrites = () => server.writes.filter((w) => w.path.includes('/configmaps')).length;
    return { server, ctx, journal, journalWrites };
  }
  const label = (name: string, write?: BatchWrite['write']): BatchWrite => ({ step: 'xc.namespace', target: { apiVersion: 'v1', kind: 'Namespace', name }, state: { labels: { 'istio.io/rev': 'new' } }, ...(write ? { write } : {}) });

  it('reads each target once: a LIST per kind and namespace holding many of them, a GET for the few, a Secret always alone', async () => {
    const { server, ctx, journal } = await context();
    const cm = (ns: string, name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { v } });
    // shop: 10 wanted (cm-0 already as wanted, cm-1 differs, the rest absent) and one nobody names; web: 2 wanted.
    server.seed(cm('shop', 'cm-0', 'new'));
    server.seed(cm('shop', 'cm-1', 'old'));
    server.seed(cm('shop', 'other', 'x'));
    const want = [...Array.from({ length: 10 }, (_, i) => cm('shop', `cm-${i}`, 'new')), cm('web', 'a', 'new'), cm('web', 'b', 'new')];
    const items: BatchWrite[] = want.map((w) => ({ step: 'xc.copy', target: { apiVersion: 'v1', kind: 'ConfigMap', namespace: w.metadata.namespace, name: w.metadata.name }, state: { object: w }, write: () => Promise.resolve() }));
    const digest = await ctx.secretDigest!.of({ data: { p: 'eA==' } });
    items.push({ step: 'xc.secret', target: { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'db' }, state: { secretDigest: digest }, before: { object: null }, write: () => Promise.resolve() });
    const before = server.reads.length;
    const out = await journaledWrites(ctx, items);
    const reads = server.reads.slice(before).map((r) => r.path);
    expect(reads.sort()).toEqual(['/api/v1/namespaces/shop/configmaps', '/api/v1/namespaces/shop/secrets/db', '/api/v1/namespaces/web/configmaps/a', '/api/v1/namespaces/web/configmaps/b']);
    // cm-0 holds (skipped); cm-1's before is the object as it was; the absent ones' before is null.
    expect(out.written.map((w) => w.item.target.name)).toEqual([...Array.from({ length: 9 }, (_, i) => `cm-${i + 1}`), 'a', 'b', 'db']);
    const befores = new Map(journal.entries().map((e) => [e.target!.name, e.before as { object: KubeObject | null }]));
    expect(befores.get('cm-1')!.object).toMatchObject({ metadata: { name: 'cm-1', namespace: 'shop' }, data: { v: 'old' } });
    expect(befores.get('cm-2')).toEqual({ object: null });
  });

  it('reads many cluster-scoped targets with one LIST; a namespaced target without its namespace alone, never matched across namespaces', async () => {
    const { server, ctx, journal } = await context();
    const names = Array.from({ length: 9 }, (_, i) => `ns-${i}`);
    for (const n of names) server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { team: 'x' } } });
    // The same names in namespace `other`: a target without a namespace must not find them.
    for (const n of names) server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'other' }, data: { v: 'new' } });
    const nsItems: BatchWrite[] = names.map((name) => ({ step: 'xc.namespace', target: { apiVersion: 'v1', kind: 'Namespace', name }, state: { labels: { 'istio.io/rev': 'new' } } }));
    const bare: BatchWrite[] = names.map((name) => ({ step: 'xc.copy', target: { apiVersion: 'v1', kind: 'ConfigMap', name }, state: { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: 'new' } } }, write: () => Promise.resolve() }));
    const before = server.reads.length;
    const out = await journaledWrites(ctx, [...nsItems, ...bare]);
    const reads = server.reads.slice(before).map((r) => r.path);
    // One LIST for the 9 Namespaces' states; the 9 GETs by name are the label writes' own (writeState reads, then patches).
    const nsReads = reads.filter((p) => p.startsWith('/api/v1/namespaces') && !p.includes('/configmaps'));
    expect(nsReads.filter((p) => p === '/api/v1/namespaces')).toHaveLength(1);
    expect(nsReads.filter((p) => p !== '/api/v1/namespaces').sort()).toEqual(names.map((n) => `/api/v1/namespaces/${n}`).sort());
    expect(reads.filter((p) => p.includes('configmaps')).sort()).toEqual(names.map((n) => `/api/v1/configmaps/${n}`).sort());
    // Absent where they name (no namespace): written, each with a null before; none taken for `other`'s object.
    expect(out.written).toHaveLength(18);
    expect(journal.entries().filter((e) => e.target?.kind === 'ConfigMap').map((e) => e.before)).toEqual(names.map(() => ({ object: null })));
  });

  it('a LIST the user may not make falls back to a GET per target', async () => {
    const { server, ctx } = await context();
    const names = Array.from({ length: 9 }, (_, i) => `cm-${i}`);
    server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-3', namespace: 'shop' }, data: { v: 'new' } });
    server.failReads = (req) => (req.path === '/api/v1/namespaces/shop/configmaps' ? { status: 403, body: statusBody(403, 'Forbidden', 'configmaps is forbidden: cannot list') } : undefined);
    const items: BatchWrite[] = names.map((name) => ({ step: 'xc.copy', target: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name }, state: { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data: { v: 'new' } } }, write: () => Promise.resolve() }));
    const before = server.reads.length;
    const out = await journaledWrites(ctx, items);
    expect(server.reads.slice(before).map((r) => r.path).sort()).toEqual(['/api/v1/namespaces/shop/configmaps', ...names.map((n) => `/api/v1/namespaces/shop/configmaps/${n}`)].sort());
    expect(out.written.map((w) => w.item.target.name)).toEqual(names.filter((n) => n !== 'cm-3'));
  });

  it('skips what the cluster shows, journals the rest with one write before and one after', async () => {
    const { server, ctx, journal, journalWrites } = await context();
    server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labels: { team: 'x', 'istio.io/rev': 'new' } } });
    const out = await journaledWrites(ctx, [label('a'), label('b'), label('c')]);
    expect(out.written.map((w) => w.item.target.name)).toEqual(['b', 'c']);
    expect(journalWrites()).toBe(2);
    expect(journal.entries().map((e) => [e.target?.name, e.state, e.before])).toEqual([
      ['b', 'done', { labels: { 'istio.io/rev': null } }],
      ['c', 'done', { labels: { 'istio.io/rev': null } }],
    ]);
    expect(server.objects.get('/api/v1/namespaces/c')!.metadata.labels).toEqual({ team: 'x', 'istio.io/rev': 'new' });
  });

  it('a 4xx is failed and returned; a lost answer stays pending and is thrown once the others are recorded', async () => {
    const { ctx, journal, journalWrites } = await context();
    const refused = new KubeApiError(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "argocd-controller"');
    const lost = new ClusterError('Unreachable', 'cannot reach the API server');
    const run = journaledWrites(ctx, [label('a', () => Promise.resolve({ resourceVersion: '9' })), label('b', () => Promise.reject(refused)), label('c', () => Promise.reject(lost)), label('d')]);
    await expect(run).rejects.toBe(lost);
    expect(journal.entries().map((e) => [e.target?.name, e.state, e.result])).toEqual([
      ['a', 'done', { resourceVersion: '9' }],
      ['b', 'failed', { reason: refused.message }],
      ['c', 'pending', undefined],
      ['d', 'done', undefined],
    ]);
    expect(journalWrites()).toBe(2);
  });

  const slowWrite = (log: string[], name: string, ms: number, error?: unknown) => async () => {
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`end ${name}`);
    if (error) throw error;
  };

  it('writes tier by tier: a higher tier starts only once every write of the lower one is answered; a conflict (409) does not stop it', async () => {
    const { ctx, journal } = await context();
    const log: string[] = [];
    const conflict = new KubeApiError(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "argocd-controller"');
    const out = await journaledWrites(ctx, [{ ...label('c', slowWrite(log, 'c', 5)), tier: 1 }, { ...label('a', slowWrite(log, 'a', 40)), tier: 0 }, { ...label('b', slowWrite(log, 'b', 10, conflict)), tier: 0 }, { ...label('d', slowWrite(log, 'd', 1)), tier: 1 }]);
    expect(log.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end a'));
    expect(log.indexOf('start d')).toBeGreaterThan(log.indexOf('end a'));
    expect(out.refused.map((r) => r.item.target.name)).toEqual(['b']);
    expect(journal.entries().map((e) => [e.target?.name, e.state])).toEqual([['c', 'done'], ['a', 'done'], ['b', 'failed'], ['d', 'done']]);
  });

  it.each([
    ['refused (422)', new KubeApiError(422, 'Invalid', 'data: Invalid value'), 'failed'],
    ['lost (no answer)', new ClusterError('Unreachable', 'cannot reach the API server'), 'pending'],
  ] as const)('a tier with a write %s is the last: the higher tiers are journaled "not written", never sent', async (_why, error, state) => {
    const { ctx, journal } = await context();
    const log: string[] = [];
    const run = journaledWrites(ctx, [{ ...label('a', slowWrite(log, 'a', 5, error)), tier: 0 }, { ...label('b', slowWrite(log, 'b', 1)), tier: 0 }, { ...label('c', slowWrite(log, 'c', 1)), tier: 1 }, { ...label('d', () => Promise.reject(new Error('never called'))), tier: 2 }]);
    if (state === 'pending') await expect(run).rejects.toBe(error);
    else expect((await run).notWritten.map((n) => n.item.target.name)).toEqual(['c', 'd']);
    expect(log).not.toContain('start c');
    expect(journal.entries().map((e) => [e.target?.name, e.state])).toEqual([['a', state], ['b', 'done'], ['c', 'failed'], ['d', 'failed']]);
    expect(journal.entries()[2]!.result).toEqual({ reason: expect.stringMatching(/^not written: /) });
  });

  it('groups: a tier waits only on the lower tiers of its own group, so one namespace\'s workloads go while the next one\'s Services are still written', async () => {
    const { server, ctx, journal } = await context();
    for (const n of ['a-svc', 'b-svc', 'a-deploy', 'b-deploy']) server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } });
    const log: string[] = [];
    const out = await journaledWrites(ctx, [
      { ...label('a-svc', slowWrite(log, 'a-svc', 5)), tier: 0, group: 'a' },
      { ...label('b-svc', slowWrite(log, 'b-svc', 60)), tier: 0, group: 'b' },
      { ...label('a-deploy', slowWrite(log, 'a-deploy', 1)), tier: 2, group: 'a' },
      { ...label('b-deploy', slowWrite(log, 'b-deploy', 1)), tier: 2, group: 'b' },
    ]);
    expect(out.written).toHaveLength(4);
    // a's workload went out before b's Service was answered; b's only after it.
    expect(log.indexOf('start a-deploy')).toBeLessThan(log.indexOf('end b-svc'));
    expect(log.indexOf('start b-deploy')).toBeGreaterThan(log.indexOf('end b-svc'));
    expect(journal.entries().map((e) => [e.target?.name, e.state])).toEqual([['a-svc', 'done'], ['b-svc', 'done'], ['a-deploy', 'done'], ['b-deploy', 'done']]);
  });

  it('writes waiting for a slot go in group order (the first namespace\'s workloads before the next one\'s Services)', async () => {
    const { server, ctx } = await context();
    const names = (g: string, kind: string, n: number) => Array.from({ length: n }, (_, i) => `${g}-${kind}-${i}`);
    // 16 slots: a's 10 Services and b's first 6 take them; the rest wait. a's Deployment must pass b's waiting Services.
    const aSvc = names('a', 'svc', 10);
    const bSvc = names('b', 'svc', 20);
    for (const n of [...aSvc, ...bSvc, 'a-deploy', 'b-deploy']) server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } });
    const log: string[] = [];
    await journaledWrites(ctx, [
      ...aSvc.map((n) => ({ ...label(n, slowWrite(log, n, 5)), tier: 0, group: 'a' })),
      ...bSvc.map((n) => ({ ...label(n, slowWrite(log, n, 20)), tier: 0, group: 'b' })),
      { ...label('a-deploy', slowWrite(log, 'a-deploy', 1)), tier: 2, group: 'a' },
      { ...label('b-deploy', slowWrite(log, 'b-deploy', 1)), tier: 2, group: 'b' },
    ]);
    const started = log.filter((l) => l.startsWith('start ')).map((l) => l.slice(6));
    expect(started.indexOf('a-deploy')).toBeLessThan(started.indexOf('b-svc-19'));
    expect(started.indexOf('b-deploy')).toBe(started.length - 1);
  });

  it('a refusal in one group stops every group\'s higher tiers, even those waiting for a slot; the lowest tier always goes out whole', async () => {
    const { server, ctx, journal } = await context();
    const waiting = Array.from({ length: 20 }, (_, i) => `b-cm-${i}`);
    for (const n of ['a-cm', ...waiting, 'a-deploy', 'b-deploy']) server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } });
    const log: string[] = [];
    const invalid = new KubeApiError(422, 'Invalid', 'data: Invalid value');
    const out = await journaledWrites(ctx, [
      { ...label('a-cm', slowWrite(log, 'a-cm', 5, invalid)), tier: 0, group: 'a' },
      ...waiting.map((n) => ({ ...label(n, slowWrite(log, n, 30)), tier: 0, group: 'b' })),
      { ...label('a-deploy', () => Promise.reject(new Error('never called'))), tier: 2, group: 'a' },
      { ...label('b-deploy', () => Promise.reject(new Error('never called'))), tier: 2, group: 'b' },
    ]);
    // More tier-0 writes than slots: those waiting when a-cm is refused still go (nothing they wait on failed).
    expect(out.refused.map((r) => r.item.target.name)).toEqual(['a-cm']);
    expect(out.written.map((w) => w.item.target.name)).toEqual(waiting);
    expect(out.notWritten.map((n) => n.item.target.name)).toEqual(['a-deploy', 'b-deploy']);
    expect(journal.entries().filter((e) => e.state === 'failed').map((e) => e.target?.name)).toEqual(['a-cm', 'a-deploy', 'b-deploy']);
  });

  it('one tier, more writes than slots: a refusal stops nothing (the others still land, as the config import promises)', async () => {
    const { server, ctx } = await context();
    const names = Array.from({ length: 40 }, (_, i) => `ns-${i}`);
    for (const n of names) server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } });
    const log: string[] = [];
    const out = await journaledWrites(ctx, names.map((n, i) => label(n, slowWrite(log, n, 5, i === 0 ? new KubeApiError(422, 'Invalid', 'bad') : undefined))));
    expect(out.refused.map((r) => r.item.target.name)).toEqual(['ns-0']);
    expect(out.written).toHaveLength(39);
    expect(out.notWritten).toHaveLength(0);
  });

  it('a write function that throws at once is a refusal like any other, recorded, not an escape past the journal', async () => {
    const { ctx, journal } = await context();
    const out = await journaledWrites(ctx, [label('a', () => { throw new KubeApiError(422, 'Invalid', 'bad'); }), label('b')]);
    expect(out.refused.map((r) => r.item.target.name)).toEqual(['a']);
    expect(journal.entries().map((e) => [e.target?.name, e.state])).toEqual([['a', 'failed'], ['b', 'done']]);
  });

  it('a refused Secret keeps only the status and reason: the server message may quote the value', async () => {
    const { ctx, journal } = await context();
    const digest = await ctx.secretDigest!.of({ data: { p: 'eA==' } });
    const item: BatchWrite = { step: 'xc.secret', target: { apiVersion: 'v1', kind: 'Secret', namespace: 'a', name: 'db' }, state: { secretDigest: digest }, before: { object: null }, write: () => Promise.reject(new KubeApiError(422, 'Invalid', 'data[p]: Invalid value: "s3cret-9"')) };
    const out = await journaledWrites(ctx, [item]);
    expect(out.refused.map((r) => r.error.status)).toEqual([422]);
    expect(journal.entries()[0]).toMatchObject({ state: 'failed', result: { reason: 'HTTP 422 Invalid' } });
    expect(JSON.stringify(journal.entries())).not.toContain('s3cret');
  });
});

describe('importConfig: a write whose answer was lost', () => {
  it.each<[string, FakeResponse, 'pending' | 'failed']>([
    ['a 504 after the write reached etcd stays pending (it may have landed)', { status: 504, body: statusBody(504, 'Timeout', 'the server was unable to return a response in the time allotted') }, 'pending'],
    ['a 500 stays pending', { status: 500, body: statusBody(500, 'InternalError', 'etcdserver: request timed out') }, 'pending'],
    ['a 422 is failed and named (nothing was written)', { status: 422, body: statusBody(422, 'Invalid', 'metadata.labels: Invalid value') }, 'failed'],
  ])('%s', async (_why, answer, want) => {
    const { server, client, journal, localDir } = await memoryJournal();
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'imported', labels: { team: 'x' } } };
    const config = () => Promise.resolve({ base: localDir, from: 'config', set: ResourceSet.of([ns]), changedByRules: 0 } as ConfigInput);
    const ctx: ActContext = { client, clusters: MigrationClusters.homeOnly(client), name: 'mig', spec: { config: { from: 'config' } } as MeshMigrationSpec, generation: 1, journal, config };
    server.failWrites = (req) => (req.path === '/api/v1/namespaces/imported' ? answer : undefined);
    const status = { phase: 'Prepare', conditions: [], waves: [] } as unknown as MigrationStatus;
    const run = act(ctx, status, { kind: 'importConfig', objects: ['Namespace imported'] } as Action);
    if (want === 'pending') await expect(run).rejects.toThrow();
    else expect((await run).failedCheck?.name).toBe('ConfigImport');
    expect(journal.entries().map((e) => [e.step, e.target?.name, e.state])).toEqual([['config.import', 'imported', want]]);
  });
});

describe('importConfig: many objects', () => {
  it('journals the whole import with one write before and one after (not two per object, each rewriting the shard), and imports every object', async () => {
    const { server, client, journal, localDir } = await memoryJournal();
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    // The memory server's apply patches, never creates: the namespaces exist with other labels.
    for (const n of names) server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `imported-${n}`, labels: { team: 'old' } } });
    const before = server.writes.length;
    const set = ResourceSet.of(names.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `imported-${n}`, labels: { team: n } } })));
    const config = () => Promise.resolve({ base: localDir, from: 'config', set, changedByRules: 0 } as ConfigInput);
    const ctx: ActContext = { client, clusters: MigrationClusters.homeOnly(client), name: 'mig', spec: { config: { from: 'config' } } as MeshMigrationSpec, generation: 1, journal, config };
    const status = { phase: 'Prepare', conditions: [], waves: [] } as unknown as MigrationStatus;
    const next = await act(ctx, status, { kind: 'importConfig', objects: names.map((n) => `Namespace imported-${n}`) } as Action);
    expect(next.failedCheck, next.message).toBeUndefined();
    expect(server.writes.slice(before).filter((w) => w.path.includes('/configmaps')).length).toBe(2);
    expect(journal.entries().map((e) => [e.step, e.target?.name, e.state, (e.intent as { change?: string }).change])).toEqual(names.map((n) => ['config.import', `imported-${n}`, 'done', 'change']));
    for (const n of names) expect(server.objects.get(`/api/v1/namespaces/imported-${n}`)?.metadata.labels).toEqual({ team: n });
  });
});

describe('revertOptIn: the journal is ConfigMaps others can edit', () => {
  it('restores the labels an opt-in recorded, and names (never applies or deletes) an entry whose prior state is a whole object', async () => {
    const { server, client, journal } = await memoryJournal();
    server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio.io/rev': 'new' } } });
    server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
    const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', name });
    const real = await journal.begin('optIn.namespace', { target: ns('shop'), before: { labels: { 'istio.io/rev': null } }, intent: { wave: 0 } });
    await journal.finish(real.seq);
    // Forged: "undo" by deleting Namespace prod, and by applying a ClusterRoleBinding in place of a label change.
    const del = await journal.begin('optIn.namespace', { target: ns('prod'), before: { object: null }, intent: { wave: 0 } });
    await journal.finish(del.seq);
    const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'pwn' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory' }] };
    const apply = await journal.begin('optIn.template', { target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, before: { object: crb }, intent: { wave: 0 } });
    await journal.finish(apply.seq);
    const ctx: ActContext = { client, clusters: MigrationClusters.homeOnly(client), name: 'mig', spec: { target: { revision: 'new' } } as MeshMigrationSpec, generation: 1, journal };
    const status = { phase: 'Migrating', conditions: [], waves: [{ name: 'w', state: 'OptedIn', counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 } }] } as unknown as MigrationStatus;
    const next = await act(ctx, status, { kind: 'revertOptIn', wave: 0, reason: 'the target injector is down' } as Action);
    expect(server.objects.get('/api/v1/namespaces/shop')!.metadata.labels ?? {}).toEqual({});
    expect(server.objects.has('/api/v1/namespaces/prod')).toBe(true);
    expect(server.writes.some((w) => w.path.includes('clusterrolebindings'))).toBe(false);
    expect(next.message).toContain(`journal entry ${del.seq} (optIn.namespace Namespace prod)`);
    expect(next.message).toContain(`journal entry ${apply.seq} (optIn.template Deployment shop/web)`);
  });
});

describe('undoProblem: which recorded prior states a plain undo may write', () => {
  const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
  const ns = { apiVersion: 'v1', kind: 'Namespace', name: 'shop' };
  const entry = (step: string, target: JournalEntry['target'], before: unknown) => ({ seq: 1, step, state: 'done', target, before }) as JournalEntry;
  it.each<[string, JournalEntry, RegExp | undefined]>([
    ['labels an opt-in recorded', entry('optIn.namespace', ns, { labels: { 'istio.io/rev': null } }), undefined],
    ['a restart stamp', entry('restart', deploy, { restartedAt: null }), undefined],
    ['no prior state', entry('restart', deploy, undefined), /records no prior state/],
    ['a whole object', entry('optIn.namespace', ns, { object: null }), /only a config import restores/],
    ['a state that cannot belong to its target', entry('proxyConfig', deploy, { proxyConfig: null }), /does not belong to Deployment shop\/web/],
    ['replicas on a restart entry (it would scale the Deployment to 0)', entry('restart', deploy, { replicas: 0 }), /a kind of prior state its step never writes/],
    ['two states in one on a template opt-in', entry('optIn.template', deploy, { labels: {}, restartedAt: null }), /a kind of prior state its step never writes/],
  ])('%s', (_why, e, want) => {
    const got = undoProblem(e);
    if (want) expect(got).toMatch(want);
    else expect(got).toBeUndefined();
  });
});
