// `meshferry lab up|down|status`: real local Kubernetes clusters with istiod revisions, on loopback.
import os from 'node:os';
import path from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ExitCode, UsageError } from '../../errors.js';
import { labStatus, startLab, startLabPrometheus, stopLab } from '../../lab/index.js';
import type { IstiodCaMode, Lab, LabRevisions, LabStatus } from '../../lab/index.js';
import { addLabPrometheus, checkPrometheusInstalled } from './prometheus.js';
import { registerLabTraffic } from './traffic.js';
import { collectList, log, positiveInt, renderTable, style, writeStdout } from '../io.js';
import { formatOption } from '../output-flags.js';
import type { OutputFormat } from '../io.js';
import { onInterrupt } from '../lifecycle.js';
import { registerLabIstiod } from './istiod.js';
import { registerLabApiServer } from './apiserver.js';

/** Where `lab` commands keep the lab without --dir: $MESHFERRY_LAB_DIR, else ~/.cache/meshferry/labs/default. */
export function defaultLabDir(): string {
  return process.env.MESHFERRY_LAB_DIR || path.join(os.homedir(), '.cache', 'meshferry', 'labs', 'default');
}

export interface LabUpFlags {
  dir: string;
  clusters?: string[];
  /** As given: `r1,r2` (every cluster) or `cluster=rev,...` (per cluster); see parseRevisionsFlag. */
  revisions?: string[];
  istiod: boolean;
  /** `shared` (default) or `per-cluster`: see StartLabOptions.istiodCa. */
  istiodCa?: IstiodCaMode;
  nodes: number;
  bare?: boolean;
  timeout: number;
  output: OutputFormat;
  prometheus?: boolean;
  prometheusPort?: number;
}

/**
 * Reads `--revisions`: `default,canary` starts both in every cluster (a list); `tcm=1-18-5,primary=1-31-1` gives
 * each named cluster its own (a map; a cluster named twice gets both, one not named gets none). A mix of the two
 * forms is refused, since it is unclear whether the plain names were meant for every cluster or for one.
 */
export function parseRevisionsFlag(items: readonly string[]): LabRevisions {
  const perCluster = items.filter((i) => i.includes('='));
  if (perCluster.length === 0) return [...items];
  if (perCluster.length < items.length) {
    const plain = items.find((i) => !i.includes('=')) ?? '';
    throw new UsageError(
      `--revisions mixes the per-cluster form (${perCluster[0]}) with the every-cluster form (${plain}); use one: ` +
        '--revisions canary,stable starts both in every cluster, --revisions tcm=1-18-5,primary=1-31-1 one per cluster',
    );
  }
  const byCluster = new Map<string, string[]>();
  for (const item of items) {
    const m = /^([^=]+)=([^=]+)$/.exec(item);
    if (!m) throw new UsageError(`--revisions entry "${item}" is not <cluster>=<revision> (e.g. tcm=1-18-5)`);
    const [, cluster = '', revision = ''] = m;
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), revision]);
  }
  return Object.fromEntries(byCluster);
}

/** What `lab up` prints: everything needed to connect, never a token. */
export function labSummary(lab: Pick<Lab, 'dir' | 'kubeconfigPath' | 'caFile' | 'clusters'> & Partial<Pick<Lab, 'istiodCa'>>, prometheus?: string): Record<string, unknown> {
  return {
    dir: lab.dir,
    ...(prometheus ? { prometheus } : {}),
    kubeconfig: lab.kubeconfigPath,
    caFile: lab.caFile,
    istiodCa: lab.istiodCa ?? 'shared',
    clusters: lab.clusters.map((c) => ({
      name: c.name,
      context: c.context,
      server: c.server,
      nodes: c.nodes,
      // The certificate only: the CA's key stays in its file.
      ...(c.meshCa ? { meshRootFile: c.meshCa.rootCertFile } : {}),
      istiods: c.istiods.map((i) => ({
        revision: i.revision,
        default: i.isDefault,
        injectionUrl: i.injectionUrl,
        validationUrl: i.validationUrl,
        readyUrl: `http://127.0.0.1:${i.ports.http}/ready`,
      })),
    })),
  };
}

function renderSummary(lab: Lab, prometheus?: string): string {
  const rows = lab.clusters.map((c) => [
    c.context,
    c.server,
    String(c.nodes),
    c.istiods.map((i) => `${i.revision}${i.isDefault && i.revision !== 'default' ? ' (tag default)' : ''}`).join(', ') || (c.bare ? '(bare)' : '-'),
    c.istiods.map((i) => `https://localhost:${i.ports.https}`).join(', ') || '-',
  ]);
  return (
    renderTable(['context', 'server', 'nodes', 'istiod revisions', 'webhooks'], rows) +
    `\nkubeconfig: ${lab.kubeconfigPath}\n` +
    (lab.istiodCa === 'per-cluster' ? `istiod CA: one per cluster, different mesh roots (${path.join(lab.dir, 'pki', '<cluster>', 'cacerts', 'root-cert.pem')})\n` : '') +
    (prometheus ? `prometheus: ${prometheus} (scrapes every \`meshferry lab traffic\` of this lab each second)\n` : '') +
    '\n' +
    `  export KUBECONFIG=${lab.kubeconfigPath}\n` +
    `  kubectl --context ${lab.clusters[0]?.context ?? 'lab'} get nodes\n`
  );
}

/** Starts the lab and prints how to reach it; the processes keep running after the command returns. */
export async function runLabUp(flags: LabUpFlags): Promise<number> {
  const dir = path.resolve(flags.dir);
  const revisions = parseRevisionsFlag(flags.revisions ?? ['default']);
  if (flags.prometheusPort) flags.prometheus = true;
  if (flags.prometheus) {
    await checkPrometheusInstalled();
    // A lab that already runs only gets its Prometheus.
    const added = await addLabPrometheus(dir, flags.output, flags.prometheusPort);
    if (added !== undefined) return added;
  }
  const off = onInterrupt(async () => {
    log.info(`lab: interrupted; stopping what was started (logs stay in ${dir})`);
    await stopLab(dir);
  });
  let lab: Lab;
  let prometheus: string | undefined;
  try {
    lab = await startLab({
      dir,
      clusters: flags.clusters,
      revisions: flags.istiod ? revisions : [],
      istiodCa: flags.istiodCa,
      nodes: flags.nodes,
      bare: flags.bare,
      timeoutMs: flags.timeout * 1000,
      log: (m) => log.info(style.dim(m)),
    });
    if (flags.prometheus) {
      log.info(style.dim('lab: starting Prometheus (1 s scrapes of every `lab traffic`)'));
      prometheus = (await startLabPrometheus(dir, flags.prometheusPort ? { port: flags.prometheusPort } : {})).url;
      log.info(style.dim(`lab: Prometheus ready at ${prometheus}`));
    }
  } catch (err) {
    // Nothing half-started stays behind: a lab whose Prometheus failed is stopped too (its logs stay).
    if (flags.prometheus) await stopLab(dir);
    throw err;
  } finally {
    off();
  }
  if (flags.output === 'json') await writeStdout(`${JSON.stringify(labSummary(lab, prometheus), null, 2)}\n`);
  else if (flags.output === 'yaml') await writeStdout(stringify(labSummary(lab, prometheus)));
  else await writeStdout(renderSummary(lab, prometheus));
  log.info(`Stop it with: meshferry lab down --dir ${dir}`);
  return ExitCode.ok;
}

/** Stops every process of the lab; removes the folder unless `keep`. */
export async function runLabDown(flags: { dir: string; keep?: boolean }): Promise<number> {
  const dir = path.resolve(flags.dir);
  const r = await stopLab(dir, { purge: !flags.keep });
  if (r.stopped === 0 && !r.purged) log.info(`lab: nothing to stop in ${dir}`);
  else log.info(`lab: stopped ${r.stopped} process group(s)${r.forced ? ` (${r.forced} needed SIGKILL)` : ''}${r.purged ? `, removed ${dir}` : `; logs kept in ${dir}`}`);
  return ExitCode.ok;
}

function renderStatus(s: LabStatus): string {
  const rows = s.components.map((c) => [c.cluster, c.component, String(c.pid), c.running ? 'Running' : 'Stopped', c.health || '-', c.endpoint || '-']);
  return renderTable(['cluster', 'component', 'pid', 'state', 'health', 'endpoint'], rows);
}

/** Prints the components of the lab; exit 0 when everything runs and answers, 1 otherwise. */
export async function runLabStatus(flags: { dir: string; output: OutputFormat }): Promise<number> {
  const s = await labStatus(flags.dir);
  if (!s.exists) {
    log.info(`lab: no lab in ${s.dir}`);
    if (flags.output !== 'table') await writeStdout(flags.output === 'json' ? `${JSON.stringify(s, null, 2)}\n` : stringify(s));
    return ExitCode.findings;
  }
  if (flags.output === 'json') await writeStdout(`${JSON.stringify(s, null, 2)}\n`);
  else if (flags.output === 'yaml') await writeStdout(stringify(s));
  else {
    await writeStdout(renderStatus(s));
    log.info(s.running ? `lab: running (kubeconfig ${s.kubeconfig}; contexts ${s.contexts.join(', ')})` : 'lab: not running');
    if (s.prometheus) log.info(`lab: Prometheus at ${s.prometheus}`);
  }
  return s.running ? ExitCode.ok : ExitCode.findings;
}

function positiveSeconds(v: string): number {
  return positiveInt(v);
}

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .summary('a real local control plane: Kubernetes clusters and istiod revisions on loopback')
    .description(
      'Start, inspect and stop a lab: one or more isolated Kubernetes clusters, each with its own etcd, ' +
        'kube-apiserver, controller-manager, scheduler and kwok (fake nodes, so Deployments get Running pods), ' +
        'the Istio CRDs of the pinned release and any number of istiod revisions run out of cluster. Sidecar ' +
        'injection and config validation go through the real istiod webhooks at https://localhost:<port>. ' +
        'Everything listens on 127.0.0.1; pod and Service IPs are fake and never reachable.\n\n' +
        'The binaries are built from Go modules on first use into ~/.cache/meshferry/lab/<versions>/ (20-40 min ' +
        'cold); MESHFERRY_LAB_BIN or KUBEBUILDER_ASSETS point at prebuilt ones.\n\n' +
        `The lab folder defaults to $MESHFERRY_LAB_DIR or ~/.cache/meshferry/labs/default.`,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry lab up --clusters old,new --revisions default,canary
  $ meshferry lab status -o json
  $ meshferry lab down`,
    );

  lab
    .command('up')
    .summary('start a lab and return when it is ready')
    .description(
      'Start the clusters and return once every API server is ready, the Istio CRDs are established, the nodes ' +
        'are Ready and each istiod answers its injection and validation webhooks. The processes keep running in ' +
        'the background (own process groups; pid files and logs in the lab folder) until `lab down`.\n\n' +
        'With several revisions in a cluster, `default` (or else the first one, through the `default` revision tag, as ' +
        '`istioctl install` does on a fresh cluster) answers `istio-injection=enabled`. Namespaces labelled ' +
        '`istio.io/rev=<rev>` get that revision\'s sidecar.\n\n' +
        '--revisions has two forms, which cannot be mixed. `r1,r2` starts every revision in every cluster. ' +
        '`cluster=rev,...` starts revisions per cluster: with tcm=1-18-5,primary=1-31-1 cluster tcm runs only ' +
        '1-18-5 and primary only 1-31-1. A cluster named twice runs both revisions, a cluster not named runs none, ' +
        'and a name that is not in --clusters is refused. Every revision runs the same pinned istiod build; the ' +
        'revision is only a name.\n\n' +
        '--istiod-ca decides which root each mesh has. With shared (the default) every istiod of every cluster ' +
        'uses the one lab CA, so all control planes trust each other. With per-cluster each cluster gets a CA of ' +
        'its own that its istiods plug in (istio\'s cacerts files, in <dir>/pki/<cluster>/cacerts/): two clusters ' +
        'then have different mesh roots, as a TCM mesh and a self-built mesh do, and the webhook caBundle and the ' +
        'istio-ca-root-cert ConfigMap of each cluster carry its own root. Revisions of one cluster share its CA. ' +
        '`lab istiod start` keeps using it.',
    )
    .option('--dir <dir>', 'lab folder', defaultLabDir())
    .option('--clusters <names>', 'comma-separated cluster names, each also a kubeconfig context (default: lab)', collectList)
    .option('--revisions <revs>', 'istiod revisions: r1,r2 in every cluster, or cluster=rev,... per cluster (default: default)', collectList)
    .option('--no-istiod', 'start no istiod at all')
    .addOption(
      new Option('--istiod-ca <mode>', 'shared: one lab CA for every istiod (all trust each other); per-cluster: each cluster its own mesh root')
        .choices(['shared', 'per-cluster'])
        .default('shared'),
    )
    .option('--nodes <n>', 'fake Ready nodes per cluster', positiveInt, 1)
    .option('--bare', 'etcd and kube-apiserver only (no controllers, nodes, CRDs or istiod)')
    .option('--timeout <seconds>', 'limit for each readiness wait', positiveSeconds, 180)
    .option('--prometheus', 'also start a real Prometheus on 127.0.0.1 that scrapes every `meshferry lab traffic` of this lab each second (on a running lab: add it)')
    .option('--prometheus-port <port>', 'implies --prometheus: listen on 127.0.0.1:<port> (e.g. 9090, the address a TrafficShift file names) instead of any free port', positiveInt)
    .addOption(formatOption(['table', 'yaml', 'json']))
    .addHelpText(
      'after',
      `
Examples:
  # One cluster "lab" with the default istiod revision
  $ meshferry lab up
  $ export KUBECONFIG=~/.cache/meshferry/labs/default/kubeconfig
  $ kubectl create namespace demo && kubectl label namespace demo istio-injection=enabled

  # Two clusters with a canary revision, then use them like any cluster
  $ meshferry lab up --dir /tmp/lab --clusters east,west --revisions canary
  $ kubectl --kubeconfig /tmp/lab/kubeconfig --context east get pods -A

  # A revision upgrade rehearsal: two revisions side by side (same pinned istiod build), three nodes
  $ meshferry lab up --revisions stable,canary --nodes 3

  # One revision per cluster (issue 13's TCM move): tcm runs only 1-18-5, primary and remote only 1-31-1
  $ meshferry lab up --clusters tcm,primary,remote --revisions tcm=1-18-5,primary=1-31-1,remote=1-31-1

  # The same with a mesh root per cluster: tcm's and primary's roots differ, so they do not trust each other
  $ meshferry lab up --clusters tcm,primary --revisions tcm=1-18-5,primary=1-31-1 --istiod-ca per-cluster

  # A traffic-shift rehearsal: a Prometheus that scrapes every \`lab traffic\` (see: meshferry lab traffic --help)
  $ meshferry lab up --clusters cluster1,cluster2 --prometheus --prometheus-port 9090
  $ meshferry lab status        # the prometheus row shows its address`,
    )
    .action(async (flags: LabUpFlags) => {
      process.exitCode = await runLabUp(flags);
    });

  lab
    .command('down')
    .summary('stop every process of a lab and remove its folder')
    .description(
      'Stop every process group the lab started (SIGTERM, then SIGKILL after 3 s) and remove the lab folder. ' +
        'With --keep the folder stays (logs, certificates, rendered manifests, etcd data) for inspection.',
    )
    .option('--dir <dir>', 'lab folder', defaultLabDir())
    .option('--keep', 'keep the lab folder (logs) after stopping')
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry lab down
  $ meshferry lab down --dir /tmp/lab --keep && less /tmp/lab/east/logs/istiod-canary.log`,
    )
    .action(async (flags: { dir: string; keep?: boolean }) => {
      process.exitCode = await runLabDown(flags);
    });

  lab
    .command('status')
    .summary('show the lab components; exit 0 when all run and answer, 1 when not')
    .description(
      'List every process of the lab with its state and health: API servers are probed on /readyz and istiods on ' +
        '/ready. Exit 0 when the lab is up and healthy, 1 when it is not running (or partly), so scripts can ' +
        'test it.',
    )
    .option('--dir <dir>', 'lab folder', defaultLabDir())
    .addOption(formatOption(['table', 'yaml', 'json']))
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry lab status
  $ meshferry lab status --dir /tmp/lab -o json | jq '.components[] | select(.running | not)'
  $ meshferry lab status --dir /tmp/lab >/dev/null || meshferry lab up --dir /tmp/lab`,
    )
    .action(async (flags: { dir: string; output: OutputFormat }) => {
      process.exitCode = await runLabStatus(flags);
    });

  registerLabTraffic(lab, defaultLabDir());
  registerLabIstiod(lab, defaultLabDir());
  registerLabApiServer(lab, defaultLabDir());
}
