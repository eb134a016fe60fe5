// The CrossCluster engine on a real two-cluster lab (issue 13): `migrate apply` of a wave from tcm (revision 1-18-5, its
// own CA) to primary (1-31-1, another CA) creates and labels the namespace, copies workloads, Services, ConfigMaps and a
// Secret (create-only, by digest in the journal), leaves another owner's object alone, waits for the copies to be ready
// and injected by the target, and finishes; the source is untouched. Run as a user would: the CLI, a file, a kubeconfig.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { startApiServer, stopApiServer, type Lab } from '../../src/lab/index.js';
import { podInjection } from '../../src/migrate/cluster/injection.js';
import { isPlainObject, type KubeObject } from '../../src/resources/object.js';
import { runCli, runCliAsync, hasStackTrace, startCli } from '../support/cli.js';
import { until } from '../support/poll.js';
import { labPerFile } from './lab-per-file.js';
import { kubectlFor } from './lab-kubectl.js';
import { migrationFile, ok, settled, type Kubectl } from './migrate-fixtures.js';

let lab: Lab;
let tcm: Cluster;
let primary: Cluster;
let kubectl: Kubectl;
const { parent, dir } = labPerFile('migrate-cross-', { clusters: ['tcm', 'primary'], revisions: { tcm: ['1-18-5'], primary: ['1-31-1'] }, istiodCa: 'per-cluster' }, (l, c) => {
  lab = l;
  tcm = c;
});
const stateDir = mkdtempSync(path.join(parent, 'state-'));
const SECRET_VALUE = `s3cret-${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  primary = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'primary' });
  kubectl = await kubectlFor(lab.kubeconfigPath);
  // The source: namespace shop on 1-18-5 with two Deployments, a LoadBalancer Service bound to a TKE load balancer,
  // a ConfigMap and a Secret the cart Deployment reads.
  ok(kubectl('tcm', ['create', 'namespace', 'shop']));
  ok(kubectl('tcm', ['label', 'namespace', 'shop', 'istio.io/rev=1-18-5']));
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-db', namespace: 'shop' }, stringData: { password: SECRET_VALUE } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-settings', namespace: 'shop' }, data: { currency: 'EUR' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gitops-owned', namespace: 'shop' }, data: { owner: 'source' } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'frontend', namespace: 'shop', annotations: { 'service.kubernetes.io/tke-existed-lbid': 'lb-0123abcd', team: 'shop' } },
      spec: { type: 'LoadBalancer', selector: { app: 'frontend' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
    deployment('frontend', 2),
    deployment('cart', 1, { env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } }] }),
  ];
  ok(kubectl('tcm', ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects })));
  await settled(tcm, ['shop']);
  // The target already has the namespace (unlabelled) and one object a GitOps tool owns.
  ok(kubectl('primary', ['create', 'namespace', 'shop']));
  ok(kubectl('primary', ['apply', '--server-side', '--field-manager=argocd-controller', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gitops-owned', namespace: 'shop' }, data: { owner: 'gitops' } })));
}, 300_000);
afterAll(() => primary?.close());

function deployment(name: string, replicas: number, container: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'registry.k8s.io/pause:3.10', ...container }] } } },
  };
}

const env = () => ({ MESHFERRY_STATE_DIR: stateDir });
const get = async (c: Cluster, group: string, kind: string, ns: string | undefined, name: string) => c.client.get(c.discovery.resourceFor(group, kind)!, ns, name);

describe('migrate apply, mode CrossCluster: one wave from tcm to primary', () => {
  const spec = {
    mode: 'CrossCluster',
    source: { context: 'tcm', revision: '1-18-5' },
    target: { context: 'primary', revision: '1-31-1', clusters: ['primary'] },
    workloads: { copy: true, secrets: true },
    waves: [{ name: 'shop', namespaces: ['shop'], cluster: 'primary' }],
    verify: { timeout: '4m' },
  };
  let file: string;
  let result: ReturnType<typeof runCli>;

  beforeAll(async () => {
    file = await migrationFile(parent, 'exit-tcm', spec);
  });

  it('refuses to start without a call graph (no spec.prometheus, roots differ) and names the flag; nothing is written to primary', async () => {
    const r = runCli(['migrate', 'apply', file, '--kubeconfig', lab.kubeconfigPath], { env: env() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('the call graph is unknown');
    expect(r.stderr).toContain('--accept-unknown-calls');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect((await get(primary, '', 'Namespace', undefined, 'shop'))?.metadata.labels?.['istio.io/rev']).toBeUndefined();
    expect(await get(primary, 'apps', 'Deployment', 'shop', 'frontend')).toBeUndefined();
  });

  it('with --accept-unknown-calls moves the wave (namespace labelled, objects copied, ready on 1-31-1), then refuses to finish while the source still runs, naming it', async () => {
    result = runCli(['migrate', 'apply', file, '--accept-unknown-calls', '--kubeconfig', lab.kubeconfigPath], { env: env() });
    expect(result.code, result.stderr).toBe(1);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(result.stderr).toContain('finish check SourcePods failed: Deployment shop/cart in context tcm has spec.replicas 1, Deployment shop/frontend in context tcm has spec.replicas 2');
    const status = runCli(['migrate', 'status', 'exit-tcm', '-o', 'json', '--kubeconfig', lab.kubeconfigPath, '--context', 'primary'], { env: env() });
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as { phase: string; waves: { state: string; stage?: string; leftAlone?: string[] }[]; warnings?: string[] };
    expect(s.phase).toBe('Migrating');
    expect(s.waves[0]!.state).toBe('Verified');
    expect(s.warnings?.join('\n')).toContain("roots differ");
    const ns = await get(primary, '', 'Namespace', undefined, 'shop');
    expect(ns?.metadata.labels?.['istio.io/rev']).toBe('1-31-1');
    for (const name of ['frontend', 'cart']) {
      const d = await get(primary, 'apps', 'Deployment', 'shop', name);
      expect(d, name).toBeDefined();
      expect((d!.status as { readyReplicas?: number }).readyReplicas).toBe(name === 'frontend' ? 2 : 1);
    }
    const pods = await primary.client.list(primary.discovery.resourceFor('', 'Pod')!, { namespace: 'shop' });
    expect(pods.length).toBe(3);
    for (const p of pods) expect(podInjection(p).revision, p.metadata.name).toBe('1-31-1');
  }, 400_000);

  it('copies the LoadBalancer Service as ClusterIP without the load-balancer reuse annotation, keeping the others', async () => {
    const svc = await get(primary, '', 'Service', 'shop', 'frontend');
    expect((svc!.spec as { type: string }).type).toBe('ClusterIP');
    expect(svc!.metadata.annotations?.['service.kubernetes.io/tke-existed-lbid']).toBeUndefined();
    expect(svc!.metadata.annotations?.team).toBe('shop');
    // The source keeps its load balancer binding.
    expect((await get(tcm, '', 'Service', 'shop', 'frontend'))!.metadata.annotations?.['service.kubernetes.io/tke-existed-lbid']).toBe('lb-0123abcd');
  });

  it("leaves the object another manager owns in the target alone, and names it in the wave's status", async () => {
    const cm = await get(primary, '', 'ConfigMap', 'shop', 'gitops-owned');
    expect((cm!.data as Record<string, string>).owner).toBe('gitops');
    const status = JSON.parse(runCli(['migrate', 'status', 'exit-tcm', '-o', 'json', '--kubeconfig', lab.kubeconfigPath, '--context', 'primary'], { env: env() }).stdout) as { waves: { leftAlone?: string[] }[] };
    expect(status.waves[0]!.leftAlone?.join('\n')).toMatch(/ConfigMap shop\/gitops-owned: written in primary by argocd-controller/);
  });

  it('creates the Secret in the target with its data, and its value appears nowhere else: not in output, journal or local state', async () => {
    const secret = await get(primary, '', 'Secret', 'shop', 'shop-db');
    expect(Buffer.from((secret!.data as Record<string, string>).password!, 'base64').toString('utf8')).toBe(SECRET_VALUE);
    const b64 = Buffer.from(SECRET_VALUE).toString('base64');
    const haystacks: [string, string][] = [
      ['stdout', result.stdout],
      ['stderr', result.stderr],
    ];
    const cms = await primary.client.list(primary.discovery.resourceFor('', 'ConfigMap')!, { namespace: 'meshferry-system' });
    expect(cms.length).toBeGreaterThan(0);
    for (const cm of cms) haystacks.push([`ConfigMap ${cm.metadata.name}`, JSON.stringify(cm)]);
    // The MeshMigration CRD was installed after this connection read discovery.
    await primary.client.refreshDiscovery();
    const mig = await primary.client.get(primary.client.discovery.resourceFor('meshferry.dev', 'MeshMigration')!, undefined, 'exit-tcm');
    haystacks.push(['MeshMigration', JSON.stringify(mig)]);
    for (const f of readdirSync(stateDir, { recursive: true }) as string[]) {
      const full = path.join(stateDir, f);
      if (statSync(full).isFile()) haystacks.push([f, readFileSync(full, 'latin1')]);
    }
    for (const [where, text] of haystacks) {
      expect(text.includes(SECRET_VALUE), where).toBe(false);
      expect(text.includes(b64), where).toBe(false);
    }
    const journal = cms.map((cm) => JSON.stringify(cm.data)).join('\n');
    expect(journal).toContain('xc.secret');
    expect(journal).toContain('secretDigest');
  });

  it('journals each copy with the uid it created; the source cluster is unchanged', async () => {
    const cms = await primary.client.list(primary.discovery.resourceFor('', 'ConfigMap')!, { namespace: 'meshferry-system' });
    const entries = cms.flatMap((cm) => Object.values((cm.data ?? {}) as Record<string, string>)).flatMap((v) => {
      try {
        const parsed = JSON.parse(v) as unknown;
        return Array.isArray(parsed) ? parsed : isPlainObject(parsed) && Array.isArray(parsed.entries) ? parsed.entries : [];
      } catch {
        return [];
      }
    }) as { step: string; state: string; target?: { kind: string; namespace?: string; name: string }; result?: { uid?: string } }[];
    const copies = entries.filter((e) => e.step === 'xc.copy' && e.state === 'done');
    expect(copies.map((e) => `${e.target!.kind} ${e.target!.name}`).sort()).toEqual(['ConfigMap shop-settings', 'Deployment cart', 'Deployment frontend', 'Service frontend']);
    for (const e of copies) {
      const group = e.target!.kind === 'Deployment' ? 'apps' : '';
      expect((await get(primary, group, e.target!.kind, 'shop', e.target!.name))!.metadata.uid).toBe(e.result?.uid);
    }
    for (const name of ['frontend', 'cart']) expect(((await get(tcm, 'apps', 'Deployment', 'shop', name))!.spec as { replicas: number }).replicas).toBe(name === 'frontend' ? 2 : 1);
  });

  it('once the source is scaled to 0 by hand, `migrate retry` finishes, recording the finish checks', async () => {
    for (const name of ['frontend', 'cart']) ok(kubectl('tcm', ['-n', 'shop', 'scale', 'deployment', name, '--replicas=0']));
    const r = runCli(['migrate', 'retry', 'exit-tcm', '--kubeconfig', lab.kubeconfigPath, '--context', 'primary'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(runCli(['migrate', 'status', 'exit-tcm', '-o', 'json', '--kubeconfig', lab.kubeconfigPath, '--context', 'primary'], { env: env() }).stdout) as { phase: string };
    expect(s.phase).toBe('Finished');
    const mig = await primary.client.get(primary.client.discovery.resourceFor('meshferry.dev', 'MeshMigration')!, undefined, 'exit-tcm');
    expect((mig!.status as { finishChecks?: { name: string; verdict: string }[] }).finishChecks?.map((c) => `${c.name} ${c.verdict}`)).toEqual(['SourcePods pass', 'OldGatewayTraffic skipped', 'ConfigParity skipped', 'VendorTraces pass']);
  }, 300_000);
});

describe('migrate apply, mode CrossCluster, workloads.copy false: the wave waits for a GitOps pipeline and never writes a workload', () => {
  it('waits until the Deployment appears in the target (applied by argocd-controller), verifies it, and never becomes one of its managers', async () => {
    ok(kubectl('tcm', ['create', 'namespace', 'orders']));
    ok(kubectl('tcm', ['label', 'namespace', 'orders', 'istio.io/rev=1-18-5']));
    const api = { ...deployment('api', 1), metadata: { name: 'api', namespace: 'orders', labels: { app: 'api' } } };
    ok(kubectl('tcm', ['apply', '-f', '-'], JSON.stringify(api)));
    await settled(tcm, ['orders']);
    const file = await migrationFile(parent, 'gitops-move', {
      mode: 'CrossCluster',
      source: { context: 'tcm', revision: '1-18-5' },
      target: { context: 'primary', revision: '1-31-1', clusters: ['primary'] },
      workloads: { copy: false },
      waves: [{ name: 'orders', namespaces: ['orders'] }],
      verify: { timeout: '4m' },
    });
    const run = startCli(['migrate', 'apply', file, '--accept-unknown-calls', '--kubeconfig', lab.kubeconfigPath], { env: env() });
    // The wave says what it waits for; only then does the "pipeline" deploy.
    await until(async () => (run.stderr().includes('your pipeline deploys them') ? true : undefined));
    expect(await get(primary, 'apps', 'Deployment', 'orders', 'api')).toBeUndefined();
    ok(kubectl('primary', ['apply', '--server-side', '--field-manager=argocd-controller', '-f', '-'], JSON.stringify(api)));
    const r = await run.done;
    // Finish refuses: the source still runs (as the first case shows); the wave itself is verified.
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('finish check SourcePods failed: Deployment orders/api in context tcm has spec.replicas 1');
    const live = await get(primary, 'apps', 'Deployment', 'orders', 'api');
    expect((live!.status as { readyReplicas?: number }).readyReplicas).toBe(1);
    const managers = (live!.metadata.managedFields as { manager: string }[]).map((m) => m.manager);
    expect(managers).toContain('argocd-controller');
    expect(managers).not.toContain('meshferry');
    const pods = await primary.client.list(primary.discovery.resourceFor('', 'Pod')!, { namespace: 'orders' });
    expect(pods.map((p) => podInjection(p).revision)).toEqual(['1-31-1']);
  }, 400_000);
});

describe('migrate apply, mode CrossCluster: the target API server dies mid-copy', () => {
  it('stops with exit 3 in one line; after a restart, resume completes, and every object meshferry wrote there is in the journal', async () => {
    const ns = 'bulk';
    ok(kubectl('tcm', ['create', 'namespace', ns]));
    ok(kubectl('tcm', ['label', 'namespace', ns, 'istio.io/rev=1-18-5']));
    const items: KubeObject[] = Array.from({ length: 60 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `settings-${i}`, namespace: ns }, data: { n: String(i) } }));
    items.push({ ...deployment('worker', 1), metadata: { name: 'worker', namespace: ns, labels: { app: 'worker' } } });
    ok(kubectl('tcm', ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items })));
    await settled(tcm, [ns]);
    const file = await migrationFile(parent, 'bulk-move', {
      mode: 'CrossCluster',
      source: { context: 'tcm', revision: '1-18-5' },
      target: { context: 'primary', revision: '1-31-1', clusters: ['primary'] },
      waves: [{ name: 'bulk', namespaces: [ns] }],
      verify: { timeout: '4m' },
    });
    const run = startCli(['migrate', 'apply', file, '--accept-unknown-calls', '--kubeconfig', lab.kubeconfigPath], { env: env() });
    // Anchored to work, not the clock: the API server goes down once the copy's intents are journaled (the local copy
    // of the journal is written with every journal write).
    const copyJournaled = () => (readdirSync(stateDir, { recursive: true }) as string[]).some((f) => f.endsWith('.json') && statSync(path.join(stateDir, f)).isFile() && /"step": ?"xc\.copy"[^}]*"namespace": ?"bulk"|"namespace": ?"bulk"[^}]*"step": ?"xc\.copy"/s.test(readFileSync(path.join(stateDir, f), 'utf8')));
    await until(async () => (copyJournaled() || run.stderr().includes('copied') ? true : undefined));
    await stopApiServer(dir, 'primary', { graceMs: 0 });
    const r = await run.done;
    expect(r.code, r.stderr).toBe(3);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('primary');
    await startApiServer(dir, 'primary');
    await primary.client.refreshDiscovery();
    ok(kubectl('tcm', ['-n', ns, 'scale', 'deployment', 'worker', '--replicas=0']));
    const resumed = await runCliAsync(['migrate', 'resume', 'bulk-move', '--kubeconfig', lab.kubeconfigPath, '--context', 'primary'], { env: env() });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Every object of the namespace that meshferry wrote has a done (or settled) journal entry; none is left unrecorded.
    const cms = await primary.client.list(primary.discovery.resourceFor('', 'ConfigMap')!, { namespace: 'meshferry-system' });
    const entries = cms.flatMap((cm) => Object.values((cm.data ?? {}) as Record<string, string>)).flatMap((v) => {
      try {
        const parsed = JSON.parse(v) as unknown;
        return Array.isArray(parsed) ? parsed : [];
      } catch {
        return [];
      }
    }) as { step: string; state: string; target?: { kind: string; namespace?: string; name: string } }[];
    const recorded = new Set(entries.filter((e) => e.step === 'xc.copy' && e.state === 'done' && e.target?.namespace === ns).map((e) => `${e.target!.kind} ${e.target!.name}`));
    const wrote: string[] = [];
    for (const [group, kind] of [['', 'ConfigMap'], ['apps', 'Deployment']] as const)
      for (const o of await primary.client.list(primary.discovery.resourceFor(group, kind)!, { namespace: ns }))
        if ((o.metadata.managedFields as { manager?: string }[] | undefined)?.some((m) => m.manager === 'meshferry')) wrote.push(`${kind} ${o.metadata.name}`);
    expect(wrote.length).toBe(61);
    expect(wrote.filter((w) => !recorded.has(w))).toEqual([]);
  }, 600_000);
});
