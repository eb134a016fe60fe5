// The CrossCluster call graph against a real Prometheus (Debian's package) scraping a loopback exporter of
// Istio's request counter: which namespaces call which, what a wave order splits, and "unknown" when it cannot say.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWaves, describeViolation } from '../../src/migrate/cross/call-graph.js';
import { queryCallGraph, type CallGraph } from '../../src/migrate/cross/call-graph-query.js';
import { PrometheusGate } from '../../src/traffic/gates/prometheus.js';
import { startPrometheus, type RunningPrometheus } from '../../src/traffic/prometheus-process.js';
import { removeScrapeTarget, writeScrapeTarget } from '../../src/traffic/scrape-targets.js';

let tmp: string;
let prom: RunningPrometheus;
let gate: PrometheusGate;
let exporter: http.Server;
let scrapes = 0;

/** Calls per scrape: shop and payments call each other, the gateway calls shop, a namespace calls itself. */
const CALLS = [
  { reporter: 'source', from: 'shop', to: 'payments', perScrape: 10 },
  { reporter: 'destination', from: 'shop', to: 'payments', perScrape: 9 },
  { reporter: 'source', from: 'payments', to: 'shop', perScrape: 2 },
  { reporter: 'source', from: 'istio-system', to: 'shop', perScrape: 50 },
  { reporter: 'source', from: 'shop', to: 'shop', perScrape: 5 },
];

function exposition(): string {
  scrapes++;
  const lines = ['# TYPE istio_requests_total counter'];
  for (const c of CALLS)
    lines.push(
      `istio_requests_total{reporter="${c.reporter}",source_workload="w",source_workload_namespace="${c.from}",destination_workload="w",destination_workload_namespace="${c.to}",response_code="200"} ${c.perScrape * scrapes}`,
    );
  return `${lines.join('\n')}\n`;
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(250);
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'meshferry-call-graph-'));
  prom = await startPrometheus({ dir: path.join(tmp, 'prometheus') });
  gate = new PrometheusGate(prom.url);
  exporter = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(exposition());
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => exporter?.close(() => resolve()));
  await prom?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the call graph from istio_requests_total', () => {
  it('is unknown while Prometheus holds no request counter, and says so', async () => {
    const g = await queryCallGraph(gate, '1h');
    expect(g).toEqual({ known: false, reason: expect.stringMatching(/has no istio_requests_total in the last 1h: it does not scrape the mesh's proxies, or nothing was called/) });
  });

  it('is unknown when Prometheus does not answer, naming it', async () => {
    const dead = new PrometheusGate('http://127.0.0.1:9');
    const g = await queryCallGraph(dead, '1h');
    expect(g.known).toBe(false);
    expect(!g.known && g.reason).toMatch(/^Prometheus at http:\/\/127\.0\.0\.1:9, query ".*": unreachable/);
  });

  it('names who calls whom; a wave order that splits shop and payments is refused with the group to move together', async () => {
    const port = (exporter.address() as AddressInfo).port;
    await writeScrapeTarget(prom.targetsDir, 'call-graph', { address: `127.0.0.1:${port}` });
    try {
      // increase() needs two scrapes of a series inside the window: wait for both edges, in exact numbers or not.
      const g = await until(async (): Promise<CallGraph | undefined> => {
        const r = await queryCallGraph(gate, '1h');
        return r.known && r.edges.length === 2 && r.edges.every((e) => e.requests > 0) ? r : undefined;
      });
      if (!g.known) throw new Error('unreachable');
      // The gateway's calls and the self-call are left out; both reporters count once.
      expect(g.edges.map((e) => `${e.from}->${e.to}`)).toEqual(['payments->shop', 'shop->payments']);
      const sp = g.edges.find((e) => e.from === 'shop')!;
      const ps = g.edges.find((e) => e.from === 'payments')!;
      // The source reporter counts 10 per scrape against 9 and 2: the larger of the two reporters is kept.
      expect(sp.requests).toBeGreaterThan(ps.requests);

      const split = checkWaves({ waves: [{ name: 'shop', namespaces: ['shop'] }, { name: 'payments', namespaces: ['payments'] }] }, g.edges);
      expect(split.map((v) => [v.wave, `${v.edge.from}->${v.edge.to}`, v.together.join(',')])).toEqual([
        ['shop', 'payments->shop', 'payments,shop'],
        ['shop', 'shop->payments', 'payments,shop'],
      ]);
      expect(describeViolation(split[1]!)).toMatch(/^calls shop → payments \(\d+ requests in the window\) would cross the meshes: its caller shop moves in wave shop, the other side only in wave payments; move payments, shop together/);
      expect(checkWaves({ waves: [{ name: 'both', namespaces: ['shop', 'payments'] }] }, g.edges)).toEqual([]);
      expect(checkWaves({ waves: [{ name: 'shop', namespaces: ['shop'] }, { name: 'payments', namespaces: ['payments'] }], crossMeshPaths: [{ from: 'shop', to: 'payments', via: 'istio-system/istio-egressgateway' }, { from: 'payments', to: 'shop', via: 'istio-system/istio-ingressgateway' }] }, g.edges)).toEqual([]);
    } finally {
      await removeScrapeTarget(prom.targetsDir, 'call-graph');
    }
  });
});
