// The kubectl-style cluster flags (--kubeconfig, --context) shared by every command that talks to a cluster.
import { Option, type Command } from 'commander';
import { didYouMean } from '../closest-word.js';
import { UsageError } from '../errors.js';
import type { Cluster } from '../kube/cluster.js';
import { sanitizeTerminalText } from '../terminal-text.js';
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

/**
 * Refuses (exit 2) any of `names` the kubeconfig does not define, before anything else runs: a command that only
 * opens a context when it needs one (a shift whose targets name theirs, a file-only `vm twin`) would otherwise
 * ignore a mistyped --context. With `kubeconfigOptional`, a run that finds no kubeconfig at all checks nothing
 * (it writes files naming the contexts of another machine).
 */
export async function requireContexts(names: readonly string[], flags: Pick<ClusterFlags, 'kubeconfig'>, opts: { kubeconfigOptional?: boolean } = {}): Promise<void> {
  if (names.length === 0) return;
  const { kubeconfigFiles, listContexts } = await import('../kube/kubeconfig.js');
  const kc = flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {};
  let known: string[];
  try {
    known = (await listContexts(kc)).map((c) => c.name);
  } catch (err) {
    if (opts.kubeconfigOptional && !flags.kubeconfig && err instanceof UsageError && /no kubeconfig found/.test(err.message)) return;
    throw err;
  }
  for (const name of names) {
    if (known.includes(name)) continue;
    const list = known.length ? `known contexts: ${known.join(', ')}` : 'it defines no contexts';
    throw new UsageError(sanitizeTerminalText(`context "${name}" not found in ${kubeconfigFiles(kc).join(', ')}${didYouMean(name, known)}; ${list}`, { oneLine: true }));
  }
}
