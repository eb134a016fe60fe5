// `meshferry install`: plan a target mesh from a MeshTopology, and build remote secrets.
import type { Command } from 'commander';
import { registerInstallPlan } from './plan.js';
import { registerInstallRemoteSecret } from './remote-secret.js';

/** Registers `install` and its subcommands. */
export function registerInstall(program: Command): void {
  const install = program
    .command('install')
    .summary('plan the target mesh (IstioOperator, Helm values, runbook) and build remote secrets')
    .description(
      'Stand up the target mesh from one declarative MeshTopology file.\n\n' +
        '  install plan            topology → one IstioOperator per cluster, Helm values, expose-istiod, runbook\n' +
        '  install remote-secret   the Secret a primary\'s istiod reads to watch a remote cluster',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry install plan examples/topology-tcm-replacement.yaml --output-dir plan/
  $ meshferry install remote-secret --context cls-remote --name cls-remote | kubectl apply -f - --context cls-primary`,
    );
  registerInstallPlan(install);
  registerInstallRemoteSecret(install);
}
