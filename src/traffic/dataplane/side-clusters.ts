// Which cluster each end of `lab traffic`'s requests runs in (`--cluster NAME` or `--cluster from=A,to=B[,client=C]`).
import { UsageError } from '../../errors.js';

/**
 * Istio's cluster id per end: `from` and `to` are the shift's two sides (the gateways in gateway mode, the two
 * workloads in sidecar mode); `client` is the sidecar-mode client `lab-traffic` (default: the `from` cluster).
 */
export interface SideClusters {
  from: string;
  to: string;
  client?: string;
}

/** Istio's cluster id when none is set (istio/istio pkg/config/constants/constants.go `DefaultClusterName`). */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

// A cluster id as Istio's multicluster install names it (values.global.multiCluster.clusterName); no separators
// of this flag's own syntax, so `a=b,c` cannot be misread.
const CLUSTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const KEYS = ['from', 'to', 'client'] as const;

function checkId(raw: string, id: string): string {
  if (!CLUSTER_ID.test(id)) throw new UsageError(`--cluster ${raw}: "${id}" is not a cluster id (letters, digits, ".", "_" and "-", starting with a letter or digit)`);
  return id;
}

/**
 * Reads `--cluster`: one id for every end (`--cluster primary`), or one per end (`from=tcm,to=remote`, both
 * required, `client` optional). Absent: every end in Istio's default cluster.
 */
export function parseClusterFlag(raw: string | undefined): Required<SideClusters> {
  if (raw === undefined) return { from: DEFAULT_CLUSTER_ID, to: DEFAULT_CLUSTER_ID, client: DEFAULT_CLUSTER_ID };
  if (!raw.includes('=')) {
    const id = checkId(raw, raw);
    return { from: id, to: id, client: id };
  }
  const got: Partial<Record<(typeof KEYS)[number], string>> = {};
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq);
    if (eq < 0 || !(KEYS as readonly string[]).includes(key))
      throw new UsageError(`--cluster ${raw}: expected NAME, or KEY=NAME pairs with KEY from, to or client, e.g. --cluster from=tcm,to=remote`);
    const k = key as (typeof KEYS)[number];
    if (got[k] !== undefined) throw new UsageError(`--cluster ${raw}: "${k}" is given twice`);
    got[k] = checkId(raw, part.slice(eq + 1));
  }
  if (got.from === undefined || got.to === undefined) throw new UsageError(`--cluster ${raw}: name both sides, e.g. --cluster from=tcm,to=remote`);
  return { from: got.from, to: got.to, client: got.client ?? got.from };
}

/** The clusters of every end, from a data plane's `cluster` option (one id, one per side, or none). */
export function resolveSideClusters(cluster: string | SideClusters | undefined): Required<SideClusters> {
  if (cluster === undefined) return { from: DEFAULT_CLUSTER_ID, to: DEFAULT_CLUSTER_ID, client: DEFAULT_CLUSTER_ID };
  if (typeof cluster === 'string') return { from: cluster, to: cluster, client: cluster };
  return { from: cluster.from, to: cluster.to, client: cluster.client ?? cluster.from };
}
