// CrossCluster Prepare's remote secret against a real 2-cluster lab (primary with istiod, remote): the reader objects
// and the Secret created and journaled with their live uids, the primary's istiod syncing the remote, idempotence,
// an interrupted token create, someone else's Secret left alone, and the token in no journal.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readerTokenSecret, remoteKubeconfig, READER_TOKEN_SECRET } from '../../src/install/remote-secret.js';
import { Journal, JOURNAL_NAMESPACE, SecretDigest, type JournalEntry } from '../../src/journal/index.js';
import type { Cluster } from '../../src/kube/cluster.js';
import type { ObjectClient } from '../../src/kube/object-client.js';
import type { Lab } from '../../src/lab/index.js';
import { act, STEP, type ActContext } from '../../src/migrate/act.js';
import { MigrationClusters } from '../../src/migrate/clusters.js';
import { ensureRemoteSecret, observeRemoteSecrets } from '../../src/migrate/cross/remote-secrets.js';
import { intendedState, observePending } from '../../src/migrate/observe.js';
import { initialStatus, type MeshMigrationSpec } from '../../src/migrate/spec.js';
import { applyMigration, ensureMigrations } from '../../src/migrate/store.js';
import { stateHolds } from '../../src/migrate/target-state.js';
import { isPlainObject, type KubeObject } from '../../src/resources/object.js';
import { KubeconfigClusterSet } from '../../src/traffic/routers/cluster-set.js';
import { until } from '../support/poll.js';
import { labPerFile } from './lab-per-file.js';

let lab: Lab;
let primary: Cluster;
// The remote runs no istiod: the remote secret needs only its API server and token controller. The primary's
// istiod is the one that reads the Secret, and its /debug/clusterz (loopback http port) is the evidence.
const { parent } = labPerFile('xc-remote-secret-', { clusters: ['primary', 'remote'], revisions: { primary: ['default'], remote: [] } }, (l, c) => {
  lab = l;
  primary = c;
});

const SPEC: MeshMigrationSpec = {
  mode: 'CrossCluster',
  source: { context: 'remote', revision: '1-18-5' },
  target: { context: 'primary', revision: 'default', clusters: ['primary', 'remote'] },
  waves: [{ name: 'shop', namespaces: ['shop'], cluster: 'remote' }],
} as MeshMigrationSpec;
const SECRET_NAME = 'istio-remote-secret-remote';

let set: KubeconfigClusterSet;
let clusters: MigrationClusters;
let remote: ObjectClient;

/** A MeshMigration in primary with its journal and Secret digest key, as the engine opens them. */
async function migration(name: string): Promise<ActContext> {
  const res = await ensureMigrations(primary.client);
  const stored = await applyMigration(primary.client, res, { metadata: { name }, spec: SPEC });
  const localDir = path.join(parent, 'state', name);
  const journal = await Journal.open(primary.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name, uid: stored.uid }, { localDir });
  return { client: primary.client, clusters, secretDigest: SecretDigest.at(localDir), name, spec: SPEC, generation: stored.generation, journal };
}

const resource = (client: ObjectClient, group: string, kind: string) => client.discovery.resourceAt(group, 'v1', kind)!;
async function live(client: ObjectClient, e: Pick<JournalEntry, 'target'>): Promise<KubeObject | undefined> {
  const t = e.target!;
  return client.get(client.resourceOf(t)!, t.namespace, t.name);
}
const uidOf = (e: JournalEntry) => (isPlainObject(e.result) ? e.result.uid : undefined);
const homeSecret = () => primary.client.get(resource(primary.client, '', 'Secret'), 'istio-system', SECRET_NAME);
const decode = (v: unknown) => Buffer.from(String(v), 'base64').toString('utf8');

beforeAll(async () => {
  set = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath });
  clusters = new MigrationClusters(primary.client, { set, allowed: ['remote'] });
  remote = await clusters.clientFor('remote', 'the remote');
  return () => set.close();
});

describe('remote secret for a CrossCluster migration (lab)', () => {
  let ctx: ActContext;
  let createdEntries: JournalEntry[];

  it('observes it missing before anything is made', async () => {
    ctx = await migration('xc-rsec');
    expect(await observeRemoteSecrets(ctx)).toEqual([{ cluster: 'remote', state: 'missing', detail: `Secret istio-system/${SECRET_NAME} does not exist` }]);
  });

  it('creates the reader objects in remote and the Secret in primary, each with a done entry holding the live uid', async () => {
    const lacked = [
      ['', 'Namespace', undefined, 'istio-system'],
      ['', 'ServiceAccount', 'istio-system', 'istio-reader-service-account'],
      ['rbac.authorization.k8s.io', 'ClusterRole', undefined, 'istio-reader-clusterrole-istio-system'],
      ['rbac.authorization.k8s.io', 'ClusterRoleBinding', undefined, 'istio-reader-clusterrole-istio-system'],
      ['', 'Secret', 'istio-system', READER_TOKEN_SECRET],
    ] as const;
    const before = await Promise.all(lacked.map(async ([g, kind, ns, name]) => ((await remote.get(resource(remote, g, kind), ns, name)) ? undefined : `${kind} ${ns ? `${ns}/` : ''}${name}`)));
    const missing = before.filter((x): x is string => x !== undefined);
    expect(missing).toContain(`Secret istio-system/${READER_TOKEN_SECRET}`);

    const out = await ensureRemoteSecret(ctx, 'remote');
    expect(out.leftAlone).toEqual([]);
    expect(out.created).toEqual([...missing.map((m) => `${m} in context "remote"`), `Secret istio-system/${SECRET_NAME}`]);

    // The Secret in primary, as istiod selects it, holding a kubeconfig for the remote's API server.
    const secret = (await homeSecret())!;
    expect(secret.metadata.labels?.['istio/multiCluster']).toBe('true');
    expect(secret.metadata.annotations?.['networking.istio.io/cluster']).toBe('remote');
    const kubeconfig = parse(decode((secret.data as Record<string, string>).remote)) as { clusters: { cluster: { server: string } }[] };
    expect(kubeconfig.clusters[0]!.cluster.server).toBe(lab.cluster('remote').server);

    // The cluster's copy of the journal, not the in-memory one.
    const journal = await Journal.open(primary.client, ctx.journal.owner, { localDir: path.join(parent, 'reread') });
    createdEntries = journal.entries().filter((e) => e.step === STEP.created);
    expect(createdEntries.map((e) => `${e.target!.kind} ${e.target!.namespace ? `${e.target!.namespace}/` : ''}${e.target!.name}`)).toEqual(missing);
    for (const e of createdEntries) {
      expect(e.state, `${e.seq}`).toBe('done');
      expect(e.target!.context).toBe('remote');
      expect(e.before).toEqual({ object: null });
      expect(uidOf(e), `${e.target!.kind}`).toBe((await live(remote, e))!.metadata.uid);
    }
    const [rs, ...rest] = journal.entries().filter((e) => e.step === STEP.remoteSecret);
    expect(rest).toEqual([]);
    expect(rs).toMatchObject({ state: 'done', target: { apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: SECRET_NAME }, before: { object: null } });
    expect(rs!.target!.context).toBeUndefined();
    expect(uidOf(rs!)).toBe(secret.metadata.uid);
    expect(Object.keys(intendedState(rs!)!)).toEqual(['secretDigest']);

    // Resume settles a pending entry by stateHolds: every intent but the token's is observable that way. The
    // token's digest is of the Secret as created (no data); the token controller filled it since, so it no
    // longer holds, which is why ensureRemoteSecret records an interrupted token create itself (next test but one).
    for (const e of [...createdEntries, rs!]) {
      const holds = await stateHolds(ctx, e.target!, intendedState(e)!);
      expect(holds, `${e.target!.kind} ${e.target!.name}`).toBe(e.target!.name !== READER_TOKEN_SECRET);
    }
    expect(await observeRemoteSecrets(ctx)).toEqual([{ cluster: 'remote', state: 'present', detail: `Secret istio-system/${SECRET_NAME} registers cluster "remote" at ${lab.cluster('remote').server}` }]);
  });

  it("the primary's istiod reads it and syncs the remote (/debug/clusterz on its loopback http port)", async () => {
    const port = lab.cluster('primary').istiods[0]!.ports.http;
    const synced = await until(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/debug/clusterz`).catch(() => undefined);
      if (!res?.ok) return undefined;
      const list = (await res.json()) as { id: string; secretName: string; syncStatus: string }[];
      return list.find((c) => c.id === 'remote' && c.syncStatus === 'synced');
    });
    expect(synced.secretName).toBe(`istio-system/${SECRET_NAME}`);
  });

  it('a second call journals nothing and writes nothing', async () => {
    const count = ctx.journal.entries().length;
    const rv = (await homeSecret())!.metadata.resourceVersion;
    const out = await ensureRemoteSecret(ctx, 'remote');
    expect(out).toEqual({ created: [], leftAlone: [], recorded: [] });
    expect((await Journal.open(primary.client, ctx.journal.owner, { localDir: path.join(parent, 'reread-2') })).entries()).toHaveLength(count);
    expect((await homeSecret())!.metadata.resourceVersion).toBe(rv);
  });

  it('a token create interrupted after it landed is recorded with the live uid on the next call', async () => {
    // Another migration's journal, and a world where its run died after creating the token Secret: the intent is
    // journaled (as ensureRemoteSecret writes it), the Secret exists with meshferry's fields, no result is recorded.
    const other = await migration('xc-rsec-interrupted');
    const secrets = resource(remote, '', 'Secret');
    expect(await primary.client.delete(resource(primary.client, '', 'Secret'), 'istio-system', SECRET_NAME)).toBe(true);
    expect(await remote.delete(secrets, 'istio-system', READER_TOKEN_SECRET)).toBe(true);
    await until(async () => ((await remote.get(secrets, 'istio-system', READER_TOKEN_SECRET)) ? undefined : true));
    const target = { apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: READER_TOKEN_SECRET, context: 'remote' };
    const pending = await other.journal.begin(STEP.created, { target, before: { object: null }, intent: { state: { secretDigest: await other.secretDigest!.of(readerTokenSecret()) } } });
    const made = await remote.create(readerTokenSecret(), { fieldManager: 'meshferry' });
    await until(async () => (isPlainObject((await remote.get(secrets, 'istio-system', READER_TOKEN_SECRET))?.data) ? true : undefined));

    // Resume as the engine does it: look, then settle. The filled token no longer shows the digest: "not applied".
    const [seen] = await observePending(other, other.journal.pending());
    expect(seen).toEqual({ seq: pending.seq, step: STEP.created, applied: false });
    await act(other, initialStatus(SPEC), { kind: 'settle', seq: seen!.seq, applied: seen!.applied });
    expect(other.journal.entries().find((e) => e.seq === pending.seq)!.state).toBe('failed');

    const out = await ensureRemoteSecret(other, 'remote');
    expect(out.recorded).toEqual([`Secret istio-system/${READER_TOKEN_SECRET} in context "remote" (created by meshferry in journal entry ${pending.seq}, which was interrupted)`]);
    expect(out.created).toEqual([`Secret istio-system/${SECRET_NAME}`]);
    const journal = await Journal.open(primary.client, other.journal.owner, { localDir: path.join(parent, 'reread-3') });
    const token = journal.entries().filter((e) => e.step === STEP.created && e.state === 'done');
    expect(token).toHaveLength(1);
    expect(token[0]!.target).toEqual(target);
    expect(uidOf(token[0]!)).toBe(made.object.metadata.uid);
    expect((await remote.get(secrets, 'istio-system', READER_TOKEN_SECRET))!.metadata.uid).toBe(made.object.metadata.uid);
    // The recorded digest is the live token's, so this entry does settle by stateHolds.
    expect(await stateHolds(other, target, intendedState(token[0]!)!)).toBe(true);
    expect(journal.entries().filter((e) => e.step === STEP.remoteSecret).map((e) => [e.state, uidOf(e)])).toEqual([['done', (await homeSecret())!.metadata.uid]]);
  });

  it("leaves someone else's istio-remote-secret-remote alone and names it", async () => {
    expect(await primary.client.delete(resource(primary.client, '', 'Secret'), 'istio-system', SECRET_NAME)).toBe(true);
    await until(async () => ((await homeSecret()) ? undefined : true));
    const foreignConfig = remoteKubeconfig({ clusterName: 'remote', server: 'https://127.0.0.1:1', caPem: 'ca', token: 'someone-elses-token' });
    const foreign = await primary.client.create(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: SECRET_NAME, namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' }, annotations: { 'networking.istio.io/cluster': 'remote' } },
        stringData: { remote: foreignConfig },
      },
      { fieldManager: 'someone-else' },
    );
    const [seen] = await observeRemoteSecrets(ctx);
    expect(seen).toMatchObject({ cluster: 'remote', state: 'differs' });
    expect(seen!.detail).toMatch(/its kubeconfig points at another API server than https:\/\/127\.0\.0\.1:\d+; meshferry leaves it alone/);
    expect(seen!.detail).not.toContain('someone-elses-token');

    const count = ctx.journal.entries().length;
    const out = await ensureRemoteSecret(ctx, 'remote');
    expect(out.created).toEqual([]);
    expect(out.leftAlone).toEqual([seen!.detail]);
    expect((await Journal.open(primary.client, ctx.journal.owner, { localDir: path.join(parent, 'reread-4') })).entries()).toHaveLength(count);
    const after = (await homeSecret())!;
    expect(after.metadata.resourceVersion).toBe(foreign.object.metadata.resourceVersion);
    expect(decode((after.data as Record<string, string>).remote)).toBe(foreignConfig);
  });

  it('the reader token is in no journal ConfigMap and nowhere in the local journal folders', async () => {
    const tokenSecret = (await remote.get(resource(remote, '', 'Secret'), 'istio-system', READER_TOKEN_SECRET))!;
    const token = decode((tokenSecret.data as Record<string, string>).token);
    expect(token.length).toBeGreaterThan(20);
    const forms = [token, Buffer.from(token).toString('base64')];
    const configMaps = await primary.client.list(resource(primary.client, '', 'ConfigMap'), { namespace: JOURNAL_NAMESPACE });
    expect(configMaps.length).toBeGreaterThanOrEqual(2);
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));
    // Every local journal copy (the migrations' own folders and the re-reads), beside the lab's folder.
    const local = readdirSync(parent).filter((d) => d !== 'lab').flatMap((d) => files(path.join(parent, d)));
    expect(local.some((f) => f.endsWith('.json'))).toBe(true);
    for (const text of [JSON.stringify(configMaps), ...local.map((f) => readFileSync(f, 'utf8'))]) for (const form of forms) expect(text.includes(form)).toBe(false);
    // What the calls returned and the entries themselves are names and digests only.
    expect(JSON.stringify(createdEntries)).not.toContain(token);
  });
});
