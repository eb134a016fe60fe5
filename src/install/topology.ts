// The MeshTopology model: the target mesh declared once, as schemas/mesh-topology.schema.json validates it.
import type { PathSegment } from '../resources/resource-set.js';

export const TOPOLOGY_API_VERSION = 'meshferry.dev/v1alpha1';
export const TOPOLOGY_KIND = 'MeshTopology';

export const PROVIDER_NAMES = ['tke', 'ack', 'gke', 'eks', 'aks', 'generic'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** A cloud load balancer in front of a gateway Service; providers read the options they understand. */
export interface LoadBalancerSpec {
  internal?: boolean;
  existingId?: string;
  subnet?: string;
  vgroupPorts?: string[];
  weight?: number;
  annotations?: Record<string, string>;
}
export type LoadBalancerOption = keyof LoadBalancerSpec;

export interface IngressGatewaySpec {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  loadBalancer?: LoadBalancerSpec;
}

export interface ClusterSpec {
  name: string;
  context?: string;
  role: 'primary' | 'remote';
  primary?: string;
  network: string;
  provider: ProviderName;
  externalIstiod?: boolean;
  remotePilotAddress?: string;
  eastWestGateway?: { loadBalancer?: LoadBalancerSpec };
  ingressGateways?: IngressGatewaySpec[];
}

export type NamespaceEntry = string | { name: string; clusters?: string[] };

export interface MeshTopology {
  apiVersion: typeof TOPOLOGY_API_VERSION;
  kind: typeof TOPOLOGY_KIND;
  metadata: { name: string };
  spec: {
    istio: { version: string; revision?: string };
    meshID: string;
    clusters: ClusterSpec[];
    namespaces?: NamespaceEntry[];
  };
}

/** A problem found in a topology, still as a path into the document (the loader turns it into file:line). */
export interface TopologyProblem {
  message: string;
  path: PathSegment[];
}

/** The namespace Istio's control plane and the east-west gateway live in. */
export const ISTIO_NAMESPACE = 'istio-system';
export const EASTWEST_GATEWAY_NAME = 'istio-eastwestgateway';

/** `spec.clusters[0].eastWestGateway`: the dotted form used in messages and plan.json (one formatter for meshferry files). */
export { formatFieldPath } from '../resources/meshferry-file.js';

/** The kube context the runbook uses for a cluster. */
export function contextOf(cluster: ClusterSpec): string {
  return cluster.context ?? cluster.name;
}

/** Default gateway labels, following Istio's gateway chart: app=<name>, istio=<name without "istio-">. */
export function gatewayLabels(gw: IngressGatewaySpec): Record<string, string> {
  return gw.labels && Object.keys(gw.labels).length > 0 ? { ...gw.labels } : { app: gw.name, istio: gw.name.replace(/^istio-/, '') };
}

/** The namespace names listed for a cluster in spec.namespaces, sorted. */
export function namespacesFor(topology: MeshTopology, cluster: string): string[] {
  const out = new Set<string>();
  for (const entry of topology.spec.namespaces ?? []) {
    if (typeof entry === 'string') out.add(entry);
    else if (!entry.clusters || entry.clusters.includes(cluster)) out.add(entry.name);
  }
  return [...out].sort();
}
