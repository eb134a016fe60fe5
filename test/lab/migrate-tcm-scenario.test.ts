// The TCM exit end to end on a three-cluster lab (issue 13 point 10): tcm runs revision 1-18-5 with its own CA; primary
// and remote each run a 1-31-1 istiod with theirs (the lab cannot run a remote profile or an east-west gateway: remote's
// own istiod stands in, and the remote secret meshferry makes is still applied and read by primary's istiod). shop and
// payments call each other, so `plan` refuses to split them; one wave moves both to remote, shifts the ACK CLB weight
// from tcm's gateway to remote's under real Prometheus gates fed by `lab traffic`, scales tcm down once Prometheus
// proves it quiet, and finishes only with no traffic through the old gateway. Then rollback puts everything back.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labTrafficTargetsDir, startLabPrometheus, type Lab } from '../../src/lab/index.js';
import type { ObjectClient } from '../../src/kube/object-client.js';
import { podInjection } from '../../src/migrate/cluster/injection.js';
import type { KubeObject } from '../../src/resources/object.js';
import { startLabTraffic, type LabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import { KubeconfigClusterSet, createRouter, type RouterSpec } from '../../src/traffic/routers/index.js';
import { SHIFT_API_VERSION } from '../../src/traffic/shift/store.js';
import { hasStackTrace, runCliAsync } from '../support/cli.js';
import { until } from '../support/poll.js';
import { labPerFile } from './lab-per-file.js';
import { deployment, service } from './cross-fixtures.js';
import { migrationFile } from './migrate-fixtures.js';

let lab: Lab;
const { parent, dir } = labPerFile('migrate-tcm-', { clusters: ['tcm', 'primary', 'remote'], revisions: { tcm: ['1-18-5'], primary: ['1-31-1'], remote: ['1-31-1'] }, istiodCa: 'per-cluster' }, (l) => (lab = l));

const ACK = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';
const WEIGHT = `${ACK}weight`;
let set: KubeconfigClusterSet;
let tcm: ObjectClient;
let primary: ObjectClient;
let remote: ObjectClient;
let promUrl: string;
let traffic: LabTraffic | undefined;

const router: RouterSpec = {
  lbWeight: { provider: 'ack', from: { context: 'tcm', service: 'istio-system/istio-ingressgateway' }, to: { context: 'remote', configContext: 'primary', service: 'istio-system/istio-ingressgateway-new' } },
};

const gatewayService = (name: string, weight: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'istio-system', annotations: { [`${ACK}id`]: 'lb-lab', [`${ACK}vgroup-port`]: `rsp-${name}:80`, [`${ACK}force-override-listeners`]: 'false', [WEIGHT]: String(weight) } },
  spec: { type: 'LoadBalancer', selector: { istio: name }, ports: [{ name: 'http2', port: 80 }] },
});
const write = (c: ObjectClient, o: KubeObject) => c.apply(o, { fieldManager: 'kubectl', force: true });
const get = async (c: ObjectClient, group: string, kind: string, ns: string | undefined, name: string) => c.get(c.discovery.resourceFor(group, kind)!, ns, name);
const weights = async () => ({
  from: (await get(tcm, '', 'Service', 'istio-system', 'istio-ingressgateway'))!.metadata.annotations?.[WEIGHT],
  to: (await get(remote, '', 'Service', 'istio-system', 'istio-ingressgateway-new'))!.metadata.annotations?.[WEIGHT],
});
const replicas = async (c: ObjectClient, ns: string, name: string) => {
  const d = await get(c, 'apps', 'Deployment', ns, name);
  return d ? { spec: (d.spec as { replicas?: number }).replicas, ready: (d.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0 } : undefined;
};

async function promHas(query: string): Promise<boolean> {
  const url = new URL('/api/v1/query', promUrl);
  url.searchParams.set('query', query);
  const body = (await (await fetch(url)).json().catch(() => ({}))) as { data?: { result?: unknown[] } };
  return (body.data?.result?.length ?? 0) > 0;
}

const spec = (waves: Record<string, unknown>[]) => ({
  mode: 'CrossCluster',
  source: { context: 'tcm', revision: '1-18-5', managed: 'tcm' },
  target: { context: 'primary', revision: '1-31-1', clusters: ['primary', 'remote'] },
  workloads: { copy: true },
  prometheus: { address: promUrl },
  callGraph: { window: '2m' },
  finish: { window: '6s', oldGateways: [{ context: 'tcm', workload: 'istio-system/istio-ingressgateway' }] },
  waves,
  verify: { timeout: '5m' },
});
const kube = () => ['--kubeconfig', lab.kubeconfigPath];
const env = { MESHFERRY_STATE_DIR: path.join(parent, 'state') };
// The CLI runs in a child process, awaited (never spawnSync): `lab traffic` serves requests and metrics from this
// process, and a blocked event loop would stop both while the migration's gates and quiet checks read them.

beforeAll(async () => {
  set = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  tcm = await set.client('tcm');
  primary = await set.client('primary');
  remote = await set.client('remote');
  for (const ns of ['shop', 'payments']) await write(tcm, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio.io/rev': '1-18-5' } } });
  for (const c of [tcm, remote]) await write(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
  for (const o of [deployment('shop', 'frontend', 2), service('shop', 'frontend'), deployment('payments', 'payments', 1), service('payments', 'payments')]) await write(tcm, o);
  await write(tcm, gatewayService('istio-ingressgateway', 100));
  await write(remote, gatewayService('istio-ingressgateway-new', 0));
  promUrl = (await startLabPrometheus(dir)).url;
  traffic = await startLabTraffic({
    targetsDir: labTrafficTargetsDir(dir),
    shift: { name: 'shop-exit', namespace: 'istio-system' },
    router,
    reader: createRouter(router, set, { namespace: 'istio-system' }),
    rps: 40,
    upstream: 'shop/frontend',
    cluster: { from: 'tcm', to: 'remote' },
    calls: [{ caller: { namespace: 'shop', workload: 'frontend' }, callee: { namespace: 'payments', workload: 'payments', service: 'payments' } }],
    pollMs: 250,
  });
  // The plan reads who calls whom: wait until Prometheus has scraped the call.
  await until(async () => ((await promHas('increase(istio_requests_total{destination_workload_namespace="payments",source_workload_namespace="shop"}[2m]) > 0')) ? true : undefined));
  await until(async () => ((await replicas(tcm, 'shop', 'frontend'))?.ready === 2 ? true : undefined));
  writeFileSync(
    path.join(parent, 'shop-exit-shift.yaml'),
    JSON.stringify({
      apiVersion: SHIFT_API_VERSION,
      kind: 'TrafficShift',
      metadata: { name: 'shop-exit', namespace: 'istio-system' },
      spec: {
        router,
        steps: [50, 100],
        interval: '3s',
        gates: { prometheus: { address: promUrl }, checks: [{ metric: 'request-success-rate', min: 99 }], window: '4s' },
        rollback: { mode: 'gradual', steps: [50, 0], interval: '1s' },
      },
    }),
  );
}, 300_000);

afterAll(async () => {
  await traffic?.stop();
  set?.close();
});

describe('the TCM exit: tcm (1-18-5) → primary + remote (1-31-1), roots differ', () => {
  it('plan refuses waves that split shop and payments (they call each other, seen in Prometheus) and suggests moving them together', async () => {
    const file = await migrationFile(parent, 'split', spec([
      { name: 'shop', namespaces: ['shop'], cluster: 'remote' },
      { name: 'payments', namespaces: ['payments'], cluster: 'remote' },
    ]));
    const r = await runCliAsync(['migrate', 'plan', file, ...kube()], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/shop → payments/);
    expect(r.stderr).toContain('would cross the meshes between waves');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('one wave with both runs to Finished: remote secret in primary, copies ready in remote on 1-31-1, traffic at 100 on remote, tcm at 0, old gateway proven quiet', async () => {
    const file = await migrationFile(parent, 'exit-tcm', spec([{ name: 'shop', namespaces: ['shop', 'payments'], cluster: 'remote', shifts: ['./shop-exit-shift.yaml'], scaleDownSource: { window: '5s' } }]));
    const r = await runCliAsync(['migrate', 'apply', file, ...kube()], { env });
    expect(r.code, r.stderr.split('\n').filter((l) => !l.includes('shifting traffic')).join('\n')).toBe(0);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const status = JSON.parse((await runCliAsync(['migrate', 'status', 'exit-tcm', '-o', 'json', ...kube(), '--context', 'primary'], { env })).stdout) as { phase: string; waves: { state: string; scaledDown?: number }[] };
    expect(status.phase).toBe('Finished');
    expect(status.waves[0]).toMatchObject({ state: 'Verified', scaledDown: 2 });
    const secret = await get(primary, '', 'Secret', 'istio-system', 'istio-remote-secret-remote');
    expect(secret?.metadata.labels?.['istio/multiCluster']).toBe('true');
    expect(await weights()).toEqual({ from: '0', to: '100' });
    expect(await replicas(tcm, 'shop', 'frontend')).toMatchObject({ spec: 0 });
    expect(await replicas(tcm, 'payments', 'payments')).toMatchObject({ spec: 0 });
    expect(await replicas(remote, 'shop', 'frontend')).toMatchObject({ spec: 2, ready: 2 });
    expect(await replicas(remote, 'payments', 'payments')).toMatchObject({ spec: 1, ready: 1 });
    for (const ns of ['shop', 'payments'])
      for (const p of await remote.list(remote.discovery.resourceFor('', 'Pod')!, { namespace: ns })) expect(podInjection(p).revision, p.metadata.name).toBe('1-31-1');
    const mig = await primary.get(primary.discovery.resourceFor('meshferry.dev', 'MeshMigration') ?? (await primary.refreshDiscovery()).resourceFor('meshferry.dev', 'MeshMigration')!, undefined, 'exit-tcm');
    expect((mig!.status as { finishChecks: { name: string; verdict: string }[] }).finishChecks.map((c) => `${c.name} ${c.verdict}`)).toEqual(['SourcePods pass', 'OldGatewayTraffic pass', 'ConfigParity skipped', 'VendorTraces pass']);
  }, 600_000);

  it('rollback puts it all back: source replicas first (ready), then the traffic, then the copies and the remote secret', async () => {
    const r = await runCliAsync(['migrate', 'rollback', 'exit-tcm', ...kube(), '--context', 'primary'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(await weights()).toEqual({ from: '100', to: '0' });
    expect(await replicas(tcm, 'shop', 'frontend')).toMatchObject({ spec: 2, ready: 2 });
    expect(await replicas(tcm, 'payments', 'payments')).toMatchObject({ spec: 1, ready: 1 });
    expect(await replicas(remote, 'shop', 'frontend')).toBeUndefined();
    expect(await replicas(remote, 'payments', 'payments')).toBeUndefined();
    expect(await get(primary, '', 'Secret', 'istio-system', 'istio-remote-secret-remote')).toBeUndefined();
    const status = JSON.parse((await runCliAsync(['migrate', 'status', 'exit-tcm', '-o', 'json', ...kube(), '--context', 'primary'], { env })).stdout) as { phase: string };
    expect(status.phase).toBe('RolledBack');
  }, 600_000);
});
