// The CrossCluster call graph against a real Prometheus (Debian's package) scraping a loopback exporter of
// Istio's request counter: which namespaces call which, what a wave order splits, and "unknown" when it cannot say;
// then `migrate plan` of CrossCluster files against that Prometheus, as a user runs it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeUnreachableKubeconfig } from '../support/kube/unreachable-kubeconfig.js';
import { checkWaves, describeViolation } from '../../src/migrate/cross/call-graph.js';
import { queryCallGraph, type CallGraph } from '../../src/migrate/cross/call-graph-query.js';
import { PrometheusGate } from '../../src/traffic/gates/prometheus.js';
import { hasStackTrace, runCliAsync, type CliResult } from '../support/cli.js';
import { startPrometheus, type RunningPrometheus } from '../../src/traffic/prometheus-process.js';
import { removeScrapeTarget, writeScrapeTarget } from '../../src/traffic/scrape-targets.js';
import { until } from '../support/poll.js';

let tmp: string;
let prom: RunningPrometheus;
let gate: PrometheusGate;
let exporter: http.Server;
let scrapes = 0;
/** The folder of the MeshMigration files `migrate plan` reads, and a kubeconfig naming their contexts. */
let dir: string;
let kubeconfig: string;

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

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'meshferry-call-graph-'));
  prom = await startPrometheus({ dir: path.join(tmp, 'prometheus') });
  gate = new PrometheusGate(prom.url);
  exporter = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(exposition());
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  dir = mkdtempSync(path.join(tmp, 'plan-'));
  // Plan of a CrossCluster file reads no cluster, but every context the file names must be in the kubeconfig.
  // Port 1 on loopback: had plan tried to reach a cluster, it would fail with exit 3 and say so.
  kubeconfig = writeUnreachableKubeconfig(dir, ['tcm', 'primary', 'remote']);
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => exporter?.close(() => resolve()));
  await prom?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a CrossCluster MeshMigration with these waves (YAML lines) and runs `migrate plan` on it. */
const plan = async (name: string, waves: string, extra: { paths?: string; address?: string; args?: string[] } = {}): Promise<CliResult> => {
  const f = path.join(dir, `${name}.yaml`);
  writeFileSync(
    f,
    [
      'apiVersion: meshferry.dev/v1alpha1',
      'kind: MeshMigration',
      `metadata: {name: ${name}}`,
      'spec:',
      '  mode: CrossCluster',
      '  source: {context: tcm, revision: 1-18-5}',
      '  target: {context: primary, revision: 1-31-1, clusters: [remote]}',
      `  prometheus: {address: ${extra.address ?? prom.url}}`,
      '  callGraph: {window: 1h}',
      ...(extra.paths ? [`  crossMeshPaths: ${extra.paths}`] : []),
      '  waves:',
      waves,
      '',
    ].join('\n'),
  );
  return runCliAsync(['migrate', 'plan', f, '--kubeconfig', kubeconfig, ...(extra.args ?? [])]);
};
const TWO_WAVES = '  - {name: shop, namespaces: [shop]}\n  - {name: payments, namespaces: [payments]}';
type PlanJson = { callGraph: { known: boolean; edges: { from: string; to: string; requests: number }[]; groups: string[][]; violations: { wave: string; edge: { from: string; to: string; requests: number }; together: string[] }[] } };

describe('the call graph from istio_requests_total', () => {
  it('is unknown while Prometheus holds no request counter, and says so', async () => {
    const g = await queryCallGraph(gate, '1h');
    expect(g).toEqual({ known: false, reason: expect.stringMatching(/has no istio_requests_total in the last 1h: it does not scrape the mesh's proxies, or nothing was called/) });
  });

  it('migrate plan: a Prometheus without request counters leaves the graph unknown: exit 1 asking for --accept-unknown-calls, which accepts it', async () => {
    const r = await plan('no-metrics', TWO_WAVES, { args: ['-o', 'json'] });
    expect(r.code, r.stderr).toBe(1);
    expect((JSON.parse(r.stdout) as { callGraph: unknown }).callGraph).toEqual({ window: '1h', windowDefault: false, prometheus: prom.url, known: false, reason: expect.stringMatching(/has no istio_requests_total in the last 1h/), accepted: false });
    expect(r.stderr).toContain('pass --accept-unknown-calls to go on without it');
    const accepted = await plan('no-metrics', TWO_WAVES, { args: ['--accept-unknown-calls'] });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain('accepted with --accept-unknown-calls: no wave order is checked');
    expect(accepted.stderr).not.toContain('call graph is unknown');
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

describe('migrate plan of a CrossCluster file reads the call graph from spec.prometheus', () => {
  beforeAll(async () => {
    const port = (exporter.address() as AddressInfo).port;
    await writeScrapeTarget(prom.targetsDir, 'call-graph-plan', { address: `127.0.0.1:${port}` });
    // Both edges scraped twice at least, so increase() sees them (the case above may have removed its target).
    await until(async () => {
      const g = await queryCallGraph(gate, '1h');
      return g.known && g.edges.length === 2 && g.edges.every((e) => e.requests > 0) ? true : undefined;
    });
  });

  afterAll(async () => {
    await removeScrapeTarget(prom.targetsDir, 'call-graph-plan');
  });


  it('waves [shop], [payments] while shop calls payments: exit 1, naming the call, its rate and wave, and suggesting shop, payments', async () => {
    const r = await plan('split', TWO_WAVES);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`Call graph: istio_requests_total over 1h from Prometheus ${prom.url}`);
    expect(r.stdout).toMatch(/^ {2}shop → payments {2}\d+ requests, [0-9.e-]+\/s$/m);
    expect(r.stdout).toMatch(/^ {2}- after wave shop: shop → payments \(\d+ requests, [0-9.e-]+\/s\) crosses the meshes: its caller shop moves in wave shop, the other side only in wave payments; move shop, payments together, or declare the call in crossMeshPaths$/m);
    expect(r.stdout).toContain("roots not compared by plan");
    expect(r.stderr).toContain('migrate plan: 2 call(s) would cross the meshes between waves');
    // The gateway's calls (istio-system) and shop's calls to itself are no edge.
    expect(r.stdout).not.toMatch(/istio-system →|shop → shop/);

    const json = await plan('split', TWO_WAVES, { args: ['-o', 'json'] });
    expect(json.code, json.stderr).toBe(1);
    const cg = (JSON.parse(json.stdout) as PlanJson).callGraph;
    expect(cg.known).toBe(true);
    expect(cg.edges.map((e) => `${e.from}->${e.to}`)).toEqual(['payments->shop', 'shop->payments']);
    expect(cg.groups).toEqual([['shop', 'payments']]);
    expect(cg.violations.map((v) => [v.wave, `${v.edge.from}->${v.edge.to}`, v.together.join(', ')])).toEqual([
      ['shop', 'payments->shop', 'shop, payments'],
      ['shop', 'shop->payments', 'shop, payments'],
    ]);
    expect(cg.violations[1]!.edge.requests).toBeGreaterThan(0);
  });

  it('one wave with both: no violation, exit 0', async () => {
    const r = await plan('together', '  - {name: both, namespaces: [shop, payments]}');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Calls the waves would split: none');
    expect(r.stderr).not.toContain('would cross the meshes');
    const json = await plan('together', '  - {name: both, namespaces: [shop, payments]}', { args: ['-o', 'yaml'] });
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toMatch(/^ {2}violations: \[\]$/m);
  });

  it('two waves with both calls declared in crossMeshPaths: allowed; one declared, the other still refused', async () => {
    const both = await plan('paths', TWO_WAVES, { paths: '[{from: shop, to: payments, via: istio-system/istio-egressgateway}, {from: payments, to: shop, via: istio-system/istio-ingressgateway}]' });
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toContain('Calls the waves would split: none');
    expect(both.stderr).not.toContain('would cross the meshes');
    const one = await plan('one-path', TWO_WAVES, { paths: '[{from: shop, to: payments, via: istio-system/istio-egressgateway}]' });
    expect(one.code, one.stderr).toBe(1);
    expect(one.stdout).toMatch(/^ {2}- after wave shop: payments → shop \(/m);
    expect(one.stdout).not.toMatch(/^ {2}- after wave shop: shop → payments/m);
    expect(one.stderr).toContain('migrate plan: 1 call(s) would cross the meshes');
  });

  it('an error answer from Prometheus (a path it does not serve) is exit 3, in one line naming the address', async () => {
    const r = await plan('bad-path', TWO_WAVES, { address: `${prom.url}/not-prometheus` });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`migrate plan: cannot read the call graph: Prometheus at ${prom.url}/not-prometheus, query "sum by`);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
