// MeshMigration end to end on a real lab (revisions default and canary): a revision upgrade of two namespaces and a
// gateway, its rollback from the journal, and a precheck that fails, is fixed, and passes on retry.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Cluster } from '../../src/kube/cluster.js';
import type { Lab } from '../../src/lab/index.js';
import { Journal } from '../../src/journal/index.js';
import { hasStackTrace, runCli } from '../support/cli.js';
import { labPerFile } from './lab-per-file.js';
import { kubectlFor } from './lab-kubectl.js';
import { migrationFile, ok, seedGateway, seedNamespace, settled, worldView, type Kubectl } from './migrate-fixtures.js';

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

  it('upgrades two namespaces and a gateway end to end, then rolls everything back from the journal', async () => {
    seedNamespace(kubectl, 'shop', ['cart', 'web']);
    seedNamespace(kubectl, 'payments', ['ledger']);
    seedGateway(kubectl, 'gw', 'ingress');
    await settled(cluster, scope);
    const before = await worldView(cluster, scope);
    expect(before.revisions['shop/cart']).toEqual(['default', 'default']);
    expect(before.revisions['gw/ingress']).toEqual(['default']);

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

    const status = cli('migrate', 'status', 'upgrade', '-o', 'json');
    expect(status.code, status.stderr).toBe(0);
    const st = JSON.parse(status.stdout) as { phase: string; retryCounter: number; waves: { name: string; state: string; counts: { verifiedPods: number } }[]; residue: string[] };
    expect(st.phase).toBe('Finished');
    expect(st.retryCounter).toBe(0);
    expect(st.waves.map((w) => [w.name, w.state, w.counts.verifiedPods])).toEqual([
      ['first', 'Verified', 4],
      ['second', 'Verified', 2],
      ['gateways', 'Verified', 1],
    ]);
    expect(st.residue.some((r) => r.includes('istio-sidecar-injector'))).toBe(true);
    // A second apply of a finished migration changes nothing and says so.
    expect(cli('migrate', 'apply', file).code).toBe(0);

    // The journal lives in the cluster: another machine (no local copy) reads the same entries.
    await cluster.client.refreshDiscovery();
    const mm = await cluster.client.get(cluster.client.discovery.resourceFor('meshferry.dev', 'MeshMigration')!, undefined, 'upgrade');
    const journal = await Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'upgrade', uid: String(mm!.metadata.uid) }, { localDir: path.join(parent, 'elsewhere') });
    expect(journal.pending()).toEqual([]);
    expect(journal.entries().filter((e) => e.step === 'restart').length).toBe(4);

    const back = cli('migrate', 'rollback', 'upgrade');
    expect(back.code, back.stderr).toBe(0);
    await settled(cluster, scope);
    const restored = await worldView(cluster, scope);
    expect(restored).toEqual(before);
    expect(JSON.parse(cli('migrate', 'status', 'upgrade', '-o', 'json').stdout).phase).toBe('RolledBack');

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

  it('refuses a bad file with exit 2 and file:line, touching nothing', async () => {
    const bad = await migrationFile(parent, 'bad', { mode: 'InPlace', target: { revision: 'canary' }, waves: [{ name: 'a', namespaces: ['x'] }, { name: 'b', namespaces: ['x'] }] });
    const r = cli('migrate', 'apply', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: namespace "x" appears twice/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
