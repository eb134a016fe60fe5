// Which workloads a shift's "from" and "to" are, as Istio names them in metrics, for the loopback data plane.
import { UsageError } from '../../errors.js';
import type { UpstreamRef, WorkloadRef } from './dataplane.js';

/** The parts of a TrafficShift's router spec that name the two sides (the schema is s-loop's; only these are read). */
export interface RouterSidesSpec {
  virtualService?: {
    targets: readonly { context: string; name: string; namespace?: string; from?: { host: string }; to?: { host: string } }[];
    from?: { host: string };
    to?: { host: string };
  };
  lbWeight?: { from: { context: string; service: string }; to: { context: string; service: string } };
  httpRoute?: {
    targets: readonly { context: string; name: string; namespace?: string }[];
    from: { backendRef: string | { name: string; namespace?: string } };
    to: { backendRef: string | { name: string; namespace?: string } };
  };
}

/** How the data plane reports one shift: sidecar mode (VirtualService, HTTPRoute) or gateway mode (lbWeight). */
export type ShiftSides =
  | { mode: 'sidecar'; from: WorkloadRef & { service: string }; to: WorkloadRef & { service: string } }
  | { mode: 'gateway'; from: WorkloadRef & { service: string }; to: WorkloadRef & { service: string } };

// Suffixes after `<name>.<namespace>` that Istio hosts of in-mesh Services carry.
const MESH_SUFFIXES = ['svc.cluster.local', 'svc', 'global'];

/**
 * The workload behind a host, Istio-style: `name`, `name.ns`, `name.ns.svc[.cluster.local]` and `name.ns.global`
 * name Service `name` in namespace `ns`; a short name is in the shift's namespace. Any other host (an external
 * name such as `api.example.com` behind a ServiceEntry) is one workload named after its first label in the
 * shift's namespace. The Deployment behind a Service is assumed to carry the Service's name, as in Istio's samples.
 */
export function workloadOfHost(host: string, shiftNamespace: string): WorkloadRef & { service: string } {
  const labels = host.split('.');
  const name = labels[0] ?? host;
  if (labels.length === 1) return { workload: name, namespace: shiftNamespace, service: name };
  const rest = labels.slice(2).join('.');
  if (labels.length === 2 || MESH_SUFFIXES.includes(rest)) return { workload: name, namespace: labels[1]!, service: name };
  return { workload: name, namespace: shiftNamespace, service: name };
}

function serviceRef(ref: string | { name: string; namespace?: string }, shiftNamespace: string): WorkloadRef & { service: string } {
  const [ns, name] = typeof ref === 'string' ? (ref.includes('/') ? ref.split('/', 2) : [shiftNamespace, ref]) : [ref.namespace ?? shiftNamespace, ref.name];
  return { workload: name!, namespace: ns!, service: name! };
}

/**
 * The two sides of a shift's router. With several targets, the router-level from/to are used, else the first
 * target's own: a target may override a host only to name the same workload in another cluster's terms
 * (`x.default.global`), and one data plane stands for all of them.
 */
export function shiftSides(router: RouterSidesSpec, shiftNamespace: string): ShiftSides {
  if (router.virtualService) {
    const vs = router.virtualService;
    const first = vs.targets[0];
    const from = vs.from?.host ?? first?.from?.host;
    const to = vs.to?.host ?? first?.to?.host;
    if (!from || !to) throw new UsageError('the shift\'s virtualService router names no "from" or "to" host');
    return { mode: 'sidecar', from: workloadOfHost(from, shiftNamespace), to: workloadOfHost(to, shiftNamespace) };
  }
  if (router.httpRoute) {
    const hr = router.httpRoute;
    return { mode: 'sidecar', from: serviceRef(hr.from.backendRef, shiftNamespace), to: serviceRef(hr.to.backendRef, shiftNamespace) };
  }
  if (router.lbWeight) {
    const lb = router.lbWeight;
    return { mode: 'gateway', from: serviceRef(lb.from.service, shiftNamespace), to: serviceRef(lb.to.service, shiftNamespace) };
  }
  throw new UsageError('the shift has no router lab traffic can follow (virtualService, lbWeight or httpRoute)');
}

/** The upstream behind both gateways in gateway mode, from `--upstream ns/name` or a default. */
export function upstreamOf(flag: string | undefined, shiftNamespace: string): UpstreamRef {
  if (!flag) return { workload: 'lab-upstream', namespace: shiftNamespace, service: 'lab-upstream' };
  const ref = serviceRef(flag, shiftNamespace);
  if (!ref.workload || !ref.namespace) throw new UsageError(`--upstream ${flag}: expected NAMESPACE/NAME or NAME`);
  return ref;
}
