// `meshferry install plan`: a MeshTopology file → IstioOperators, Helm values, expose-istiod, namespaces and a runbook.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { InputErrors, UsageError } from '../../errors.js';
import { loadTopology } from '../../install/topology-load.js';
import { missingPilotAddresses, planInstall } from '../../install/plan.js';
import { writePlan } from '../../install/plan-files.js';
import { primariesToResolve, resolvePilotAddresses } from '../../install/pilot-address.js';
import { formatFieldPath } from '../../install/topology.js';
import { servedResource } from '../../install/served.js';
import { addClusterFlags, connect, type ClusterFlags } from '../cluster-flags.js';
import { log, writeStdout } from '../io.js';
import { formatOption, outputDirOption } from '../output-flags.js';

export interface InstallPlanFlags extends ClusterFlags {
  output: string;
  outputDir?: string;
  splitGateways?: boolean;
}

/** Loads, resolves live addresses when asked, plans and writes; returns the files written (none when printed). */
export async function runInstallPlan(topologyFile: string, flags: InstallPlanFlags): Promise<string[]> {
  if (flags.outputDir === '') throw new UsageError('--output-dir needs a folder name');
  if (flags.outputDir !== undefined && flags.output !== 'yaml')
    throw new UsageError(`--output-dir writes the plan's files; -o ${flags.output} applies to the plan printed on stdout (leave out --output-dir)`);
  const { topology, locate } = await loadTopology(topologyFile);
  let pilotAddresses: Record<string, string> = {};
  const missing = missingPilotAddresses(topology);
  if (missing.length > 0 && !flags.context)
    throw new InputErrors(
      `${missing.length === 1 ? 'a remote has' : `${missing.length} remotes have`} no remotePilotAddress; set it, or pass --context <kube context of ${primariesToResolve(topology).join(' / ')}> to read the live istio-eastwestgateway address:`,
      missing.map((m) => ({
        message: `remote ${m.cluster.name} has no remotePilotAddress`,
        position: locate(m.path),
        fieldPath: formatFieldPath([...m.path, 'remotePilotAddress']),
      })),
      'MissingPilotAddress',
    );
  if (missing.length > 0) {
    const cluster = await connect(flags);
    try {
      const services = servedResource(cluster, '', 'v1', 'Service');
      pilotAddresses = await resolvePilotAddresses(topology, (ns, name) => cluster.client.get(services, ns, name), cluster.connection.contextName);
    } finally {
      cluster.close();
    }
    for (const [remote, address] of Object.entries(pilotAddresses)) log.info(`install plan: ${remote} uses remotePilotAddress ${address} (live, context ${flags.context})`);
  } else if (flags.context) log.info('install plan: every remote has remotePilotAddress; --context was not needed');
  const plan = planInstall(topology, { splitGateways: flags.splitGateways === true, pilotAddresses });
  if (flags.outputDir === undefined) {
    await writeStdout(flags.output === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : stringify(plan, { lineWidth: 0 }));
    log.info(`install plan: printed the plan for ${plan.clusters.length} cluster(s); write its files (IstioOperators, Helm values, RUNBOOK.md) with --output-dir DIR`);
    return [];
  }
  const files = await writePlan(flags.outputDir, plan);
  log.info(
    `install plan: wrote ${files.length} files for ${plan.clusters.length} cluster(s) to ${flags.outputDir}/; follow ${flags.outputDir}/RUNBOOK.md (${plan.steps.length} steps)`,
  );
  return files;
}

/** Adds `install plan` to the `install` command. */
export function registerInstallPlan(install: Command): void {
  const cmd = install
    .command('plan')
    .summary('turn a MeshTopology into IstioOperators, Helm values and a runbook')
    .description(
      'Read a MeshTopology (apiVersion meshferry.dev/v1alpha1, validated by schemas/mesh-topology.schema.json) and write ' +
        'everything needed to stand the mesh up into one folder (--output-dir), atomically (a non-empty folder meshferry did not write is refused). ' +
        'Without --output-dir the plan itself is printed on stdout as YAML (-o json: the plan.json of the folder). ' +
        'Only --context touches a cluster: it reads the live istio-eastwestgateway Service of the primary (its load balancer IP ' +
        'or host name) for remotes that omit remotePilotAddress. A bad topology exits 2 naming file:line and the field path of every problem.',
    )
    .argument('<topology>', 'MeshTopology file (YAML or JSON), or - for stdin')
    .addOption(outputDirOption('folder to write the plan files into (see "Files written" below)'))
    .addOption(formatOption(['yaml', 'json'], { writes: 'dir' }))
    .option('--split-gateways', 'emit separate gateway IstioOperators (name: eastwest / ingress, profile: empty)');
  addClusterFlags(cmd, "kube context of the primary whose live east-west gateway gives remotes' remotePilotAddress")
    .addHelpText(
      'after',
      `
Files written:
  <cluster>/istio-operator.yaml     exactly one IstioOperator per cluster. Primary: meshID, clusterName, network,
                                    externalIstiod, the east-west gateway with the cloud's annotations. Remote:
                                    profile remote, remotePilotAddress. Ingress gateways with namespaces and annotations.
  <cluster>/eastwest-gateway.yaml   with --split-gateways, gateways get their own IstioOperators instead
  <cluster>/ingress-gateways.yaml     (name eastwest / ingress, profile empty, as Istio's gen-eastwest-gateway.sh)
  <primary>/expose-istiod.yaml      Gateway istiod-gateway + VirtualService istiod-vs, when the primary has remotes
  <primary>/expose-services.yaml    Gateway cross-network-gateway, when the mesh spans several networks
  <cluster>/system-namespaces.yaml  istio-system with its network label (and control-plane cluster), gateway namespaces
  <cluster>/namespaces.yaml         injection labels for spec.namespaces
  <cluster>/helm-values/            the same install as values for Istio's base, istiod and gateway charts
  RUNBOOK.md                        the ordered steps with exact istioctl / kubectl commands
  plan.json                         the same plan as data

Examples:
  # Plan the TCM replacement from the README and read the runbook
  $ meshferry install plan examples/topology-tcm-replacement.yaml --output-dir plan/
  $ less plan/RUNBOOK.md

  # Remotes omit remotePilotAddress: read the address from the primary's live east-west gateway
  $ meshferry install plan topology.yaml --output-dir plan/ --context prod-primary

  # Istio's alternative style: gateways in their own IstioOperators
  $ meshferry install plan topology.yaml --output-dir plan/ --split-gateways

  # The plan as data, for scripts
  $ meshferry install plan topology.yaml -o json | jq '.clusters[].name'

  # Check every IstioOperator with the real istioctl
  $ for f in plan/*/istio-operator.yaml; do istioctl manifest generate -f "$f" >/dev/null; done`,
    )
    .action(async (topology: string, flags: InstallPlanFlags) => {
      await runInstallPlan(topology, flags);
    });
}
