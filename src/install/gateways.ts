// The gateway model between the topology and the emitters: names, labels, ports and cloud annotations resolved once.
import { providerFor } from './providers/index.js';
import { EASTWEST_GATEWAY_NAME, gatewayLabels, ISTIO_NAMESPACE, type ClusterSpec, type LoadBalancerSpec } from './topology.js';

export interface ServicePort {
  name: string;
  port: number;
  targetPort: number;
}

/** One gateway as both emitters (IstioOperator and Helm) need it. */
export interface GatewayModel {
  name: string;
  namespace: string;
  kind: 'eastwest' | 'ingress';
  /** Pod and Service selector labels. */
  labels: Record<string, string>;
  /** Cloud load balancer annotations for the Service (provider output merged with the user's extras). */
  serviceAnnotations: Record<string, string>;
  /** East-west only: the network whose traffic this gateway carries. */
  network?: string;
  /** East-west only: the four ports of Istio's network gateway. */
  ports?: ServicePort[];
}

/** The east-west gateway's ports, named as Istio's gateway chart names them (networkGatewayPorts). */
export const EASTWEST_PORTS: readonly ServicePort[] = [
  { name: 'status-port', port: 15021, targetPort: 15021 },
  { name: 'tls', port: 15443, targetPort: 15443 },
  { name: 'tls-istiod', port: 15012, targetPort: 15012 },
  { name: 'tls-webhook', port: 15017, targetPort: 15017 },
];

function annotationsFor(cluster: ClusterSpec, lb: LoadBalancerSpec | undefined): Record<string, string> {
  if (!lb) return {};
  const provider = providerFor(cluster.provider);
  // The topology was checked before planning, so provider problems cannot remain here.
  return provider ? provider.annotations(lb, []).annotations : {};
}

/** The gateways of one cluster: ingress gateways in the order given, then the east-west gateway. */
export function gatewaysOf(cluster: ClusterSpec): GatewayModel[] {
  const out: GatewayModel[] = (cluster.ingressGateways ?? []).map((gw) => ({
    name: gw.name,
    namespace: gw.namespace ?? ISTIO_NAMESPACE,
    kind: 'ingress',
    labels: gatewayLabels(gw),
    serviceAnnotations: annotationsFor(cluster, gw.loadBalancer),
  }));
  if (cluster.eastWestGateway) {
    out.push({
      name: EASTWEST_GATEWAY_NAME,
      namespace: ISTIO_NAMESPACE,
      kind: 'eastwest',
      labels: { istio: 'eastwestgateway', app: EASTWEST_GATEWAY_NAME, 'topology.istio.io/network': cluster.network },
      serviceAnnotations: annotationsFor(cluster, cluster.eastWestGateway.loadBalancer),
      network: cluster.network,
      ports: EASTWEST_PORTS.map((p) => ({ ...p })),
    });
  }
  return out;
}
