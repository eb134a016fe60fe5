// The CrossCluster quiet check and the OldGatewayTraffic finish check against the lab's real Prometheus scraping
// `lab traffic` (the TCM exit's lbWeight cutover, old gateway in cluster tcm, new one in remote), and hpasTargeting
// against a real API server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labTrafficTargetsDir, startLabPrometheus, type Lab } from '../../src/lab/index.js';
import { checkQuiet, hpasTargeting, type QuietCheck } from '../../src/migrate/cross/quiet.js';
import { oldGatewayTraffic } from '../../src/migrate/finish/checks.js';
import type { FinishCheck } from '../../src/migrate/finish/check-types.js';
import type { KubeObject } from '../../src/resources/object.js';
import { startLabTraffic, type LabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import { PrometheusGate } from '../../src/traffic/gates/prometheus.js';
import { KubeconfigClusterSet, createRouter, type RouterSpec } from '../../src/traffic/routers/index.js';
import { until } from '../support/poll.js';
import { labPerFile } from './lab-per-file.js';

let lab: Lab;
const { dir } = labPerFile('migrate-cross-quiet-', { clusters: ['tcm', 'remote'], revisions: [], bare: true }, (l) => (lab = l));

let gate: PrometheusGate;
let clusters: KubeconfigClusterSet;
let traffic: LabTraffic | undefined;

/** 5 scrapes of the lab's 1 s interval: the least a window may be (plan: at least 4 scrapes). */
const WINDOW = '5s';
const WINDOW_MS = 5000;
const ACK = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';
const OLD_GATEWAY = { cluster: 'tcm', workload: 'istio-system/istio-ingressgateway' };
const NEW_GATEWAY = { cluster: 'remote', workload: 'istio-system/istio-ingressgateway-new' };

/** A gateway Service behind the one CLB, with its ACK weight (what the shift writes and `lab traffic` follows). */
const gatewayService = (name: string, weight: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name,
    namespace: 'istio-system',
    annotations: { [`${ACK}id`]: 'lb-exit', [`${ACK}vgroup-port`]: `rsp-${name}:80`, [`${ACK}force-override-listeners`]: 'false', [`${ACK}weight`]: String(weight) },
  },
  spec: { type: 'LoadBalancer', selector: { istio: name }, ports: [{ name: 'http2', port: 80 }] },
});

async function setWeights(from: number, to: number): Promise<void> {
  await (await clusters.client('tcm')).apply(gatewayService('istio-ingressgateway', from), { fieldManager: 'a-person', force: true });
  await (await clusters.client('remote')).apply(gatewayService('istio-ingressgateway-new', to), { fieldManager: 'a-person', force: true });
}

const quiet = (namespace: string, cluster: string) => checkQuiet(gate, { namespaces: [namespace], sourceCluster: cluster, window: WINDOW });
const untilQuiet = (namespace: string, cluster: string, verdict: QuietCheck['verdict']) =>
  until(async () => {
    const r = await quiet(namespace, cluster);
    return r.verdict === verdict ? r : undefined;
  });
const untilGateway = (g: typeof OLD_GATEWAY, verdict: FinishCheck['verdict']) =>
  until(async () => {
    const r = await oldGatewayTraffic(gate, [g], WINDOW);
    return r.verdict === verdict ? r : undefined;
  });

/** Requests per second Prometheus measures on its own query, independent of the checks' queries. */
async function measuredRate(selector: string): Promise<number> {
  const r = await gate.query(`sum(rate(istio_requests_total{${selector}}[${WINDOW}]))`);
  return r.kind === 'value' ? r.value : 0;
}

beforeAll(async () => {
  const prom = await startLabPrometheus(dir);
  gate = new PrometheusGate(prom.url);
  clusters = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath });
  for (const c of ['tcm', 'remote'])
    for (const ns of ['istio-system', 'shop']) await (await clusters.client(c)).apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, { fieldManager: 'a-person', force: true });
  await setWeights(100, 0);
  const router: RouterSpec = {
    lbWeight: { provider: 'ack', from: { context: 'tcm', service: 'istio-system/istio-ingressgateway' }, to: { context: 'remote', service: 'istio-system/istio-ingressgateway-new' } },
  };
  traffic = await startLabTraffic({
    targetsDir: labTrafficTargetsDir(dir),
    shift: { name: 'shop-exit', namespace: 'istio-system' },
    router,
    reader: createRouter(router, clusters, { namespace: 'istio-system' }),
    rps: 40,
    upstream: 'shop/frontend',
    cluster: { from: 'tcm', to: 'remote' },
    pollMs: 250,
  });
}, 120_000);

afterAll(async () => {
  await traffic?.stop();
  clusters?.close();
});

describe('the quiet check and OldGatewayTraffic on a real Prometheus', () => {
  it('while the old gateway carries the traffic: busy, naming shop/frontend in tcm and its caller; the old gateway fails; what never reported is not proven', async () => {
    expect(traffic!.current()).toEqual({ from: 100, to: 0 });
    const busy = await untilQuiet('shop', 'tcm', 'busy');
    expect(busy.evidence[0]).toMatch(/^shop\/frontend in cluster tcm: [0-9.]+ requests over 5s \([0-9.]+\/s\), from istio-system\/istio-ingressgateway [0-9.]+\/s$/);
    // Prometheus' own measure agrees that the source workload is being called.
    expect(await measuredRate('reporter="destination",destination_workload="frontend",destination_cluster="tcm"')).toBeGreaterThan(0);

    const gw = await untilGateway(OLD_GATEWAY, 'fail');
    expect(gw.evidence[0]).toMatch(/^istio-system\/istio-ingressgateway in cluster tcm: [0-9.]+ requests over 5s \([0-9.]+\/s\), from shop\/frontend [0-9.]+\/s$/);
    expect(await measuredRate('reporter="source",source_workload="istio-ingressgateway",source_cluster="tcm"')).toBeGreaterThan(0);

    // Nothing ever reached payments, and no gateway named istio-egressgateway ever reported: not proven, never a pass.
    const none = await quiet('payments', 'tcm');
    expect(none.verdict).toBe('noData');
    expect(none.evidence[0]).toMatch(/^namespace payments in cluster tcm: not proven: Prometheus at .* scrapes no request counter of its workloads/);
    const never = await oldGatewayTraffic(gate, [{ cluster: 'tcm', workload: 'istio-system/istio-egressgateway' }], WINDOW);
    expect(never.verdict).toBe('notProven');
    expect(never.evidence).toContain(`query: sum by (source_workload_namespace, source_workload, destination_workload_namespace, destination_workload) (increase(istio_requests_total{reporter="source", source_workload="istio-egressgateway", source_workload_namespace="istio-system", source_cluster="tcm"}[5s]))`);
    // The same namespace in the other cluster has received nothing yet either: the cluster label is honoured.
    expect((await quiet('shop', 'remote')).verdict).toBe('noData');
  });

  it('after the CLB weights move to the new gateway: quiet and pass only once a full window has passed, while the target cluster is busy', async () => {
    const movedAt = Date.now();
    await setWeights(0, 100);
    await until(async () => (traffic!.current().to === 100 ? true : undefined));
    const q = await untilQuiet('shop', 'tcm', 'quiet');
    // The last request to tcm went out after movedAt; "unchanged since the window's start" cannot hold before a window later.
    expect(Date.now() - movedAt).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(q.evidence[0]).toMatch(/^shop\/frontend in cluster tcm: 0 requests over 5s; \d+ series scraped now, unchanged since the window's start$/);
    expect(await measuredRate('reporter="destination",destination_workload="frontend",destination_cluster="tcm"')).toBe(0);

    const gw = await untilGateway(OLD_GATEWAY, 'pass');
    expect(gw.evidence[0]).toMatch(/^istio-system\/istio-ingressgateway in cluster tcm: 0 requests over 5s; \d+ series scraped now/);
    // The traffic went to the target cluster: there, the same workload and the new gateway are busy.
    expect((await untilQuiet('shop', 'remote', 'busy')).evidence[0]).toMatch(/^shop\/frontend in cluster remote: .* from istio-system\/istio-ingressgateway-new /);
    expect((await untilGateway(NEW_GATEWAY, 'fail')).verdict).toBe('fail');
    // Both gateways together: one carries traffic, so the check fails.
    expect((await oldGatewayTraffic(gate, [OLD_GATEWAY, NEW_GATEWAY], WINDOW)).verdict).toBe('fail');
  });

  it('when the proxies\' metrics are no longer scraped (lab traffic stopped, its target gone): not proven, never quiet', async () => {
    await traffic!.stop();
    const gone = await untilQuiet('shop', 'tcm', 'noData');
    expect(gone.evidence.join('\n')).toMatch(/shop\/frontend in cluster tcm: not proven: no series of it is scraped now|namespace shop in cluster tcm: not proven/);
    const up = await gate.query('count(up{job="meshferry-lab-traffic"} == 1)');
    expect(up).toEqual({ kind: 'noData', reason: 'empty' });
    expect((await untilGateway(OLD_GATEWAY, 'notProven')).evidence[0]).toMatch(/^istio-system\/istio-ingressgateway in cluster tcm: not proven: /);
  });
});

describe('hpasTargeting on a real API server', () => {
  it('names the HPAs aiming at the scaled workloads, with minReplicas as the server defaulted it', async () => {
    const client = await clusters.client('tcm');
    const hpa = (name: string, target: string, min?: number): KubeObject => ({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace: 'shop' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, ...(min === undefined ? {} : { minReplicas: min }), maxReplicas: 5 },
    });
    for (const h of [hpa('frontend', 'frontend'), hpa('cart', 'cart', 3), hpa('other', 'not-moving', 2)]) await client.apply(h, { fieldManager: 'a-person', force: true });
    const stored = await client.get(client.discovery.resourceAt('autoscaling', 'v2', 'HorizontalPodAutoscaler')!, 'shop', 'frontend');
    expect((stored?.spec as { minReplicas?: number }).minReplicas).toBe(1);

    const refs = [
      { kind: 'Deployment', namespace: 'shop', name: 'frontend' },
      { kind: 'Deployment', namespace: 'shop', name: 'cart' },
      { kind: 'StatefulSet', namespace: 'shop', name: 'not-moving' },
    ];
    expect(await hpasTargeting(client, refs)).toEqual([
      'HorizontalPodAutoscaler shop/cart (minReplicas 3) targets Deployment shop/cart',
      'HorizontalPodAutoscaler shop/frontend (minReplicas 1) targets Deployment shop/frontend',
    ]);
    expect(await hpasTargeting(await clusters.client('remote'), refs)).toEqual([]);
  });
});
