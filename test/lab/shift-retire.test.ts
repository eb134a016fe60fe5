// `retire` after a successful shift, in a real lab: refused while a VirtualService still routes to the VM's host, then
// deleted and journaled beside the TrafficShift once nothing references it; `shift rollback` puts it back from the journal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectClient } from '../../src/kube/object-client.js';
import { Journal } from '../../src/journal/journal.js';
import { killLabNow, startLab } from '../../src/lab/index.js';
import type { Lab } from '../../src/lab/index.js';
import { KubeconfigClusterSet } from '../../src/traffic/routers/cluster-set.js';
import { hasStackTrace, runCliAsync } from '../support/cli.js';

const CTX = 'vm';
const NS = 'shop';
let lab: Lab;
let failed = false;
let people: KubeconfigClusterSet;
let client: ObjectClient;
const parent = mkdtempSync(path.join(os.tmpdir(), 'shift-retire-'));
const dir = path.join(parent, 'lab');
const killOnExit = () => killLabNow(dir);
process.on('exit', killOnExit);

beforeAll(async () => {
  lab = await startLab({ dir, clusters: [CTX], revisions: [], log: (m) => process.stderr.write(`${m}\n`) });
  people = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  client = await people.client(CTX);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, { fieldManager: 'kubectl-create' });
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  people?.close();
  await lab?.stop({ purge: !failed });
  if (!failed) rmSync(parent, { recursive: true, force: true });
  process.off('exit', killOnExit);
});

const kube = () => ['--kubeconfig', lab.kubeconfigPath, '--context', CTX];

describe('retire after a VM → Kubernetes shift', () => {
  it('is refused while a VirtualService routes to the VM host, then deletes the ServiceEntry and journals it', async () => {
    const serviceEntry = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'orders-vm', namespace: NS },
      spec: { hosts: ['orders.vm.internal'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: '10.0.0.7' }] },
    };
    await client.create(serviceEntry, { fieldManager: 'kubectl-create' });
    await client.create(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'orders', namespace: NS },
        spec: { hosts: ['orders.example'], http: [{ name: 'main', route: [{ destination: { host: 'orders.vm.internal' }, weight: 100 }, { destination: { host: 'orders-k8s' }, weight: 0 }] }] },
      },
      { fieldManager: 'kubectl-create' },
    );
    const file = path.join(parent, 'orders.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'meshferry.dev/v1alpha1',
        kind: 'TrafficShift',
        metadata: { name: 'orders-to-k8s', namespace: NS },
        spec: {
          router: { virtualService: { targets: [{ context: CTX, name: 'orders' }], from: { host: 'orders.vm.internal' }, to: { host: 'orders-k8s' } } },
          steps: [50, 100],
          interval: '1s',
          retire: [{ kind: 'ServiceEntry', name: 'orders-vm' }],
        },
      }),
    );
    const first = await runCliAsync(['shift', 'run', file, ...kube()]);
    expect(first.code, first.stderr).toBe(1);
    expect(hasStackTrace(first.stderr)).toBe(false);
    expect(first.stderr).toContain(`retire: ${CTX}/ServiceEntry shop/orders-vm not deleted: still referenced by ${CTX}/VirtualService shop/orders (host orders.vm.internal)`);
    const seResource = client.discovery.resourceFor('networking.istio.io', 'ServiceEntry')!;
    expect(await client.get(seResource, NS, 'orders-vm')).toBeDefined();

    // The person removes the VM's destination (weight 0 after the shift); run again: the shift has succeeded, retire goes on.
    const vsResource = client.discovery.resourceFor('networking.istio.io', 'VirtualService')!;
    await client.patch(vsResource, NS, 'orders', [{ op: 'remove', path: '/spec/http/0/route/0' }], 'json', { fieldManager: 'kubectl-edit' });
    const second = await runCliAsync(['shift', 'run', file, ...kube()]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`retire: ${CTX}/ServiceEntry shop/orders-vm deleted (journaled beside TrafficShift shop/orders-to-k8s; "meshferry shift rollback orders-to-k8s -n shop" puts it back)`);
    expect(await client.get(seResource, NS, 'orders-vm')).toBeUndefined();

    // The journal beside the TrafficShift holds the object as it was: enough to put it back.
    await client.refreshDiscovery();
    const shift = (await client.get(client.discovery.resourceAt('meshferry.dev', 'v1alpha1', 'TrafficShift')!, NS, 'orders-to-k8s'))!;
    const journal = await Journal.open(client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', name: 'orders-to-k8s', namespace: NS, uid: String(shift.metadata.uid) }, { localDir: path.join(parent, 'journal') });
    const entries = journal.entries();
    expect(entries.map((e) => [e.step, e.state])).toEqual([['retire', 'done']]);
    expect((entries[0]!.before as typeof serviceEntry).spec).toEqual(serviceEntry.spec);

    // A third run finds nothing left to retire.
    const third = await runCliAsync(['shift', 'run', file, ...kube()]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain('ServiceEntry shop/orders-vm already gone');
  });

  it('rollback re-creates the retired ServiceEntry from the journal, refuses an impostor of that name, and settles a retire cut short', async () => {
    const se = (endpoint: string) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'pay-vm', namespace: NS, labels: { app: 'pay', tier: 'vm' }, annotations: { 'example.com/owner': 'payments-team' } },
      spec: { hosts: ['pay.vm.internal'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: endpoint }] },
    });
    const original = se('10.0.0.8');
    await client.create(original, { fieldManager: 'kubectl-create' });
    const seResource = client.discovery.resourceFor('networking.istio.io', 'ServiceEntry')!;
    const vsResource = client.discovery.resourceFor('networking.istio.io', 'VirtualService')!;
    await client.create(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'pay', namespace: NS },
        spec: { hosts: ['pay.example'], http: [{ name: 'main', route: [{ destination: { host: 'pay.vm.internal' }, weight: 100 }, { destination: { host: 'pay-k8s' }, weight: 0 }] }] },
      },
      { fieldManager: 'kubectl-create' },
    );
    const file = path.join(parent, 'pay.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'meshferry.dev/v1alpha1',
        kind: 'TrafficShift',
        metadata: { name: 'pay-to-k8s', namespace: NS },
        spec: {
          router: { virtualService: { targets: [{ context: CTX, name: 'pay' }], from: { host: 'pay.vm.internal' }, to: { host: 'pay-k8s' } } },
          steps: [100],
          interval: '1s',
          retire: [{ kind: 'ServiceEntry', name: 'pay-vm' }],
        },
      }),
    );
    // Nothing retired yet: rollback has nothing to put back.
    expect((await runCliAsync(['shift', 'run', file, ...kube()])).code).toBe(1); // refused: the VirtualService still routes to the VM
    const empty = await runCliAsync(['shift', 'rollback', 'pay-to-k8s', '-n', NS, ...kube()]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).toContain('records no entry that retire deleted; nothing to restore');

    await client.patch(vsResource, NS, 'pay', [{ op: 'remove', path: '/spec/http/0/route/0' }], 'json', { fieldManager: 'kubectl-edit' });
    const retired = await runCliAsync(['shift', 'run', file, ...kube()]);
    expect(retired.code, retired.stderr).toBe(0);
    const gone = await client.get(seResource, NS, 'pay-vm');
    expect(gone).toBeUndefined();

    const back = await runCliAsync(['shift', 'rollback', 'pay-to-k8s', '-n', NS, ...kube()]);
    expect(back.code, back.stderr).toBe(0);
    expect(hasStackTrace(back.stderr)).toBe(false);
    expect(back.stderr).toMatch(new RegExp(`rollback: ${CTX}/ServiceEntry shop/pay-vm restored \\(journal entry \\d+\\)`));
    const restored = (await client.get(seResource, NS, 'pay-vm'))!;
    expect(restored.spec).toEqual(original.spec);
    expect(restored.metadata.labels).toEqual(original.metadata.labels);
    expect(restored.metadata.annotations).toEqual(original.metadata.annotations);
    expect((restored.metadata.managedFields as { manager: string }[]).map((m) => m.manager)).toEqual(['meshferry']);

    // Again: the journal says it is done; the object is not touched.
    const again = await runCliAsync(['shift', 'rollback', 'pay-to-k8s', '-n', NS, ...kube()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`rollback: ${CTX}/ServiceEntry shop/pay-vm already restored`);
    expect((await client.get(seResource, NS, 'pay-vm'))!.metadata.resourceVersion).toBe(restored.metadata.resourceVersion);

    // Retire it once more (a new journal entry), then someone creates another ServiceEntry of that name: refused, left alone.
    expect((await runCliAsync(['shift', 'run', file, ...kube()])).code).toBe(0);
    expect(await client.get(seResource, NS, 'pay-vm')).toBeUndefined();
    await client.create(se('10.9.9.9'), { fieldManager: 'kubectl-create' });
    const impostor = (await client.get(seResource, NS, 'pay-vm'))!;
    const refused = await runCliAsync(['shift', 'rollback', 'pay-to-k8s', '-n', NS, ...kube()]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`rollback: ${CTX}/ServiceEntry shop/pay-vm not restored: an object of that name exists and its spec differs from what retire deleted`);
    expect((await client.get(seResource, NS, 'pay-vm'))!.metadata.resourceVersion).toBe(impostor.metadata.resourceVersion);
    await client.delete(seResource, NS, 'pay-vm');
    const fixed = await runCliAsync(['shift', 'rollback', 'pay-to-k8s', '-n', NS, ...kube()]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(((await client.get(seResource, NS, 'pay-vm'))!.spec as { endpoints: unknown }).endpoints).toEqual([{ address: '10.0.0.8' }]);

    // A retire cut short between its intent and its result (as a crash would leave it): the object is gone, so the
    // delete happened; rollback settles the entry and puts the object back.
    await client.refreshDiscovery();
    const shift = (await client.get(client.discovery.resourceAt('meshferry.dev', 'v1alpha1', 'TrafficShift')!, NS, 'pay-to-k8s'))!;
    const owner = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TrafficShift', name: 'pay-to-k8s', namespace: NS, uid: String(shift.metadata.uid) };
    const journal = await Journal.open(client, owner, { localDir: path.join(parent, 'pay-journal') });
    const target = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', namespace: NS, name: 'pay-vm' };
    const cut = await journal.begin('retire', { target, before: original, intent: { delete: target, context: CTX } });
    await client.delete(seResource, NS, 'pay-vm');
    const settled = await runCliAsync(['shift', 'rollback', 'pay-to-k8s', '-n', NS, ...kube()]);
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.stderr).toContain(`rollback: ${CTX}/ServiceEntry shop/pay-vm restored (journal entry ${cut.seq})`);
    expect((await client.get(seResource, NS, 'pay-vm'))!.spec).toEqual(original.spec);
    const after = (await Journal.open(client, owner, { localDir: path.join(parent, 'pay-journal') })).entries();
    expect(after.find((e) => e.seq === cut.seq)?.state).toBe('done');
    expect(after.filter((e) => e.step === 'restore-retired').map((e) => [(e.intent as { undoes: number }).undoes, e.state])).toEqual(
      expect.arrayContaining([[cut.seq, 'done']]),
    );

    // A forged journal entry (anyone who may write ConfigMaps in this namespace could add one): a "retired" object
    // that the TrafficShift's retire never names, here a ClusterRoleBinding, and the right target recording it. Rollback
    // creates nothing for either, says so, and exits 1.
    const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'forged-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'dev', namespace: NS }] };
    const forged = await Journal.open(client, owner, { localDir: path.join(parent, 'pay-journal-forged') });
    const crbTarget = { apiVersion: crb.apiVersion, kind: crb.kind, name: crb.metadata.name };
    const f1 = await forged.begin('retire', { target: crbTarget, before: crb, intent: { delete: crbTarget, context: CTX } });
    await forged.finish(f1.seq, { deleted: true });
    await client.delete(seResource, NS, 'pay-vm');
    const f2 = await forged.begin('retire', { target, before: crb, intent: { delete: target, context: CTX } });
    await forged.finish(f2.seq, { deleted: true });
    const tampered = await runCliAsync(['shift', 'rollback', 'pay-to-k8s', '-n', NS, ...kube()]);
    expect(tampered.code, tampered.stderr).toBe(1);
    expect(tampered.stderr).toContain(`rollback: journal entry ${f1.seq} not restored: ClusterRoleBinding forged-admin in ${CTX} is not an entry the TrafficShift's retire names`);
    expect(tampered.stderr).toContain(`rollback: journal entry ${f2.seq} not restored: the object recorded for ServiceEntry shop/pay-vm is another object (ClusterRoleBinding /forged-admin)`);
    expect(hasStackTrace(tampered.stderr)).toBe(false);
    const crbResource = client.discovery.resourceFor('rbac.authorization.k8s.io', 'ClusterRoleBinding')!;
    expect(await client.get(crbResource, undefined, 'forged-admin')).toBeUndefined();
  });

  it('a VirtualService a GitOps controller also manages: plan warns, run refuses (exit 2) naming it, --allow-shared-owner shifts', async () => {
    // Created by server-side apply under Argo CD's field manager: it owns the spec, weights included.
    await client.apply(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'synced', namespace: NS },
        spec: { hosts: ['synced.example'], http: [{ route: [{ destination: { host: 'synced-v1' }, weight: 100 }, { destination: { host: 'synced-v2' }, weight: 0 }] }] },
      },
      { fieldManager: 'argocd-controller' },
    );
    const file = path.join(parent, 'synced.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'meshferry.dev/v1alpha1',
        kind: 'TrafficShift',
        metadata: { name: 'synced', namespace: NS },
        spec: { router: { virtualService: { targets: [{ context: CTX, name: 'synced' }], from: { host: 'synced-v1' }, to: { host: 'synced-v2' } } }, steps: [100], interval: '1s' },
      }),
    );
    const plan = await runCliAsync(['shift', 'plan', file, ...kube()]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('field manager "argocd-controller" also owns this object\'s spec');
    const refused = await runCliAsync(['shift', 'run', file, ...kube()]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`another field manager owns the weights' object, so its next sync would undo the shift: ${CTX}/VirtualService shop/synced (argocd-controller)`);
    const vsResource = client.discovery.resourceFor('networking.istio.io', 'VirtualService')!;
    const weights = async () => ((await client.get(vsResource, NS, 'synced'))!.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route.map((r) => r.weight);
    expect(await weights()).toEqual([100, 0]);
    const allowed = await runCliAsync(['shift', 'run', file, '--allow-shared-owner', ...kube()]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await weights()).toEqual([0, 100]);
  });

  it('plan asks the checks\' Prometheus once and says clearly that it does not answer (exit 0: run would hold)', async () => {
    await client.create(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'probed', namespace: NS },
        spec: { hosts: ['probed.example'], http: [{ route: [{ destination: { host: 'probed-v1' }, weight: 100 }, { destination: { host: 'probed-v2' }, weight: 0 }] }] },
      },
      { fieldManager: 'kubectl-create' },
    );
    // Port 1 on loopback: nothing listens there.
    const file = path.join(parent, 'probed.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'meshferry.dev/v1alpha1',
        kind: 'TrafficShift',
        metadata: { name: 'probed', namespace: NS },
        spec: {
          router: { virtualService: { targets: [{ context: CTX, name: 'probed' }], from: { host: 'probed-v1' }, to: { host: 'probed-v2' } } },
          steps: [100],
          interval: '1m',
          gates: { prometheus: { address: 'http://127.0.0.1:1' }, checks: [{ metric: 'request-success-rate', min: 99 }] },
        },
      }),
    );
    const plan = await runCliAsync(['shift', 'plan', file, ...kube()]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('Prometheus at http://127.0.0.1:1, query "vector(1)": unreachable (ECONNREFUSED); "shift run" would hold at each step until it answers');
    expect(plan.stdout).toContain('prometheus: http://127.0.0.1:1 does NOT answer');
    const json = await runCliAsync(['shift', 'plan', file, '-o', 'json', ...kube()]);
    expect(JSON.parse(json.stdout).prometheus).toMatchObject({ address: 'http://127.0.0.1:1', online: false });
  });
});
