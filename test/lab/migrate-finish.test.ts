// `migrate finish` on a real lab (revisions default and canary), as a user runs it: after an InPlace migration reaches
// Finished, the residue report and DECOMMISSION.md; --execute refused while a pod still runs the source's sidecar;
// then --execute removes the source's webhooks, each journaled as `decommission`, and leaves the target serving.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/kube/cluster.js';
import type { Lab } from '../../src/lab/index.js';
import { Journal } from '../../src/journal/index.js';
import { podInjection } from '../../src/migrate/cluster/injection.js';
import { runFinish } from '../../src/cli/migrate/finish.js';
import type { KubeObject } from '../../src/resources/object.js';
import { hasStackTrace, runCli } from '../support/cli.js';
import { until } from '../support/poll.js';
import { labPerFile } from './lab-per-file.js';
import { kubectlFor } from './lab-kubectl.js';
import { migrationFile, ok, seedNamespace, settled, type Kubectl } from './migrate-fixtures.js';

let lab: Lab;
let cluster: Cluster;
let kubectl: Kubectl;
const { parent } = labPerFile('migrate-finish-test-', { revisions: ['default', 'canary'] }, (l, c) => {
  lab = l;
  cluster = c;
});

beforeAll(async () => {
  kubectl = await kubectlFor(lab.kubeconfigPath);
});

const cli = (...args: string[]) => runCli([...args, '--kubeconfig', lab.kubeconfigPath, '--context', 'lab'], { env: { MESHFERRY_STATE_DIR: path.join(parent, 'state') } });

const mwc = () => cluster.discovery.resourceFor('admissionregistration.k8s.io', 'MutatingWebhookConfiguration')!;
const vwc = () => cluster.discovery.resourceFor('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration')!;
const names = async (res: ReturnType<typeof mwc>) => (await cluster.client.list(res)).map((o) => o.metadata.name).sort();

/**
 * A revision tag `prod` on the default revision, in the shape `istioctl tag set prod --revision default` writes
 * (manifests/charts/istio-control/istio-discovery/templates/revision-tags-mwc.yaml): the revision's injector entries
 * with selectors on istio.io/rev=prod, labels istio.io/tag and istio.io/rev. No namespace uses it.
 */
async function tagOnDefault(): Promise<void> {
  const injector = await cluster.client.get(mwc(), undefined, 'istio-sidecar-injector');
  if (!injector) throw new Error('the lab has no istio-sidecar-injector');
  const hooks = (injector.webhooks as Record<string, unknown>[]).slice(0, 1).map((h) => ({
    ...h,
    name: 'rev.namespace.sidecar-injector.istio.io',
    namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: ['prod'] }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
    objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
  }));
  const tag: KubeObject = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'istio-revision-tag-prod', labels: { 'istio.io/tag': 'prod', 'istio.io/rev': 'default', app: 'sidecar-injector' } }, webhooks: hooks };
  await cluster.client.create(tag);
}

/** The istiod Deployments of the lab (Istio's chart labels them app=istiod), by name and revision. */
async function istiods(): Promise<{ name: string; rev: string }[]> {
  const deps = cluster.discovery.resourceFor('apps', 'Deployment')!;
  return (await cluster.client.list(deps, { labelSelector: 'app=istiod' })).map((d) => ({ name: `${d.metadata.namespace}/${d.metadata.name}`, rev: d.metadata.labels?.['istio.io/rev'] ?? 'default' })).sort((a, b) => a.name.localeCompare(b.name));
}

async function decommissionEntries() {
  // The MeshMigration CRD was installed by the CLI after this client's discovery.
  await cluster.client.refreshDiscovery();
  const mm = await cluster.client.get(cluster.client.discovery.resourceFor('meshferry.dev', 'MeshMigration')!, undefined, 'finish-me');
  const journal = await Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'finish-me', uid: String(mm!.metadata.uid) }, { localDir: path.join(parent, 'journal-reader') });
  return journal.entries().filter((e) => e.step === 'decommission');
}

describe('migrate finish (lab, InPlace default → canary)', () => {
  it('reports the residue and writes DECOMMISSION.md; --execute is refused while a pod runs the source, then removes the source webhooks, journaled', async () => {
    seedNamespace(kubectl, 'shop', ['cart'], 1);
    await settled(cluster, ['shop']);
    await tagOnDefault();
    const file = await migrationFile(parent, 'finish-me', { mode: 'InPlace', source: { revision: 'default' }, target: { revision: 'canary' }, waves: [{ name: 'shop', namespaces: ['shop'], pauseBefore: true }], verify: { timeout: '5m' } });

    // Paused before its wave, the migration is not Finished: refused (exit 1), and nothing written.
    const applied = cli('migrate', 'apply', file);
    expect(applied.code, applied.stderr).toBe(0);
    const early = path.join(parent, 'early');
    const notYet = cli('migrate', 'finish', 'finish-me', '--output-dir', early);
    expect(notYet.code, notYet.stderr).toBe(1);
    expect(notYet.stderr).toMatch(/MeshMigration finish-me is Migrating, not Finished/);
    expect(existsSync(early)).toBe(false);
    const resumed = cli('migrate', 'resume', 'finish-me');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(cli('migrate', 'status', 'finish-me', '-o', 'json').stdout).phase).toBe('Finished');

    // The report, as a user reads it, and the runbook in the folder they named.
    const out = path.join(parent, 'out');
    const report = cli('migrate', 'finish', 'finish-me', '--output-dir', out);
    expect(report.code, report.stderr).toBe(0);
    expect(hasStackTrace(report.stderr)).toBe(false);
    expect(report.stdout).toMatch(/^injectors +MutatingWebhookConfiguration +istio-sidecar-injector +sidecar injector of revision default/m);
    expect(report.stdout).toMatch(/^tags +MutatingWebhookConfiguration +istio-revision-tag-prod +revision tag prod points at the source revision default/m);
    // The target's webhooks and the migrated namespace are not residue.
    expect(report.stdout).not.toContain('istio-sidecar-injector-canary');
    expect(report.stdout).not.toMatch(/^namespaces +Namespace +shop/m);
    const md = await readFile(path.join(out, 'DECOMMISSION.md'), 'utf8');
    const injectors = md.indexOf('Delete the injector webhooks and revision tags');
    const istiod = md.indexOf('Uninstall istiod revision default');
    expect(injectors).toBeGreaterThan(0);
    expect(istiod).toBeGreaterThan(injectors);
    expect(md).toContain('kubectl --context lab delete mutatingwebhookconfiguration istio-sidecar-injector istio-revision-tag-prod');
    // InPlace: the target uses the same CRDs, so the runbook keeps them.
    expect(md).not.toContain('delete customresourcedefinition');
    const json = cli('migrate', 'finish', 'finish-me', '-o', 'json', '--output-dir', out);
    expect(json.code, json.stderr).toBe(0);
    const view = JSON.parse(json.stdout) as { runbook: { steps: { id: string }[] } };
    const ids = view.runbook.steps.map((s) => s.id);
    expect(ids.filter((id) => ['injectors', 'validators', 'istiod-default'].includes(id))).toEqual(['injectors', 'validators', 'istiod-default']);
    expect(ids.some((id) => id.startsWith('crds') || id === 'istiod-canary')).toBe(false);

    // A pod started after Finished, injected by the source: the namespace briefly labelled istio-injection=enabled
    // (which wins over istio.io/rev), as a mistaken kubectl label would.
    ok(kubectl('lab', ['label', 'namespace', 'shop', 'istio-injection=enabled']));
    ok(kubectl('lab', ['-n', 'shop', 'create', 'deployment', 'straggler', '--image=registry.k8s.io/pause:3.10']));
    const pods = cluster.discovery.resourceFor('', 'Pod')!;
    const straggler = await until(async () => (await cluster.client.list(pods, { namespace: 'shop', labelSelector: 'app=straggler' })).find((p) => podInjection(p).running && podInjection(p).revision === 'default'));
    ok(kubectl('lab', ['label', 'namespace', 'shop', 'istio-injection-']));

    const before = { mutating: await names(mwc()), validating: await names(vwc()) };
    const istiodsBefore = await istiods();
    const refused = cli('migrate', 'finish', 'finish-me', '--output-dir', out, '--execute', '--yes');
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`pod shop/${straggler.metadata.name} in context lab runs a sidecar injected by the source revision default`);
    expect(refused.stderr).toMatch(/refused: SourcePods fails/);
    // OldGatewayTraffic is not wired into this command yet, and the output says so.
    expect(refused.stderr).toMatch(/OldGatewayTraffic: skipped/);
    expect({ mutating: await names(mwc()), validating: await names(vwc()) }).toEqual(before);
    expect(await decommissionEntries()).toEqual([]);

    ok(kubectl('lab', ['-n', 'shop', 'delete', 'deployment', 'straggler', '--wait=false']));
    await until(async () => ((await cluster.client.list(pods, { namespace: 'shop', labelSelector: 'app=straggler' })).length === 0 ? true : undefined));

    // A namespace no wave moved, still on the source with a running pod: removing the source would strand its
    // sidecar, so --execute is refused for it too, naming the pod.
    seedNamespace(kubectl, 'legacy', ['old-app'], 1);
    const legacyPod = await until(async () => (await cluster.client.list(pods, { namespace: 'legacy' })).find((p) => podInjection(p).running && podInjection(p).revision === 'default'));
    const outside = cli('migrate', 'finish', 'finish-me', '--output-dir', out, '--execute', '--yes');
    expect(outside.code, outside.stderr).toBe(1);
    expect(outside.stderr).toContain(`pod legacy/${legacyPod.metadata.name} in context lab runs a sidecar injected by the source revision default`);
    expect(await decommissionEntries()).toEqual([]);
    ok(kubectl('lab', ['-n', 'legacy', 'delete', 'deployment', 'old-app', '--wait=false']));
    await until(async () => ((await cluster.client.list(pods, { namespace: 'legacy' })).length === 0 ? true : undefined));

    // On a terminal each step is asked: yes to the first (the namespace labels), no to the second stops the run there.
    const questions: string[] = [];
    const answers = [true, false];
    process.env.MESHFERRY_STATE_DIR = path.join(parent, 'state');
    let asked: number;
    try {
      asked = await runFinish('finish-me', { kubeconfig: lab.kubeconfigPath, context: 'lab', outputDir: out, execute: true, output: 'json' }, { tty: true, ask: async (q) => (questions.push(q), answers.shift() ?? false) });
    } finally {
      delete process.env.MESHFERRY_STATE_DIR;
    }
    expect(asked).toBe(1);
    expect(questions).toHaveLength(2);
    expect(questions[0]).toMatch(/Step 1\/\d: Remove the source mesh labels from namespaces[\s\S]*removes Namespace legacy: istio-injection[\s\S]*Run this step\? \[y\/N\] $/);
    expect(questions[1]).toMatch(/Step 2\/\d: Delete the injector webhooks and revision tags \(destructive\)/);
    expect((await decommissionEntries()).map((e) => e.target?.name)).toEqual(['legacy']);
    expect(await names(mwc())).toEqual(before.mutating);

    const run = cli('migrate', 'finish', 'finish-me', '--output-dir', out, '--execute', '--yes');
    expect(run.code, run.stderr).toBe(0);
    expect(hasStackTrace(run.stderr)).toBe(false);
    const mutating = await names(mwc());
    expect(mutating).not.toContain('istio-sidecar-injector');
    expect(mutating).not.toContain('istio-revision-tag-prod');
    expect(mutating).toContain('istio-sidecar-injector-canary');
    const validating = await names(vwc());
    const sourceValidators = before.validating.filter((v) => !v.includes('canary'));
    expect(sourceValidators.length).toBeGreaterThan(0);
    for (const v of sourceValidators) expect(validating).not.toContain(v);
    expect(validating).toContain('istio-validator-canary-istio-system');
    // The lab's istiod Deployment of revision default goes (its image names the istioctl version); canary's stays.
    expect(run.stderr).toMatch(/to prune the rest of the revision's install: istioctl-\d+\.\d+\.\d+ uninstall --revision default -y --context lab/);
    expect(run.stderr).toContain('removed Deployment istio-system/istiod (journaled as decommission)');
    const istiodsAfter = await istiods();
    expect(istiodsBefore.filter((d) => d.rev === 'default').length).toBe(1);
    expect(istiodsAfter).toEqual(istiodsBefore.filter((d) => d.rev !== 'default'));
    expect(istiodsAfter.some((d) => d.rev === 'canary')).toBe(true);

    const entries = await decommissionEntries();
    // The namespace left on the source lost its opt-in label first (its other labels stay).
    const legacy = await cluster.client.get(cluster.discovery.resourceFor('', 'Namespace')!, undefined, 'legacy');
    expect(legacy?.metadata.labels).toEqual({ team: 'shop', 'kubernetes.io/metadata.name': 'legacy' });
    const removed = ['legacy', 'istio-revision-tag-prod', 'istio-sidecar-injector', ...sourceValidators, 'istiod'];
    expect(entries.map((e) => e.target?.name).sort()).toEqual(removed.sort());
    expect(entries.every((e) => e.state === 'done')).toBe(true);
    // Namespace labels first, then the injectors, before the validators and istiod.
    expect(entries[0]).toMatchObject({ target: { kind: 'Namespace', name: 'legacy' }, before: { labels: { 'istio-injection': 'enabled' } }, intent: { state: { labels: { 'istio-injection': null } } } });
    for (const e of entries.slice(1)) {
      expect((e.before as { object: KubeObject }).object.metadata.name).toBe(e.target?.name);
      expect((e.intent as { state: unknown }).state).toEqual({ object: null });
    }
    expect(entries.slice(1, 3).map((e) => e.target?.name).sort()).toEqual(['istio-revision-tag-prod', 'istio-sidecar-injector']);
    expect(entries.at(-1)?.target).toMatchObject({ kind: 'Deployment', namespace: 'istio-system', name: 'istiod' });

    // Nothing failed closed: shop still creates pods, injected by canary.
    ok(kubectl('lab', ['-n', 'shop', 'scale', 'deployment', 'cart', '--replicas=2']));
    await until(async () => ((await cluster.client.list(pods, { namespace: 'shop', labelSelector: 'app=cart' })).filter((p) => podInjection(p).running && podInjection(p).revision === 'canary').length === 2 ? true : undefined));

    // A second run finds only what is left (the istiod step) and removes nothing more.
    const again = cli('migrate', 'finish', 'finish-me', '--output-dir', out, '--execute', '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect((await decommissionEntries()).length).toBe(entries.length);
  });
});
