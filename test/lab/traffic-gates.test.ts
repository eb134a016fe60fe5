// Gates against a real Prometheus (Debian's package) scraping the loopback data plane: values, no data, errors.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataPlane } from '../../src/traffic/dataplane/dataplane.js';
import type { DataPlane } from '../../src/traffic/dataplane/dataplane.js';
import { describeOutcome, runCheck } from '../../src/traffic/gates/check.js';
import type { QueryResult } from '../../src/traffic/gates/gate.js';
import { PrometheusGate } from '../../src/traffic/gates/prometheus.js';
import { renderPromqlTemplate } from '../../src/traffic/gates/promql-template.js';
import { resolveCheck } from '../../src/traffic/gates/templates.js';
import type { CheckScope } from '../../src/traffic/gates/templates.js';
import { startPrometheus } from '../../src/traffic/prometheus-process.js';
import type { RunningPrometheus } from '../../src/traffic/prometheus-process.js';
import { until } from '../support/poll.js';

const NS = 'shop';
const INTERVAL = '10s';
// A workload name that would break out of the exposition line and out of a PromQL string if either were not
// escaped; real names cannot hold these characters, but the data plane and the templates must not depend on it.
const HOSTILE = 'evil"} or vector(1) or x{a="\\\nqé😀';

let tmp: string;
let prom: RunningPrometheus;
let gate: PrometheusGate;
let dp: DataPlane;
let hostile: DataPlane;
let deadUpstream: DataPlane;

const scope = (workload: string, reporter: CheckScope['reporter'] = 'destination'): CheckScope => ({ namespace: NS, workload, interval: INTERVAL, reporter });

const valueOf = (r: QueryResult): number | undefined => (r.kind === 'value' ? r.value : undefined);

/** Waits until Prometheus holds at least `seconds` of scrapes of every target: rate() windows are full. */
async function scrapedFor(seconds: number): Promise<void> {
  await until(async () => {
    const n = valueOf(await gate.query(`min(count_over_time(up{job="meshferry-lab-traffic"}[${seconds + 5}s]))`));
    return n !== undefined && n >= seconds ? true : undefined;
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'meshferry-traffic-gates-'));
  prom = await startPrometheus({ dir: path.join(tmp, 'prometheus') });
  gate = new PrometheusGate(prom.url);
  dp = await startDataPlane({
    source: { workload: 'loadgen', namespace: 'lab' },
    from: { workload: 'cart-v1', namespace: NS, service: 'cart' },
    to: { workload: 'cart-v2', namespace: NS, service: 'cart', faults: { errorRate: 0.3, latencyMs: 400 } },
    rps: 100,
    weights: { from: 80, to: 20 },
    // Bounded by itself; afterAll stops it sooner.
    limit: { durationMs: 15 * 60_000 },
    scrapeTarget: { dir: prom.targetsDir, id: 'shop-cart', labels: { meshferry_dataplane: 'shop-cart' } },
  });
  hostile = await startDataPlane({
    source: { workload: 'loadgen', namespace: 'lab' },
    from: { workload: 'plain', namespace: NS },
    to: { workload: HOSTILE, namespace: NS },
    rps: 50,
    weights: { from: 0, to: 1 },
    limit: { requests: 20 },
    scrapeTarget: { dir: prom.targetsDir, id: 'hostile' },
  });
  // Gateway mode: all traffic goes through the "to" gateway, whose upstream is gone. The gateway reports as the
  // source, itself the source workload; a request that gets no answer is recorded with response_code 0.
  deadUpstream = await startDataPlane({
    upstream: { workload: 'gone', namespace: NS },
    from: { workload: 'old-gateway', namespace: NS },
    to: { workload: 'edge-gateway', namespace: NS },
    rps: 20,
    weights: { from: 0, to: 1 },
    limit: { durationMs: 15 * 60_000 },
    reporters: ['source'],
    scrapeTarget: { dir: prom.targetsDir, id: 'dead-upstream' },
  });
  await deadUpstream.backends.to.close();
});

afterAll(async () => {
  await dp?.stop();
  await hostile?.stop();
  await deadUpstream?.stop();
  await prom?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('gates over a real Prometheus and the loopback data plane (80/20, to: 30% errors, +400 ms)', () => {
  it('Prometheus is online and discovers the three data planes from the targets folder', async () => {
    expect(await gate.isOnline()).toBe(true);
    await until(async () => valueOf(await gate.query('count(up{job="meshferry-lab-traffic"} == 1)')) === 3 || undefined);
  });

  it('the success-rate template on the "to" side converges near 70 and fails min 99; "from" passes', async () => {
    await scrapedFor(12);
    const to = await runCheck(gate, resolveCheck({ metric: 'request-success-rate', min: 99 }, scope('cart-v2')));
    const from = await runCheck(gate, resolveCheck({ metric: 'request-success-rate', min: 99 }, scope('cart-v1')));
    expect(to.verdict, describeOutcome(to)).toBe('fail');
    if (to.verdict !== 'fail') return;
    expect(Math.abs(to.value - 70), describeOutcome(to)).toBeLessThanOrEqual(3);
    expect(from, describeOutcome(from)).toEqual({ verdict: 'pass', check: 'request-success-rate', value: 100 });
  });

  it('the split measured from istio_requests_total matches 80/20 within ±3 points', async () => {
    await until(async () => ((valueOf(await gate.query('sum(istio_requests_total{reporter="source",destination_workload_namespace="shop",destination_service_name="cart"})')) ?? 0) >= 1500 ? true : undefined));
    const toShare = valueOf(
      await gate.query(
        'sum(istio_requests_total{reporter="source",destination_workload="cart-v2"}) / sum(istio_requests_total{reporter="source",destination_service_name="cart"}) * 100',
      ),
    );
    expect(toShare).toBeDefined();
    expect(Math.abs(toShare! - 20)).toBeLessThanOrEqual(3);
  });

  it('p99 reflects the injected latency: "to" above 250 ms and failing max 300, "from" below "to"', async () => {
    await scrapedFor(12);
    const to = await runCheck(gate, resolveCheck({ metric: 'request-duration-p99', max: 300 }, scope('cart-v2')));
    const from = await runCheck(gate, resolveCheck({ metric: 'request-duration-p99', max: 300 }, scope('cart-v1')));
    // Every "to" request takes ≥ 400 ms, so the 99th percentile lies above the (250, 500] bucket's lower edge; how
    // far above depends on how busy the machine is, so only the lower bound is asserted.
    expect(to.verdict, describeOutcome(to)).toBe('fail');
    if (to.verdict !== 'fail') return;
    expect(to.value).toBeGreaterThan(250);
    expect(from.verdict === 'pass' || from.verdict === 'fail', describeOutcome(from)).toBe(true);
    if (from.verdict === 'pass' || from.verdict === 'fail') expect(from.value).toBeLessThan(to.value);
  });

  it('a gateway whose upstream does not answer (response_code 0) has a success rate of 0, not 100', async () => {
    await scrapedFor(12);
    const gw = await runCheck(gate, resolveCheck({ metric: 'request-success-rate', min: 99 }, { ...scope('edge-gateway'), reporter: 'source' }));
    expect(gw, describeOutcome(gw)).toEqual({ verdict: 'fail', check: 'request-success-rate', value: 0, bound: 'min', limit: 99 });
  });

  it('a workload with no traffic is noData (an empty vector), not 0 and not an error', async () => {
    const idle = await runCheck(gate, resolveCheck({ metric: 'request-success-rate', min: 99 }, scope('idle')));
    expect(idle).toEqual({ verdict: 'noData', check: 'request-success-rate', reason: 'empty' });
    const idleP99 = await runCheck(gate, resolveCheck({ metric: 'request-duration-p99', max: 300 }, scope('idle')));
    expect(idleP99.verdict).toBe('noData');
  });

  it('reads Prometheus\' own NaN, +Inf and scalar answers, and refuses a range vector and several series', async () => {
    expect(await gate.query('vector(0) / vector(0)')).toEqual({ kind: 'noData', reason: 'nan' });
    expect(await gate.query('vector(1) / vector(0)')).toEqual({ kind: 'value', value: Infinity });
    expect(await gate.query('scalar(vector(2.5))')).toEqual({ kind: 'value', value: 2.5 });
    const matrix = await gate.query('istio_requests_total[5s]');
    expect(matrix.kind === 'error' && matrix.error.reason).toBe('badResponse');
    const several = await gate.query('istio_requests_total');
    expect(several.kind === 'error' && several.error.message).toMatch(/returned \d+ series; a gate needs one number/);
  });

  it('a bad PromQL is an error verdict (400 bad_data), not noData and not a failure', async () => {
    const bad = await runCheck(gate, resolveCheck({ name: 'broken', query: 'sum(rate(istio_requests_total{destination_workload="{{ workload }}"}[{{ interval }}])', max: 1 }, scope('cart-v2')));
    expect(bad.verdict).toBe('error');
    if (bad.verdict !== 'error') return;
    expect(bad.error.reason).toBe('badQuery');
    expect(bad.error.status).toBe(400);
    expect(bad.error.message).toMatch(/^Prometheus at http:\/\/127\.0\.0\.1:\d+, query "sum\(rate\(istio_requests_total.*": HTTP 400: bad_data: /);
  });

  it('a hostile workload name survives the exposition format and the templates, and cannot inject PromQL', async () => {
    await hostile.loadDone;
    // Wait on the target's address (no escaping involved), so a wrong escape below fails instead of polling forever.
    await until(async () => (valueOf(await gate.query(`sum(istio_requests_total{reporter="destination",instance="${hostile.metricsAddress}"})`)) === 20 ? true : undefined));
    const byName = (matcher: '=' | '=~') => renderPromqlTemplate(`sum(istio_requests_total{reporter="destination",destination_workload${matcher}"{{ workload }}"})`, { workload: HOSTILE });
    expect(await gate.query(byName('='))).toEqual({ kind: 'value', value: 20 });
    expect(await gate.query(byName('=~'))).toEqual({ kind: 'value', value: 20 });
    // Unescaped, this would be `...{destination_workload="x"} or vector(1) or ...`, which answers 1.
    expect(await gate.query(renderPromqlTemplate('sum(istio_requests_total{destination_workload="{{ workload }}"})', { workload: 'x"} or vector(1) or x{a="' }))).toEqual({
      kind: 'noData',
      reason: 'empty',
    });
  });

  it('setWeights moves the split at run time: the last 10 s measure 50/50 within ±3 points', async () => {
    dp.setWeights(50, 50);
    const changedAt = Date.now() / 1000;
    // Wait until a full 10 s window of scrapes lies after the change.
    await until(async () => ((valueOf(await gate.query('min(timestamp(up{job="meshferry-lab-traffic"}))')) ?? 0) > changedAt + 12 ? true : undefined));
    const toShare = valueOf(
      await gate.query(
        'sum(increase(istio_requests_total{reporter="source",destination_workload="cart-v2"}[10s])) / sum(increase(istio_requests_total{reporter="source",destination_service_name="cart"}[10s])) * 100',
      ),
    );
    expect(toShare).toBeDefined();
    expect(Math.abs(toShare! - 50)).toBeLessThanOrEqual(3);
  });

  it('Prometheus killed: the check is an error (unreachable), not noData and not a failure', async () => {
    process.kill(-prom.record.pid, 'SIGKILL');
    await until(async () => ((await gate.isOnline()) ? undefined : true));
    const outcome = await runCheck(gate, resolveCheck({ metric: 'request-success-rate', min: 99 }, scope('cart-v2')));
    expect(outcome.verdict, describeOutcome(outcome)).toBe('error');
    if (outcome.verdict === 'error') expect(outcome.error.reason).toBe('unreachable');
  });
});
