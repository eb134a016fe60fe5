// Semantic checks of a schema-valid MeshTopology: everything a JSON Schema cannot say, collected, never thrown.
import type { PathSegment } from '../resources/resource-set.js';
import { providerFor } from './providers/index.js';
import { checkKubeValues } from './topology-values.js';
import { EASTWEST_GATEWAY_NAME, ISTIO_NAMESPACE, formatFieldPath, type ClusterSpec, type MeshTopology, type TopologyProblem } from './topology.js';

/** Every semantic problem of a topology, in document order. An empty list means the plan can be built. */
export function checkTopology(topology: MeshTopology): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  const clusters = topology.spec.clusters;
  const at = (i: number, ...rest: PathSegment[]): PathSegment[] => ['spec', 'clusters', i, ...rest];

  const firstIndex = new Map<string, number>();
  clusters.forEach((c, i) => {
    const seen = firstIndex.get(c.name);
    if (seen === undefined) firstIndex.set(c.name, i);
    else problems.push({ message: `duplicate cluster name "${c.name}" (first used at ${formatFieldPath(at(seen))})`, path: at(i, 'name') });
  });
  const byName = (name: string): [ClusterSpec, number] | undefined => {
    const i = firstIndex.get(name);
    return i === undefined ? undefined : [clusters[i] as ClusterSpec, i];
  };

  clusters.forEach((c, i) => {
    if (c.role === 'primary') checkPrimary(c, i, at, problems);
    else checkRemote(c, i, byName, at, problems);
    checkGateways(c, i, at, problems);
  });
  checkNetworks(clusters, at, problems);
  checkNamespaces(topology, firstIndex, problems);
  problems.push(...checkKubeValues(topology));
  return problems;
}

type At = (i: number, ...rest: PathSegment[]) => PathSegment[];

function checkPrimary(c: ClusterSpec, i: number, at: At, problems: TopologyProblem[]): void {
  if (c.primary !== undefined) problems.push({ message: `"primary" is only for remotes; ${c.name} is itself a primary`, path: at(i, 'primary') });
  if (c.remotePilotAddress !== undefined)
    problems.push({ message: `remotePilotAddress is only for remotes; ${c.name} runs its own istiod`, path: at(i, 'remotePilotAddress') });
  // Remotes reach istiod through the east-west gateway (expose-istiod), so exposing needs one.
  if (c.externalIstiod === true && !c.eastWestGateway)
    problems.push({
      message: `${c.name} exposes its control plane (externalIstiod) through the east-west gateway, but has no eastWestGateway`,
      path: at(i, 'externalIstiod'),
    });
}

function checkRemote(c: ClusterSpec, i: number, byName: (n: string) => [ClusterSpec, number] | undefined, at: At, problems: TopologyProblem[]): void {
  if (c.externalIstiod !== undefined)
    problems.push({ message: `externalIstiod is only for primaries; the remote ${c.name} has no istiod of its own`, path: at(i, 'externalIstiod') });
  if (c.primary === undefined) {
    problems.push({ message: `the remote ${c.name} needs "primary": the name of the primary cluster whose istiod it uses`, path: at(i, 'role') });
    return;
  }
  const found = byName(c.primary);
  if (!found) {
    problems.push({ message: `the remote ${c.name} names primary "${c.primary}", but no cluster has that name`, path: at(i, 'primary') });
    return;
  }
  const [p, pi] = found;
  if (p.role !== 'primary') {
    problems.push({ message: `the remote ${c.name} names "${c.primary}" as its primary, but ${c.primary} is a remote too`, path: at(i, 'primary') });
    return;
  }
  if (p.externalIstiod !== true)
    problems.push({
      message: `the remote ${c.name} uses ${p.name}, but ${p.name} does not expose its control plane: set externalIstiod: true on ${formatFieldPath(at(pi))}`,
      path: at(i, 'primary'),
    });
}

function checkGateways(c: ClusterSpec, i: number, at: At, problems: TopologyProblem[]): void {
  const provider = providerFor(c.provider);
  if (!provider) return; // the schema already named the unknown provider
  if (c.eastWestGateway?.loadBalancer) problems.push(...provider.annotations(c.eastWestGateway.loadBalancer, at(i, 'eastWestGateway', 'loadBalancer')).problems);
  const seen = new Map<string, number>();
  (c.ingressGateways ?? []).forEach((gw, g) => {
    const key = `${gw.namespace ?? ISTIO_NAMESPACE}/${gw.name}`;
    if (gw.name === EASTWEST_GATEWAY_NAME && (gw.namespace ?? ISTIO_NAMESPACE) === ISTIO_NAMESPACE)
      problems.push({ message: `${EASTWEST_GATEWAY_NAME} is the east-west gateway's name; declare it with eastWestGateway instead`, path: at(i, 'ingressGateways', g, 'name') });
    const prev = seen.get(key);
    if (prev !== undefined)
      problems.push({ message: `ingress gateway ${key} is listed twice on ${c.name} (first at ${formatFieldPath(at(i, 'ingressGateways', prev))})`, path: at(i, 'ingressGateways', g, 'name') });
    else seen.set(key, g);
    if (gw.loadBalancer) problems.push(...provider.annotations(gw.loadBalancer, at(i, 'ingressGateways', g, 'loadBalancer')).problems);
  });
}

/** Clusters on one network reach each other's pods directly; every other network is reached through its east-west gateway. */
function checkNetworks(clusters: readonly ClusterSpec[], at: At, problems: TopologyProblem[]): void {
  const networks = [...new Set(clusters.map((c) => c.network))];
  if (networks.length < 2) return;
  for (const net of networks) {
    const members = clusters.map((c, i) => [c, i] as const).filter(([c]) => c.network === net);
    if (members.some(([c]) => c.eastWestGateway !== undefined)) continue;
    const others = networks.filter((n) => n !== net);
    const [first, fi] = members[0] as readonly [ClusterSpec, number];
    problems.push({
      message:
        `network "${net}" must be reachable from ${others.map((n) => `"${n}"`).join(', ')}, but no cluster on it has an east-west gateway: ` +
        `add eastWestGateway to ${first.name}${members.length > 1 ? ` (or another cluster on ${net})` : ''}`,
      path: at(fi, 'network'),
    });
  }
}

function checkNamespaces(topology: MeshTopology, firstIndex: ReadonlyMap<string, number>, problems: TopologyProblem[]): void {
  (topology.spec.namespaces ?? []).forEach((entry, n) => {
    if (typeof entry === 'string') return;
    (entry.clusters ?? []).forEach((name, k) => {
      if (!firstIndex.has(name))
        problems.push({ message: `namespace ${entry.name} names cluster "${name}", but no cluster has that name`, path: ['spec', 'namespaces', n, 'clusters', k] });
    });
  });
}
