// `meshferry vm twin --apply` into two lab clusters: istiod's webhook accepts the VirtualServices, the VM's objects
// are untouched, the TrafficShift it writes loads and its router reads the twin at 100/0 in both clusters.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FIELD_MANAGER } from '../../src/kube/object-client.js';
import { killLabNow, startLab, stopLab } from '../../src/lab/index.js';
import type { Lab } from '../../src/lab/index.js';
import type { KubeObject } from '../../src/resources/object.js';
import { KubeconfigClusterSet, createRouter } from '../../src/traffic/routers/index.js';
import { loadTrafficShift } from '../../src/traffic/shift/spec.js';
import { hasStackTrace, runCliAsync } from '../support/cli.js';

const parent = mkdtempSync(path.join(os.tmpdir(), 'vm-twin-test-'));
const dir = path.join(parent, 'lab');
const CLUSTERS = ['cluster1', 'cluster2'] as const;
let failed = false;
const killOnExit = () => killLabNow(dir);
process.on('exit', killOnExit);
let lab: Lab;
let clusters: KubeconfigClusterSet;

const serviceEntry: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'productcatalogservice', namespace: 'default' },
  spec: {
    hosts: ['productcatalogservice.vm.example.com'],
    location: 'MESH_INTERNAL',
    ports: [{ number: 3550, name: 'grpc', protocol: 'GRPC' }],
    resolution: 'STATIC',
    workloadSelector: { labels: { app: 'productcatalogservice', vm: 'true' } },
  },
};
const workloadEntry: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'WorkloadEntry',
  metadata: { name: 'productcatalog-vm-1', namespace: 'default', labels: { app: 'productcatalogservice', vm: 'true' } },
  spec: { address: '10.128.0.17' },
};
const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'productcatalogservice-gke', namespace: 'default' },
  spec: { selector: { app: 'productcatalogservice' }, ports: [{ name: 'grpc', port: 3550 }] },
};

async function get(context: string, kind: string, name: string): Promise<KubeObject | undefined> {
  const client = await clusters.client(context);
  const r = client.discovery.resourceFor(kind === 'Service' ? '' : 'networking.istio.io', kind)!;
  return client.get(r, 'default', name);
}

beforeAll(async () => {
  lab = await startLab({ dir, clusters: [...CLUSTERS], revisions: ['default'] });
  clusters = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath });
  for (const c of CLUSTERS) {
    const client = await clusters.client(c);
    for (const o of [serviceEntry, workloadEntry]) await client.apply(o, { fieldManager: 'vm-operator' });
  }
  // The Kubernetes twin exists only in cluster1, so cluster2 gets a warning.
  await (await clusters.client('cluster1')).apply(service, { fieldManager: 'app-team' });
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  clusters?.close();
  await stopLab(dir, { purge: !failed });
  if (!failed) rmSync(parent, { recursive: true, force: true });
  process.off('exit', killOnExit);
});

describe('vm twin --apply on two lab clusters', () => {
  let before: Record<string, (KubeObject | undefined)[]>;
  const out = path.join(parent, 'twin');

  it('applies a VirtualService per cluster through istiod\'s webhook and writes the shift files', async () => {
    before = {};
    for (const c of CLUSTERS) before[c] = [await get(c, 'ServiceEntry', 'productcatalogservice'), await get(c, 'WorkloadEntry', 'productcatalog-vm-1')];
    const res = await runCliAsync([
      'vm', 'twin', 'workloadentry/productcatalog-vm-1', '-n', 'default', '--service', 'productcatalogservice-gke',
      '--kubeconfig', lab.kubeconfigPath, '--context', 'cluster1,cluster2', '--apply', '--output-dir', out,
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.stderr).toMatch(/cluster1: VirtualService default\/productcatalogservice-migration created/);
    expect(res.stderr).toMatch(/cluster2: VirtualService default\/productcatalogservice-migration created/);
    expect(res.stderr).toMatch(/cluster2 has no Service productcatalogservice-gke\.default\.svc\.cluster\.local/);
    expect(res.stderr).not.toMatch(/cluster1 has no Service/);
    for (const c of CLUSTERS) {
      const vs = await get(c, 'VirtualService', 'productcatalogservice-migration');
      expect(vs?.spec).toEqual(JSON.parse(JSON.stringify(readVsFile(c).spec)));
      const managers = (vs?.metadata.managedFields as { manager: string; operation: string }[]).map((m) => [m.manager, m.operation]);
      expect(managers).toEqual([[FIELD_MANAGER, 'Apply']]);
    }
  });

  it('never touches the VM\'s objects', async () => {
    for (const c of CLUSTERS) {
      const now = [await get(c, 'ServiceEntry', 'productcatalogservice'), await get(c, 'WorkloadEntry', 'productcatalog-vm-1')];
      expect(now.map((o) => o?.metadata.resourceVersion)).toEqual(before[c]!.map((o) => o?.metadata.resourceVersion));
    }
  });

  it('the TrafficShift loads, and its VirtualService router reads the twin at 0 for "to" in both clusters', async () => {
    const shift = await loadTrafficShift(path.join(out, 'trafficshift.yaml'));
    const router = createRouter(shift.value.spec.router, clusters, { namespace: shift.namespace });
    expect((await router.validate()).filter((p) => p.severity === 'error')).toEqual([]);
    const live = await router.read();
    expect(live.targets.map((t) => [t.target, t.to, t.raw])).toEqual([
      ['cluster1/VirtualService default/productcatalogservice-migration', 0, { from: 100, to: 0 }],
      ['cluster2/VirtualService default/productcatalogservice-migration', 0, { from: 100, to: 0 }],
    ]);
  });

  it('a second --apply is idempotent ("configured"); a same-named VirtualService owned by someone else is a conflict, exit 3', async () => {
    const again = await runCliAsync(['vm', 'twin', 'serviceentry/productcatalogservice', '--service', 'productcatalogservice-gke', '--kubeconfig', lab.kubeconfigPath, '--context', 'cluster1', '--apply']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/cluster1: VirtualService default\/productcatalogservice-migration configured/);

    const theirs: KubeObject = { ...readVsFile('cluster1'), metadata: { name: 'theirs', namespace: 'default' } };
    (theirs.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route[0]!.weight = 90;
    (theirs.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route[1]!.weight = 10;
    await (await clusters.client('cluster1')).apply(theirs, { fieldManager: 'argocd' });
    const conflict = await runCliAsync([
      'vm', 'twin', 'serviceentry/productcatalogservice', '--service', 'productcatalogservice-gke', '--name', 'theirs',
      '--kubeconfig', lab.kubeconfigPath, '--context', 'cluster1', '--apply',
    ]);
    expect(conflict.code, conflict.stderr).toBe(3);
    expect(conflict.stderr).toMatch(/VirtualService default\/theirs in cluster1 is managed by someone else/);
    expect(hasStackTrace(conflict.stderr)).toBe(false);
    const kept = await get('cluster1', 'VirtualService', 'theirs');
    expect((kept?.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route.map((r) => r.weight)).toEqual([90, 10]);
  });

  it('a twin of a wildcard host (which istiod refuses for the mesh) is refused by meshferry before any write: exit 2', async () => {
    const file = path.join(parent, 'wild.yaml');
    writeFileSync(file, 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: wild, namespace: default}\nspec: {hosts: ["*.example.com"]}\n');
    const res = await runCliAsync(['vm', 'twin', '-f', file, '--service', 'x', '--kubeconfig', lab.kubeconfigPath, '--context', 'cluster1', '--apply']);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/wildcard/);
    expect(await get('cluster1', 'VirtualService', 'wild-migration')).toBeUndefined();
  });
});

function readVsFile(context: string): KubeObject {
  return JSON.parse(JSON.stringify(parseYaml(readFileSync(path.join(parent, 'twin', context, 'virtualservice.yaml'), 'utf8')))) as KubeObject;
}
