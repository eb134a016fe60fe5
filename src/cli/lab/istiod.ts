// `meshferry lab istiod stop|start --revision R`: take one istiod revision of a running lab down and bring it back.
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { startLabIstiod, stopLabIstiod } from '../../lab/index.js';
import { log, positiveInt, style } from '../io.js';

interface IstiodFlags {
  dir: string;
  revision: string;
  cluster?: string;
  timeout: number;
}

/** Registers `lab istiod` under the `lab` command; `defaultDir` is the lab folder without --dir. */
export function registerLabIstiod(lab: Command, defaultDir: string): void {
  const istiod = lab
    .command('istiod')
    .summary('stop or start one istiod revision of a running lab')
    .description(
      'Stop or start one istiod revision of a running lab, in every cluster that runs it or only in --cluster. A ' +
        'stopped istiod keeps its webhook configurations, so pods of namespaces labelled for it cannot be created ' +
        '(failurePolicy: Fail), exactly as when a real injector goes down; `lab status` shows it Stopped. `start` ' +
        'runs it again on the same ports and returns once it injects sidecars again.',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry lab up --revisions default,canary
  $ meshferry lab istiod stop --revision canary
  $ meshferry lab status            # istiod-canary: Stopped, exit 1
  $ meshferry lab istiod start --revision canary --cluster lab`,
    );
  const common = (c: Command) =>
    c
      .option('--dir <dir>', 'lab folder', defaultDir)
      .requiredOption('--revision <rev>', 'the istiod revision (as given to `lab up --revisions`)')
      .option('--cluster <name>', 'only this cluster (default: every cluster that runs the revision)')
      .option('--timeout <seconds>', 'limit for the readiness wait after start', positiveInt, 180);
  const examples = (verb: string, extra: string) =>
    `
Examples:
  $ meshferry lab istiod ${verb} --revision canary
  $ meshferry lab istiod ${verb} --revision canary --cluster east${extra}`;
  common(istiod.command('stop').summary('stop one istiod revision (its webhooks then fail)'))
    .addHelpText('after', examples('stop', '\n  $ meshferry lab status            # istiod-canary: Stopped, exit 1'))
    .action(async (flags: IstiodFlags) => {
    const r = await stopLabIstiod(flags.dir, { revision: flags.revision, cluster: flags.cluster, log: (m) => log.info(style.dim(m)) });
    if (!r.clusters.some((c) => c.changed)) log.info(`lab: istiod ${flags.revision} was not running`);
    process.exitCode = ExitCode.ok;
  });
  common(istiod.command('start').summary('start a stopped istiod revision and wait until it injects'))
    .addHelpText('after', examples('start', ' --timeout 300'))
    .action(async (flags: IstiodFlags) => {
    const r = await startLabIstiod(flags.dir, { revision: flags.revision, cluster: flags.cluster, timeoutMs: flags.timeout * 1000, log: (m) => log.info(style.dim(m)) });
    if (!r.clusters.some((c) => c.changed)) log.info(`lab: istiod ${flags.revision} already runs`);
    process.exitCode = ExitCode.ok;
  });
}
