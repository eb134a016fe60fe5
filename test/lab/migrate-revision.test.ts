// MeshMigration end to end on a real lab (revisions default and canary): a revision upgrade of two namespaces and a
// gateway, its rollback from the journal, and a precheck that fails, is fixed, and passes on retry.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Cluster } from '../../src/kube/cluster.js';
import type { Lab } from '../../src/lab/index.js';
import { Journal } from '../../src/journal/index.js';
import { readMigration, servedMigrations } from '../../src/migrate/store.js';
import { hasStackTrace, runCli } from '../support/cli.js';
import { labPerFile } from './lab-per-file.js';
import { kubectlFor } from './lab-kubectl.js';
import { exportTree, migrationFile, ok, seedGateway, seedNamespace, seedOnDeleteStatefulSet, settled, worldView, type Kubectl } from './migrate-fixtures.js';

let lab: Lab;
let cluster: Cluster;
let kubectl: Kubectl;
const { parent } = labPerFile('migrate-revision-test-', { revisions: ['default', 'canary'] }, (l, c) => {
  lab = l;
  cluster = c;
});

beforeAll(async () => {
  kubectl = await kubectlFor(lab.kubeconfigPath);
});

const cli = (...args: string[]) => runCli([...args, '--kubeconfig', lab.kubeconfigPath, '--context', 'lab'], { env: { MESHFERRY_STATE_DIR: path.join(parent, 'state') } });

describe('migrate (lab, revisions default → canary)', () => {
  const scope = ['shop', 'payments', 'gw'];

  it('upgrades two namespaces (one with an OnDelete StatefulSet) and a gateway end to end, then rolls everything back from the journal, as an export shows', async () => {
    seedNamespace(kubectl, 'shop', ['cart', 'web']);
    seedNamespace(kubectl, 'payments', ['ledger']);
    // An OnDelete StatefulSet: its pods move only when deleted, forward and back.
    seedOnDeleteStatefulSet(kubectl, 'payments', 'db');
    seedGateway(kubectl, 'gw', 'ingress');
    await settled(cluster, scope);
    const before = await worldView(cluster, scope);
    expect(before.revisions['shop/cart']).toEqual(['default', 'default']);
    expect(before.revisions['gw/ingress']).toEqual(['default']);
    expect(before.revisions['payments/db']).toEqual(['default', 'default']);
    // An export of the cluster as a user takes one: every Istio kind in every namespace, plus the context objects
    // (Namespaces with their labels, Deployments with their pod templates, Services, Secret metadata).
    const exported = async (name: string) => {
      const out = path.join(parent, name);
      const r = cli('export', '-A', '--with-context', '--output-dir', out);
      expect(r.code, r.stderr).toBe(0);
      return exportTree(out);
    };
    const exportBefore = await exported('export-before');
    expect(Object.keys(exportBefore)).toEqual(expect.arrayContaining(['_cluster/namespaces/shop.yaml', 'shop/deployments/cart.yaml', 'gw/deployments/ingress.yaml']));

    const file = await migrationFile(parent, 'upgrade', {
      mode: 'InPlace',
      source: { revision: 'default' },
      target: { revision: 'canary' },
      waves: [
        { name: 'first', namespaces: ['shop'], maxUnavailable: 2 },
        { name: 'second', namespaces: ['payments'] },
        { name: 'gateways', gateways: ['gw/ingress'] },
      ],
      verify: { timeout: '5m' },
    });
    const plan = cli('migrate', 'plan', file, '-o', 'json');
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as { waves: { namespaces: { name: string; change: Record<string, string | null> }[]; restarts: { workload: string }[] }[] };
    expect(planned.waves[0]!.namespaces).toEqual([{ name: 'shop', change: { 'istio.io/rev': 'canary', 'istio-injection': null } }]);
    expect(planned.waves[0]!.restarts.map((r) => r.workload)).toEqual(['Deployment shop/cart', 'Deployment shop/web']);
    // plan changed nothing
    expect(await worldView(cluster, scope)).toEqual(before);

    const run = cli('migrate', 'apply', file);
    expect(run.code, run.stderr).toBe(0);
    expect(hasStackTrace(run.stderr)).toBe(false);
    await settled(cluster, scope);
    const after = await worldView(cluster, scope);
    expect(after.namespaces.shop).toEqual({ 'istio.io/rev': 'canary', team: 'shop', 'kubernetes.io/metadata.name': 'shop' });
    for (const [key, revs] of Object.entries(after.revisions)) expect(revs.every((r) => r === 'canary'), `${key}: ${revs.join(',')}`).toBe(true);
    expect(after.revisions['payments/ledger']).toHaveLength(2);
    expect(after.revisions['payments/db']).toEqual(['canary', 'canary']);

    const status = cli('migrate', 'status', 'upgrade', '-o', 'json');
    expect(status.code, status.stderr).toBe(0);
    const st = JSON.parse(status.stdout) as { phase: string; retryCounter: number; waves: { name: string; state: string; counts: { verifiedPods: number } }[]; residue: string[] };
    expect(st.phase).toBe('Finished');
    expect(st.retryCounter).toBe(0);
    expect(st.waves.map((w) => [w.name, w.state, w.counts.verifiedPods])).toEqual([
      ['first', 'Verified', 4],
      ['second', 'Verified', 4],
      ['gateways', 'Verified', 1],
    ]);
    expect(st.residue.some((r) => r.includes('istio-sidecar-injector'))).toBe(true);
    // The table says what the JSON says: the residue, and counts that add up.
    const table = cli('migrate', 'status', 'upgrade');
    expect(table.stdout).toMatch(/Residue \(still uses the source[^\n]*\n  - [^\n]*istio-sidecar-injector/);
    expect(table.stdout).toMatch(/^first +Verified +2 +2 +4 +0 *$/m);
    // A second apply of a finished migration changes nothing and says so.
    expect(cli('migrate', 'apply', file).code).toBe(0);

    // The journal lives in the cluster: another machine (no local copy) reads the same entries.
    await cluster.client.refreshDiscovery();
    const mm = await cluster.client.get(cluster.client.discovery.resourceFor('meshferry.dev', 'MeshMigration')!, undefined, 'upgrade');
    const journal = await Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'upgrade', uid: String(mm!.metadata.uid) }, { localDir: path.join(parent, 'elsewhere') });
    expect(journal.pending()).toEqual([]);
    expect(journal.entries().filter((e) => e.step === 'restart').length).toBe(5);

    const back = cli('migrate', 'rollback', 'upgrade');
    expect(back.code, back.stderr).toBe(0);
    await settled(cluster, scope);
    const restored = await worldView(cluster, scope);
    expect(restored).toEqual(before);
    // The export taken now equals the one taken before, file for file, with one legitimate difference: the
    // namespace meshferry-system holds the journal, which outlives the rollback (it records it); nothing else of it
    // is compared away.
    const exportAfter = await exported('export-after');
    const journalNamespace = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([f]) => !(f === '_cluster/namespaces/meshferry-system.yaml' || f.startsWith('meshferry-system/'))));
    expect(Object.keys(exportAfter).filter((f) => !(f in exportBefore))).toEqual(['_cluster/namespaces/meshferry-system.yaml']);
    expect(journalNamespace(exportAfter)).toEqual(exportBefore);
    expect(JSON.parse(cli('migrate', 'status', 'upgrade', '-o', 'json').stdout).phase).toBe('RolledBack');
    // After a rollback nothing advises moving forward (the apply's warning to move the default tag is gone), and
    // no wave still reads Verified.
    expect(run.stderr).toContain('istioctl tag set default --revision canary');
    expect(back.stderr).not.toContain('tag set default');
    const backTable = cli('migrate', 'status', 'upgrade');
    expect(backTable.code, backTable.stderr).toBe(0);
    expect(backTable.stdout).not.toMatch(/Verified|Residue/);
    expect(backTable.stdout).toMatch(/^first +Reverted +2 +2 +0 +0 +rolled back to default$/m);

    // An ended migration is not run again, and saying so is not a success (a CI step must not pass on it).
    for (const args of [['apply', file], ['resume', 'upgrade'], ['retry', 'upgrade']]) {
      const again = cli('migrate', ...args);
      expect(again.code, again.stderr).toBe(2);
      expect(again.stderr).toContain('has ended (RolledBack)');
    }
    // A name that is not there is bad input, not a cluster failure.
    const missing = cli('migrate', 'status', 'no-such-migration');
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('there is no MeshMigration "no-such-migration"');
  });

  it('moves a revision tag to the target (as istioctl tag set --overwrite), then rolls the tag back', async () => {
    // A tag prod-stable on revision default, made as istioctl makes one: the revision's rev.* entries, selecting the tag.
    const mwcRes = cluster.discovery.resourceFor('admissionregistration.k8s.io', 'MutatingWebhookConfiguration')!;
    const own = (await cluster.client.get(mwcRes, undefined, 'istio-sidecar-injector'))!;
    const swap = (sel: unknown) => JSON.parse(JSON.stringify(sel ?? {}).replaceAll('"default"', '"prod-stable"')) as unknown;
    const hooks = (own.webhooks as { name: string; namespaceSelector?: unknown; objectSelector?: unknown }[])
      .filter((h) => h.name.startsWith('rev.'))
      .map((h) => ({ ...h, namespaceSelector: swap(h.namespaceSelector), objectSelector: swap(h.objectSelector) }));
    await cluster.client.create({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'istio-revision-tag-prod-stable', labels: { 'istio.io/tag': 'prod-stable', 'istio.io/rev': 'default', app: 'sidecar-injector' } }, webhooks: hooks });
    ok(kubectl('lab', ['create', 'namespace', 'tagged']));
    ok(kubectl('lab', ['label', 'namespace', 'tagged', 'istio.io/rev=prod-stable']));
    ok(kubectl('lab', ['-n', 'tagged', 'create', 'deployment', 'svc', '--image=registry.k8s.io/pause:3.10', '--replicas=2']));
    await settled(cluster, ['tagged']);
    const before = await worldView(cluster, ['tagged']);
    expect(before.revisions['tagged/svc']).toEqual(['default', 'default']);
    const file = await migrationFile(parent, 'tag-move', { mode: 'InPlace', source: { revision: 'default' }, target: { revision: 'canary' }, optIn: { tag: { name: 'prod-stable' } }, waves: [{ name: 'all', namespaces: ['tagged'] }], verify: { timeout: '5m' } });
    const run = cli('migrate', 'apply', file);
    expect(run.code, run.stderr).toBe(0);
    await settled(cluster, ['tagged']);
    const after = await worldView(cluster, ['tagged']);
    expect(after.namespaces.tagged).toEqual(before.namespaces.tagged);
    expect(after.revisions['tagged/svc']).toEqual(['canary', 'canary']);
    expect((await cluster.client.get(mwcRes, undefined, 'istio-revision-tag-prod-stable'))!.metadata.labels!['istio.io/rev']).toBe('canary');
    const back = cli('migrate', 'rollback', 'tag-move');
    expect(back.code, back.stderr).toBe(0);
    await settled(cluster, ['tagged']);
    expect(await worldView(cluster, ['tagged'])).toEqual(before);
    expect((await cluster.client.get(mwcRes, undefined, 'istio-revision-tag-prod-stable'))!.metadata.labels!['istio.io/rev']).toBe('default');
  });

  it('fails Init on a missing namespace (exit 1, the reason), then passes on retry once it exists', async () => {
    seedNamespace(kubectl, 'present', ['api'], 1);
    await settled(cluster, ['present']);
    const file = await migrationFile(parent, 'precheck', {
      mode: 'InPlace',
      target: { revision: 'canary' },
      waves: [{ name: 'one', namespaces: ['present', 'late'] }],
    });
    const first = cli('migrate', 'apply', file);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/namespace late named in the waves does not exist/);
    expect(hasStackTrace(first.stderr)).toBe(false);
    const st = JSON.parse(cli('migrate', 'status', 'precheck', '-o', 'json').stdout) as { phase: string; message: string; retryCounter: number };
    expect(st.phase).toBe('Init');
    expect(st.message).toMatch(/late/);
    // Without a retry the failed check stays failed.
    expect(cli('migrate', 'resume', 'precheck').code).toBe(1);

    ok(kubectl('lab', ['create', 'namespace', 'late']));
    ok(kubectl('lab', ['label', 'namespace', 'late', 'istio-injection=enabled']));
    const retry = cli('migrate', 'retry', 'precheck');
    expect(retry.code, retry.stderr).toBe(0);
    const done = JSON.parse(cli('migrate', 'status', 'precheck', '-o', 'json').stdout) as { phase: string; retryCounter: number };
    expect(done).toMatchObject({ phase: 'Finished', retryCounter: 1 });
  });

  it('plan runs the prechecks apply would: a misspelt revision, a missing tag and a missing namespace are exit 1, each named', async () => {
    seedNamespace(kubectl, 'planned', ['api'], 1);
    await settled(cluster, ['planned']);
    const before = await worldView(cluster, ['planned']);
    const file = await migrationFile(parent, 'plan-checks', { mode: 'InPlace', source: { revision: 'default' }, target: { revision: 'canray' }, optIn: { tag: { name: 'prod-stabel' } }, waves: [{ name: 'one', namespaces: ['planned', 'ghost'] }] });
    for (const output of ['table', 'json']) {
      const r = cli('migrate', 'plan', file, '-o', output);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('migrate plan: `migrate apply` would stop at Init: 3 precheck(s) fail:');
      expect(r.stderr).toContain('namespace ghost named in the waves does not exist');
      expect(r.stderr).toContain('no injector webhook of target revision canray is installed (found revisions: ');
      expect(r.stderr).toContain('revision tag prod-stabel does not exist');
      expect(hasStackTrace(r.stderr)).toBe(false);
      if (output === 'json') expect((JSON.parse(r.stdout) as { prechecks: { failures: string[] } }).prechecks.failures).toHaveLength(3);
    }
    // The same file with the mistakes fixed plans with exit 0; neither run changed anything.
    const fixed = await migrationFile(parent, 'plan-fixed', { mode: 'InPlace', source: { revision: 'default' }, target: { revision: 'canary' }, waves: [{ name: 'one', namespaces: ['planned'] }] });
    const good = cli('migrate', 'plan', fixed);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).not.toContain('would stop at Init');
    expect(await worldView(cluster, ['planned'])).toEqual(before);
  });

  it('spec.config: Init fails on an analyze Error, passes on retry once the file is fixed; Prepare imports; rollback deletes what it created and restores what it changed', async () => {
    seedNamespace(kubectl, 'cfg', ['api'], 1);
    ok(kubectl('lab', ['-n', 'cfg', 'expose', 'deployment', 'api', '--port=80']));
    await settled(cluster, ['cfg']);
    // Someone's VirtualService, which the import changes: rollback must put it back as it was.
    const theirs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web', namespace: 'cfg' }, spec: { hosts: ['api.cfg.svc.cluster.local'], http: [{ timeout: '5s', route: [{ destination: { host: 'api' } }] }] } };
    ok(kubectl('lab', ['apply', '-f', '-'], JSON.stringify(theirs)));
    const vsRes = cluster.discovery.resourceFor('networking.istio.io', 'VirtualService')!;
    const gwRes = cluster.discovery.resourceFor('networking.istio.io', 'Gateway')!;
    const drRes = cluster.discovery.resourceFor('networking.istio.io', 'DestinationRule')!;
    const secretRes = cluster.discovery.resourceFor('', 'Secret')!;
    const theirSpec = (await cluster.client.get(vsRes, 'cfg', 'web'))!.spec;

    const dir = path.join(parent, 'cfg-migration');
    const exp = path.join(dir, 'export', 'cfg');
    await mkdir(exp, { recursive: true });
    const vsFile = path.join(exp, 'web.yaml');
    const vsText = (gateway: string) =>
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web, namespace: cfg}\nspec:\n  hosts: ["*"]\n  gateways: [${gateway}]\n  http:\n  - route:\n    - destination: {host: api}\n`;
    await writeFile(vsFile, vsText('cfg/missing'));
    await writeFile(path.join(exp, 'public.yaml'), 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: cfg}\nspec:\n  selector: {app: api}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n');
    await writeFile(path.join(exp, 'api-dr.yaml'), 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: api, namespace: cfg}\nspec:\n  host: api\n');
    await writeFile(path.join(exp, 'tls.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: tls, namespace: cfg}\ntype: Opaque\ndata: {key: c2VjcmV0LXZhbHVlLTQy}\n');
    const file = await migrationFile(dir, 'with-config', {
      mode: 'InPlace',
      source: { revision: 'default' },
      target: { revision: 'canary' },
      config: { from: './export' },
      waves: [{ name: 'one', namespaces: ['cfg'] }],
      verify: { timeout: '5m' },
    });

    // A path out of the file's folder is refused before the cluster is touched.
    const escape = await migrationFile(dir, 'escape', { mode: 'InPlace', target: { revision: 'canary' }, config: { from: '../state' }, waves: [{ name: 'one', namespaces: ['cfg'] }] });
    const refused = cli('migrate', 'apply', escape);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/escape\.yaml:\d+:\d+: config\.from "\.\.\/state" leaves the folder of the MeshMigration file/);
    expect(hasStackTrace(refused.stderr)).toBe(false);

    // Init would fail on the finding, so plan says so with exit 1 (and still prints the whole plan).
    const plan = cli('migrate', 'plan', file, '-o', 'json');
    expect(plan.code, plan.stderr).toBe(1);
    expect(plan.stderr).toContain('would stop at Init: 1 precheck(s) fail:');
    expect(plan.stderr).toContain('- analyze: 1 finding(s) at or above Error in the config: MF0005 VirtualService cfg/web');
    const planned = JSON.parse(plan.stdout) as { config: { create: string[]; change: string[]; skipped: { ref: string }[]; findings: { code: string; object: string; reference: string }[] } };
    expect(planned.config.create.sort()).toEqual(['DestinationRule cfg/api', 'Gateway cfg/public']);
    expect(planned.config.change).toEqual(['VirtualService cfg/web']);
    expect(planned.config.skipped.map((x) => x.ref)).toEqual(['Secret cfg/tls']);
    expect(planned.config.findings.map((f) => [f.code, f.object, f.reference])).toEqual([['MF0005', 'VirtualService cfg/web', expect.stringMatching(/^export\/cfg\/web\.yaml:\d+$/)]]);

    const first = cli('migrate', 'apply', file);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/MF0005 ReferencedResourceNotFound on VirtualService cfg\/web \(export\/cfg\/web\.yaml:\d+\): .*cfg\/missing/);
    expect(first.stderr).toMatch(/Fix the objects in \.\/export/);
    expect(hasStackTrace(first.stderr)).toBe(false);
    expect((JSON.parse(cli('migrate', 'status', 'with-config', '-o', 'json').stdout) as { phase: string }).phase).toBe('Init');
    // Nothing was imported by a failed Init.
    expect(await cluster.client.get(gwRes, 'cfg', 'public')).toBeUndefined();
    expect((await cluster.client.get(vsRes, 'cfg', 'web'))!.spec).toEqual(theirSpec);

    // A crash right after one import write and before its result: the intent is journaled pending, the Gateway is in
    // the cluster. The resume must see it there, settle the entry (with the resourceVersion it finds) and not write it again.
    await cluster.client.refreshDiscovery(); // the MeshMigration CRD came after this connection's discovery
    const res = servedMigrations(cluster.client)!;
    const m = await readMigration(cluster.client, res, 'with-config');
    const owner = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'with-config', uid: m.uid };
    const gwObj = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'public', namespace: 'cfg' }, spec: { selector: { app: 'api' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } };
    const crashed = await Journal.open(cluster.client, owner, { localDir: path.join(parent, 'journal-crash') });
    const pending = await crashed.begin('config.import', { target: { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', namespace: 'cfg', name: 'public' }, before: { object: null }, intent: { state: { object: gwObj }, change: 'create' } });
    const written = await cluster.client.apply(gwObj, { force: true });

    await writeFile(vsFile, vsText('cfg/public'));
    const retry = cli('migrate', 'retry', 'with-config');
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stderr).toMatch(/Secret cfg\/tls/);
    expect(`${retry.stdout}${retry.stderr}`).not.toMatch(/c2VjcmV0LXZhbHVlLTQy|secret-value-42/);
    const st = JSON.parse(cli('migrate', 'status', 'with-config', '-o', 'json').stdout) as { phase: string; retryCounter: number };
    expect(st).toMatchObject({ phase: 'Finished', retryCounter: 1 });

    const gw = (await cluster.client.get(gwRes, 'cfg', 'public'))!;
    expect((gw.metadata.managedFields as { manager: string }[]).map((f) => f.manager)).toContain('meshferry');
    const vs = (await cluster.client.get(vsRes, 'cfg', 'web'))!;
    expect((vs.spec as { gateways: string[] }).gateways).toEqual(['cfg/public']);
    expect(await cluster.client.get(drRes, 'cfg', 'api')).toBeDefined();
    expect(await cluster.client.get(secretRes, 'cfg', 'tls')).toBeUndefined();
    // The journal: the changed object's prior state before the write, its resourceVersion after; no Secret, no data.
    const journal = await Journal.open(cluster.client, owner, { localDir: path.join(parent, 'journal-copy') });
    const imports = journal.entries().filter((e) => e.step === 'config.import');
    expect(imports.map((e) => `${e.target!.kind} ${e.target!.name}`).sort()).toEqual(['DestinationRule api', 'Gateway public', 'VirtualService web']);
    // The pending Gateway entry was settled from the cluster, not redone: one entry for it, the version the crashed write left.
    expect(imports.find((e) => e.target!.kind === 'Gateway')).toMatchObject({ seq: pending.seq, state: 'done', result: { resourceVersion: written.object.metadata.resourceVersion } });
    expect(gw.metadata.resourceVersion).toBe(written.object.metadata.resourceVersion);
    expect(imports.every((e) => e.state === 'done' && typeof (e.result as { resourceVersion?: string }).resourceVersion === 'string')).toBe(true);
    expect((imports.find((e) => e.target!.kind === 'VirtualService')!.before as { object: { spec: unknown } }).object.spec).toEqual(theirSpec);
    expect(imports.find((e) => e.target!.kind === 'Gateway')!.before).toEqual({ object: null });
    expect(JSON.stringify(journal.entries())).not.toMatch(/c2VjcmV0LXZhbHVlLTQy/);

    // Someone labels the DestinationRule meshferry created: rollback leaves it alone and says so (exit 1).
    ok(kubectl('lab', ['-n', 'cfg', 'label', 'destinationrules.networking.istio.io', 'api', 'owner=someone']));
    const back = cli('migrate', 'rollback', 'with-config');
    expect(back.code, back.stderr).toBe(1);
    expect(back.stderr).toMatch(/DestinationRule cfg\/api was changed by someone else after meshferry created it/);
    expect(await cluster.client.get(drRes, 'cfg', 'api')).toBeDefined();
    expect(await cluster.client.get(gwRes, 'cfg', 'public')).toBeUndefined();
    expect((await cluster.client.get(vsRes, 'cfg', 'web'))!.spec).toEqual(theirSpec);
    // Once its owner removes it, rollback finishes.
    ok(kubectl('lab', ['-n', 'cfg', 'delete', 'destinationrules.networking.istio.io', 'api']));
    const again = cli('migrate', 'rollback', 'with-config');
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(cli('migrate', 'status', 'with-config', '-o', 'json').stdout) as { phase: string }).phase).toBe('RolledBack');
    expect((await cluster.client.get(vsRes, 'cfg', 'web'))!.spec).toEqual(theirSpec);
    await settled(cluster, ['cfg']);
  });

  it('rollback trusts no journal entry alone: forged config.import entries for an RBAC object and for someone else\'s VirtualService are refused, named, and left in place', async () => {
    seedNamespace(kubectl, 'forge', ['api'], 1);
    ok(kubectl('lab', ['-n', 'forge', 'expose', 'deployment', 'api', '--port=80']));
    await settled(cluster, ['forge']);
    const vsRes = cluster.discovery.resourceFor('networking.istio.io', 'VirtualService')!;
    const crbRes = cluster.discovery.resourceFor('rbac.authorization.k8s.io', 'ClusterRoleBinding')!;
    // Objects meshferry never wrote: someone's VirtualService, and a binding to cluster-admin.
    ok(kubectl('lab', ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'theirs', namespace: 'forge' }, spec: { hosts: ['theirs'], http: [{ route: [{ destination: { host: 'api' } }] }] } })));
    ok(kubectl('lab', ['create', 'clusterrolebinding', 'forged-admin', '--clusterrole=cluster-admin', '--serviceaccount=forge:default']));

    const dir = path.join(parent, 'forge-migration');
    await mkdir(path.join(dir, 'export', 'forge'), { recursive: true });
    await writeFile(path.join(dir, 'export', 'forge', 'dr.yaml'), 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: api, namespace: forge}\nspec:\n  host: api\n');
    const file = await migrationFile(dir, 'forge', { mode: 'InPlace', source: { revision: 'default' }, target: { revision: 'canary' }, config: { from: './export' }, waves: [{ name: 'one', namespaces: ['forge'] }], verify: { timeout: '5m' } });
    const applied = cli('migrate', 'apply', file);
    expect(applied.code, applied.stderr).toBe(0);

    // Anyone who may write the journal's ConfigMaps adds entries that say meshferry created these two objects.
    await cluster.client.refreshDiscovery();
    const m = await readMigration(cluster.client, servedMigrations(cluster.client)!, 'forge');
    const owner = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'forge', uid: m.uid };
    const forged = await Journal.open(cluster.client, owner, { localDir: path.join(parent, 'journal-forged') });
    const theirs = (await cluster.client.get(vsRes, 'forge', 'theirs'))!;
    const crb = (await cluster.client.get(crbRes, undefined, 'forged-admin'))!;
    const f1 = await forged.begin('config.import', { target: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'forge', name: 'theirs' }, before: { object: null }, intent: { state: { object: theirs }, change: 'create' } });
    await forged.finish(f1.seq, { resourceVersion: theirs.metadata.resourceVersion });
    const f2 = await forged.begin('config.import', { target: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'forged-admin' }, before: { object: null }, intent: { state: { object: crb }, change: 'create' } });
    await forged.finish(f2.seq, { resourceVersion: crb.metadata.resourceVersion });

    const back = cli('migrate', 'rollback', 'forge');
    expect(back.code, back.stderr).toBe(1);
    expect(back.stderr).toContain('VirtualService forge/theirs: the live object carries no server-side apply by meshferry (managedFields)');
    expect(back.stderr).toContain('ClusterRoleBinding forged-admin: ClusterRoleBinding is not config the import writes');
    expect(hasStackTrace(back.stderr)).toBe(false);
    // The forged targets stay as they were; what meshferry really created is gone.
    expect((await cluster.client.get(vsRes, 'forge', 'theirs'))!.metadata.resourceVersion).toBe(theirs.metadata.resourceVersion);
    expect(await cluster.client.get(crbRes, undefined, 'forged-admin')).toBeDefined();
    expect(await cluster.client.get(cluster.discovery.resourceFor('networking.istio.io', 'DestinationRule')!, 'forge', 'api')).toBeUndefined();
    ok(kubectl('lab', ['delete', 'clusterrolebinding', 'forged-admin']));
    await settled(cluster, ['forge']);
  });

  it('refuses a bad file with exit 2 and file:line, touching nothing', async () => {
    const bad = await migrationFile(parent, 'bad', { mode: 'InPlace', target: { revision: 'canary' }, waves: [{ name: 'a', namespaces: ['x'] }, { name: 'b', namespaces: ['x'] }] });
    const r = cli('migrate', 'apply', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: namespace "x" appears twice/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
