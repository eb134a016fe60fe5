// Emits IstioOperator files per cluster: one by default, or Istio's split style (control plane, eastwest, ingress).
import type { KubeObject } from '../resources/object.js';
import { gatewaysOf, type GatewayModel } from './gateways.js';
import { ISTIO_NAMESPACE, type ClusterSpec, type MeshTopology } from './topology.js';

export const ISTIO_OPERATOR_API_VERSION = 'install.istio.io/v1alpha1';
const DEFAULT_GATEWAY = 'istio-ingressgateway';

/** One IstioOperator file of a cluster's plan. */
export interface OperatorFile {
  /** Path below the cluster's folder, e.g. `istio-operator.yaml`. */
  file: string;
  /** What it installs, for the runbook. */
  purpose: 'control-plane' | 'eastwest-gateway' | 'ingress-gateways';
  object: KubeObject;
}

export interface OperatorOptions {
  splitGateways?: boolean;
  /** The remote's resolved remotePilotAddress (required for remotes). */
  remotePilotAddress?: string;
}

/** The injection path istiod serves per cluster and network, so remote injection carries both (Istio's docs). */
export function injectionPath(cluster: ClusterSpec): string {
  return `/inject/cluster/${cluster.name}/net/${cluster.network}`;
}

function operator(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: ISTIO_OPERATOR_API_VERSION, kind: 'IstioOperator', metadata: { name, namespace: ISTIO_NAMESPACE }, spec };
}

function gatewayComponent(gw: GatewayModel): Record<string, unknown> {
  const k8s: Record<string, unknown> = {};
  if (gw.kind === 'eastwest' && gw.network !== undefined) {
    k8s.env = [{ name: 'ISTIO_META_REQUESTED_NETWORK_VIEW', value: gw.network }];
  }
  if (gw.ports) k8s.service = { ports: gw.ports.map((p) => ({ ...p })) };
  if (Object.keys(gw.serviceAnnotations).length > 0) k8s.serviceAnnotations = { ...gw.serviceAnnotations };
  return {
    name: gw.name,
    ...(gw.namespace !== ISTIO_NAMESPACE ? { namespace: gw.namespace } : {}),
    enabled: true,
    label: { ...gw.labels },
    ...(Object.keys(k8s).length > 0 ? { k8s } : {}),
  };
}

/** The component list: the gateways given, and the profile's default ingress gateway switched off unless listed. */
function gatewayComponents(gateways: readonly GatewayModel[], withDefaultOff: boolean): Record<string, unknown>[] {
  const list = gateways.map(gatewayComponent);
  const listsDefault = gateways.some((g) => g.name === DEFAULT_GATEWAY && g.namespace === ISTIO_NAMESPACE);
  return withDefaultOff && !listsDefault ? [{ name: DEFAULT_GATEWAY, enabled: false }, ...list] : list;
}

/** Gateways use the "gateway" injection template, as Istio's own gen-eastwest-gateway.sh sets it. */
const GATEWAY_VALUES = { 'istio-ingressgateway': { injectionTemplate: 'gateway' } };

function globalValues(topology: MeshTopology, cluster: ClusterSpec, remotePilotAddress: string | undefined): Record<string, unknown> {
  const g: Record<string, unknown> = {
    meshID: topology.spec.meshID,
    multiCluster: { clusterName: cluster.name },
    network: cluster.network,
  };
  if (cluster.role === 'primary' && cluster.externalIstiod === true) g.externalIstiod = true;
  if (cluster.role === 'remote') {
    if (!remotePilotAddress) throw new Error(`internal: remote ${cluster.name} planned without a remotePilotAddress`);
    g.remotePilotAddress = remotePilotAddress;
  }
  return g;
}

/** The IstioOperator file(s) for one cluster. */
export function istioOperatorsFor(topology: MeshTopology, cluster: ClusterSpec, opts: OperatorOptions = {}): OperatorFile[] {
  const revision = topology.spec.istio.revision || undefined;
  const gateways = gatewaysOf(cluster);
  const values: Record<string, unknown> = { global: globalValues(topology, cluster, opts.remotePilotAddress ?? cluster.remotePilotAddress) };
  if (cluster.role === 'primary' && cluster.externalIstiod === true) {
    // Both spellings: values.global.externalIstiod (current docs, Helm) and the pilot env older istioctl docs use.
    values.pilot = { env: { EXTERNAL_ISTIOD: 'true' } };
  }
  if (cluster.role === 'remote') values.istiodRemote = { injectionPath: injectionPath(cluster) };
  const base = {
    profile: cluster.role === 'primary' ? 'default' : 'remote',
    ...(revision ? { revision } : {}),
  };

  if (!opts.splitGateways) {
    if (gateways.length > 0) values.gateways = structuredClone(GATEWAY_VALUES);
    const spec = { ...base, values, components: { ingressGateways: gatewayComponents(gateways, true) } };
    return [{ file: 'istio-operator.yaml', purpose: 'control-plane', object: operator('control-plane', spec) }];
  }

  const out: OperatorFile[] = [
    {
      file: 'istio-operator.yaml',
      purpose: 'control-plane',
      object: operator('control-plane', { ...base, values, components: { ingressGateways: gatewayComponents([], true) } }),
    },
  ];
  const eastwest = gateways.filter((g) => g.kind === 'eastwest');
  if (eastwest.length > 0)
    out.push({
      file: 'eastwest-gateway.yaml',
      purpose: 'eastwest-gateway',
      object: operator('eastwest', {
        profile: 'empty',
        ...(revision ? { revision } : {}),
        values: { gateways: structuredClone(GATEWAY_VALUES), global: { network: cluster.network } },
        components: { ingressGateways: eastwest.map(gatewayComponent) },
      }),
    });
  const ingress = gateways.filter((g) => g.kind === 'ingress');
  if (ingress.length > 0)
    out.push({
      file: 'ingress-gateways.yaml',
      purpose: 'ingress-gateways',
      object: operator('ingress', {
        profile: 'empty',
        ...(revision ? { revision } : {}),
        values: { gateways: structuredClone(GATEWAY_VALUES) },
        components: { ingressGateways: ingress.map(gatewayComponent) },
      }),
    });
  return out;
}
