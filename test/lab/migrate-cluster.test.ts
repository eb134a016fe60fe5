// The migration engine's cluster primitives against a real lab with istiod revisions default and canary: control
// planes from webhooks, injection proofs (including a stopped injector), workloads, restarts, rollout status,
// access reviews and roots. One lab is shared by the file; each test works in its own namespaces.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { killLabNow, labStatus, startLab, startLabIstiod, stopLabIstiod, type Lab } from '../../src/lab/index.js';
import type { KubeObject } from '../../src/resources/object.js';
import { ClusterError } from '../../src/errors.js';
import {
  checkAccess,
  compareRoots,
  controlPlaneRoots,
  discoverControlPlanes,
  listWorkloads,
  podInjection,
  proveInjection,
  restartWorkload,
  rolloutStatus,
  type RolloutStatus,
  type WorkloadRef,
} from '../../src/migrate/cluster/index.js';
import { impersonatingKubeconfig } from './impersonation.js';

let lab: Lab;
let admin: Cluster;
let tmp: string;
let dir: string;
const killOnExit = () => killLabNow(dir);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-migrate-cluster-'));
  dir = path.join(tmp, 'lab');
  process.on('exit', killOnExit);
  lab = await startLab({ dir, revisions: ['default', 'canary'], log: (m) => process.stderr.write(`${m}\n`) });
  admin = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'lab' });
});

afterAll(async () => {
  admin?.close();
  await lab?.stop({ purge: true });
  await rm(tmp, { recursive: true, force: true });
  process.off('exit', killOnExit);
});

const PAUSE = 'registry.k8s.io/pause:3.10';
async function namespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await admin.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }, { force: true });
}
function deployment(ns: string, name: string, replicas: number, extra: { podLabels?: Record<string, string>; podAnnotations?: Record<string, string>; paused?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      ...(extra.paused ? { paused: true } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...extra.podLabels }, ...(extra.podAnnotations ? { annotations: extra.podAnnotations } : {}) },
        spec: { containers: [{ name: 'app', image: PAUSE }] },
      },
    },
  };
}
async function relabel(ns: string, labels: Record<string, string | null>): Promise<void> {
  const res = admin.client.discovery.resourceFor('', 'Namespace');
  if (!res) throw new Error('no Namespace resource');
  await admin.client.patch(res, undefined, ns, { metadata: { labels } }, 'merge');
}
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await check();
    if (v !== undefined) return v;
    if (i > 1200) throw new Error(`gave up waiting for ${what}`);
    await sleep(250);
  }
}
/** Waits for a rollout as `kubectl rollout status` would, and for every pod to be a new one. */
async function rolledOut(ref: WorkloadRef, since: string): Promise<RolloutStatus> {
  return until(`${ref.kind} ${ref.name} rolled out`, async () => {
    const s = await rolloutStatus(admin.client, ref, since);
    return s.done && s.podsBefore.length === 0 && s.pods.every((p) => podInjection(p).running) ? s : undefined;
  });
}

describe('discoverControlPlanes', () => {
  it('finds both revisions by their webhooks, which one answers istio-injection=enabled, and their validators', async () => {
    const found = await discoverControlPlanes(admin.client);
    const byRev = Object.fromEntries(found.controlPlanes.map((c) => [c.revision, c]));
    expect(Object.keys(byRev).sort()).toEqual(['canary', 'default']);
    expect(byRev.default).toMatchObject({ injectorConfigs: ['istio-sidecar-injector'], servesIstioInjection: true, isDefault: true, neutralised: [] });
    expect(byRev.canary).toMatchObject({ injectorConfigs: ['istio-sidecar-injector-canary'], servesIstioInjection: false, isDefault: false, tags: [] });
    expect(byRev.canary?.injectorTargets).toEqual([lab.cluster('lab').istiods.find((i) => i.revision === 'canary')?.injectionUrl]);
    expect(byRev.default?.validators.map((v) => v.configName)).toContain('istio-validator-istio-system');
    expect(byRev.canary?.validators.map((v) => v.configName)).toEqual(['istio-validator-canary-istio-system']);
  });
});

describe('proveInjection', () => {
  beforeAll(async () => {
    await namespace('legacy', { 'istio-injection': 'enabled' });
    await namespace('plain');
  });

  it('says a namespace on istio-injection=enabled is injected by default, not canary, until the opt-in', async () => {
    const before = await proveInjection(admin.client, { namespace: 'legacy', expectRevision: 'canary' });
    expect(before).toMatchObject({ ok: false, reason: 'injected-by-other', revision: 'default' });
    expect(before.message).toMatch(/would be injected by revision default .*istio-sidecar-injector\/namespace\.sidecar-injector\.istio\.io.*not by canary/);
  });

  it('proves canary serves a namespace before it is relabelled, by a dry-run Pod that reaches canary elsewhere', async () => {
    const proof = await proveInjection(admin.client, { namespace: 'legacy', namespaceLabels: { 'istio-injection': null, 'istio.io/rev': 'canary' }, expectRevision: 'canary' });
    expect(proof).toMatchObject({ ok: true, revision: 'canary', webhooks: ['istio-sidecar-injector-canary/rev.namespace.sidecar-injector.istio.io'] });
    if (!proof.ok) throw new Error(proof.message);
    expect(proof.probeNamespace).not.toBe('legacy');
    expect(proof.message).toMatch(/not opted in yet/);
    // Nothing was stored: the dry-run Pod does not exist.
    const pods = await admin.client.list(admin.client.discovery.resourceFor('', 'Pod')!, { namespace: proof.probeNamespace });
    expect(pods.filter((p) => p.metadata.name.startsWith('meshferry-injection-probe'))).toEqual([]);
  });

  it('probes an unlabelled namespace itself with the pod label, and honours a pod that opts out', async () => {
    const proof = await proveInjection(admin.client, { namespace: 'plain', namespaceLabels: { 'istio.io/rev': 'canary' }, expectRevision: 'canary' });
    expect(proof).toMatchObject({ ok: true, probeNamespace: 'plain' });
    const podOptIn = await proveInjection(admin.client, { namespace: 'plain', podLabels: { 'istio.io/rev': 'canary' }, expectRevision: 'canary' });
    expect(podOptIn).toMatchObject({ ok: true, probeNamespace: 'plain', webhooks: ['istio-sidecar-injector-canary/rev.object.sidecar-injector.istio.io'] });
    const optOut = await proveInjection(admin.client, { namespace: 'plain', namespaceLabels: { 'istio.io/rev': 'canary' }, podLabels: { 'sidecar.istio.io/inject': 'false' }, expectRevision: 'canary' });
    expect(optOut).toMatchObject({ ok: false, reason: 'not-injected' });
  });

  it('reports "webhook failed" while canary istiod is stopped, lab status says so, and proves again once it is back', async () => {
    await stopLabIstiod(dir, { revision: 'canary' });
    try {
      const status = await labStatus(dir);
      expect(status.running).toBe(false);
      expect(status.components.find((c) => c.component === 'istiod-canary')).toMatchObject({ running: false, health: 'failing: not running' });
      expect(status.components.find((c) => c.component === 'istiod-default')).toMatchObject({ running: true, health: 'ok' });
      const down = await proveInjection(admin.client, { namespace: 'plain', namespaceLabels: { 'istio.io/rev': 'canary' }, expectRevision: 'canary' });
      expect(down).toMatchObject({ ok: false, reason: 'webhook-failed' });
      expect(down.message).toMatch(/the injector of revision canary failed a dry-run Pod create in namespace plain: .*failed calling webhook "rev\.object\.sidecar-injector\.istio\.io"/);
      // The source keeps serving meanwhile.
      expect(await proveInjection(admin.client, { namespace: 'legacy', expectRevision: 'default' })).toMatchObject({ ok: true });
    } finally {
      await startLabIstiod(dir, { revision: 'canary' });
    }
    expect((await labStatus(dir)).running).toBe(true);
    expect(await proveInjection(admin.client, { namespace: 'plain', namespaceLabels: { 'istio.io/rev': 'canary' }, expectRevision: 'canary' })).toMatchObject({ ok: true });
  });
});

describe('workloads', () => {
  const ns = 'shop';
  beforeAll(async () => {
    await namespace(ns, { 'istio-injection': 'enabled' });
    await namespace('gw');
    const objects: KubeObject[] = [
      deployment(ns, 'cart', 2, { podAnnotations: { 'proxy.istio.io/config': '{"proxyMetadata":{"PROXY_CONFIG_XDS_AGENT":"true"}}' } }),
      deployment(ns, 'frozen', 1, { paused: true }),
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace: ns },
        spec: { replicas: 2, serviceName: 'db', updateStrategy: { type: 'OnDelete' }, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: PAUSE }] } } },
      },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', namespace: ns }, spec: { containers: [{ name: 'app', image: PAUSE }] } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: ns }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'once', image: PAUSE }] } } } },
      deployment('gw', 'istio-ingressgateway', 1, { podLabels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' }, podAnnotations: { 'inject.istio.io/templates': 'gateway' } }),
    ];
    for (const o of objects) await admin.client.apply(o, { force: true });
    const pods = admin.client.discovery.resourceFor('', 'Pod')!;
    await until('pods of shop running and the job pod complete', async () => {
      const list = await admin.client.list(pods, { namespace: ns });
      const running = list.filter((p) => podInjection(p).running).length;
      const completed = list.filter((p) => podInjection(p).completed).length;
      return running >= 5 && completed >= 1 ? true : undefined;
    });
  });

  it('lists Deployments, StatefulSets and gateways with their pod templates, and names what must not be touched', async () => {
    const inv = await listWorkloads(admin.client, [ns, 'gw']);
    expect(inv.workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}:${w.strategy}:${w.gateway}`)).toEqual([
      'gw/Deployment/istio-ingressgateway:RollingUpdate:true',
      'shop/Deployment/cart:RollingUpdate:false',
      'shop/StatefulSet/db:OnDelete:false',
    ]);
    expect(inv.workloads.find((w) => w.name === 'cart')).toMatchObject({ replicas: 2, podLabels: { app: 'cart' }, selector: { matchLabels: { app: 'cart' } } });
    const untouchable = inv.untouchable.map((u) => `${u.kind}/${u.name}`);
    expect(untouchable).toContain('Deployment/frozen');
    expect(untouchable).toContain('Pod/solo');
    expect(untouchable.some((u) => /^Pod\/once-/.test(u))).toBe(true);
    expect(inv.untouchable.find((u) => u.name === 'frozen')?.reason).toMatch(/paused Deployment/);
    expect(inv.untouchable.find((u) => u.name.startsWith('once-'))?.reason).toMatch(/pod of Job once \(completed\)/);
  });

  it('reads each pod\'s injecting revision and proxy metadata, and flags completed pods', async () => {
    const pods = await admin.client.list(admin.client.discovery.resourceFor('', 'Pod')!, { namespace: ns });
    const cart = pods.filter((p) => p.metadata.labels?.app === 'cart').map(podInjection);
    expect(cart).toHaveLength(2);
    for (const c of cart) {
      expect(c).toMatchObject({ injected: true, revision: 'default', running: true, completed: false });
      // A pod annotation proxy.istio.io/config lands in istio-proxy's env and in PROXY_CONFIG (istio-facts.md).
      expect(c.proxyEnv.PROXY_CONFIG_XDS_AGENT).toBe('true');
      expect(c.proxyConfig?.proxyMetadata).toMatchObject({ PROXY_CONFIG_XDS_AGENT: 'true' });
    }
    const job = pods.find((p) => p.metadata.name.startsWith('once-'));
    expect(job && podInjection(job)).toMatchObject({ completed: true, running: false, injected: true });
  });

  it('restarts a Deployment onto canary like `kubectl rollout restart`, idempotently, and waits with rollout status', async () => {
    await relabel(ns, { 'istio-injection': null, 'istio.io/rev': 'canary' });
    const ref: WorkloadRef = { kind: 'Deployment', namespace: ns, name: 'cart' };
    const at = new Date().toISOString();
    expect(await restartWorkload(admin.client, ref, at)).toMatchObject({ changed: true, more: false });
    const dep = admin.client.discovery.resourceFor('apps', 'Deployment')!;
    const generation = (await admin.client.get(dep, ns, 'cart'))?.metadata.generation;
    expect(await restartWorkload(admin.client, ref, at)).toMatchObject({ changed: false });
    const obj = await admin.client.get(dep, ns, 'cart');
    expect(obj?.metadata.generation).toBe(generation);
    expect((obj?.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBe(at);
    const managers = (obj?.metadata.managedFields as { manager: string }[]).map((m) => m.manager);
    expect(managers).toContain('meshferry');
    const done = await rolledOut(ref, at);
    expect(done.message).toBe('deployment "cart" successfully rolled out');
    expect(done.pods).toHaveLength(2);
    for (const p of done.pods) expect(podInjection(p)).toMatchObject({ injected: true, revision: 'canary' });
  });

  it('restarts an OnDelete StatefulSet by deleting its pods highest ordinal first, one at a time', async () => {
    const ref: WorkloadRef = { kind: 'StatefulSet', namespace: ns, name: 'db' };
    const at = new Date().toISOString();
    const deleted: string[] = [];
    await until('db restarted', async () => {
      const r = await restartWorkload(admin.client, ref, at);
      deleted.push(...r.deletedPods);
      return r.more ? undefined : true;
    });
    expect(deleted).toEqual(['db-1', 'db-0']);
    const done = await rolledOut(ref, at);
    expect(done.pods.map((p) => [p.metadata.name, podInjection(p).revision])).toEqual([
      ['db-0', 'canary'],
      ['db-1', 'canary'],
    ]);
  });

  it('refuses a paused Deployment', async () => {
    const err = await restartWorkload(admin.client, { kind: 'Deployment', namespace: ns, name: 'frozen' }, new Date().toISOString()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('WorkloadPaused');
  });
});

describe('checkAccess', () => {
  it('answers SelfSubjectAccessReviews for the admin and for a user no role binds', async () => {
    const checks = [
      { verb: 'patch', group: '', resource: 'namespaces' },
      { verb: 'create', group: '', resource: 'pods', namespace: 'shop' },
      { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'shop' },
    ];
    expect((await checkAccess(admin.client, checks)).map((a) => a.allowed)).toEqual([true, true, true]);
    const file = await impersonatingKubeconfig(lab.kubeconfigPath, path.join(tmp, 'jane.kubeconfig'), 'jane');
    const jane = await openCluster({ kubeconfig: file, context: 'lab' });
    try {
      const answers = await checkAccess(jane.client, checks);
      expect(answers.map((a) => a.allowed)).toEqual([false, false, false]);
      expect(answers[2]).toMatchObject({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'shop' });
    } finally {
      jane.close();
    }
  });
});

describe('roots', () => {
  it('finds each revision\'s root in its injector caBundle without reading a Secret, and both trust each other', async () => {
    const { controlPlanes } = await discoverControlPlanes(admin.client);
    const labCa = new X509Certificate(await readFile(lab.caFile, 'utf8')).fingerprint256;
    const roots = await Promise.all(controlPlanes.map((cp) => controlPlaneRoots(admin.client, cp)));
    for (const r of roots) {
      expect(r.evidence[0]).toMatchObject({ source: 'injector-caBundle' });
      expect(r.evidence[0]?.certificates.map((c) => c.fingerprint)).toEqual([labCa]);
    }
    const cmp = compareRoots(roots[0]!, roots[1]!);
    expect(cmp.trusted).toBe(true);
    expect(cmp.message).toMatch(/found in the caBundle of MutatingWebhookConfiguration istio-sidecar-injector/);
  });
});
