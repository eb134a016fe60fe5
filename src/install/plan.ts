// planInstall: MeshTopology → everything to install, per cluster, plus the ordered runbook steps. Pure; no I/O.
import { InputErrors, type Problem } from '../errors.js';
import type { KubeObject } from '../resources/object.js';
import type { PathSegment } from '../resources/resource-set.js';
import { exposeIstiod, exposeServices } from './expose.js';
import { gatewaysOf } from './gateways.js';
import { helmReleasesFor, type HelmRelease } from './helm-values.js';
import { istioOperatorsFor, type OperatorFile } from './istio-operator.js';
import { injectionNamespaces, systemNamespaces } from './namespaces.js';
import { planSteps, type RunbookStep } from './runbook-steps.js';
import { contextOf, formatFieldPath, type ClusterSpec, type MeshTopology } from './topology.js';

export const INSTALL_PLAN_KIND = 'InstallPlan';

export interface PlanOptions {
  /** Emit separate gateway IstioOperators (Istio's gen-eastwest-gateway style) instead of one per cluster. */
  splitGateways?: boolean;
  /** remotePilotAddress per remote cluster name, read from the live east-west gateway for remotes that omit it. */
  pilotAddresses?: Readonly<Record<string, string>>;
}

/** Everything one cluster gets. */
export interface ClusterPlan {
  name: string;
  role: 'primary' | 'remote';
  network: string;
  provider: string;
  context: string;
  primary?: string;
  remotePilotAddress?: string;
  /** Where remotePilotAddress came from. */
  remotePilotAddressSource?: 'topology' | 'live';
  istioOperators: OperatorFile[];
  helm: HelmRelease[];
  systemNamespaces: KubeObject[];
  injectionNamespaces: KubeObject[];
  /** Gateway + VirtualService exposing istiod, on a primary with remotes. */
  exposeIstiod: KubeObject[];
  /** cross-network-gateway, on a primary of a multi-network mesh. */
  exposeServices: KubeObject[];
  gateways: { name: string; namespace: string; kind: 'eastwest' | 'ingress'; serviceAnnotations: Record<string, string> }[];
}

/** The whole plan; plan.json is exactly this. */
export interface InstallPlan {
  apiVersion: 'meshferry.dev/v1alpha1';
  kind: typeof INSTALL_PLAN_KIND;
  metadata: { name: string };
  istio: { version: string; revision: string };
  meshID: string;
  splitGateways: boolean;
  networks: string[];
  clusters: ClusterPlan[];
  steps: RunbookStep[];
}

/** Remotes that have no remotePilotAddress in the topology nor among the resolved addresses, as problems. */
export function missingPilotAddresses(topology: MeshTopology, resolved: Readonly<Record<string, string>> = {}): { cluster: ClusterSpec; path: PathSegment[] }[] {
  const out: { cluster: ClusterSpec; path: PathSegment[] }[] = [];
  topology.spec.clusters.forEach((c, i) => {
    if (c.role === 'remote' && !c.remotePilotAddress && !resolved[c.name]) out.push({ cluster: c, path: ['spec', 'clusters', i] });
  });
  return out;
}

/** Builds the install plan of a checked topology. Remotes without an address are an input error (see --context). */
export function planInstall(topology: MeshTopology, opts: PlanOptions = {}): InstallPlan {
  const missing = missingPilotAddresses(topology, opts.pilotAddresses);
  if (missing.length > 0) {
    const problems: Problem[] = missing.map((m) => ({
      message: `remote ${m.cluster.name} has no remotePilotAddress: set it, or pass --context <kube context of ${m.cluster.primary}> to read the live istio-eastwestgateway address`,
      fieldPath: formatFieldPath([...m.path, 'remotePilotAddress']),
    }));
    throw new InputErrors('the plan needs the address of each remote\'s primary east-west gateway:', problems, 'MissingPilotAddress');
  }
  const spec = topology.spec;
  const networks = [...new Set(spec.clusters.map((c) => c.network))].sort();
  const multiNetwork = networks.length > 1;
  const clusters = spec.clusters.map((c): ClusterPlan => {
    const fromTopology = c.remotePilotAddress;
    const address = c.role === 'remote' ? (fromTopology ?? opts.pilotAddresses?.[c.name]) : undefined;
    const hasRemotes = spec.clusters.some((r) => r.role === 'remote' && r.primary === c.name);
    return {
      name: c.name,
      role: c.role,
      network: c.network,
      provider: c.provider,
      context: contextOf(c),
      ...(c.primary ? { primary: c.primary } : {}),
      ...(address ? { remotePilotAddress: address, remotePilotAddressSource: fromTopology ? 'topology' : 'live' } : {}),
      istioOperators: istioOperatorsFor(topology, c, { splitGateways: opts.splitGateways === true, ...(address ? { remotePilotAddress: address } : {}) }),
      helm: helmReleasesFor(topology, c, address),
      systemNamespaces: systemNamespaces(c),
      injectionNamespaces: injectionNamespaces(topology, c),
      exposeIstiod: c.role === 'primary' && c.externalIstiod === true && hasRemotes ? exposeIstiod(spec.istio.version, spec.istio.revision || undefined) : [],
      exposeServices: c.role === 'primary' && multiNetwork && c.eastWestGateway ? exposeServices(spec.istio.version) : [],
      gateways: gatewaysOf(c).map((g) => ({ name: g.name, namespace: g.namespace, kind: g.kind, serviceAnnotations: g.serviceAnnotations })),
    };
  });
  const plan: InstallPlan = {
    apiVersion: 'meshferry.dev/v1alpha1',
    kind: INSTALL_PLAN_KIND,
    metadata: { name: topology.metadata.name },
    istio: { version: spec.istio.version, revision: spec.istio.revision ?? '' },
    meshID: spec.meshID,
    splitGateways: opts.splitGateways === true,
    networks,
    clusters,
    steps: [],
  };
  plan.steps = planSteps(plan);
  return plan;
}
