// Which workload a shift's checks look at ("to", as Istio's metrics name it), seen by the router's reporter, and its checks resolved.
import type { Reporter, ResolvedCheck } from '../gates/templates.js';
import { resolveCheck } from '../gates/templates.js';
import { workloadOfHost } from '../dataplane/shift-sides.js';
import type { RouterSpec } from '../routers/spec.js';
import type { TrafficShiftSpec } from './spec.js';

/** The "to" workload of a router as a first guess: Istio names a Service's pods' workload after it in most installs. */
export function defaultWorkload(router: RouterSpec, shiftNamespace: string): { namespace: string; name: string } {
  if (router.virtualService) {
    // A short host is in the VirtualService's namespace (Istio's rule); the same reading as `lab traffic`'s.
    const w = workloadOfHost(router.virtualService.to.host, router.virtualService.targets[0]?.namespace ?? shiftNamespace);
    return { namespace: w.namespace, name: w.workload };
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
