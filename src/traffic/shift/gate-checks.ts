// Which workload a shift's checks look at ("to", as Istio's metrics name it), seen by the router's reporter, and its checks resolved.
import type { Reporter, ResolvedCheck } from '../gates/templates.js';
import { resolveCheck } from '../gates/templates.js';
import type { RouterSpec } from '../routers/spec.js';
import type { TrafficShiftSpec } from './spec.js';

/** The "to" workload of a router as a first guess: Istio names a Service's pods' workload after it in most installs. */
export function defaultWorkload(router: RouterSpec, shiftNamespace: string): { namespace: string; name: string } {
  if (router.virtualService) {
    // `name.namespace.svc.cluster.local` or a short name in the VirtualService's namespace (Istio's rule).
    const host = router.virtualService.to.host;
    const [name, ns] = host.split('.');
    const vsNamespace = router.virtualService.targets[0]?.namespace ?? shiftNamespace;
    return { name: name ?? host, namespace: host.includes('.') && ns && !['global', 'local'].includes(ns) ? ns : vsNamespace };
  }
  if (router.lbWeight) {
    const service = router.lbWeight.to?.service ?? router.lbWeight.targets?.[0]?.to.service ?? '';
    const [a, b] = service.split('/');
    return b === undefined ? { namespace: shiftNamespace, name: a ?? '' } : { namespace: a ?? shiftNamespace, name: b };
  }
  const to = router.httpRoute!.to;
  return { namespace: to.namespace ?? shiftNamespace, name: to.backendRef };
}

/** The checks of `spec.gates`, each rendered into one PromQL query over the "to" workload. */
export function resolveShiftChecks(spec: TrafficShiftSpec, reporter: Reporter, shiftNamespace: string): ResolvedCheck[] {
  const gates = spec.gates;
  if (!gates) return [];
  const workload = gates.workload ?? defaultWorkload(spec.router, shiftNamespace);
  const scope = { namespace: workload.namespace, workload: workload.name, interval: gates.window ?? spec.interval, reporter };
  return gates.checks.map((c, i) => resolveCheck(c, scope, { fieldPath: `spec.gates.checks[${i}]` }));
}
