// Emits the Helm values that install the same thing as the IstioOperator: base, istiod and gateway charts.
import { gatewaysOf, type GatewayModel } from './gateways.js';
import { injectionPath } from './istio-operator.js';
import { ISTIO_NAMESPACE, type ClusterSpec, type MeshTopology } from './topology.js';

/** One `helm install` of a cluster's plan: which chart, which release, where, and its values. */
export interface HelmRelease {
  /** File name below `<cluster>/helm-values/`. */
  file: string;
  chart: 'istio/base' | 'istio/istiod' | 'istio/gateway';
  release: string;
  namespace: string;
  values: Record<string, unknown>;
}

function gatewayValues(gw: GatewayModel, revision: string | undefined): Record<string, unknown> {
  const v: Record<string, unknown> = { name: gw.name };
  if (revision) v.revision = revision;
  if (gw.kind === 'eastwest') {
    // networkGateway makes the chart add the network label, ISTIO_META_REQUESTED_NETWORK_VIEW and the four ports.
    v.networkGateway = gw.network;
    v.labels = { istio: gw.labels.istio, app: gw.labels.app };
  } else v.labels = { ...gw.labels };
  if (Object.keys(gw.serviceAnnotations).length > 0) v.service = { annotations: { ...gw.serviceAnnotations } };
  return v;
}

/** The Helm releases for one cluster, in install order (base, istiod, gateways). The remote profile needs Istio ≥ 1.24. */
export function helmReleasesFor(topology: MeshTopology, cluster: ClusterSpec, remotePilotAddress: string | undefined): HelmRelease[] {
  const revision = topology.spec.istio.revision || undefined;
  const external = cluster.role === 'primary' && cluster.externalIstiod === true;
  const global: Record<string, unknown> = {
    meshID: topology.spec.meshID,
    multiCluster: { clusterName: cluster.name },
    network: cluster.network,
  };
  let base: Record<string, unknown>;
  let istiod: Record<string, unknown>;
  if (cluster.role === 'primary') {
    if (external) global.externalIstiod = true;
    base = external ? { global: { externalIstiod: true } } : {};
    istiod = { ...(revision ? { revision } : {}), global };
  } else {
    global.remotePilotAddress = remotePilotAddress ?? cluster.remotePilotAddress;
    global.configCluster = true;
    base = { profile: 'remote' };
    istiod = { profile: 'remote', ...(revision ? { revision } : {}), global, istiodRemote: { injectionPath: injectionPath(cluster) } };
  }
  const out: HelmRelease[] = [
    { file: 'base.yaml', chart: 'istio/base', release: 'istio-base', namespace: ISTIO_NAMESPACE, values: base },
    { file: 'istiod.yaml', chart: 'istio/istiod', release: revision ? `istiod-${revision}` : 'istiod', namespace: ISTIO_NAMESPACE, values: istiod },
  ];
  for (const gw of gatewaysOf(cluster)) {
    const file = gw.namespace === ISTIO_NAMESPACE ? `gateway-${gw.name}.yaml` : `gateway-${gw.namespace}-${gw.name}.yaml`;
    out.push({ file, chart: 'istio/gateway', release: gw.name, namespace: gw.namespace, values: gatewayValues(gw, revision) });
  }
  return out;
}
