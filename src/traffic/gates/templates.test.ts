// Built-in check templates, check validation, and the four verdicts of a check.
import { describe, expect, it } from 'vitest';
import { GateError } from './gate.js';
import type { QueryResult } from './gate.js';
import { describeOutcome, evaluateCheck } from './check.js';
import { BUILTIN_METRICS, resolveCheck } from './templates.js';
import type { CheckScope, CheckSpec, ResolvedCheck } from './templates.js';

const scope: CheckScope = { namespace: 'shop', workload: 'cart-v2', interval: '1m', reporter: 'destination' };

describe('built-in templates', () => {
  it('lists the built-in metrics, sorted', () => {
    expect(BUILTIN_METRICS).toEqual(['request-duration-p99', 'request-success-rate']);
  });

  it('renders the success rate over the destination reporter (Flagger shape, exact workload, 0 when all fail)', () => {
    expect(resolveCheck({ metric: 'request-success-rate', min: 99 }, scope)).toEqual({
      name: 'request-success-rate',
      min: 99,
      promql:
        '(sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="cart-v2",response_code!~"5.*|0"}[1m])) or vector(0)) / ' +
        'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="cart-v2"}[1m])) * 100',
    });
  });

  it('renders p99 over a gateway as the gateway reports it (reporter=source, itself the source workload)', () => {
    expect(resolveCheck({ metric: 'request-duration-p99', max: 500 }, { ...scope, workload: 'istio-ingressgateway', namespace: 'istio-system', reporter: 'source' })).toEqual({
      name: 'request-duration-p99',
      max: 500,
      promql:
        'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="source",source_workload_namespace="istio-system",source_workload="istio-ingressgateway"}[1m])) by (le))',
    });
  });

  it('renders a custom query and keeps its name and bounds', () => {
    const c = resolveCheck({ name: 'errors', query: 'sum(rate(x{ns="{{ namespace }}"}[{{ interval }}]))', min: 0, max: 0.5 }, scope);
    expect(c).toEqual({ name: 'errors', promql: 'sum(rate(x{ns="shop"}[1m]))', min: 0, max: 0.5 });
  });

  it.each<[string, CheckSpec, RegExp]>([
    ['an unknown metric, with a suggestion', { metric: 'request-sucess-rate', min: 99 }, /unknown metric "request-sucess-rate" \(did you mean "request-success-rate"\?\).*\(at spec\.gates\.checks\[0\]\.metric\)/],
    ['no bound', { metric: 'request-success-rate' }, /needs "min", "max" or both/],
    ['min above max', { metric: 'request-success-rate', min: 99, max: 90 }, /"min" \(99\) is above "max" \(90\)/],
    ['a bound that is not finite', { metric: 'request-success-rate', min: Number.NaN }, /"min" must be a finite number.*checks\[0\]\.min/],
    ['both metric and query', { metric: 'request-success-rate', query: 'x', name: 'x', min: 1 } as CheckSpec, /exactly one of "metric"/],
    ['a query without a name', { query: 'x', min: 1 } as unknown as CheckSpec, /needs a "name".*checks\[0\]\.name/],
    ['a query with a bad placeholder', { name: 'e', query: 'x{a={{ namespace }}}', max: 1 }, /must be inside a quoted label value.*checks\[0\]\.query/],
  ])('refuses %s', (_why, spec, want) => {
    expect(() => resolveCheck(spec, scope, { fieldPath: 'spec.gates.checks[0]' })).toThrow(want);
  });
});

describe('evaluateCheck', () => {
  const rate: ResolvedCheck = { name: 'rate', promql: 'x', min: 99 };
  const p99: ResolvedCheck = { name: 'p99', promql: 'x', max: 500 };
  const band: ResolvedCheck = { name: 'band', promql: 'x', min: 1, max: 2 };
  const value = (v: number): QueryResult => ({ kind: 'value', value: v });
  const gateError = new GateError('unreachable', 'Prometheus at http://127.0.0.1:1: unreachable (ECONNREFUSED)');

  it.each<[string, ResolvedCheck, QueryResult, string, string]>([
    ['above min passes', rate, value(99.5), 'pass', 'rate 99.5: pass'],
    ['exactly min passes (bounds are inclusive)', rate, value(99), 'pass', 'rate 99: pass'],
    ['below min fails', rate, value(70.00000000000001), 'fail', 'rate 70 < min 99: fail'],
    ['exactly max passes', p99, value(500), 'pass', 'p99 500: pass'],
    ['below max passes', p99, value(248.5), 'pass', 'p99 248.5: pass'],
    ['+Inf above max fails', p99, value(Infinity), 'fail', 'p99 +Inf > max 500: fail'],
    ['-Inf below min fails', rate, value(-Infinity), 'fail', 'rate -Inf < min 99: fail'],
    ['within a band passes', band, value(1.5), 'pass', 'band 1.5: pass'],
    ['below a band fails on min', band, value(0), 'fail', 'band 0 < min 1: fail'],
    ['above a band fails on max', band, value(3), 'fail', 'band 3 > max 2: fail'],
    ['an empty vector is no data, not 0', rate, { kind: 'noData', reason: 'empty' }, 'noData', 'rate: no data (no series matched)'],
    ['NaN is no data, not a failure', p99, { kind: 'noData', reason: 'nan' }, 'noData', 'p99: no data (NaN, e.g. no requests in the window)'],
    ['a query error is an error, not a failure', rate, { kind: 'error', error: gateError }, 'error', `rate: query error: ${gateError.message}`],
  ])('%s', (_why, check, result, verdict, line) => {
    const outcome = evaluateCheck(check, result);
    expect(outcome.verdict).toBe(verdict);
    expect(describeOutcome(outcome)).toBe(line);
  });

  it('a value above max fails with the bound it broke', () => {
    expect(evaluateCheck(p99, value(501))).toEqual({ verdict: 'fail', check: 'p99', value: 501, bound: 'max', limit: 500 });
  });
});
