// What the engine reads from the cluster, as plain data: workloads, namespaces, pods' injection; filled by observe.ts, read by plan and reconcile.

/** The kinds the engine restarts. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Rollout';

/** A workload the engine may restart. */
export interface WorkloadInfo {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** StatefulSet OnDelete is restarted by deleting its pods in reverse ordinal order. */
  strategy?: 'RollingUpdate' | 'OnDelete';
  /** The pod template's labels. */
  templateLabels: Record<string, string>;
  /** The pod template's `kubectl.kubernetes.io/restartedAt` (restartAt for a Rollout). */
  restartedAt?: string;
  /** A gateway named by a wave (moved by its pod-template revision label). */
  gateway?: boolean;
}

/** Something in a wave's namespaces the engine never touches, and why. */
export interface Untouchable {
  ref: string;
  reason: string;
}

/** One running pod's injection. */
export interface PodInjection {
  namespace: string;
  name: string;
  /** `Kind/name` of the workload it belongs to, when known. */
  owner?: string;
  /** Revision that injected it (annotation istio.io/rev, else sidecar.istio.io/status revision), or undefined when it has no sidecar. */
  revision?: string;
  /** The istio-proxy container's env. */
  proxyEnv: Record<string, string>;
  /** Running and not terminating (Completed pods are not counted). */
  counted: boolean;
}

/** The cluster as plan and reconcile see it. */
export interface ClusterSnapshot {
  /** The revision the source was discovered to be. */
  sourceRevision: string;
  /** Namespaces named by the waves: labels, or null when missing. */
  namespaces: Record<string, Record<string, string> | null>;
  /** Workloads per namespace of the waves. */
  workloads: Record<string, WorkloadInfo[]>;
  /** Untouchables per namespace of the waves. */
  untouchables: Record<string, Untouchable[]>;
  /** Gateways named by the waves (`ns/name` → workload, or null when missing). */
  gateways: Record<string, WorkloadInfo | null>;
}

/** `Kind ns/name`, the way plans, statuses and journals name a workload. */
export function workloadRef(w: Pick<WorkloadInfo, 'kind' | 'namespace' | 'name'>): string {
  return `${w.kind} ${w.namespace}/${w.name}`;
}
