// Istio's standard request metrics (istio_requests_total and the duration histogram), kept per label set.
import type { MetricFamily, Sample } from './exposition.js';
import { renderExposition } from './exposition.js';

/**
 * Envoy's default histogram buckets, in milliseconds (envoyproxy/envoy source/common/stats/histogram_impl.cc,
 * `HistogramSettingsImpl::defaultBuckets()`). Istio writes `histogram_bucket_settings` into the proxy's bootstrap
 * only when a pod sets `sidecar.istio.io/statsHistogramBuckets` (istio/istio pkg/bootstrap/config.go,
 * tools/packaging/common/envoy_bootstrap.json), so `istio_request_duration_milliseconds` uses these by default.
 */
export const ISTIO_DEFAULT_DURATION_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/**
 * The labels Istio puts on its standard request metrics, in the order it documents them
 * (istio.io docs/reference/config/metrics, "Labels"; the values Istio's own tests expect are in istio/istio
 * tests/integration/telemetry/api/stats_test.go `buildQuery` and tests/integration/ambient/baseline_test.go).
 */
export const ISTIO_REQUEST_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_canonical_service',
  'source_canonical_revision',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_cluster',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
] as const;

export type IstioRequestLabel = (typeof ISTIO_REQUEST_LABELS)[number];
export type IstioRequestLabels = Record<IstioRequestLabel, string>;

interface Series {
  labels: readonly (readonly [string, string])[];
  requests: number;
  /** Per bucket, not cumulative; the last slot is above the largest bound. */
  bucketCounts: number[];
  durationSumMs: number;
}

/** Counts requests and their durations the way an Istio proxy exports them, and renders them for scraping. */
export class IstioRequestMetrics {
  readonly #series = new Map<string, Series>();
  readonly #buckets: readonly number[];

  constructor(buckets: readonly number[] = ISTIO_DEFAULT_DURATION_BUCKETS_MS) {
    this.#buckets = buckets;
  }

  /** Records one finished request with its labels and duration. */
  record(labels: IstioRequestLabels, durationMs: number): void {
    const ordered = ISTIO_REQUEST_LABELS.map((k) => [k, labels[k]] as const);
    const key = ordered.map(([, v]) => v).join('\u0000');
    let s = this.#series.get(key);
    if (!s) {
      s = { labels: ordered, requests: 0, bucketCounts: new Array<number>(this.#buckets.length + 1).fill(0), durationSumMs: 0 };
      this.#series.set(key, s);
    }
    s.requests++;
    s.durationSumMs += durationMs;
    // Prometheus buckets are upper-inclusive (le).
    let i = this.#buckets.findIndex((b) => durationMs <= b);
    if (i < 0) i = this.#buckets.length;
    s.bucketCounts[i]!++;
  }

  /** The metric families, series in first-seen order. */
  families(): MetricFamily[] {
    const series = [...this.#series.values()];
    const counter: Sample[] = series.map((s) => ({ labels: s.labels, value: s.requests }));
    const histogram: Sample[] = [];
    for (const s of series) {
      let cumulative = 0;
      this.#buckets.forEach((b, i) => {
        cumulative += s.bucketCounts[i]!;
        histogram.push({ suffix: '_bucket', labels: [...s.labels, ['le', String(b)]], value: cumulative });
      });
      histogram.push({ suffix: '_bucket', labels: [...s.labels, ['le', '+Inf']], value: s.requests });
      histogram.push({ suffix: '_sum', labels: s.labels, value: s.durationSumMs });
      histogram.push({ suffix: '_count', labels: s.labels, value: s.requests });
    }
    return [
      { name: 'istio_requests_total', help: 'Total requests handled by an Istio proxy.', type: 'counter', samples: counter },
      { name: 'istio_request_duration_milliseconds', help: 'Duration of requests in milliseconds.', type: 'histogram', samples: histogram },
    ];
  }

  /** The text a /metrics endpoint serves. */
  render(): string {
    return renderExposition(this.families());
  }
}
