// The kubectl-style cluster flags (--kubeconfig, --context) shared by every command that talks to a cluster.
import { Option, type Command } from 'commander';
import type { Cluster } from '../kube/cluster.js';
import { log } from './io.js';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
}

/** Adds --kubeconfig and --context to a command; `contextHelp` says what the context is for, where that differs. */
export function addClusterFlags(cmd: Command, contextHelp = 'kubeconfig context to use (default: the current context)'): Command {
  return cmd
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'))
    .addOption(new Option('--context <name>', contextHelp));
}

/** Connects to the flags' cluster; retries are announced on stderr so a slow cluster does not look hung. */
export async function connect(flags: ClusterFlags): Promise<Cluster> {
  // Loaded here, not at the top: the cluster client (HTTPS, TLS, kubeconfig) is not needed by a file-only run.
  const { openCluster } = await import('../kube/cluster.js');
  return openCluster({
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    transport: {
      onRetry: ({ attempt, delayMs, reason, what }) =>
        log.info(`retrying (${attempt}) in ${(delayMs / 1000).toFixed(1)}s: ${what}: ${reason}`),
    },
  });
}
