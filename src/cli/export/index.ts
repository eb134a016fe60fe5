// `meshferry export`: dump a cluster's mesh config as neat YAML in the kubedump layout, atomically.
import { Option, type Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { exportObjects, type ExportReport } from '../../kube/export.js';
import { KINDS, displayKind, resolveKindWord, type KindInfo } from '../../resources/kinds.js';
import { assertReplaceable, cleanStaleStaging } from '../../resources/atomic-write.js';
import { LayoutWriter } from '../../resources/yaml-write.js';
import { collectList, log, positiveInt, renderTable, style } from '../io.js';
import { onInterrupt } from '../lifecycle.js';
import { addClusterFlags, connect, type ClusterFlags } from '../cluster-flags.js';
import { addNamespaceFlags, selectedNamespaces, type NamespaceFlags } from '../namespace-flags.js';
import { checkObjectOutput, formatOption, outputDirOption, outputFileOption, writeObjects, type ObjectOutputFlags } from '../output-flags.js';
import { ProgressLine } from './progress.js';

export interface ExportFlags extends ClusterFlags, NamespaceFlags, ObjectOutputFlags {
  kinds?: string[];
  excludeNamespaces?: string[];
  withContext?: boolean;
  chunkSize?: number;
}

/** Resolves `--kinds` words (`vs`, `virtualservices`, `gateways.gateway.networking.k8s.io`) to registry kinds. */
export function resolveKinds(words: readonly string[]): KindInfo[] {
  const out: KindInfo[] = [];
  const unknown: string[] = [];
  for (const w of words) {
    const info = resolveKindWord(w);
    if (!info) unknown.push(w);
    else if (!out.includes(info)) out.push(info);
  }
  if (unknown.length)
    throw new UsageError(
      `unknown kind${unknown.length > 1 ? 's' : ''} in --kinds: ${unknown.join(', ')}; known kinds: ${KINDS.filter((k) => k.category !== 'core')
        .map((k) => k.shortNames?.[0] ?? k.plural)
        .join(', ')} (or a kind, plural or plural.group)`,
    );
  return out;
}

/** Exports and writes; returns the exit code (1 when a kind was forbidden and skipped). */
export async function runExport(flags: ExportFlags): Promise<number> {
  const namespaces = selectedNamespaces(flags);
  checkObjectOutput(flags);
  const kinds = flags.kinds ? resolveKinds(flags.kinds) : undefined;
  if (flags.outputDir === undefined) return exportToStream(flags, namespaces, kinds);
  const dir = flags.outputDir;
  // Fail before any cluster work when the folder cannot be ours to replace.
  await assertReplaceable(dir);
  const cleaned = await cleanStaleStaging(dir);
  if (cleaned.restored) log.warn(`an earlier export died while swapping folders; restored the previous ${dir} from ${cleaned.restored}`);
  const stopCleanup = onInterrupt(async () => {
    await cleanStaleStaging(dir, { includeOwn: true });
  });
  const cluster = await connect(flags);
  const progress = new ProgressLine();
  let writer: LayoutWriter | undefined;
  try {
    writer = await LayoutWriter.open(dir);
    const out = writer;
    const report = await exportObjects(cluster, {
      ...exportOptions(flags, namespaces, kinds),
      // Files are written as each kind arrives, into the staging folder; the folder is swapped in at the end.
      onObjects: (objects) => out.write(objects),
      onProgress: ({ kindsDone, kindsTotal, objects }) => progress.update(kindsDone, kindsTotal, `kinds, ${objects} objects`, kindsDone === kindsTotal),
    });
    progress.done();
    writer.commit();
    process.stderr.write(renderSummary(report));
    const forbidden = report.kinds.filter((k) => k.skipped?.reason === 'forbidden');
    for (const k of forbidden) log.warn(`skipped ${displayKind(k.kind)}: ${k.skipped?.message ?? ''}`);
    log.info(
      `export: wrote ${report.objects.length} object(s) from context "${cluster.connection.contextName}" to ${dir}/` +
        (forbidden.length ? style.yellow(` (${forbidden.length} kind(s) skipped: not allowed to list)`) : ''),
    );
    return forbidden.length ? ExitCode.findings : ExitCode.ok;
  } finally {
    writer?.abort();
    progress.done();
    stopCleanup();
    cluster.close();
  }
}

function exportOptions(flags: ExportFlags, namespaces: string[] | undefined, kinds: KindInfo[] | undefined) {
  return {
    ...(namespaces ? { namespaces } : {}),
    ...(flags.excludeNamespaces ? { excludeNamespaces: flags.excludeNamespaces } : {}),
    ...(kinds ? { kinds } : {}),
    withContext: flags.withContext ?? false,
    ...(flags.chunkSize ? { pageSize: flags.chunkSize } : {}),
  };
}

/** Without --output-dir: every object as one YAML stream (or JSON List) on stdout or in --output-file, as kubectl get -o yaml. */
async function exportToStream(flags: ExportFlags, namespaces: string[] | undefined, kinds: KindInfo[] | undefined): Promise<number> {
  const cluster = await connect(flags);
  const progress = new ProgressLine();
  try {
    const report = await exportObjects(cluster, {
      ...exportOptions(flags, namespaces, kinds),
      onProgress: ({ kindsDone, kindsTotal, objects }) => progress.update(kindsDone, kindsTotal, `kinds, ${objects} objects`, kindsDone === kindsTotal),
    });
    progress.done();
    await writeObjects('export', report.objects, flags);
    process.stderr.write(renderSummary(report));
    const forbidden = report.kinds.filter((k) => k.skipped?.reason === 'forbidden');
    for (const k of forbidden) log.warn(`skipped ${displayKind(k.kind)}: ${k.skipped?.message ?? ''}`);
    log.info(`export: read ${report.objects.length} object(s) from context "${cluster.connection.contextName}"`);
    return forbidden.length ? ExitCode.findings : ExitCode.ok;
  } finally {
    progress.done();
    cluster.close();
  }
}

/** The per-kind summary: every kind read, with its count, and every kind skipped with the reason. */
export function renderSummary(report: ExportReport): string {
  const rows = report.kinds
    .slice()
    .sort((a, b) => displayKind(a.kind).localeCompare(displayKind(b.kind)))
    .map((k) => [
      displayKind(k.kind),
      k.resource,
      k.version ?? '-',
      k.skipped?.reason === 'not-served' ? '-' : String(k.count),
      k.skipped ? (k.skipped.reason === 'forbidden' ? 'skipped: forbidden' : 'not served') : '',
    ]);
  const total = report.kinds.reduce((n, k) => n + k.count, 0);
  return renderTable(['kind', 'resource', 'version', 'objects', 'note'], [...rows, ['TOTAL', '', '', String(total), '']]);
}

export function registerExport(program: Command): void {
  const cmd = program
    .command('export')
    .summary("read a cluster's Istio config and write neat YAML, one file per object")
    .description(
      'Export every Istio kind the cluster serves (all kinds of the registry, not only the usual eleven) and the ' +
        'Gateway API kinds when installed, cleaned like `meshferry neat`, into the kubedump layout ' +
        '<dir>/<namespace>/<plural>/<name>.yaml (cluster-scoped objects under <dir>/_cluster/).\n\n' +
        'Each kind is listed once across all namespaces, in pages, a few kinds at a time. The folder is built ' +
        'beside <dir> and swapped in at the end: an interrupted or failed export leaves the previous <dir> as it ' +
        'was, and never a half-written file. A kind you may not list (RBAC) is reported and skipped, the rest is ' +
        'exported, and the exit code is 1. A summary by kind goes to stderr.\n\n' +
        'Without --output-dir the objects go to stdout as one YAML stream (-o json: a v1 List), as `kubectl get -o yaml` ' +
        'prints them, or to one file with --output-file. Without -n every namespace is read (-A says so explicitly); ' +
        'unlike kubectl, the kubeconfig context\'s namespace does not narrow an export.',
    )
    .addOption(outputDirOption('folder to write the kubedump layout into (created, or replaced whole if meshferry wrote it before)'))
    .addOption(formatOption(['yaml', 'json'], { writes: 'dir' }))
    .addOption(outputFileOption());
  addNamespaceFlags(cmd, 'only this namespace')
    .option('--kinds <kinds>', 'only these kinds (vs, dr, gateways.gateway.networking.k8s.io, ...); comma-separated', collectList)
    .option('--exclude-namespaces <ns>', 'skip these namespaces; comma-separated', collectList)
    .option('--chunk-size <n>', 'objects per LIST request (the API server pages them), as kubectl --chunk-size', positiveInt, 500)
    .addOption(
      new Option(
        '--with-context',
        'also export Namespaces (labels, annotations), Services, Deployments, StatefulSets, DaemonSets and Secret metadata (never data), which analyzers use; kube-system, kube-public and kube-node-lease are left out unless named with -n',
      ),
    );
  addClusterFlags(cmd)
    .addHelpText(
      'after',
      `
Examples:
  # Dump all mesh config of the old cluster
  $ meshferry export --context old-mesh -A --output-dir old-export/

  # Only routing kinds of two namespaces, plus what analyzers need to judge them
  $ meshferry export --context old-mesh -n shop,payments --kinds vs,dr,gw --with-context --output-dir shop-export/

  # Everything but the test namespaces, from another kubeconfig
  $ meshferry export --kubeconfig ~/.kube/tcm.yaml --context tcm --exclude-namespaces test,staging --output-dir dump/

  # Like kubectl get -o yaml, but every Istio kind and already neat
  $ meshferry export --context old-mesh -n shop > shop.yaml
  $ meshferry export --context old-mesh -o json | jq '.items | length'`,
    )
    .action(async (flags: ExportFlags) => {
      process.exitCode = await runExport(flags);
    });
}
