// `lab traffic --call SRC=DST[@CLUSTER]`: service-to-service calls made by each request that reaches SRC, and chains of them.
import { UsageError } from '../../errors.js';
import type { RequestEnd } from './request-labels.js';

/** A workload as Istio names it in metrics. */
interface Workload {
  workload: string;
  namespace: string;
}

/** One `--call`: every request that reaches `caller` also makes one request from it to `callee`. */
export interface CallSpec {
  caller: Workload;
  /** The callee's Service carries its workload's name, as in Istio's samples (and shift-sides.ts). */
  callee: Workload & { service: string };
  /** The callee's cluster; absent: the caller's (the callee runs on the same side as its caller). */
  cluster?: string;
}

/** A request one call makes: from the caller (in its cluster) to the callee (in its cluster). */
export interface CallRequest {
  source: RequestEnd;
  destination: RequestEnd;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const CLUSTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const keyOf = (w: Workload): string => `${w.namespace}/${w.workload}`;

function workloadRef(raw: string, ref: string): Workload {
  const parts = ref.split('/');
  if (parts.length !== 2 || !NAME.test(parts[0]!) || !NAME.test(parts[1]!))
    throw new UsageError(`--call ${raw}: "${ref}" is not NAMESPACE/WORKLOAD, e.g. --call shop/frontend=payments/payments`);
  return { namespace: parts[0]!, workload: parts[1]! };
}

/** Reads one `--call CALLER=CALLEE[@CLUSTER]`, both `namespace/workload`. */
export function parseCall(raw: string): CallSpec {
  const eq = raw.indexOf('=');
  if (eq < 0) throw new UsageError(`--call ${raw}: expected CALLER=CALLEE[@CLUSTER], e.g. --call shop/frontend=payments/payments@remote`);
  const at = raw.indexOf('@', eq);
  const caller = workloadRef(raw, raw.slice(0, eq));
  const callee = workloadRef(raw, raw.slice(eq + 1, at < 0 ? undefined : at));
  const spec: CallSpec = { caller, callee: { ...callee, service: callee.workload } };
  if (at >= 0) {
    const cluster = raw.slice(at + 1);
    if (!CLUSTER_ID.test(cluster)) throw new UsageError(`--call ${raw}: "${cluster}" is not a cluster id (letters, digits, ".", "_" and "-")`);
    spec.cluster = cluster;
  }
  return spec;
}

/**
 * Refuses a call given twice and a loop (A calls B calls A, or A calls A): a request would call forever. The loop
 * is named in call order.
 */
export function checkCalls(calls: readonly CallSpec[]): void {
  const seen = new Set<string>();
  const callees = new Map<string, string[]>();
  for (const c of calls) {
    const edge = `${keyOf(c.caller)}=${keyOf(c.callee)}`;
    if (seen.has(edge)) throw new UsageError(`--call ${edge} is given twice: each call is one request per request that reaches ${keyOf(c.caller)}`);
    seen.add(edge);
    callees.set(keyOf(c.caller), [...(callees.get(keyOf(c.caller)) ?? []), keyOf(c.callee)]);
  }
  const done = new Set<string>();
  const visit = (node: string, path: string[]): void => {
    const at = path.indexOf(node);
    if (at >= 0) throw new UsageError(`--call makes a loop: ${[...path.slice(at), node].join(' → ')}; each request would call forever`);
    if (done.has(node)) return;
    for (const next of callees.get(node) ?? []) visit(next, [...path, node]);
    done.add(node);
  };
  for (const c of calls) visit(keyOf(c.caller), []);
}

/**
 * The requests that one request reaching `reached` (in `cluster`) makes through the calls, depth first in flag
 * order: its own calls, each followed by its callee's calls. Each callee runs in the call's cluster, else in its
 * caller's. The calls must have passed `checkCalls`.
 */
export function callsFrom(reached: Workload, cluster: string, calls: readonly CallSpec[]): CallRequest[] {
  const out: CallRequest[] = [];
  const walk = (caller: Workload, callerCluster: string): void => {
    for (const c of calls) {
      if (keyOf(c.caller) !== keyOf(caller)) continue;
      const calleeCluster = c.cluster ?? callerCluster;
      out.push({
        source: { workload: caller.workload, namespace: caller.namespace, cluster: callerCluster },
        destination: { workload: c.callee.workload, namespace: c.callee.namespace, service: c.callee.service, cluster: calleeCluster },
      });
      walk(c.callee, calleeCluster);
    }
  };
  walk(reached, cluster);
  return out;
}

/** The callers no request reaches: neither one of `entries` nor reached through other calls (a typo, most likely). */
export function unreachedCallers(calls: readonly CallSpec[], entries: readonly Workload[]): string[] {
  const reached = new Set(entries.map(keyOf));
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of calls)
      if (reached.has(keyOf(c.caller)) && !reached.has(keyOf(c.callee))) {
        reached.add(keyOf(c.callee));
        grew = true;
      }
  }
  return [...new Set(calls.map((c) => keyOf(c.caller)).filter((k) => !reached.has(k)))];
}
