// CrossCluster rollback (issue 13 §7, step C9) against two real clusters, src and dst (home): forward entries written
// by journaledWrites really scale src and create namespaces and copies in dst; rollback restores src's replicas and
// waits until they are ready before it reverses the shift, deletes only the copies meshferry created, leaves an
// object someone else recreated (and its namespace) alone and names it, and a second run changes nothing.
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/journal/journal.js';
import { Journal } from '../../src/journal/journal.js';
import type { ServedResource } from '../../src/kube/discovery.js';
import type { ObjectClient } from '../../src/kube/object-client.js';
import type { Lab } from '../../src/lab/index.js';
import { isPlainObject, type KubeObject } from '../../src/resources/object.js';
import { journaledWrites, STEP, type ActContext, type BatchWrite, type WriteResult } from '../../src/migrate/act.js';
import { MigrationClusters } from '../../src/migrate/clusters.js';
import { rollbackMigration } from '../../src/migrate/rollback.js';
import { MIGRATION_API_VERSION, MIGRATION_KIND, type MeshMigrationSpec } from '../../src/migrate/spec.js';
import { applyMigration, ensureMigrations, readMigration } from '../../src/migrate/store.js';
import { ensureTrafficShiftCrd } from '../../src/traffic/shift/store.js';
import { KubeconfigClusterSet } from '../../src/traffic/routers/cluster-set.js';
import { until } from '../support/poll.js';
import { labPerFile } from './lab-per-file.js';

let lab: Lab;
const { parent } = labPerFile('migrate-cross-rollback-', { clusters: ['src', 'dst'], revisions: [] }, (l) => {
  lab = l;
});

const PAUSE = 'registry.k8s.io/pause:3.10';
let set: KubeconfigClusterSet;
let src: ObjectClient;
let dst: ObjectClient;

beforeAll(async () => {
  set = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath });
  src = await set.client('src');
  dst = await set.client('dst');
  return () => set.close();
});

const res = (client: ObjectClient, group: string, kind: string): ServedResource => {
  const r = client.discovery.resourceFor(group, kind);
  if (!r) throw new Error(`${kind} not served`);
  return r;
};
const deployment = (ns: string, name: string, replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: PAUSE }] } } },
});
const configMap = (ns: string, name: string, v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { v } });
const namespace = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });
/** A namespace as the engine creates it in the target: with the target's opt-in label (entries.ts). */
const optedIn = (name: string) => namespace(name, { 'istio.io/rev': 'new' });
const targetOf = (obj: KubeObject, context: string) => ({ apiVersion: obj.apiVersion, kind: obj.kind, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name!, context });
const ready = async (client: ObjectClient, ns: string, name: string) => {
  const d = await client.get(res(client, 'apps', 'Deployment'), ns, name);
  return { replicas: isPlainObject(d?.spec) ? d.spec.replicas : undefined, ready: isPlainObject(d?.status) && typeof d.status.readyReplicas === 'number' ? d.status.readyReplicas : 0 };
};

/** A copy as the engine writes it: server-side apply by meshferry, recording what it created (entries.ts CreatedResult). */
function copy(client: ObjectClient, step: string, obj: KubeObject, context: string): BatchWrite {
  return {
    step,
    target: targetOf(obj, context),
    state: { object: obj },
    before: { object: null },
    extra: { wave: 0 },
    write: async (): Promise<WriteResult> => {
      const r = await client.apply(obj, { force: false });
      return { uid: String(r.object.metadata.uid), resourceVersion: String(r.object.metadata.resourceVersion), created: r.status === 201 };
    },
  };
}

describe('CrossCluster rollback across src and dst', () => {
  it('restores src first and ready, then reverses the shift, deletes only what meshferry created in dst, names the rest; again: no-op', async () => {
    // The source: a workload with 2 ready replicas (kwok), before the migration.
    await src.apply(namespace('c9-shop'), { force: true });
    await src.apply(deployment('c9-shop', 'web', 2), { force: true, fieldManager: 'kubectl' });
    await until(async () => ((await ready(src, 'c9-shop', 'web')).ready === 2 ? true : undefined));
    await dst.apply(namespace('c9-home'), { force: true, fieldManager: 'kubectl' });

    const migrations = await ensureMigrations(dst);
    const spec: MeshMigrationSpec = {
      mode: 'CrossCluster',
      source: { context: 'src', revision: 'old' },
      target: { context: 'dst', revision: 'new', clusters: ['dst'] },
      waves: [{ name: 'shop', namespaces: ['c9-shop', 'c9-pay'], cluster: 'dst', shifts: ['shop-shift.yaml'] }],
    };
    const m = await applyMigration(dst, migrations, { metadata: { name: 'c9' }, spec });
    const localDir = mkdtempSync(path.join(parent, 'journal-'));
    const journal = await Journal.open(dst, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'c9', uid: m.uid }, { localDir });
    const clusters = new MigrationClusters(dst, { set, allowed: ['src', 'dst'] });
    const ctx: ActContext = { client: dst, clusters, name: 'c9', spec, generation: m.generation, journal };

    // Forward, in the engine's order: namespaces, copies, the shift, the scale-down.
    await journaledWrites(ctx, [copy(dst, STEP.crossNamespace, optedIn('c9-shop'), 'dst'), copy(dst, STEP.crossNamespace, optedIn('c9-pay'), 'dst')]);
    await journaledWrites(ctx, [copy(dst, STEP.copy, configMap('c9-shop', 'cfg', 'a'), 'dst'), copy(dst, STEP.copy, deployment('c9-shop', 'web', 2), 'dst'), copy(dst, STEP.copy, configMap('c9-pay', 'cfg2', 'b'), 'dst')]);
    await ensureTrafficShiftCrd(dst);
    const shift: KubeObject = {
      apiVersion: 'meshferry.dev/v1alpha1',
      kind: 'TrafficShift',
      metadata: { name: 'c9-web', namespace: 'c9-home' },
      spec: { router: { virtualService: { targets: [{ context: 'dst', name: 'web' }], from: { host: 'web' }, to: { host: 'web-new' } } }, steps: [100], interval: '1s' },
    };
    await journaledWrites(ctx, [{ ...copy(dst, STEP.shift, shift, 'dst'), extra: { wave: 0, shift: 'shop-shift.yaml' } }]);
    await journaledWrites(ctx, [{ step: STEP.scale, target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'c9-shop', name: 'web', context: 'src' }, state: { replicas: 0 }, extra: { wave: 0 } }]);
    expect((await ready(src, 'c9-shop', 'web')).replicas).toBe(0);
    expect(await dst.get(res(dst, 'apps', 'Deployment'), 'c9-shop', 'web')).toBeDefined();
    await until(async () => ((await ready(dst, 'c9-shop', 'web')).ready === 2 ? true : undefined));
    const forward = journal.entries().map((e) => [e.step, e.state, e.target?.context]);
    expect(forward).toEqual([
      ['xc.namespace', 'done', 'dst'], ['xc.namespace', 'done', 'dst'],
      ['xc.copy', 'done', 'dst'], ['xc.copy', 'done', 'dst'], ['xc.copy', 'done', 'dst'],
      ['xc.shift', 'done', 'dst'], ['xc.scale', 'done', 'src'],
    ]);
    expect(journal.entries().at(-1)!.before).toEqual({ replicas: 2 });

    // Someone else deletes cfg2 and makes their own under the same name: not meshferry's any more.
    const cms = res(dst, '', 'ConfigMap');
    await dst.delete(cms, 'c9-pay', 'cfg2');
    const theirs = (await dst.create(configMap('c9-pay', 'cfg2', 'theirs'), { fieldManager: 'kubectl-create' })).object;

    // The shift reversal sees the source as it is when it is called.
    const calls: { seq: number; src: { replicas: unknown; ready: number } }[] = [];
    const reverseShift = async (e: JournalEntry) => {
      calls.push({ seq: e.seq, src: await ready(src, 'c9-shop', 'web') });
      return { restored: 'moved the traffic back' };
    };
    const rollback = () => rollbackMigration({ client: dst, clusters, resource: migrations, name: 'c9', journal: { localDir }, reverseShift, pollMs: 250, timeoutMs: 5 * 60_000 });
    const first = await rollback();
    expect(first.exit).toBe(1);
    expect(first.status.message).toContain('ConfigMap c9-pay/cfg2 in context "dst": it is not the object meshferry created');
    expect(first.status.message).toContain('Namespace c9-pay in context "dst": meshferry created it, but it holds an object rollback left alone');
    expect(first.status.message).toContain('left 2 object(s) alone');

    // src first, and ready, before the traffic moved.
    expect(calls).toEqual([{ seq: 6, src: { replicas: 2, ready: 2 } }]);
    expect(await ready(src, 'c9-shop', 'web')).toEqual({ replicas: 2, ready: 2 });
    // dst: meshferry's copies, its namespace and the TrafficShift are gone; theirs stays, with its namespace.
    expect(await dst.get(res(dst, 'apps', 'Deployment'), 'c9-shop', 'web')).toBeUndefined();
    expect(await dst.get(cms, 'c9-shop', 'cfg')).toBeUndefined();
    expect(await dst.get(res(dst, 'meshferry.dev', 'TrafficShift'), 'c9-home', 'c9-web')).toBeUndefined();
    await until(async () => ((await dst.get(res(dst, '', 'Namespace'), undefined, 'c9-shop')) === undefined ? true : undefined));
    expect((await dst.get(cms, 'c9-pay', 'cfg2'))?.metadata.uid).toBe(theirs.metadata.uid);
    expect(await dst.get(res(dst, '', 'Namespace'), undefined, 'c9-pay')).toBeDefined();
    // The source namespace and Deployment were never deleted.
    expect(await src.get(res(src, '', 'Namespace'), undefined, 'c9-shop')).toBeDefined();

    // Again: nothing more is done (the refusal is named again), and the shift is not reversed twice.
    const reopened = await Journal.open(dst, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'c9', uid: m.uid }, { localDir });
    const undone = reopened.entries().filter((e) => e.step === STEP.rollback).length;
    const second = await rollback();
    expect(second.exit).toBe(1);
    expect(second.status.message).toContain('ConfigMap c9-pay/cfg2 in context "dst"');
    expect(calls).toHaveLength(1);
    const after = await Journal.open(dst, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'c9', uid: m.uid }, { localDir });
    expect(after.entries().filter((e) => e.step === STEP.rollback).length).toBe(undone);
    expect((await dst.get(cms, 'c9-pay', 'cfg2'))?.metadata.uid).toBe(theirs.metadata.uid);

    // Once they remove theirs, the namespace meshferry created goes too, and the migration is RolledBack.
    await dst.delete(cms, 'c9-pay', 'cfg2');
    const third = await rollback();
    expect(third.status.message).toMatch(/^rolled back to revision old from the journal/);
    expect(third.exit).toBe(0);
    await until(async () => ((await dst.get(res(dst, '', 'Namespace'), undefined, 'c9-pay')) === undefined ? true : undefined));
    expect((await readMigration(dst, migrations, 'c9')).status.phase).toBe('RolledBack');
    const settled = (await Journal.open(dst, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'c9', uid: m.uid }, { localDir })).entries().length;
    const fourth = await rollback();
    expect(fourth.exit).toBe(0);
    expect((await Journal.open(dst, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'c9', uid: m.uid }, { localDir })).entries().length).toBe(settled);
    expect(calls).toHaveLength(1);
    expect(await ready(src, 'c9-shop', 'web')).toEqual({ replicas: 2, ready: 2 });
  });
});
