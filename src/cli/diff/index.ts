// `meshferry diff`: what importing a folder would change in a cluster; exit 0 when nothing, 1 when something.
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { ExitCode } from '../../errors.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { diffObjects, type DiffReport } from '../../kube/diff.js';
import { formatChange } from '../../kube/field-diff.js';
import { log, style, writeStdout, type OutputFormat } from '../io.js';
import { addClusterFlags, connect, type ClusterFlags } from '../cluster-flags.js';
import { addNamespaceFlags, type NamespaceFlags } from '../namespace-flags.js';
import { formatOption } from '../output-flags.js';
import { readInputs } from '../read-input.js';

export interface DiffFlags extends ClusterFlags, NamespaceFlags {
  showExtra?: boolean;
  output: OutputFormat;
  fieldValidation: 'strict' | 'warn';
}

/** Diffs and prints; returns 0 when an import would change nothing, 1 otherwise. */
export async function runDiff(dir: string, flags: DiffFlags): Promise<number> {
  const set = await readInputs('diff', [dir], flags);
  if (set.size === 0) {
    // Only -n can empty a set that was read (an empty path is an input error): nothing is selected, nothing differs.
    log.warn(`diff: no object of ${dir} is in the namespaces selected with -n; nothing to compare`);
    return ExitCode.ok;
  }
  const cluster = await connect(flags);
  try {
    const report = await diffObjects(cluster, set, { showExtra: flags.showExtra ?? false, fieldValidation: flags.fieldValidation });
    await writeStdout(renderDiff(report, flags.output));
    const c = report.counts;
    log.info(
      `diff against context "${cluster.connection.contextName}": created ${c.created}, changed ${c.changed}, unchanged ${c.unchanged}, failed ${c.failed}` +
        (c.skipped ? `, skipped ${c.skipped}` : '') +
        (flags.showExtra ? `, only in cluster ${c.extra}` : ''),
    );
    return c.created + c.changed + c.failed > 0 ? ExitCode.findings : ExitCode.ok;
  } finally {
    cluster.close();
  }
}

/** Table: one line per object that differs (`+` created, `~` changed, `!` failed, `?` only in the cluster). */
export function renderDiff(report: DiffReport, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'yaml') return stringify(report, { lineWidth: 0 });
  const lines: string[] = [];
  // Names, files and messages come from files and from the server: no control character reaches the terminal.
  const safe = (text: string) => sanitizeTerminalText(text, { oneLine: true });
  const at = (file?: string) => (file ? style.dim(`  (${safe(file)})`) : '');
  for (const e of report.entries) {
    switch (e.state) {
      case 'created':
        lines.push(`${style.green('+')} ${safe(e.object)}${at(e.file)}${e.message ? style.dim(`  note: ${safe(e.message)}`) : ''}`);
        break;
      case 'changed':
        lines.push(`${style.yellow('~')} ${safe(e.object)}${at(e.file)}`);
        for (const c of e.changes ?? []) for (const line of formatChange(c)) lines.push(safe(line));
        break;
      case 'failed':
        lines.push(`${style.red('!')} ${safe(e.object)}${at(e.file)}: ${safe(e.message ?? '')}`);
        break;
      case 'skipped':
        lines.push(`${style.dim('-')} ${safe(e.object)}${at(e.file)}: ${safe(e.message ?? '')}`);
        break;
      case 'extra':
        lines.push(`${style.dim('?')} ${safe(e.object)}  (in the cluster, not in the folder)`);
        break;
      case 'unchanged':
        break;
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function registerDiff(program: Command): void {
  const cmd = program
    .command('diff')
    .summary('show what importing a folder would change in a cluster')
    .description(
      'Compare a folder of objects (an export, edited or rewritten) with a cluster, the way `kubectl diff` does: ' +
        'each object is sent as a server-side dry-run apply with field manager meshferry, so the server fills in ' +
        'defaults, prunes or rejects unknown fields and consults its webhooks; the answer and the live object are ' +
        'cleaned like `meshferry neat` and compared field by field.\n\n' +
        'Lines: "+" would be created, "~" would change (each field as -old +new), "!" would fail (with the ' +
        "server's message), \"?\" exists only in the cluster (--show-extra). Unchanged objects are not listed.\n" +
        'Exit code 0 when an import would change nothing, 1 when it would change or fail something, 2 when the ' +
        'folder holds no object.\n\n' +
        'Namespaces: without -n every object of the folder is compared; -n compares only the folder\'s objects in those ' +
        'namespaces (plus cluster-scoped ones). The context\'s default namespace is not used: the folder names its namespaces.',
    )
    .argument('<dir>', 'folder (or file) of objects, e.g. the output of `meshferry export`')
    .option('--show-extra', 'also list objects of the same kinds and namespaces that exist in the cluster but not in the folder')
    .addOption(
      new Option('--field-validation <mode>', 'strict: an unknown field is a failure; warn: it is dropped, as import --field-validation warn would')
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
  # What would change if the edited export were imported into the new mesh?
  $ meshferry diff rewritten/ --context new-mesh

  # Also show what the new mesh has that the folder does not
  $ meshferry diff rewritten/ --context new-mesh --show-extra

  # Only the shop namespace of the folder
  $ meshferry diff rewritten/ --context new-mesh -n shop

  # Machine-readable, for a CI gate (exit 1 means drift)
  $ meshferry diff rewritten/ --context new-mesh -o json > drift.json`,
    )
    .action(async (dir: string, flags: DiffFlags) => {
      process.exitCode = await runDiff(dir, flags);
    });
}
