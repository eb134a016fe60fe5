// The Istio label set of one synthesized request: who sent it, who received it, in which clusters, who reports it.
import type { IstioRequestLabels } from './istio-metrics.js';

/** One end of a request: a workload (and for a destination the Service it is reached through) in a cluster. */
export interface RequestEnd {
  workload: string;
  namespace: string;
  /** The Service name; default the workload's name. Only read for the destination. */
  service?: string;
  /** Istio's cluster id of the proxy on that end. */
  cluster: string;
}

export type Reporter = 'source' | 'destination';

/**
 * The labels of a request from `source` to `destination` as the `reporter`'s proxy writes them. Both proxies write
 * both ends' workload, namespace and cluster (the peer's come from metadata exchange), so the two reporters differ
 * only in `reporter` and `connection_security_policy` (istio.io docs/reference/config/metrics, "Labels").
 */
export function requestLabels(source: RequestEnd, destination: RequestEnd, reporter: Reporter): Omit<IstioRequestLabels, 'response_code'> {
  const service = destination.service ?? destination.workload;
  return {
    reporter,
    source_workload: source.workload,
    source_workload_namespace: source.namespace,
    // No mTLS on loopback: Istio reports principals as "unknown" and the policy as "none" at the destination,
    // "unknown" at the source (istio.io docs/reference/config/metrics, connection_security_policy).
    source_principal: 'unknown',
    source_app: source.workload,
    source_version: 'unknown',
    source_canonical_service: source.workload,
    source_canonical_revision: 'latest',
    source_cluster: source.cluster,
    destination_workload: destination.workload,
    destination_workload_namespace: destination.namespace,
    destination_principal: 'unknown',
    destination_app: destination.workload,
    destination_version: 'unknown',
    destination_service: `${service}.${destination.namespace}.svc.cluster.local`,
    destination_service_name: service,
    destination_service_namespace: destination.namespace,
    destination_canonical_service: destination.workload,
    destination_canonical_revision: 'latest',
    destination_cluster: destination.cluster,
    request_protocol: 'http',
    grpc_response_status: '',
    // Envoy's "no flags" (istio/istio tests/integration/ambient/baseline_test.go expects response_flags="-").
    response_flags: '-',
    connection_security_policy: reporter === 'destination' ? 'none' : 'unknown',
  };
}
