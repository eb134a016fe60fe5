// Kubeconfig files for the lab: one for people and tools (a context per cluster), one per cluster for components.
import { stringify } from 'yaml';
import { writeFileAtomic } from '../resources/yaml-write.js';

export interface KubeconfigCluster {
  name: string;
  server: string;
  token: string;
}

/**
 * Renders a kubeconfig with one cluster, user and context per lab cluster; the context is named after the
 * cluster so `kubectl --context east` reads naturally. The first cluster is the current context.
 */
export function renderKubeconfig(clusters: readonly KubeconfigCluster[], caPem: string): string {
  const caData = Buffer.from(caPem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.server, 'certificate-authority-data': caData } })),
    users: clusters.map((c) => ({ name: `${c.name}-admin`, user: { token: c.token } })),
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: `${c.name}-admin` } })),
    'current-context': clusters[0]?.name ?? '',
  });
}

/** Writes a kubeconfig with mode 0600 (it holds bearer tokens). */
export async function writeKubeconfig(file: string, clusters: readonly KubeconfigCluster[], caPem: string): Promise<void> {
  await writeFileAtomic(file, renderKubeconfig(clusters, caPem), 0o600);
}
