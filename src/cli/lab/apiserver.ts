// `meshferry lab apiserver stop|start --cluster NAME`: take one cluster's API server down (etcd keeps its data) and bring it back.
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { startApiServer, stopApiServer } from '../../lab/index.js';
import { log, positiveInt, style } from '../io.js';

export interface ApiServerFlags {
  dir: string;
  cluster: string;
  timeout: number;
}

/** Registers `lab apiserver` under the `lab` command; `defaultDir` is the lab folder without --dir. */
export function registerLabApiServer(lab: Command, defaultDir: string): void {
  const apiserver = lab
    .command('apiserver')
    .summary("stop or start one cluster's kube-apiserver (etcd and its data stay)")
    .description(
      'Stop or start the kube-apiserver of one cluster of a running lab. etcd, the controllers and istiod keep ' +
        'running and the cluster keeps its objects. While it is stopped, its address refuses connections, so ' +
        'meshferry commands against that context fail as with an unreachable cluster (exit 3) and `lab status` ' +
        'shows it Stopped. `start` runs it again with the arguments it was first started with (same port, ' +
        'certificates and tokens: every kubeconfig of the lab keeps working) and returns once /readyz answers.',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry lab up --clusters primary,remote
  $ meshferry lab apiserver stop --cluster remote
  $ meshferry lab status            # remote kube-apiserver: Stopped, exit 1
  $ meshferry lab apiserver start --cluster remote`,
    );
  const common = (c: Command) =>
    c
      .option('--dir <dir>', 'lab folder', defaultDir)
      .requiredOption('--cluster <name>', 'the cluster whose API server to stop or start (as given to `lab up --clusters`)')
      .option('--timeout <seconds>', 'limit for each wait (the port to close, /readyz)', positiveInt, 180);
  common(apiserver.command('stop').summary("stop one cluster's API server and wait until its port refuses connections"))
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry lab apiserver stop --cluster remote
  $ meshferry lab apiserver stop --cluster east --dir /tmp/lab`,
    )
    .action(async (flags: ApiServerFlags) => {
      await stopApiServer(flags.dir, flags.cluster, { timeoutMs: flags.timeout * 1000, log: (m) => log.info(style.dim(m)) });
      process.exitCode = ExitCode.ok;
    });
  common(apiserver.command('start').summary('start a stopped API server again and wait until /readyz answers'))
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry lab apiserver start --cluster remote
  $ meshferry lab apiserver start --cluster east --dir /tmp/lab --timeout 300`,
    )
    .action(async (flags: ApiServerFlags) => {
      await startApiServer(flags.dir, flags.cluster, { timeoutMs: flags.timeout * 1000, log: (m) => log.info(style.dim(m)) });
      process.exitCode = ExitCode.ok;
    });
}
