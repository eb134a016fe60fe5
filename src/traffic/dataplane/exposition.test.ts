// The text exposition format: escaping, value syntax, and Istio's metric families as a scraper reads them.
import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatLabels, formatSampleValue, renderExposition } from './exposition.js';
import { ISTIO_DEFAULT_DURATION_BUCKETS_MS, ISTIO_REQUEST_LABELS, IstioRequestMetrics } from './istio-metrics.js';
import type { IstioRequestLabels } from './istio-metrics.js';

describe('exposition format', () => {
  it.each([
    ['plain', 'cart-v2', 'cart-v2'],
    ['a double quote', 'a"b', 'a\\"b'],
    ['a backslash', 'a\\b', 'a\\\\b'],
    ['a line feed', 'a\nb', 'a\\nb'],
    ['a backslash before n stays two characters', 'a\\n', 'a\\\\n'],
  ])('escapes a label value with %s', (_why, input, want) => {
    expect(escapeLabelValue(input)).toBe(want);
  });

  it('escapes HELP text (backslash and line feed, not quotes)', () => {
    expect(escapeHelp('say "hi"\\\nbye')).toBe('say "hi"\\\\\\nbye');
  });

  it.each([
    [3, '3'],
    [0.5, '0.5'],
    [1e21, '1e+21'],
    [Number.NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('writes the value %s as %s', (v, want) => {
    expect(formatSampleValue(v)).toBe(want);
  });

  it('refuses label and metric names the format does not allow', () => {
    expect(() => formatLabels([['bad-name', 'x']])).toThrow(/not a valid Prometheus label name/);
    expect(() => formatLabels([['__reserved', 'x']])).toThrow(/not a valid Prometheus label name/);
    expect(() => renderExposition([{ name: '1bad', help: '', type: 'counter', samples: [] }])).toThrow(/not a valid Prometheus metric name/);
  });

  it('renders a family with HELP, TYPE and one line per sample, ending in a line feed', () => {
    expect(
      renderExposition([{ name: 'x_total', help: 'An x.', type: 'counter', samples: [{ labels: [['a', 'q"'], ['b', '']], value: 2 }, { labels: [], value: 0 }] }]),
    ).toBe('# HELP x_total An x.\n# TYPE x_total counter\nx_total{a="q\\"",b=""} 2\nx_total 0\n');
  });
});

const labels = (overrides: Partial<IstioRequestLabels> = {}): IstioRequestLabels => ({
  ...(Object.fromEntries(ISTIO_REQUEST_LABELS.map((k) => [k, `v-${k}`])) as IstioRequestLabels),
  ...overrides,
});

describe('IstioRequestMetrics', () => {
  it('uses Envoy\'s 19 default buckets, 0.5 ms to one hour', () => {
    expect(ISTIO_DEFAULT_DURATION_BUCKETS_MS).toHaveLength(19);
    expect(ISTIO_DEFAULT_DURATION_BUCKETS_MS[0]).toBe(0.5);
    expect(ISTIO_DEFAULT_DURATION_BUCKETS_MS.at(-1)).toBe(3_600_000);
  });

  it('counts requests per label set and fills cumulative, upper-inclusive buckets', () => {
    const m = new IstioRequestMetrics([1, 10]);
    m.record(labels({ response_code: '200' }), 0.2);
    m.record(labels({ response_code: '200' }), 1); // le="1" includes 1
    m.record(labels({ response_code: '200' }), 50);
    m.record(labels({ response_code: '503' }), 5);
    const text = m.render();
    const ok = ISTIO_REQUEST_LABELS.map((k) => `${k}="${k === 'response_code' ? '200' : `v-${k}`}"`).join(',');
    const err = ok.replace('response_code="200"', 'response_code="503"');
    expect(text.split('\n')).toEqual([
      '# HELP istio_requests_total Total requests handled by an Istio proxy.',
      '# TYPE istio_requests_total counter',
      `istio_requests_total{${ok}} 3`,
      `istio_requests_total{${err}} 1`,
      '# HELP istio_request_duration_milliseconds Duration of requests in milliseconds.',
      '# TYPE istio_request_duration_milliseconds histogram',
      `istio_request_duration_milliseconds_bucket{${ok},le="1"} 2`,
      `istio_request_duration_milliseconds_bucket{${ok},le="10"} 2`,
      `istio_request_duration_milliseconds_bucket{${ok},le="+Inf"} 3`,
      `istio_request_duration_milliseconds_sum{${ok}} 51.2`,
      `istio_request_duration_milliseconds_count{${ok}} 3`,
      `istio_request_duration_milliseconds_bucket{${err},le="1"} 0`,
      `istio_request_duration_milliseconds_bucket{${err},le="10"} 1`,
      `istio_request_duration_milliseconds_bucket{${err},le="+Inf"} 1`,
      `istio_request_duration_milliseconds_sum{${err}} 5`,
      `istio_request_duration_milliseconds_count{${err}} 1`,
      '',
    ]);
  });

  it('escapes hostile label values so each sample stays on one line', () => {
    const m = new IstioRequestMetrics();
    m.record(labels({ destination_workload: 'x"} 1\nfake_metric 9' }), 1);
    const lines = m.render().split('\n');
    expect(lines.some((l) => l.startsWith('fake_metric'))).toBe(false);
    expect(lines[2]).toContain('destination_workload="x\\"} 1\\nfake_metric 9"');
  });

  it('renders nothing but HELP and TYPE before the first request', () => {
    expect(new IstioRequestMetrics().render()).toBe(
      '# HELP istio_requests_total Total requests handled by an Istio proxy.\n# TYPE istio_requests_total counter\n' +
        '# HELP istio_request_duration_milliseconds Duration of requests in milliseconds.\n# TYPE istio_request_duration_milliseconds histogram\n',
    );
  });
});
