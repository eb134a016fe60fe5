// A wave's copy stage (actCross copyObjects) against in-memory API servers: each namespace's workloads wait only on that namespace's lower tiers, and a refused lower tier stops the workloads not yet sent (its own namespace's among them).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { statusBody } from '../../../test/support/kube/fake-apiserver.js';
import { MemoryApiServer } from '../../../test/support/kube/memory-apiserver.js';
import { Journal } from '../../journal/journal.js';
import { DEFAULT_WRITE_CONCURRENCY } from '../../kube/object-client.js';
import type { KubeObject } from '../../resources/object.js';
import type { ActContext } from '../act.js';
import { MigrationClusters } from '../clusters.js';
import { MIGRATION_API_VERSION, MIGRATION_KIND, type MeshMigrationSpec, type MigrationStatus } from '../spec.js';
import { actCross } from './act-cross.js';
import { waveCopyPlan } from './observe-cross.js';

const SPEC: MeshMigrationSpec = {
  mode: 'CrossCluster',
  source: { context: 'src', revision: 'old' },
  target: { context: 'fake', revision: 'new', clusters: ['fake', 'remote'] },
  waves: [{ name: 'move', namespaces: ['a-ok', 'b-bad'], cluster: 'remote' }],
};

const servers: MemoryApiServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function start(): Promise<Awaited<ReturnType<typeof MemoryApiServer.start>>> {
  const s = await MemoryApiServer.start();
  servers.push(s.server);
  return s;
}

const configMap = (namespace: string, name: string, v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { v } });
const deployment = (namespace: string, image: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
});

describe('actCross copyObjects: tiers per namespace (BatchWrite.group)', () => {
  // Pins copyWrite's tier (writeTier) and group (the namespace) as journaledWrites uses them: b-bad's refused ConfigMap
  // stops b-bad's Deployment, while a-ok's Deployment, whose own ConfigMap was answered, is written without waiting
  // for b-bad's ConfigMaps. Without the group both Deployments wait on every ConfigMap and neither is written; without
  // the tier the refused ConfigMap stops nothing.
  it('a refused ConfigMap in one namespace leaves that namespace\'s Deployment "not written"; the other namespace\'s Deployment is written', async () => {
    const home = await start();
    const source = await start();
    const remote = await start();
    // b-bad holds twice as many ConfigMaps as there are write slots: the last one (the refused one) waits for a slot,
    // so it is answered only after a-ok's Deployment (its namespace ranked first) went out. journaledWrites stops
    // waiting higher-tier writes of every namespace on a refusal; this test does not pin that race.
    const many = Array.from({ length: 2 * DEFAULT_WRITE_CONCURRENCY }, (_, i) => `cm-${String(i).padStart(2, '0')}`);
    const wanted = [configMap('a-ok', 'cfg', 'new'), ...many.map((n) => configMap('b-bad', n, 'new')), deployment('a-ok', 'web:2'), deployment('b-bad', 'web:2')];
    for (const o of wanted) source.server.seed(o);
    // The memory server's PATCH (server-side apply) changes only existing objects: the target holds older versions.
    for (const o of wanted) remote.server.seed(o.kind === 'ConfigMap' ? { ...o, data: { v: 'old' } } : deployment(o.metadata.namespace!, 'web:1'));
    const refused = `/api/v1/namespaces/b-bad/configmaps/${many.at(-1)!}`;
    remote.server.failWrites = (req) => (req.path === refused ? { status: 422, body: statusBody(422, 'Invalid', 'data.v: Invalid value') } : undefined);

    const m = home.server.seed({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, metadata: { name: 'mig' }, spec: {} });
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-act-cross-'));
    dirs.push(localDir);
    const journal = await Journal.open(home.client, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: 'mig', uid: String(m.metadata.uid) }, { localDir });
    const clusters = new MigrationClusters(home.client, { set: { client: (c) => Promise.resolve(c === 'src' ? source.client : remote.client) }, allowed: ['src', 'remote'] });
    const ctx: ActContext = { client: home.client, clusters, name: 'mig', spec: SPEC, generation: 1, journal };
    const refs = (await waveCopyPlan(ctx, SPEC.waves[0]!)).copy.map((c) => c.ref);
    const status: MigrationStatus = { phase: 'Migrating', message: '', retryCounter: 0, observedGeneration: 1, conditions: [], waves: [{ name: 'move', state: 'OptedIn', stage: 'Workloads', counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 } }] };

    const next = await actCross(ctx, status, { kind: 'copyObjects', wave: 0, refs });

    const deployments = journal.entries().filter((e) => e.target?.kind === 'Deployment');
    expect(deployments.map((e) => [e.target!.namespace, e.state])).toEqual([['a-ok', 'done'], ['b-bad', 'failed']]);
    expect(deployments[1]!.result).toEqual({ reason: expect.stringMatching(/^not written: /) });
    const image = (ns: string) => (remote.server.objects.get(`/apis/apps/v1/namespaces/${ns}/deployments/web`)!.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image;
    expect([image('a-ok'), image('b-bad')]).toEqual(['web:2', 'web:1']);
    expect(remote.server.writes.some((w) => w.path === '/apis/apps/v1/namespaces/b-bad/deployments/web')).toBe(false);
    expect(next.waves[0]).toMatchObject({ state: 'Failed', reason: expect.stringMatching(new RegExp(`refused 1 copied object\\(s\\): ConfigMap b-bad/${many.at(-1)!}: .*; 1 object\\(s\\) that wait on them .* were not written`)) });
  });
});
