// `meshferry migrate finish NAME`: what is left of the source mesh after a Finished migration, the DECOMMISSION.md runbook that removes it, and (--execute) carrying it out, journaled.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ExitCode, MeshferryError, UsageError } from '../../errors.js';
import type { Cluster } from '../../kube/cluster.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { Journal, localJournalDir } from '../../journal/journal.js';
import { SecretDigest } from '../../journal/secret-digest.js';
import { writeFileAtomic } from '../../resources/atomic-write.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { KubeconfigClusterSet } from '../../traffic/routers/cluster-set.js';
import { MigrationClusters } from '../../migrate/clusters.js';
import { checkApplyRecord, readApplyRecord } from '../../migrate/config.js';
import { finishChecksPass, type FinishCheck } from '../../migrate/finish/check-types.js';
import { oldGatewayTrafficOf } from '../../migrate/finish/checks.js';
import { crossConfigChecks } from '../../migrate/cross/observe-cross.js';
import { configLoaders } from '../../migrate/runner.js';
import { crossRun, type CrossRun } from './cross-run.js';
import { decommissionRunbook, decommissionSteps, residueReport, type DecommissionRunbook, type ResidueReport } from '../../migrate/finish/decommission.js';
import { executeDecommission, planExecution, type ExecuteOutcome, type StepExecution } from '../../migrate/finish/decommission-act.js';
import { decommissionSourceOf, readSourceResidue, residueScopeOf } from '../../migrate/finish/residue.js';
import { readDecommissionSourcePods } from '../../migrate/finish/source-pods.js';
import { contextsOf, MIGRATION_API_VERSION, MIGRATION_KIND } from '../../migrate/spec.js';
import { readMigration, servedMigrations, type StoredMigration } from '../../migrate/store.js';
import { addClusterFlags, connect, requireContexts, type ClusterFlags } from '../cluster-flags.js';
import { log, renderTable, writeStdout } from '../io.js';
import { formatOption } from '../output-flags.js';

/** The runbook's file name; fixed, so nothing a cluster holds can steer where it is written. */
export const RUNBOOK_FILE = 'DECOMMISSION.md';

export interface FinishFlags extends ClusterFlags {
  output?: 'table' | 'json';
  outputDir?: string;
  execute?: boolean;
  yes?: boolean;
}

/** How the command talks to the operator; a test gives its own. */
export interface FinishIo {
  /** Whether stdin and stderr are a terminal (per-step questions). */
  tty: boolean;
  /** Asks a y/N question on the terminal. */
  ask: (question: string) => Promise<boolean>;
}

const clean = (s: string) => sanitizeTerminalText(s, { oneLine: true });

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const TERMINAL: FinishIo = { tty: Boolean(process.stdin.isTTY && process.stderr.isTTY), ask: askOnTerminal };

/**
 * The kubectl-like table of the residue: one row per object, grouped. Objects the runbook keeps (`kept`: the CRDs a
 * target in the same cluster uses) are not rows, since nothing will remove them; the runbook's reason is printed instead.
 */
export function renderResidue(report: ResidueReport, runbookFile: string, kept: { groups: readonly string[]; why: readonly string[] } = { groups: [], why: [] }): string {
  const where = report.context ? `context ${report.context}` : 'the current context';
  const keptLines = kept.why.map((k) => `Kept: ${clean(k)}\n`).join('');
  const groups = report.groups.filter((g) => !kept.groups.includes(g.id));
  const rows = groups.flatMap((g) => g.items.map((i) => [g.id, i.kind, `${i.namespace ? `${i.namespace}/` : ''}${i.name}`, i.why]));
  if (rows.length === 0) return `${clean(`Nothing of the source mesh is left to remove in ${where}.`)}\n${keptLines}`;
  return `${sanitizeTerminalText(renderTable(['group', 'kind', 'name', 'why'], rows))}\n${rows.length} object(s) of the source mesh left in ${clean(where)}; the steps that remove them, in order, are in ${clean(runbookFile)}.\n${keptLines}`;
}

/** Writes DECOMMISSION.md inside `dir` (atomically); a symbolic link in its place is refused, never followed out of the folder. */
export async function writeRunbook(dir: string, text: string): Promise<string> {
  const file = path.join(path.resolve(dir), RUNBOOK_FILE);
  const st = await lstat(file).catch(() => undefined);
  if (st?.isSymbolicLink()) throw new UsageError(`refusing to write ${file}: it is a symbolic link, and the runbook is written only inside --output-dir ${dir}; remove the link or pick another folder`);
  await writeFileAtomic(file, text);
  return file;
}

/**
 * The finish checks `--execute` re-runs live before removing anything; CrossCluster adds ConfigParity (against a
 * fresh export of the source) and VendorTraces, read through the migration's own clusters and config loaders.
 */
async function liveChecks(source: ObjectClient, m: StoredMigration, cross: { run: CrossRun; name: string; localDir: string } | undefined): Promise<FinishCheck[]> {
  const spec = m.object.spec;
  const revision = m.status.sourceRevision ?? spec.source?.revision ?? 'default';
  // Before decommission every sidecar of the source counts, wherever it runs and whatever restarts it: it loses its control plane.
  const checks = [await readDecommissionSourcePods(source, spec, revision), await oldGatewayTrafficOf(spec)];
  if (!cross) return checks;
  const loaders = await configLoaders(m, cross.name, cross.localDir, cross.run.clusters);
  const ctx = { clusters: cross.run.clusters, spec, annotations: m.object.metadata.annotations, ...loaders, cross: cross.run.cross };
  return [...checks, ...(await crossConfigChecks(ctx, m.status.sourceRevision))];
}

/** The CRD step is asked only on a terminal, and only once ConfigParity passed (the target holds its own copy of every custom resource). */
export function crdGate(checks: readonly FinishCheck[], tty: boolean): { allowed: true } | { allowed: false; why: string } {
  if (!tty) return { allowed: false, why: '--yes never confirms that: it is asked only on a terminal' };
  const parity = checks.find((c) => c.name === 'ConfigParity');
  // InPlace never runs it (the target shares the CRDs, so the runbook keeps them); a CrossCluster finish reads it live.
  if (parity?.verdict !== 'pass') return { allowed: false, why: `the finish check ConfigParity ${parity ? `is ${parity.verdict}` : 'is not run for this migration'}, so nothing proves the target holds its own copy of them` };
  return { allowed: true };
}

function checksText(checks: readonly FinishCheck[]): string[] {
  return checks.flatMap((c) => [`  ${c.name}: ${c.verdict}`, ...c.evidence.map((e) => `    - ${clean(e)}`)]);
}

function stepQuestion(exec: StepExecution, index: number, total: number): string {
  const s = exec.step;
  const lines = [`Step ${index + 1}/${total}: ${s.title}${s.destructive ? ' (destructive)' : ''}`, `  why now: ${s.why}`];
  if (s.requires) lines.push(`  only if ${s.requires.condition}`);
  for (const n of s.notes) lines.push(`  note: ${n}`);
  for (const r of s.removes) lines.push(`  removes ${r}`);
  return `\n${lines.map(clean).join('\n')}\nRun this step? [y/N] `;
}

interface FinishView {
  migration: string;
  mode: string;
  context?: string;
  file: string;
  residue: ResidueReport;
  runbook: DecommissionRunbook;
  checks?: FinishCheck[];
  execution?: ExecuteOutcome;
}

/** `migrate finish NAME`: the report and DECOMMISSION.md; with --execute, the runbook carried out. */
export async function runFinish(name: string, flags: FinishFlags, io: FinishIo = TERMINAL): Promise<number> {
  if (flags.yes && !flags.execute) throw new UsageError('--yes answers the questions of --execute; without --execute nothing is removed and nothing is asked');
  if (flags.execute && !io.tty && !flags.yes)
    throw new UsageError('--execute asks before each step, and there is no terminal to ask on: pass --yes to run every step without asking (CRD deletion is never run that way), or run it on a terminal');
  const home = await connect(flags);
  const set = new KubeconfigClusterSet(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {});
  try {
    return await finish(home, set, name, flags, io);
  } finally {
    set.close();
    home.close();
  }
}

async function finish(home: Cluster, set: KubeconfigClusterSet, name: string, flags: FinishFlags, io: FinishIo): Promise<number> {
  const res = servedMigrations(home.client);
  if (!res) throw new UsageError(`there is no MeshMigration "${name}" in context ${home.connection.contextName} (its CRD is not installed)`);
  const m = await readMigration(home.client, res, name);
  const spec = m.object.spec;
  if (m.status.phase !== 'Finished')
    throw new MeshferryError(
      'MigrationNotFinished',
      clean(`MeshMigration ${name} is ${m.status.phase}, not Finished: what is left of the source is still in use until every wave is verified and the finish checks pass. Run \`meshferry migrate resume ${name}\` (or \`migrate status ${name}\` to see where it stands); nothing was read or written`),
      { exitCode: ExitCode.findings },
    );
  let source = home.client;
  if (spec.mode === 'CrossCluster') {
    const ctx = spec.source?.context;
    if (ctx === undefined) throw new UsageError(`MeshMigration ${name} is CrossCluster without spec.source.context: there is no source cluster to read`);
    await requireContexts([ctx], flags);
    source = await set.client(ctx);
  }
  const revision = m.status.sourceRevision ?? spec.source?.revision ?? 'default';
  const context = source.transport.contextName;
  const snap = await readSourceResidue(source, residueScopeOf(spec, revision, context));
  const decommission = decommissionSourceOf(spec, snap);
  const runbook = decommissionSteps(snap, decommission);
  const residue = residueReport(snap);
  const file = await writeRunbook(flags.outputDir ?? '.', decommissionRunbook(snap, decommission));
  const view: FinishView = { migration: name, mode: spec.mode, context, file, residue, runbook };
  if (flags.output !== 'json') await writeStdout(renderResidue(residue, file, { groups: decommission.crdsShared ? ['crds'] : [], why: runbook.kept }));
  log.info(clean(`migrate finish: wrote ${file}`));
  if (!flags.execute) {
    if (residue.total > 0) log.info(clean(`migrate finish: nothing was removed. Run the steps of ${RUNBOOK_FILE} in order, or \`meshferry migrate finish ${name} --execute\` to have meshferry run them, journaled`));
    if (flags.output === 'json') await writeStdout(`${JSON.stringify(view, null, 2)}\n`);
    return ExitCode.ok;
  }
  const exit = await execute(home, set, m, name, view, flags, io, source, snap, decommission);
  if (flags.output === 'json') await writeStdout(`${JSON.stringify(view, null, 2)}\n`);
  return exit;
}

async function execute(
  home: Cluster,
  set: KubeconfigClusterSet,
  m: StoredMigration,
  name: string,
  view: FinishView,
  flags: FinishFlags,
  io: FinishIo,
  source: ObjectClient,
  snap: Awaited<ReturnType<typeof readSourceResidue>>,
  decommission: ReturnType<typeof decommissionSourceOf>,
): Promise<number> {
  const spec = m.object.spec;
  const owner = { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name, uid: m.uid };
  // The contexts this run deletes in come from the object: the apply record must vouch for them, as for resume.
  await checkApplyRecord(spec, m.object.metadata.annotations, name, await readApplyRecord(localJournalDir(owner)));
  const crossHooks = spec.mode === 'CrossCluster' ? crossRun(home, m.object, flags, (w) => log.warn(clean(w))) : undefined;
  let checks: FinishCheck[];
  try {
    checks = await liveChecks(source, m, crossHooks ? { run: crossHooks, name, localDir: localJournalDir(owner) } : undefined);
  } finally {
    await crossHooks?.close();
  }
  view.checks = checks;
  log.info(['migrate finish: finish checks, read now:', ...checksText(checks)].join('\n'));
  if (!finishChecksPass(checks)) {
    const failing = checks.filter((c) => c.verdict === 'fail' || c.verdict === 'notProven');
    log.info(clean(`migrate finish: refused: ${failing.map((c) => `${c.name} ${c.verdict === 'fail' ? 'fails' : 'is not proven'} (${c.evidence.join('; ')})`).join('; ')}. Nothing was removed`));
    return ExitCode.findings;
  }
  const journal = await Journal.open(home.client, owner);
  const cross = spec.mode === 'CrossCluster';
  const clusters = cross ? new MigrationClusters(home.client, { set, allowed: contextsOf(spec) }) : MigrationClusters.homeOnly(home.client);
  const ctx = { client: home.client, clusters, secretDigest: SecretDigest.at(journal.localDir), name, spec, generation: m.generation, journal };
  const plan = planExecution(view.runbook, snap, decommission);
  const outcome = await executeDecommission(plan, {
    ctx,
    source,
    ...(cross ? { context: source.transport.contextName } : {}),
    crds: crdGate(checks, io.tty),
    confirm: async (exec, i, total) => {
      if (!flags.yes) return io.ask(stepQuestion(exec, i, total));
      log.info(clean(`migrate finish: step ${i + 1}/${total}: ${exec.step.title} (--yes)`));
      return true;
    },
    say: (line) => log.info(clean(`migrate finish: ${line}`)),
  });
  view.execution = outcome;
  if (outcome.stopped) {
    log.info(clean(`migrate finish: stopped: ${outcome.stopped.reason}`));
    return ExitCode.findings;
  }
  log.info(clean(`migrate finish: every step ran (${outcome.done.join(', ') || 'none'}); ${outcome.removed.length} change(s) journaled in MeshMigration ${name}'s journal`));
  return ExitCode.ok;
}

/** Registers `migrate finish` under `migrate`. */
export function registerMigrateFinish(migrate: Command): void {
  const cmd = addClusterFlags(
    migrate
      .command('finish')
      .summary('what is left of the source after Finished, and the DECOMMISSION.md runbook that removes it')
      .description(
        'For a MeshMigration in phase Finished (any other phase: exit 1, nothing read or written). Reads the source cluster ' +
          '(InPlace: the home cluster; CrossCluster: spec.source.context) and lists what is left of the source mesh: istiod ' +
          'Deployments and their revisions, injector and validator webhooks, revision tags, gateways with their Services and ' +
          'load balancers, Istio CRDs with their custom-resource counts, and namespaces still labelled for the source. ' +
          `Writes ${RUNBOOK_FILE} (the ordered steps, with kubectl and istioctl-<version> commands, or the vendor's step for a ` +
          `managed source) into --output-dir, atomically; nothing else is written, and nothing is removed.\n\n` +
          '--execute carries the runbook out. First it re-runs the finish checks live (SourcePods: no running pod anywhere in ' +
          'the source cluster carries a sidecar of the source, and CrossCluster: no wave workload there has replicas; ' +
          'OldGatewayTraffic when spec.finish.oldGateways is set) and refuses (exit 1, naming the evidence) ' +
          'while one fails or is not proven. Then it runs the steps in order: namespace labels, webhooks, gateways ' +
          '(Deployments, then Services), istiod, and CRDs last only where the runbook has them (never in InPlace, where the ' +
          'target uses them; never with --yes alone; only on a terminal once the ConfigParity check passed). Each removal is journaled first as step `decommission` in the ' +
          "migration's journal, with the object as it was, and deletes only the incarnation it read (uid precondition). A " +
          "managed source's vendor step is printed, never run: the run stops there, and runs on from there when repeated. " +
          'On a terminal each step is asked (y/N; no stops the run); without one, --execute needs --yes.\n\n' +
          'Exit codes: 0 report written (with --execute: every step ran); 1 not Finished, a finish check fails, or a step was ' +
          'declined, refused or is the vendor\'s; 2 bad usage; 3 cluster failure.',
      )
      .argument('<name>', 'the MeshMigration name')
      .addOption(formatOption(['table', 'json'], { default: 'table' }))
      .option('--output-dir <dir>', `folder for ${RUNBOOK_FILE} (default: the current folder)`)
      .option('--execute', 'run the runbook: re-check, then remove step by step, journaled')
      .option('--yes', 'with --execute: run every step without asking (not the CRD deletion)'),
    'kubeconfig context of the home cluster, where the MeshMigration lives (default: the current context)',
  );
  cmd.addHelpText(
    'after',
    `
Examples:
  $ meshferry migrate finish upgrade-1-31                       # report + ./${RUNBOOK_FILE}, nothing removed
  $ meshferry migrate finish upgrade-1-31 -o json --output-dir out/
  $ meshferry migrate finish upgrade-1-31 --execute             # asks before each step
  $ meshferry migrate finish tcm-exit --context primary --execute --yes`,
  );
  cmd.action(async (name: string, flags: FinishFlags) => {
    process.exitCode = await runFinish(name, flags);
  });
}
