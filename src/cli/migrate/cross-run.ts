// What a CrossCluster migration runs with beside its home cluster: a cluster set over the kubeconfig's contexts the file names, and the engine's hooks (shifts, quiet checks, remote secrets, finish checks).
import type { Cluster } from '../../kube/cluster.js';
import { MigrationClusters } from '../../migrate/clusters.js';
import type { CrossHooks } from '../../migrate/cross/observe-cross.js';
import { contextsOf, type MeshMigration } from '../../migrate/spec.js';
import { CONFIG_BASE_ANNOTATION } from '../../migrate/config.js';
import { EngineShifts } from '../../migrate/cross/engine-shifts.js';
import { WaveShifts } from '../../migrate/cross/wave-shifts.js';
import { KubeconfigClusterSet } from '../../traffic/routers/cluster-set.js';
import type { ClusterSet } from '../../traffic/routers/router.js';
import type { ClusterFlags } from '../cluster-flags.js';

/** The clusters and hooks of one CrossCluster run; `close()` releases the other contexts' connections. */
export interface CrossRun {
  clusters: MigrationClusters;
  /**
   * The routers' clusters: only the contexts the migration names (a shift's router, or a journaled TrafficShift a
   * rollback reverses, naming another context is refused), each opened once.
   */
  set: ClusterSet;
  cross: CrossHooks;
  /** Records what the shift runners hold in memory, then releases the other contexts' connections. */
  close(): Promise<void>;
}

/**
 * Opens (lazily) every context the migration names, through one set the routers share. Only those contexts: a
 * journal entry naming another is refused (MigrationClusters).
 */
export function crossRun(home: Cluster, m: Pick<MeshMigration, 'spec' | 'metadata'>, flags: ClusterFlags, onWarning: (message: string) => void): CrossRun {
  const set = new KubeconfigClusterSet(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {});
  const clusters = new MigrationClusters(home.client, { set, allowed: contextsOf(m.spec) });
  const routers: ClusterSet = { client: (context) => clusters.clientFor(context, `a TrafficShift router target in context "${context ?? clusters.homeContext}"`) };
  // The shift files' folder: the MeshMigration file's, recorded by apply (and checked against the apply record by resume and retry).
  const base = m.metadata.annotations?.[CONFIG_BASE_ANNOTATION];
  const shifts = base === undefined ? undefined : new EngineShifts(new WaveShifts({ home: home.client, set: routers, base, onWarning }), home.client);
  return {
    clusters,
    set: routers,
    cross: shifts ? { shifts } : {},
    close: async () => {
      try {
        await shifts?.flush();
      } finally {
        set.close();
      }
    },
  };
}
