import { describe, expect, it } from 'vitest';
import { ISTIO_REQUEST_LABELS } from './istio-metrics.js';
import { requestLabels } from './request-labels.js';

const gateway = { workload: 'istio-ingressgateway', namespace: 'istio-system', cluster: 'tcm' };
const frontend = { workload: 'frontend', namespace: 'shop', cluster: 'tcm' };
const payments = { workload: 'payments', namespace: 'payments', cluster: 'remote', service: 'payments-api' };

const picked = ['reporter', 'source_workload', 'source_workload_namespace', 'source_cluster', 'destination_workload', 'destination_workload_namespace', 'destination_cluster', 'destination_service', 'destination_service_name', 'destination_service_namespace', 'connection_security_policy'] as const;

describe('requestLabels', () => {
  it.each([
    {
      name: 'a gateway edge as the gateway reports it',
      src: gateway,
      dst: frontend,
      reporter: 'source' as const,
      want: ['source', 'istio-ingressgateway', 'istio-system', 'tcm', 'frontend', 'shop', 'tcm', 'frontend.shop.svc.cluster.local', 'frontend', 'shop', 'unknown'],
    },
    {
      name: 'the same edge as the upstream\'s sidecar reports it',
      src: gateway,
      dst: frontend,
      reporter: 'destination' as const,
      want: ['destination', 'istio-ingressgateway', 'istio-system', 'tcm', 'frontend', 'shop', 'tcm', 'frontend.shop.svc.cluster.local', 'frontend', 'shop', 'none'],
    },
    {
      name: 'a call across clusters through a Service not named after the workload',
      src: frontend,
      dst: payments,
      reporter: 'source' as const,
      want: ['source', 'frontend', 'shop', 'tcm', 'payments', 'payments', 'remote', 'payments-api.payments.svc.cluster.local', 'payments-api', 'payments', 'unknown'],
    },
  ])('$name', ({ src, dst, reporter, want }) => {
    const labels = requestLabels(src, dst, reporter);
    expect(picked.map((k) => labels[k])).toEqual(want);
    // Every Istio label but response_code, nothing else.
    expect(Object.keys(labels).sort()).toEqual(ISTIO_REQUEST_LABELS.filter((k) => k !== 'response_code').sort());
  });
});
