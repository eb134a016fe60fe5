// What a CrossCluster migration runs with beside its home cluster: a cluster set over the kubeconfig's contexts the file names, and the engine's hooks (shifts, quiet checks, remote secrets, finish checks).
import type { Cluster } from '../../kube/cluster.js';
import { MigrationClusters } from '../../migrate/clusters.js';
import type { CrossHooks } from '../../migrate/cross/observe-cross.js';
import { contextsOf, type MeshMigrationSpec } from '../../migrate/spec.js';
import { KubeconfigClusterSet } from '../../traffic/routers/cluster-set.js';
import type { ClusterFlags } from '../cluster-flags.js';

/** The clusters and hooks of one CrossCluster run; `close()` releases the other contexts' connections. */
export interface CrossRun {
  clusters: MigrationClusters;
  cross: CrossHooks;
  close(): void;
}

/**
 * Opens (lazily) every context the migration names, through one set the routers share. Only those contexts: a
 * journal entry naming another is refused (MigrationClusters).
 */
export function crossRun(home: Cluster, spec: MeshMigrationSpec, flags: ClusterFlags): CrossRun {
  const set = new KubeconfigClusterSet(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {});
  const clusters = new MigrationClusters(home.client, { set, allowed: contextsOf(spec) });
  return { clusters, cross: {}, close: () => set.close() };
}
