// `migrate finish --execute`'s executor: how each runbook step is carried out (pure), and a run against the in-memory API server (journaled, uid preconditions, stops).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../journal/journal.js';
import type { KubeObject } from '../../resources/object.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { MemoryApiServer } from '../../../test/support/kube/memory-apiserver.js';
import { MigrationClusters } from '../clusters.js';
import { decommissionSteps, type DecommissionSource, type SourceResidueSnapshot } from './decommission.js';
import { executeDecommission, planExecution, type ExecuteOptions, type StepExecution } from './decommission-act.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'input');
async function fixture(name: string): Promise<{ source: DecommissionSource; snapshot: SourceResidueSnapshot }> {
  return parse(await readFile(path.join(FIXTURES, `${name}.yaml`), 'utf8')) as { source: DecommissionSource; snapshot: SourceResidueSnapshot };
}
const summary = (plan: StepExecution[]) => plan.map((p) => [p.step.id, p.mode, p.phases.map((ph) => ph.map((c) => ('remove' in c ? `${c.remove.kind} ${c.remove.namespace ? `${c.remove.namespace}/` : ''}${c.remove.name}` : `unlabel ${c.unlabel.namespace}: ${c.unlabel.keys.join(',')}`)))]);

describe('planExecution', () => {
  it('self-built: every step acts in the runbook order; gateways delete Deployments before Services; istiod leaves istioctl\'s prune; the CRDs are their own mode', async () => {
    const { source, snapshot } = await fixture('1-self-built');
    const plan = planExecution(decommissionSteps(snapshot, source), snapshot, source);
    expect(summary(plan)).toEqual([
      ['namespace-labels', 'act', [['unlabel legacy: istio-injection', 'unlabel payments: istio.io/rev', 'unlabel shop: istio.io/rev']]],
      ['injectors', 'act', [['MutatingWebhookConfiguration istio-sidecar-injector-1-17-2', 'MutatingWebhookConfiguration istio-sidecar-injector-1-18-5', 'MutatingWebhookConfiguration istio-revision-tag-prod']]],
      ['validators', 'act', [['ValidatingWebhookConfiguration istio-validator-1-17-2-istio-system', 'ValidatingWebhookConfiguration istio-validator-1-18-5-istio-system', 'ValidatingWebhookConfiguration istiod-default-validator']]],
      ['gateways', 'act', [['Deployment istio-system/istio-ingressgateway'], ['Service istio-system/istio-ingressgateway']]],
      ['istiod-1-17-2', 'act', [['Deployment istio-system/istiod-1-17-2']]],
      ['istiod-1-18-5', 'act', [['Deployment istio-system/istiod-1-18-5']]],
      ['crds-check', 'info', []],
      ['crds', 'crds', [['CustomResourceDefinition destinationrules.networking.istio.io', 'CustomResourceDefinition peerauthentications.security.istio.io', 'CustomResourceDefinition virtualservices.networking.istio.io']]],
    ]);
    expect(plan.find((p) => p.step.id === 'istiod-1-18-5')!.manual).toEqual(["to prune the rest of the revision's install: istioctl-1.18.5 uninstall --revision 1-18-5 -y --context old-prod"]);
  });

  it('managed (TCM): the vendor\'s gateway and release are never acted on', async () => {
    const { source, snapshot } = await fixture('2-tcm');
    const plan = planExecution(decommissionSteps(snapshot, source), snapshot, source);
    expect(summary(plan).map(([id, mode, phases]) => [id, mode, (phases as string[][]).flat().length])).toEqual([
      ['namespace-labels', 'act', 2],
      ['gateways', 'act', 0],
      ['vendor-release', 'vendor', 0],
      ['leftover-webhooks', 'act', 2],
      ['crds-check', 'info', 0],
      ['crds', 'crds', 2],
    ]);
    expect(plan.find((p) => p.step.id === 'gateways')!.manual.join(' ')).toMatch(/TCM console: delete these gateways/);
    expect(plan.find((p) => p.step.id === 'vendor-release')!.manual.join(' ')).toMatch(/tccli tcm UnlinkCluster/);
  });
});

describe('executeDecommission (in-memory API server)', () => {
  let server: MemoryApiServer;
  let client: ObjectClient;
  let tmp: string;
  const snapshot: SourceResidueSnapshot = {
    context: 'fake',
    controlPlanes: [{ revision: '1-18-5', injectorConfigs: [], tags: [], servesIstioInjection: true, validators: [] }],
    istiods: [{ namespace: 'istio-system', name: 'istiod-1-18-5', revision: '1-18-5', version: '1.18.5' }],
    gateways: [],
    crds: [],
    namespaces: [{ name: 'legacy', labels: { 'istio-injection': 'enabled' } }],
  };
  const source: DecommissionSource = { istioVersion: '1.18.5', crdsShared: true };
  const istiod: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod-1-18-5', namespace: 'istio-system', labels: { app: 'istiod' } }, spec: { replicas: 1 } };

  beforeEach(async () => {
    ({ server, client } = await MemoryApiServer.start());
    tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-decommission-'));
    server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'legacy', labels: { 'istio-injection': 'enabled', team: 'a' } } });
    server.seed(istiod);
  });
  afterEach(async () => {
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  async function run(over: Partial<ExecuteOptions> = {}) {
    const journal = await Journal.open(client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'm', uid: 'mig-uid' }, { localDir: tmp });
    const ctx = { client, clusters: MigrationClusters.homeOnly(client), name: 'm', spec: { mode: 'InPlace' as const, target: { revision: 'new' }, waves: [] }, generation: 1, journal };
    const plan = planExecution(decommissionSteps(snapshot, source), snapshot, source);
    const said: string[] = [];
    const outcome = await executeDecommission(plan, { ctx, source: client, confirm: async () => true, crds: { allowed: false, why: 'no' }, say: (l) => said.push(l), ...over });
    return { outcome, said, journal: await Journal.open(client, journal.owner, { localDir: tmp }) };
  }

  it('unlabels, then deletes istiod only as the incarnation it read; each change is journaled as decommission with what it was', async () => {
    const { outcome, said, journal } = await run();
    expect(outcome).toEqual({ done: ['namespace-labels', 'istiod-1-18-5'], removed: ['Namespace legacy', 'Deployment istio-system/istiod-1-18-5'], manual: ["to prune the rest of the revision's install: istioctl-1.18.5 uninstall --revision 1-18-5 -y --context fake"] });
    expect(said.join('\n')).toContain('istioctl-1.18.5 uninstall --revision 1-18-5');
    const ns = [...server.objects.values()].find((o) => o.kind === 'Namespace' && o.metadata.name === 'legacy')!;
    expect(ns.metadata.labels).toEqual({ team: 'a' });
    expect([...server.objects.values()].some((o) => o.kind === 'Deployment')).toBe(false);
    const del = server.writes.find((w) => w.method === 'DELETE')!;
    const uid = JSON.parse(del.body).preconditions.uid as string;
    expect(uid).toMatch(/^uid-/);
    const entries = journal.entries().filter((e) => e.step === 'decommission');
    expect(entries.map((e) => [e.target?.kind, e.target?.name, e.state])).toEqual([
      ['Namespace', 'legacy', 'done'],
      ['Deployment', 'istiod-1-18-5', 'done'],
    ]);
    expect(entries[0]!.before).toEqual({ labels: { 'istio-injection': 'enabled' } });
    const before = entries[1]!.before as { object: KubeObject };
    expect(before.object.metadata).toEqual({ name: 'istiod-1-18-5', namespace: 'istio-system', labels: { app: 'istiod' } });
    expect(entries[1]!.intent).toEqual({ runbookStep: 'istiod-1-18-5', uid, state: { object: null } });
  });

  it('a declined step stops the run before any change, and nothing is journaled', async () => {
    const { outcome, journal } = await run({ confirm: async () => false });
    expect(outcome.done).toEqual([]);
    expect(outcome.stopped?.step).toBe('namespace-labels');
    expect(outcome.stopped?.reason).toMatch(/declined; nothing after it ran/);
    expect(server.writes.filter((w) => !w.path.includes('configmaps') && !w.path.endsWith('/namespaces'))).toEqual([]);
    expect(journal.entries()).toEqual([]);
  });

  it('a second run finds the changes done and journals nothing more', async () => {
    await run();
    const { outcome, journal } = await run();
    expect(outcome.removed).toEqual([]);
    expect(journal.entries().filter((e) => e.step === 'decommission')).toHaveLength(2);
  });

  it('a refused delete stops the run there, journaled failed', async () => {
    server.failWrites = (req) => (req.method === 'DELETE' ? { status: 409, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: 'Precondition failed: UID in precondition: x, UID in object meta: y' } } : undefined);
    const { outcome, journal } = await run();
    expect(outcome.done).toEqual(['namespace-labels']);
    expect(outcome.stopped?.step).toBe('istiod-1-18-5');
    expect(outcome.stopped?.reason).toMatch(/refused Deployment istio-system\/istiod-1-18-5/);
    expect(journal.entries().filter((e) => e.step === 'decommission').map((e) => e.state)).toEqual(['done', 'failed']);
  });
});

describe('executeDecommission stops', () => {
  const step = (id: string) => ({ id, title: id, why: '', removes: [], commands: [], verify: [], destructive: true, notes: [] });
  const opts = (confirm = async () => true): ExecuteOptions => ({ ctx: {} as ExecuteOptions['ctx'], source: {} as ObjectClient, confirm, crds: { allowed: false, why: 'ConfigParity is not run' }, say: () => undefined });
  it('at the vendor\'s step, printing it, never running it', async () => {
    const out = await executeDecommission([{ step: step('vendor-release'), mode: 'vendor', phases: [], manual: ["Vendor's step: unlink"] }], opts());
    expect(out.stopped?.reason).toMatch(/is the vendor's .*never runs it/);
    expect(out.manual).toEqual(["Vendor's step: unlink"]);
  });
  it('at the CRDs while they may not be asked, before asking', async () => {
    let asked = false;
    const out = await executeDecommission([{ step: step('crds'), mode: 'crds', phases: [[{ remove: { kind: 'CustomResourceDefinition', name: 'x.istio.io' } }]], manual: [] }], opts(async () => (asked = true)));
    expect(asked).toBe(false);
    expect(out.stopped?.reason).toMatch(/deletes the Istio CRDs and every custom resource of them, and ConfigParity is not run/);
  });
});
