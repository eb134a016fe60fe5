// Which workloads a shift's "from" and "to" are, as Istio names them in metrics, for the loopback data plane.
import { UsageError } from '../../errors.js';
import type { HttpRouteBackend, RouterSpec } from '../routers/spec.js';
import type { UpstreamRef, WorkloadRef } from './dataplane.js';

/** How the data plane reports one shift: sidecar mode (VirtualService, HTTPRoute) or gateway mode (lbWeight). */
export interface ShiftSides {
  mode: 'sidecar' | 'gateway';
  from: WorkloadRef & { service: string };
  to: WorkloadRef & { service: string };
}

// Suffixes after `<name>.<namespace>` that Istio hosts of in-mesh Services carry.
const MESH_SUFFIXES = ['svc.cluster.local', 'svc', 'global'];

/**
 * The workload behind a host, Istio-style: `name.ns.svc[.cluster.local]` and `name.ns.global` name Service `name`
 * in namespace `ns`; a short name is in the VirtualService's namespace (as Istio expands it). Any other host (an external
 * name such as `api.example.com` behind a ServiceEntry) is one workload named after its first label in the
 * shift's namespace. The Deployment behind a Service is assumed to carry the Service's name, as in Istio's samples.
 */
export function workloadOfHost(host: string, shiftNamespace: string): WorkloadRef & { service: string } {
  const labels = host.split('.');
  const name = labels[0] ?? host;
  if (labels.length === 1) return { workload: name, namespace: shiftNamespace, service: name };
  const rest = labels.slice(2).join('.');
  if (labels.length > 2 && MESH_SUFFIXES.includes(rest)) return { workload: name, namespace: labels[1]!, service: name };
  return { workload: name, namespace: shiftNamespace, service: name };
}

/** `ns/name` or `name` (in the shift's namespace). */
function serviceRef(ref: string, shiftNamespace: string): WorkloadRef & { service: string } {
  const [ns, name] = ref.includes('/') ? ref.split('/', 2) : [shiftNamespace, ref];
  return { workload: name ?? '', namespace: ns ?? '', service: name ?? '' };
}

function backendRef(ref: HttpRouteBackend, shiftNamespace: string): WorkloadRef & { service: string } {
  return { workload: ref.backendRef, namespace: ref.namespace ?? shiftNamespace, service: ref.backendRef };
}

/**
 * The two sides of a shift's router, from the router-level from/to (the names `shift run`'s checks use too,
 * src/traffic/shift/gate-checks.ts): a target may override a host only to name the same workload in another
 * cluster's terms (`x.default.global`), and one data plane stands for all of them.
 */
export function shiftSides(router: RouterSpec, shiftNamespace: string, toWorkload?: { namespace: string; name: string }): ShiftSides {
  const sides = ((): ShiftSides => {
    if (router.virtualService) {
      const vs = router.virtualService;
      const first = vs.targets[0];
      const ns = first?.namespace ?? shiftNamespace;
      return { mode: 'sidecar', from: workloadOfHost(vs.from.host, ns), to: workloadOfHost(vs.to.host, ns) };
    }
    if (router.httpRoute) {
      const hr = router.httpRoute;
      const first = hr.targets[0];
      const ns = first?.namespace ?? shiftNamespace;
      return { mode: 'sidecar', from: backendRef(hr.from, ns), to: backendRef(hr.to, ns) };
    }
    const lb = router.lbWeight;
    const pair = lb.from && lb.to ? { from: lb.from, to: lb.to } : lb.targets?.[0];
    if (!pair) throw new UsageError('the shift\'s lbWeight router names no "from" and "to" Services');
    return { mode: 'gateway', from: serviceRef(pair.from.service, shiftNamespace), to: serviceRef(pair.to.service, shiftNamespace) };
  })();
  // gates.workload names the "to" workload the checks read; the data plane reports under the same name.
  if (toWorkload) sides.to = { ...sides.to, workload: toWorkload.name, namespace: toWorkload.namespace };
  return sides;
}

/** The upstream behind both gateways in gateway mode, from `--upstream ns/name` or a default. */
export function upstreamOf(flag: string | undefined, shiftNamespace: string): UpstreamRef {
  if (!flag) return { workload: 'lab-upstream', namespace: shiftNamespace, service: 'lab-upstream' };
  const ref = serviceRef(flag, shiftNamespace);
  if (flag.split('/').length > 2) throw new UsageError(`--upstream ${flag}: expected NAMESPACE/NAME or NAME`);
  if (!ref.workload || !ref.namespace) throw new UsageError(`--upstream ${flag}: expected NAMESPACE/NAME or NAME`);
  return ref;
}
