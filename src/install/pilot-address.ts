// Reads a remote's remotePilotAddress from the live east-west gateway Service of its primary (install plan --context).
import { ClusterError, UsageError } from '../errors.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { missingPilotAddresses } from './plan.js';
import { EASTWEST_GATEWAY_NAME, ISTIO_NAMESPACE, type MeshTopology } from './topology.js';

/** Reads one Service; undefined when it does not exist. The CLI backs it with src/kube, tests with a stub. */
export type ServiceReader = (namespace: string, name: string) => Promise<KubeObject | undefined>;

/** The first load balancer address (IP, else host name) of a Service, or undefined while the cloud assigns one. */
export function loadBalancerAddress(svc: KubeObject): string | undefined {
  const status = svc.status;
  if (!isPlainObject(status) || !isPlainObject(status.loadBalancer) || !Array.isArray(status.loadBalancer.ingress)) return undefined;
  for (const ing of status.loadBalancer.ingress) {
    if (!isPlainObject(ing)) continue;
    if (typeof ing.ip === 'string' && ing.ip) return ing.ip;
    if (typeof ing.hostname === 'string' && ing.hostname) return ing.hostname;
  }
  return undefined;
}

/** The primaries whose live east-west gateway must be read: those of remotes without remotePilotAddress. */
export function primariesToResolve(topology: MeshTopology): string[] {
  return [...new Set(missingPilotAddresses(topology).map((m) => m.cluster.primary ?? ''))].filter(Boolean).sort();
}

/**
 * Resolves the address of every remote that omits remotePilotAddress, reading the east-west gateway Service
 * of their primary through `read` (one primary per --context). Returns remote name → address.
 */
export async function resolvePilotAddresses(topology: MeshTopology, read: ServiceReader, contextName: string): Promise<Record<string, string>> {
  const primaries = primariesToResolve(topology);
  if (primaries.length === 0) return {};
  if (primaries.length > 1)
    throw new UsageError(
      `--context reads one primary's east-west gateway, but remotes of ${primaries.join(' and ')} lack remotePilotAddress; set it in the topology for all but one primary`,
    );
  const primary = primaries[0] as string;
  const svc = await read(ISTIO_NAMESPACE, EASTWEST_GATEWAY_NAME);
  if (!svc)
    throw new ClusterError(
      'EastWestGatewayMissing',
      `context "${contextName}" has no Service ${ISTIO_NAMESPACE}/${EASTWEST_GATEWAY_NAME}: install ${primary}'s east-west gateway first, or set remotePilotAddress`,
      { context: contextName },
    );
  const address = loadBalancerAddress(svc);
  if (!address)
    throw new ClusterError(
      'EastWestGatewayPending',
      `${ISTIO_NAMESPACE}/${EASTWEST_GATEWAY_NAME} in context "${contextName}" has no load balancer address yet; wait for the cloud to assign one and run again`,
      { context: contextName },
    );
  const out: Record<string, string> = {};
  for (const m of missingPilotAddresses(topology)) out[m.cluster.name] = address;
  return out;
}
