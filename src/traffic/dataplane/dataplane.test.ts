// The loopback data plane over real HTTP on 127.0.0.1: faults, weighted load with limits, and its /metrics.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBackend } from './backend.js';
import { startDataPlane } from './dataplane.js';
import type { DataPlaneOptions } from './dataplane.js';
import { ISTIO_REQUEST_LABELS } from './istio-metrics.js';
import type { IstioRequestLabels } from './istio-metrics.js';
import { LoadGenerator } from './load-generator.js';
import { parseCall } from './calls.js';

const noLabels = Object.fromEntries(ISTIO_REQUEST_LABELS.filter((k) => k !== 'response_code').map((k) => [k, ''])) as Omit<IstioRequestLabels, 'response_code'>;

async function statuses(url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await fetch(url)).status);
  return out;
}

describe('backend faults', () => {
  it('answers 200 without faults, a fixed status with one, and 503 for exactly the error rate', async () => {
    const b = await startBackend({ destinationLabels: noLabels });
    try {
      expect(await statuses(b.url, 3)).toEqual([200, 200, 200]);
      b.setFaults({ status: 404 });
      expect(await statuses(b.url, 3)).toEqual([404, 404, 404]);
      b.setFaults({ errorRate: 0.3 });
      const got = await statuses(b.url, 20);
      expect(got.filter((s) => s === 503)).toHaveLength(6);
      expect(got.filter((s) => s === 200)).toHaveLength(14);
    } finally {
      await b.close();
    }
  });

  it('delays every answer by the injected latency', async () => {
    const b = await startBackend({ destinationLabels: noLabels, faults: { latencyMs: 120 } });
    try {
      const t = performance.now();
      expect((await fetch(b.url)).status).toBe(200);
      expect(performance.now() - t).toBeGreaterThanOrEqual(119);
    } finally {
      await b.close();
    }
  });

  it('refuses faults that make no sense', async () => {
    const b = await startBackend({ destinationLabels: noLabels });
    try {
      expect(() => b.setFaults({ status: 42 })).toThrow(/HTTP status code/);
      expect(() => b.setFaults({ latencyMs: -1 })).toThrow(/latency must be ≥ 0/);
      expect(() => b.setFaults({ errorRate: 2 })).toThrow(/between 0 and 1/);
    } finally {
      await b.close();
    }
  });
});

describe('LoadGenerator', () => {
  it('stops by itself after its request limit, split exactly by weight', async () => {
    const from = await startBackend({ destinationLabels: noLabels });
    const to = await startBackend({ destinationLabels: noLabels, faults: { status: 500 } });
    try {
      const load = new LoadGenerator({ rps: 500, weights: { from: 80, to: 20 }, limit: { requests: 200 }, targets: { from: from.url, to: to.url } });
      load.start();
      await load.done;
      expect(load.stats()).toEqual({ sent: { from: 160, to: 40 }, answered: { from: { 200: 160 }, to: { 500: 40 } }, failed: { from: 0, to: 0 }, skipped: 0 });
    } finally {
      await from.close();
      await to.close();
    }
  });

  it('stops by itself after its duration, and follows new weights at run time', async () => {
    const from = await startBackend({ destinationLabels: noLabels });
    const to = await startBackend({ destinationLabels: noLabels });
    try {
      const load = new LoadGenerator({ rps: 50, weights: { from: 100, to: 0 }, limit: { durationMs: 2000 }, targets: { from: from.url, to: to.url } });
      load.start();
      while (load.stats().sent.from < 20) await new Promise((r) => setTimeout(r, 10));
      load.setWeights(0, 100);
      const before = load.stats().sent.from;
      await load.done;
      const s = load.stats();
      expect(s.sent.from).toBeLessThanOrEqual(before + 1);
      expect(s.sent.to).toBeGreaterThan(0);
      // Exactly 50 rps × 2 s, however late the last tick came.
      expect(s.sent.from + s.sent.to).toBe(100);
    } finally {
      await from.close();
      await to.close();
    }
  });

  it('stop() ends the loop and waits for open requests; a dead backend counts as failed', async () => {
    const from = await startBackend({ destinationLabels: noLabels, faults: { latencyMs: 50 } });
    const to = await startBackend({ destinationLabels: noLabels });
    const deadUrl = to.url;
    await to.close();
    try {
      const load = new LoadGenerator({ rps: 100, weights: { from: 50, to: 50 }, limit: { durationMs: 3_600_000 }, targets: { from: from.url, to: deadUrl } });
      load.start();
      while (load.stats().failed.to < 3) await new Promise((r) => setTimeout(r, 10));
      await load.stop();
      const s = load.stats();
      expect(s.failed.to).toBe(s.sent.to);
      expect(s.answered.from['200']).toBe(s.sent.from);
    } finally {
      await from.close();
    }
  });

  it.each([
    ['no limit', { limit: {} }, /needs a limit/],
    ['a rate of 0', { rps: 0 }, /request rate must be a number > 0/],
    ['a non-loopback target', { targets: { from: 'http://10.0.0.1:80', to: 'http://127.0.0.1:1' } }, /"from" target http:\/\/10\.0\.0\.1:80 is not a loopback address/],
  ])('refuses %s', (_why, override, want) => {
    const base = { rps: 10, weights: { from: 1, to: 1 }, limit: { requests: 1 }, targets: { from: 'http://127.0.0.1:1', to: 'http://127.0.0.1:2' } };
    expect(() => new LoadGenerator({ ...base, ...override })).toThrow(want);
  });
});

const plane: DataPlaneOptions = {
  source: { workload: 'loadgen', namespace: 'lab' },
  from: { workload: 'cart-v1', namespace: 'shop', service: 'cart' },
  to: { workload: 'cart-v2', namespace: 'shop', service: 'cart', faults: { errorRate: 0.5 } },
  rps: 400,
  weights: { from: 50, to: 50 },
  limit: { requests: 100 },
};

function counter(text: string, filter: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('istio_requests_total{')) continue;
    if (Object.entries(filter).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('startDataPlane', () => {
  it('serves Istio metrics from both reporters that add up to what was sent', async () => {
    const dp = await startDataPlane(plane);
    try {
      await dp.loadDone;
      const res = await fetch(dp.metricsUrl);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      expect(counter(text, { reporter: 'source', destination_workload: 'cart-v1', response_code: '200' })).toBe(50);
      expect(counter(text, { reporter: 'source', destination_workload: 'cart-v2', response_code: '503' })).toBe(25);
      expect(counter(text, { reporter: 'destination', destination_workload: 'cart-v2', response_code: '200' })).toBe(25);
      expect(counter(text, { reporter: 'destination', connection_security_policy: 'none' })).toBe(100);
      expect(counter(text, { reporter: 'source', connection_security_policy: 'unknown', source_workload: 'loadgen' })).toBe(100);
      expect(text).toContain('destination_service="cart.shop.svc.cluster.local",destination_service_name="cart",destination_service_namespace="shop"');
      expect(text).toContain('le="3600000"');
      expect((await fetch(dp.metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await dp.stop();
      await dp.stop();
    }
  });

  it('reports only as the source when only the source reports (a gateway)', async () => {
    const dp = await startDataPlane({ ...plane, reporters: ['source'] });
    try {
      await dp.loadDone;
      const text = dp.metricsText();
      expect(counter(text, { reporter: 'source' })).toBe(100);
      expect(counter(text, { reporter: 'destination' })).toBe(0);
    } finally {
      await dp.stop();
    }
  });

  it('in gateway mode reports each side with its gateway as the source and the shared upstream as the destination', async () => {
    const dp = await startDataPlane({
      upstream: { workload: 'productpage-v1', namespace: 'shop', service: 'productpage' },
      from: { workload: 'istio-ingressgateway', namespace: 'istio-system' },
      to: { workload: 'istio-ingressgateway-asm', namespace: 'istio-system' },
      rps: 400,
      weights: { from: 3, to: 1 },
      limit: { requests: 100 },
    });
    try {
      await dp.loadDone;
      const text = dp.metricsText();
      const gw = (name: string, reporter: string) =>
        counter(text, { reporter, source_workload: name, source_workload_namespace: 'istio-system', destination_workload: 'productpage-v1', destination_service_name: 'productpage' });
      expect([gw('istio-ingressgateway', 'source'), gw('istio-ingressgateway-asm', 'source')]).toEqual([75, 25]);
      expect([gw('istio-ingressgateway', 'destination'), gw('istio-ingressgateway-asm', 'destination')]).toEqual([75, 25]);
    } finally {
      await dp.stop();
    }
  });

  it('gateway mode with clusters per side and a call chain: each side\'s gateway, upstream and callees in its own cluster', async () => {
    const dp = await startDataPlane({
      upstream: { workload: 'frontend', namespace: 'shop' },
      from: { workload: 'istio-ingressgateway', namespace: 'istio-system' },
      to: { workload: 'istio-ingressgateway-new', namespace: 'istio-system', faults: { status: 404 } },
      cluster: { from: 'tcm', to: 'remote' },
      calls: [parseCall('shop/frontend=payments/payments'), parseCall('payments/payments=ledger/ledger@books')],
      rps: 400,
      weights: { from: 3, to: 1 },
      limit: { requests: 100 },
    });
    try {
      await dp.loadDone;
      expect(dp.clusters).toEqual({ from: 'tcm', to: 'remote', client: 'tcm' });
      const text = dp.metricsText();
      const n = (f: Record<string, string>) => counter(text, f);
      // The gateway edge: the gateway reports as the source from its cluster, to the upstream in the same cluster.
      expect(n({ reporter: 'source', source_workload: 'istio-ingressgateway', source_cluster: 'tcm', destination_workload: 'frontend', destination_cluster: 'tcm' })).toBe(75);
      expect(n({ reporter: 'source', source_workload: 'istio-ingressgateway-new', source_cluster: 'remote', destination_cluster: 'remote', response_code: '404' })).toBe(25);
      // The upstream's sidecar reports what reached it; the new gateway answered 404 itself, so nothing of it.
      expect(n({ reporter: 'destination', source_workload: 'istio-ingressgateway', destination_workload: 'frontend', destination_cluster: 'tcm' })).toBe(75);
      expect(n({ reporter: 'destination', source_workload: 'istio-ingressgateway-new' })).toBe(0);
      // The calls: both reporters, per side, only for requests that reached frontend; the pinned hop in books.
      for (const reporter of ['source', 'destination'])
        expect([
          n({ reporter, source_workload: 'frontend', source_workload_namespace: 'shop', source_cluster: 'tcm', destination_workload: 'payments', destination_workload_namespace: 'payments', destination_cluster: 'tcm', destination_service: 'payments.payments.svc.cluster.local', response_code: '200' }),
          n({ reporter, source_workload: 'payments', source_cluster: 'tcm', destination_workload: 'ledger', destination_cluster: 'books' }),
          n({ reporter, source_workload: 'frontend', source_cluster: 'remote' }),
        ]).toEqual([75, 75, 0]);
      expect(n({})).toBe(75 + 25 + 75 + 4 * 75);
    } finally {
      await dp.stop();
    }
  });

  it('sidecar mode with clusters per side: the client in its own cluster, each side in its own; one --cluster id for all', async () => {
    const perSide = await startDataPlane({ ...plane, cluster: { from: 'east', to: 'west', client: 'edge' }, calls: [parseCall('shop/cart-v2=payments/payments')] });
    const one = await startDataPlane({ ...plane, cluster: 'east' });
    try {
      await perSide.loadDone;
      await one.loadDone;
      const text = perSide.metricsText();
      expect(counter(text, { reporter: 'source', source_cluster: 'edge', destination_workload: 'cart-v1', destination_cluster: 'east' })).toBe(50);
      expect(counter(text, { reporter: 'destination', source_cluster: 'edge', destination_workload: 'cart-v2', destination_cluster: 'west' })).toBe(50);
      // cart-v2 answers 503 to half of them, yet each one reached it and made its call.
      expect(counter(text, { source_workload: 'cart-v2', source_cluster: 'west', destination_workload: 'payments', destination_cluster: 'west' })).toBe(100);
      const all = one.metricsText();
      expect(counter(all, { source_cluster: 'east', destination_cluster: 'east' })).toBe(200);
      expect(counter(all, {})).toBe(200);
    } finally {
      await perSide.stop();
      await one.stop();
    }
  });

  it('refuses a loop and a caller no request reaches, before it starts anything', async () => {
    await expect(startDataPlane({ ...plane, calls: [parseCall('shop/cart-v1=a/b'), parseCall('a/b=shop/cart-v1')] })).rejects.toThrow(/loop: shop\/cart-v1 → a\/b → shop\/cart-v1/);
    await expect(startDataPlane({ ...plane, calls: [parseCall('shop/cart=a/b')] })).rejects.toThrow(/no request reaches shop\/cart, so its calls would never be made: a caller must be the "from" or "to" workload/);
  });

  it('refuses both or neither of source and upstream', async () => {
    await expect(startDataPlane({ ...plane, upstream: { workload: 'u', namespace: 'shop' } })).rejects.toThrow(/exactly one of "source" \(sidecar mode\) or "upstream"/);
    const { source: _source, ...neither } = plane;
    await expect(startDataPlane(neither)).rejects.toThrow(/exactly one of/);
  });

  it('announces its endpoint in a scrape target file, and on stop removes it and closes every port', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-dataplane-targets-'));
    const dp = await startDataPlane({ ...plane, limit: { durationMs: 3_600_000 }, scrapeTarget: { dir, id: 'shop-cart' } });
    expect(JSON.parse(await readFile(path.join(dir, 'shop-cart.json'), 'utf8'))).toEqual([{ targets: [dp.metricsAddress], labels: {} }]);
    await dp.stop();
    expect(await readdir(dir)).toEqual([]);
    await rm(dir, { recursive: true });
    await expect(fetch(dp.metricsUrl)).rejects.toThrow();
    await expect(fetch(dp.backends.to.url)).rejects.toThrow();
  });
});
