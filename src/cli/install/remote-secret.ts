// `meshferry install remote-secret`: the Secret a primary's istiod reads to watch a remote cluster.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { buildRemoteSecret } from '../../install/remote-secret-live.js';
import { writeRemoteSecret } from '../../install/remote-secret-file.js';
import { addClusterFlags, connect, type ClusterFlags } from '../cluster-flags.js';
import { log, writeStdout } from '../io.js';
import { formatOption, outputFileOption, renderObjects } from '../output-flags.js';

export interface RemoteSecretFlags extends ClusterFlags {
  name?: string;
  output: string;
  outputFile?: string;
  server?: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Builds the Secret from the remote context and prints it (or writes it 0600); returns what was created. */
export async function runRemoteSecret(flags: RemoteSecretFlags): Promise<string[]> {
  if (!flags.name) throw new UsageError('give --name: the cluster name the primary will know this remote by (its Istio clusterName)');
  if (!DNS_LABEL.test(flags.name)) throw new UsageError(`--name "${flags.name}" is not a DNS label (lower-case letters, digits and '-')`);
  if (flags.server && !/^https?:\/\/[^\s/]+/.test(flags.server)) throw new UsageError(`--server "${flags.server}" is not an http(s) URL`);
  if (flags.outputFile === '') throw new UsageError('--output-file needs a file name');
  const cluster = await connect(flags);
  try {
    const { secret, created } = await buildRemoteSecret(cluster, {
      name: flags.name,
      ...(flags.server ? { server: flags.server } : {}),
      log: (m) => log.info(`remote-secret: ${m}`),
    });
    const text = renderObjects([secret], flags.output);
    if (flags.outputFile !== undefined) {
      // It holds a bearer token: owner-only, and written whole or not at all.
      await writeRemoteSecret(flags.outputFile, secret, text);
      log.info(`remote-secret: wrote Secret istio-system/${secret.metadata.name} to ${flags.outputFile} (mode 0600)`);
    } else await writeStdout(text);
    if (created.length === 0) log.info(`remote-secret: context "${cluster.connection.contextName}" already had the reader account, RBAC and token`);
    return created;
  } finally {
    cluster.close();
  }
}

/** Adds `install remote-secret` to the `install` command. */
export function registerInstallRemoteSecret(install: Command): void {
  const cmd = install
    .command('remote-secret')
    .summary("print the Secret a primary's istiod reads to watch this remote cluster")
    .description(
      'Read the remote cluster (--context) and print the Secret istio-remote-secret-<name> for its primary: label ' +
        'istio/multiCluster=true, annotation networking.istio.io/cluster=<name>, and stringData <name>: a kubeconfig ' +
        'holding the token of ServiceAccount istio-system/istio-reader-service-account. When the remote lacks that ' +
        'account, its read-only ClusterRole and binding, or its token Secret, they are created (field manager meshferry); ' +
        'existing ones are left alone. The token is never logged; with --output-file the file is written with mode 0600.',
    )
    .option('--name <cluster>', "the remote's cluster name, as the topology and its IstioOperator name it (required)")
    .addOption(formatOption(['yaml', 'json'], { writes: 'file' }))
    .addOption(outputFileOption('write the Secret to this file (mode 0600, atomically) instead of stdout'))
    .option('--server <url>', "API server URL the primary's istiod should use (default: the kubeconfig's server for --context)");
  addClusterFlags(cmd, "the remote cluster's kubeconfig context (default: the current context)")
    .addHelpText(
      'after',
      `
Examples:
  # Attach cls-remote to the primary's istiod (what istioctl create-remote-secret does)
  $ meshferry install remote-secret --context cls-remote --name cls-remote | kubectl apply -f - --context cls-primary

  # Keep it in a file first (mode 0600), for review or a GitOps secret store
  $ meshferry install remote-secret --context cls-remote --name cls-remote --output-file cls-remote.secret.yaml

  # The primary reaches the remote's API server through another address than yours
  $ meshferry install remote-secret --context cls-remote --name cls-remote --server https://10.0.3.4:6443`,
    )
    .action(async (flags: RemoteSecretFlags) => {
      await runRemoteSecret(flags);
    });
}
