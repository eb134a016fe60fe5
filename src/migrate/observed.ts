// What the engine reads from the cluster, as plain data: filled by observe.ts, read by plan and reconcile.
import type { Untouchable, Workload, WorkloadRef } from './cluster/workloads.js';

/** The cluster as plan sees it. */
export interface ClusterSnapshot {
  /** The revision the source was discovered to be. */
  sourceRevision: string;
  /** Namespaces named by the waves: labels, or null when missing. */
  namespaces: Record<string, Record<string, string> | null>;
  /** Workloads of the waves' namespaces. */
  workloads: Workload[];
  /** What the waves never touch. */
  untouchable: Untouchable[];
  /** Gateways named by the waves (`ns/name` → workload, or null when missing). */
  gateways: Record<string, Workload | null>;
}

/** `Kind ns/name`, the way plans, statuses and journals name a workload. */
export function workloadRef(w: Pick<WorkloadRef, 'kind' | 'namespace' | 'name'>): string {
  return `${w.kind} ${w.namespace}/${w.name}`;
}

/** The reverse of workloadRef. */
export function parseWorkloadRef(ref: string): WorkloadRef {
  const m = /^(Deployment|StatefulSet|DaemonSet|Rollout) ([^/]+)\/(.+)$/.exec(ref);
  if (!m) throw new TypeError(`not a workload reference: ${ref}`);
  return { kind: m[1] as WorkloadRef['kind'], namespace: m[2]!, name: m[3]! };
}
