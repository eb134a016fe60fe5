// Namespace objects a plan applies: istio-system with its network (and control-plane cluster), gateway and app namespaces.
import type { KubeObject } from '../resources/object.js';
import { gatewaysOf } from './gateways.js';
import { ISTIO_NAMESPACE, namespacesFor, type ClusterSpec, type MeshTopology } from './topology.js';

function namespace(name: string, labels?: Record<string, string>, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
  };
}

/**
 * istio-system labelled with the cluster's network (topology.istio.io/network); on a remote also annotated
 * with topology.istio.io/controlPlaneClusters so that its primary's istiod manages it; plus gateway namespaces.
 */
export function systemNamespaces(cluster: ClusterSpec): KubeObject[] {
  const out = [
    namespace(
      ISTIO_NAMESPACE,
      { 'topology.istio.io/network': cluster.network },
      cluster.role === 'remote' && cluster.primary ? { 'topology.istio.io/controlPlaneClusters': cluster.primary } : undefined,
    ),
  ];
  const extra = new Set(gatewaysOf(cluster).map((g) => g.namespace).filter((n) => n !== ISTIO_NAMESPACE));
  for (const n of [...extra].sort()) out.push(namespace(n));
  return out;
}

/** The injection label a namespace needs: istio.io/rev=<revision>, or istio-injection=enabled without one. */
export function injectionLabels(topology: MeshTopology): { set: Record<string, string>; remove: string } {
  const rev = topology.spec.istio.revision;
  // istio-injection wins over istio.io/rev, so a revisioned install must remove it, and vice versa.
  return rev ? { set: { 'istio.io/rev': rev }, remove: 'istio-injection' } : { set: { 'istio-injection': 'enabled' }, remove: 'istio.io/rev' };
}

/** The application namespaces of spec.namespaces for this cluster, with their injection label. */
export function injectionNamespaces(topology: MeshTopology, cluster: ClusterSpec): KubeObject[] {
  const { set } = injectionLabels(topology);
  return namespacesFor(topology, cluster.name).map((n) => namespace(n, { ...set }));
}
