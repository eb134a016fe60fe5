// CrossCluster config from the live source (issue 13 points 1, 3 and 8) on a two-cluster lab: a migration without
// spec.config.from exports tcm's Istio config at Init, transforms it with the rules, analyzes it and imports it into
// primary (home); it finishes only when ConfigParity (a fresh export of tcm after the rules against primary) and
// VendorTraces (no istio.io/rev of the source left in the target) pass, and `migrate finish --execute` re-reads both
// and refuses, naming the object, when a target object was edited or carries the source's revision.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectClient } from '../../src/kube/object-client.js';
import type { Lab } from '../../src/lab/index.js';
import type { KubeObject } from '../../src/resources/object.js';
import { KubeconfigClusterSet } from '../../src/traffic/routers/cluster-set.js';
import { hasStackTrace, runCliAsync } from '../support/cli.js';
import { labPerFile } from './lab-per-file.js';
import { migrationFile } from './migrate-fixtures.js';

let lab: Lab;
const { parent } = labPerFile('migrate-cross-config-', { clusters: ['tcm', 'primary'], revisions: { tcm: ['1-18-5'], primary: ['1-31-1'] } }, (l) => (lab = l));
const stateDir = path.join(parent, 'state');
let tcm: ObjectClient;
let primary: ObjectClient;
let set: KubeconfigClusterSet;

const NAME = 'config-live';
const res = (c: ObjectClient, group: string, kind: string) => c.discovery.resourceFor(group, kind)!;
const get = (c: ObjectClient, group: string, kind: string, ns: string | undefined, name: string) => c.get(res(c, group, kind), ns, name);
const write = (c: ObjectClient, o: KubeObject) => c.apply(o, { fieldManager: 'kubectl', force: true });
const cli = (args: string[]) => runCliAsync([...args, '--kubeconfig', lab.kubeconfigPath], { env: { MESHFERRY_STATE_DIR: stateDir } });
const SOURCE_REV = { 'istio.io/rev': '1-18-5' };
const VS = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'shop', labels: SOURCE_REV },
  spec: { hosts: ['shop.example.com'], gateways: ['istio-system/shop-gateway'], http: [{ route: [{ destination: { host: 'reviews.shop.svc.cluster.local', subset: 'v1' } }] }] },
};
const DR = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'reviews', namespace: 'shop', labels: SOURCE_REV },
  spec: { host: 'reviews.shop.svc.cluster.local', subsets: [{ name: 'v1', labels: { version: 'v1' } }] } as Record<string, unknown>,
};

beforeAll(async () => {
  set = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  tcm = await set.client('tcm');
  primary = await set.client('primary');
  // The source: namespace shop on TCM's revision with its mesh config (no workloads: the wave moves config only), each
  // object labelled with the source revision, as TCM leaves it.
  await write(tcm, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: SOURCE_REV } });
  await write(tcm, {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'shop-gateway', namespace: 'istio-system', labels: SOURCE_REV },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }] },
  });
  await write(tcm, VS);
  await write(tcm, DR);
  // The target already runs what the config points at (the install plan's ingress gateway, the team's Service).
  await write(primary, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await write(primary, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'shop' }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] } });
  await write(primary, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
    spec: { replicas: 1, selector: { matchLabels: { istio: 'ingressgateway' } }, template: { metadata: { labels: { istio: 'ingressgateway' } }, spec: { containers: [{ name: 'istio-proxy', image: 'registry.k8s.io/pause:3.10' }] } } },
  });
  writeFileSync(path.join(parent, 'rules.yaml'), 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: tcm}\nrules:\n- setRevision: {to: 1-31-1}\n');
}, 300_000);

describe('CrossCluster without config.from: the live export of the source is the config', () => {
  it('exports tcm at each Init check (a finding names the kept file; retry sees the fix), imports the transformed config into primary, and finishes with ConfigParity and VendorTraces passing', async () => {
    const file = await migrationFile(parent, NAME, {
      mode: 'CrossCluster',
      source: { context: 'tcm', revision: '1-18-5', managed: 'tcm' },
      target: { context: 'primary', revision: '1-31-1', clusters: ['primary'] },
      config: { rules: './rules.yaml', analyze: { failOn: 'Error' } },
      waves: [{ name: 'shop', namespaces: ['shop'], cluster: 'primary' }],
      verify: { timeout: '4m' },
    });
    // Init analyzes the export it just took: a subset that selects no pod in the target is named at its file:line in the kept export.
    const refused = await cli(['migrate', 'apply', file, '--accept-unknown-calls']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('MF0009 DestinationRuleSubsetNotSelectPods on DestinationRule shop/reviews (shop/destinationrules/reviews.yaml:');
    expect(await get(primary, 'networking.istio.io', 'VirtualService', 'shop', 'reviews')).toBeUndefined();
    // Fixed in the source, `migrate retry` exports it again.
    await write(tcm, { ...VS, spec: { ...VS.spec, http: [{ route: [{ destination: { host: 'reviews.shop.svc.cluster.local' } }] }] } });
    await write(tcm, { ...DR, spec: { host: 'reviews.shop.svc.cluster.local', trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } } } } });
    const r = await cli(['migrate', 'retry', NAME, '--context', 'primary']);
    expect(r.code, r.stderr).toBe(0);
    expect(hasStackTrace(r.stderr)).toBe(false);
    // Imported into primary, through the rules, by meshferry.
    for (const [kind, ns, name] of [['VirtualService', 'shop', 'reviews'], ['DestinationRule', 'shop', 'reviews'], ['Gateway', 'istio-system', 'shop-gateway']] as const) {
      const o = await get(primary, 'networking.istio.io', kind, ns, name);
      expect(o, `${kind} ${ns}/${name}`).toBeDefined();
      expect(o!.metadata.labels?.['istio.io/rev'], `${kind} ${ns}/${name}`).toBe('1-31-1');
      expect(JSON.stringify(o!.metadata.managedFields), `${kind} ${ns}/${name}`).toContain('"manager":"meshferry"');
    }
    expect(((await get(primary, 'networking.istio.io', 'DestinationRule', 'shop', 'reviews'))!.spec as { host: string }).host).toBe('reviews.shop.svc.cluster.local');
    // The source is untouched.
    expect((await get(tcm, 'networking.istio.io', 'VirtualService', 'shop', 'reviews'))!.metadata.labels?.['istio.io/rev']).toBe('1-18-5');
    // Each import is journaled in primary; the export Init analyzed is kept beside the local journal copy.
    const journal = (await primary.list(res(primary, '', 'ConfigMap'), { namespace: 'meshferry-system' })).map((cm) => JSON.stringify(cm.data)).join('\n');
    expect(journal.match(/config\.import/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    // The MeshMigration CRD was installed after this connection read discovery.
    await primary.refreshDiscovery();
    const mig = await primary.get(res(primary, 'meshferry.dev', 'MeshMigration'), undefined, NAME);
    const kept = path.join(stateDir, 'journals', `meshmigration.${NAME}.${mig!.metadata.uid}`);
    expect(readFileSync(path.join(kept, 'source-export', 'shop', 'virtualservices', 'reviews.yaml'), 'utf8')).toContain('1-18-5');
    expect(existsSync(path.join(kept, 'source-export.json'))).toBe(true);
    const status = mig!.status as { phase: string; finishChecks: { name: string; verdict: string; evidence: string[] }[] };
    expect(status.phase).toBe('Finished');
    expect(status.finishChecks.map((c) => `${c.name} ${c.verdict}`)).toEqual(['SourcePods pass', 'OldGatewayTraffic skipped', 'ConfigParity pass', 'VendorTraces pass']);
    expect(status.finishChecks[2]!.evidence[0]).toMatch(/^all \d+ objects of the source export \(after the rules\) are in the target as exported \(source: the live export of tcm, read now, through \.\/rules\.yaml; target: primary\)$/);
    const text = await cli(['migrate', 'status', NAME, '--context', 'primary']);
    expect(text.stdout).toContain('ConfigParity: pass');
    expect(text.stdout).toContain('VendorTraces: pass');
  }, 600_000);

  it('`migrate finish --execute` refuses while a target object differs from the source, naming it and the field', async () => {
    const dr = res(primary, 'networking.istio.io', 'DestinationRule');
    await primary.apply({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'shop' }, spec: { host: 'ratings.shop.svc.cluster.local' } }, { fieldManager: 'kubectl-edit', force: true });
    const r = await cli(['migrate', 'finish', NAME, '--context', 'primary', '--execute', '--yes', '--output-dir', parent]);
    expect(r.code, r.stderr).toBe(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toMatch(/ConfigParity: fail/);
    expect(r.stderr).toContain('changed: DestinationRule shop/reviews (spec.host)');
    expect(r.stderr).toMatch(/refused: ConfigParity fails/);
    // Nothing of the source was removed.
    expect(await get(tcm, 'admissionregistration.k8s.io', 'MutatingWebhookConfiguration', undefined, 'istio-sidecar-injector-1-18-5')).toBeDefined();
    await primary.apply({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'shop' }, spec: { host: 'reviews.shop.svc.cluster.local' } }, { fieldManager: 'kubectl-edit', force: true });
    expect(((await primary.get(dr, 'shop', 'reviews'))!.spec as { host: string }).host).toBe('reviews.shop.svc.cluster.local');
  }, 300_000);

  it('`migrate finish --execute` refuses while a target object carries the source revision, naming it (parity passes again)', async () => {
    await primary.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'shop', labels: SOURCE_REV } }, { fieldManager: 'kubectl-label', force: true });
    const r = await cli(['migrate', 'finish', NAME, '--context', 'primary', '--execute', '--yes', '--output-dir', parent]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/ConfigParity: pass/);
    expect(r.stderr).toMatch(/VendorTraces: fail/);
    expect(r.stderr).toContain("primary: trace: Service shop/reviews: labels carry istio.io/rev=1-18-5, the source's revision; relabel it for the target");
    expect(r.stderr).toMatch(/refused: VendorTraces fails/);
    expect(await get(tcm, 'admissionregistration.k8s.io', 'MutatingWebhookConfiguration', undefined, 'istio-sidecar-injector-1-18-5')).toBeDefined();
  }, 300_000);
});

describe('CrossCluster without config.from, copying the workloads: Init analyzes the config with what the waves bring', () => {
  it('a VirtualService routing to a Service only the source has yet (the wave copies it) passes Init; the wave copies it and verifies its pods', async () => {
    // The source: namespace cart with its Service, Deployment and mesh config; the target has none of them yet.
    await write(tcm, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cart', labels: SOURCE_REV } });
    await write(tcm, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'cart' }, spec: { selector: { app: 'cart' }, ports: [{ name: 'http', port: 8080 }] } });
    await write(tcm, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cart', namespace: 'cart' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'cart' } }, template: { metadata: { labels: { app: 'cart', version: 'v1' } }, spec: { containers: [{ name: 'cart', image: 'registry.k8s.io/pause:3.10' }] } } },
    });
    await write(tcm, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'cart', namespace: 'cart' }, spec: { hosts: ['cart.cart.svc.cluster.local'], http: [{ route: [{ destination: { host: 'cart.cart.svc.cluster.local', subset: 'v1' } }] }] } });
    await write(tcm, { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'cart', namespace: 'cart' }, spec: { host: 'cart.cart.svc.cluster.local', subsets: [{ name: 'v1', labels: { version: 'v1' } }] } });
    expect(await get(primary, '', 'Service', 'cart', 'cart')).toBeUndefined();
    const name = 'config-live-copy';
    const file = await migrationFile(parent, name, {
      mode: 'CrossCluster',
      source: { context: 'tcm', revision: '1-18-5' },
      target: { context: 'primary', revision: '1-31-1', clusters: ['primary'] },
      config: { rules: './rules.yaml', analyze: { failOn: 'Warning' } },
      workloads: { copy: true },
      waves: [{ name: 'cart', namespaces: ['cart'], cluster: 'primary' }],
      verify: { timeout: '4m' },
    });
    const r = await cli(['migrate', 'apply', file, '--accept-unknown-calls']);
    // The source keeps its pod (nothing scales it down without Prometheus): SourcePods holds Finished back, nothing else.
    expect(r.code, r.stderr).toBe(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).not.toMatch(/MF0005|MF0009|ReferencedResourceNotFound|DestinationRuleSubsetNotSelectPods/);
    expect(r.stderr).toContain('finish check SourcePods failed');
    const mig = await primary.get(res(primary, 'meshferry.dev', 'MeshMigration'), undefined, name);
    expect((mig!.status as { waves: { state: string }[] }).waves.map((w) => w.state)).toEqual(['Verified']);
    expect(await get(primary, '', 'Service', 'cart', 'cart')).toBeDefined();
    expect(await get(primary, 'networking.istio.io', 'VirtualService', 'cart', 'cart')).toBeDefined();
  }, 600_000);
});
