// `meshferry import`: server-side apply a folder into a cluster; per-object failures are reported, the rest lands.
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { ExitCode } from '../../errors.js';
import { importObjects, type ImportReport } from '../../kube/import.js';
import { log, renderTable, style, writeStdout, type OutputFormat } from '../io.js';
import { addClusterFlags, connect, type ClusterFlags } from '../cluster-flags.js';
import { addNamespaceFlags, type NamespaceFlags } from '../namespace-flags.js';
import { formatOption } from '../output-flags.js';
import { readInputs } from '../read-input.js';
import { ProgressLine } from '../export/progress.js';

export interface ImportFlags extends ClusterFlags, NamespaceFlags {
  dryRun?: boolean;
  createNamespaces?: boolean;
  fieldValidation: 'strict' | 'warn';
  output: OutputFormat;
}

/** Imports and prints; returns 1 when any object failed. */
export async function runImport(dir: string, flags: ImportFlags): Promise<number> {
  const set = await readInputs('import', [dir], flags);
  const cluster = await connect(flags);
  const progress = new ProgressLine();
  try {
    const report = await importObjects(cluster, set, {
      dryRun: flags.dryRun ?? false,
      createNamespaces: flags.createNamespaces ?? false,
      fieldValidation: flags.fieldValidation,
      onOutcome: (done, total) => progress.update(done, total, 'objects', done === total),
    });
    progress.done();
    await writeStdout(renderImport(report, flags.output));
    const where = `${flags.dryRun ? 'server dry run (nothing was stored) of an import' : 'imported'} into context "${cluster.connection.contextName}"`;
    if (flags.output === 'table') {
      await writeStdout(`${summaryLine(report)}\n`);
      log.info(report.failed ? style.red(`${where}; ${report.failed} object(s) failed`) : where);
    } else log.info(`${where}: ${summaryLine(report)}`);
    return report.failed > 0 ? ExitCode.findings : ExitCode.ok;
  } finally {
    progress.done();
    cluster.close();
  }
}

/** `created N, configured N, unchanged N, failed N` (and skipped N when Secrets were skipped). */
export function summaryLine(r: ImportReport): string {
  return `created ${r.created}, configured ${r.configured}, unchanged ${r.unchanged}, failed ${r.failed}${r.skipped ? `, skipped ${r.skipped}` : ''}`;
}

/**
 * json: the counts, the failures and the pruned fields. table: one row per object the import touched
 * (unchanged ones are left out: a re-run prints nothing but the summary).
 */
export function renderImport(r: ImportReport, format: OutputFormat): string {
  const failures = r.outcomes.filter((o) => o.result === 'failed').map((o) => ({ object: o.object, file: o.file, message: o.message }));
  const pruned = r.outcomes.filter((o) => o.pruned?.length).map((o) => ({ object: o.object, file: o.file, fields: o.pruned }));
  const data = {
    created: r.created,
    configured: r.configured,
    unchanged: r.unchanged,
    failed: r.failed,
    ...(r.skipped ? { skipped: r.skipped } : {}),
    failures,
    ...(pruned.length ? { pruned } : {}),
  };
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (format === 'yaml') return stringify(data, { lineWidth: 0 });
  const rows = r.outcomes
    .filter((o) => o.result !== 'unchanged')
    .map((o) => [
      o.result,
      o.object,
      o.file ?? '',
      [o.pruned?.length ? `pruned unknown fields: ${o.pruned.join(', ')}` : '', ...(o.warnings ?? []), o.message ?? ''].filter(Boolean).join('; '),
    ]);
  return rows.length ? renderTable(['result', 'object', 'file', 'note'], rows) : '';
}

export function registerImport(program: Command): void {
  const cmd = program
    .command('import')
    .summary('server-side apply a folder of objects into a cluster')
    .description(
      'Apply every object of a folder with server-side apply and field manager meshferry (forcing ownership of ' +
        'the fields it sets), namespaces first, many objects at a time. Field validation is strict: a field the ' +
        "target's schema does not know fails that object loudly instead of being silently pruned; " +
        '--field-validation warn drops such fields and reports each one per object.\n\n' +
        "An object the server rejects (schema, webhook) is reported with its file and the server's message, and " +
        'the others still apply; the exit code is then 1. Re-running an import changes nothing and reports every ' +
        'object unchanged. Secrets exported as metadata only are skipped. The last line of the table output is ' +
        '"created N, configured N, unchanged N, failed N". A folder that holds no object is an error (exit 2).\n\n' +
        'Namespaces: without -n every object of the folder is applied; -n applies only the folder\'s objects in those ' +
        'namespaces (plus cluster-scoped ones, such as the Namespaces themselves). The context\'s default namespace is not ' +
        'used: the folder names its namespaces.',
    )
    .argument('<dir>', 'folder (or file) of objects, e.g. the output of `meshferry export`')
    .option('--dry-run', 'server-side dry run: the server checks everything and stores nothing')
    .option('--create-namespaces', 'create namespaces that objects live in when neither the folder nor the cluster has them')
    .addOption(
      new Option('--field-validation <mode>', 'strict: an unknown field fails the object; warn: it is dropped and reported')
        .choices(['strict', 'warn'])
        .default('strict'),
    )
    .addOption(formatOption(['table', 'yaml', 'json']));
  addNamespaceFlags(cmd, 'only objects of the folder in this namespace');
  addClusterFlags(cmd)
    .addHelpText(
      'after',
      `
Examples:
  # Check first, then import the rewritten export into the new mesh
  $ meshferry import rewritten/ --context new-mesh --dry-run
  $ meshferry import rewritten/ --context new-mesh --create-namespaces

  # One namespace at a time (a migration wave)
  $ meshferry import rewritten/ --context new-mesh -n shop,payments

  # The target runs an older Istio: drop and list the fields it does not know
  $ meshferry import rewritten/ --context old-istio --field-validation warn

  # For scripts: {"created":N,"configured":N,"unchanged":N,"failed":N,"failures":[...]}
  $ meshferry import rewritten/ --context new-mesh -o json`,
    )
    .action(async (dir: string, flags: ImportFlags) => {
      process.exitCode = await runImport(dir, flags);
    });
}
