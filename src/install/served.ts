// Looks up resources every conformant cluster serves (core/v1, rbac/v1), naming the cluster when one is missing.
import { ClusterError } from '../errors.js';
import type { Cluster } from '../kube/cluster.js';
import type { ServedResource } from '../kube/discovery.js';

/** The served resource for group/version/kind; a cluster without it cannot host what install needs. */
export function servedResource(cluster: Pick<Cluster, 'discovery' | 'connection'>, group: string, version: string, kind: string): ServedResource {
  const r = cluster.discovery.resourceAt(group, version, kind);
  if (!r) throw new ClusterError('NotServed', `context "${cluster.connection.contextName}" does not serve ${group ? `${group}/` : ''}${version} ${kind}`, { context: cluster.connection.contextName });
  return r;
}
