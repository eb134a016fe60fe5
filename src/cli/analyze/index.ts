// `meshferry analyze`: check mesh config against the target control plane; table, JSON or SARIF; exit 1 on findings at the threshold.
import { Option, type Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import {
  CATALOG, DEFAULT_TARGET_VERSION, allAnalyzers, analyzeResources, atLeast, outputChunks, parseLevel, parseSuppression,
  kindRef, shippedVersions, type AnalysisResult, type KindRef, type Level,
} from '../../analyze/index.js';
import type { KubeObject } from '../../resources/object.js';
import { ResourceSet } from '../../resources/resource-set.js';
import { VENDORS, type Vendor } from '../../resources/vendors.js';
import { addClusterFlags, connect, type ClusterFlags } from '../cluster-flags.js';
import { log, renderTable, style, writeStdout } from '../io.js';
import { addNamespaceFlags, selectedNamespaces, type NamespaceFlags } from '../namespace-flags.js';
import { formatOption } from '../output-flags.js';
import { readInputs } from '../read-input.js';
import { VERSION } from '../version-number.js';

export type AnalyzeFormat = 'table' | 'json' | 'sarif';

export interface AnalyzeFlags extends ClusterFlags, NamespaceFlags {
  output: AnalyzeFormat;
  targetVersion: string;
  targetRevision: string[];
  targetVendor: Vendor;
  rootNamespace: string;
  suppress: string[];
  failureThreshold: string;
  outputThreshold: string;
  listChecks?: boolean;
}

/**
 * The namespace a finding is about: the object's namespace, or a Namespace object's own name (so `-n shop` shows
 * what is wrong with Namespace shop). Undefined for cluster-scoped objects and run-level notes, which -n keeps.
 */
export function findingNamespace(origin: string): string | undefined {
  const m = /^(\S+) (?:([^/\s]+)\/)?(\S+)$/.exec(origin);
  if (!m) return undefined;
  if (m[2] !== undefined) return m[2];
  return m[1] === 'Namespace' ? m[3] : undefined;
}

/** What a live cluster read adds (the lead wires `--context` through src/kube into this). */
export interface LiveInput {
  /** Objects without a file are reported as `cluster/<clusterName>`. */
  clusterName?: string;
  /** Kinds read completely from the cluster, so a missing reference there is certain. */
  completeKinds?: Iterable<KindRef>;
}

function levelFlag(flag: string, value: string): Level {
  const level = parseLevel(value);
  if (!level) throw new UsageError(`${flag} must be Error, Warning or Info, got "${value}"`);
  return level;
}

/**
 * The seam for every input: analyzes a ResourceSet (from files, a live cluster, or both merged) and renders it.
 * Returns the exit code: 1 when a finding is at or above the failure threshold.
 */
export async function analyzeAndReport(set: ResourceSet, flags: AnalyzeFlags, extra: LiveInput = {}): Promise<number> {
  const failAt = levelFlag('--failure-threshold', flags.failureThreshold);
  const showAt = levelFlag('--output-threshold', flags.outputThreshold);
  const result = analyzeResources(set, {
    target: { version: flags.targetVersion, revisions: flags.targetRevision, vendor: flags.targetVendor, rootNamespace: flags.rootNamespace },
    suppressions: flags.suppress.map(parseSuppression),
    ...(extra.clusterName ? { clusterName: extra.clusterName } : {}),
    ...(extra.completeKinds ? { completeKinds: extra.completeKinds } : {}),
  });
  if (result.schemasFrom) log.info(`analyze: no schemas are shipped for Istio ${flags.targetVersion}; using those of ${result.schemasFrom} (same minor release)`);
  const namespaces = selectedNamespaces(flags);
  if (namespaces) {
    // Every object read stays in the analysis (a reference into another namespace still resolves); -n only
    // chooses which objects' findings are reported and can fail the run.
    const before = result.findings.length;
    result.findings = result.findings.filter((f) => {
      const ns = findingNamespace(f.origin);
      return ns === undefined || namespaces.includes(ns);
    });
    if (result.findings.length < before) log.info(`analyze: left out ${before - result.findings.length} finding(s) on objects in namespaces other than ${namespaces.join(', ')} (-n)`);
  }
  const shown = result.findings.filter((f) => atLeast(f.level, showAt));
  await render(shown, result, flags.output);
  const failing = result.findings.filter((f) => atLeast(f.level, failAt)).length;
  return failing > 0 ? ExitCode.findings : ExitCode.ok;
}

async function render(shown: AnalysisResult['findings'], result: AnalysisResult, format: AnalyzeFormat): Promise<void> {
  // Chunk by chunk, each write awaited: a million findings never become one string, and a slow pipe holds us back.
  for (const chunk of outputChunks(format, shown, { toolVersion: VERSION })) await writeStdout(chunk);
  const count = (l: Level) => result.findings.filter((f) => f.level === l).length;
  const [e, w, i] = [count('Error'), count('Warning'), count('Info')];
  const summary = `analyzed ${result.objects} object(s) against Istio ${result.target.istioVersion} (vendor ${result.target.vendor}, revisions ${result.target.revisionsKnown ? result.target.revisions.join(', ') || 'none' : 'not given, default assumed'})`;
  const suppressed = result.suppressed ? `, ${result.suppressed} suppressed` : '';
  if (e + w + i === 0) log.info(style.green(`✔ no problems found; ${summary}${suppressed}`));
  else log.info(`${e ? style.red(`${e} error(s)`) : '0 errors'}, ${w ? style.yellow(`${w} warning(s)`) : '0 warnings'}, ${i} info; ${summary}${suppressed}`);
}

/** What a cluster read gives the analyzer: neat objects, the kinds read completely, the context's name. */
export interface LiveRead {
  objects: KubeObject[];
  completeKinds: KindRef[];
  contextName: string;
}

export type ClusterReader = (flags: ClusterFlags) => Promise<LiveRead>;

/** Reads a cluster's Istio config plus the namespaces, Services, workloads and Secret names around it. */
export async function readCluster(flags: ClusterFlags): Promise<LiveRead> {
  const cluster = await connect(flags);
  try {
    const { exportObjects } = await import('../../kube/export.js');
    const report = await exportObjects(cluster, { withContext: true });
    for (const k of report.kinds) if (k.skipped?.reason === 'forbidden') log.warn(`analyze: cannot list ${k.resource} (${k.skipped.message}); references to it are not checked`);
    return {
      objects: report.objects,
      completeKinds: report.kinds.filter((k) => !k.skipped).map((k) => kindRef(k.kind.group, k.kind.kind)),
      contextName: cluster.connection.contextName,
    };
  } finally {
    cluster.close();
  }
}

/**
 * Reads the paths and/or the cluster (--context/--kubeconfig) into one view and analyzes it; returns the exit
 * code. Files win over the cluster for the same object, so a change can be checked against what is live.
 */
export async function runAnalyze(paths: string[], flags: AnalyzeFlags, readLive: ClusterReader = readCluster): Promise<number> {
  if (flags.listChecks) {
    const rows = Object.values(CATALOG).map((m) => [m.code, m.name, m.level, m.description]);
    await writeStdout(renderTable(['code', 'name', 'level', 'description'], rows));
    const analyzers = allAnalyzers().map((a) => `  ${a.metadata.name}: ${a.metadata.description}`);
    log.info(`analyzers:\n${analyzers.join('\n')}`);
    return ExitCode.ok;
  }
  const live = flags.context !== undefined || flags.kubeconfig !== undefined;
  selectedNamespaces(flags); // -n with -A fails before anything is read
  if (!paths.length && !live)
    throw new UsageError('analyze needs something to read: files or folders, - for stdin, or --context for a live cluster (see meshferry analyze --help)');
  // -n is applied to findings, not to the objects read: see analyzeAndReport.
  const files = paths.length ? await readInputs('analyze', paths, {}) : new ResourceSet();
  if (!live) return analyzeAndReport(files, flags);
  const read = await readLive(flags);
  const set = ResourceSet.of(read.objects);
  for (const r of files) set.add(r, 'replace');
  log.info(`analyze: read ${read.objects.length} object(s) from context "${read.contextName}"${files.size ? ` and ${files.size} from files` : ''}`);
  return analyzeAndReport(set, flags, { clusterName: read.contextName, completeKinds: read.completeKinds });
}

export function registerAnalyze(program: Command): void {
  const cmd = program
    .command('analyze')
    .summary('check mesh config against the target control plane (table, JSON or SARIF)')
    .description(
      'Check Istio config (and the namespaces, Services and workloads around it) for what breaks a move to another ' +
        'control plane: fields the target release rejects, prunes or deprecates, rules its validating webhook enforces, ' +
        'references to gateways, hosts, subsets, workloads and Secrets that do not exist, conflicting hosts and gateways, ' +
        'injection revisions the target lacks, and traces of the old managed mesh. `--list-checks` prints every check.\n\n' +
        'Workload selector checks run only where the input holds workloads (Pods, Deployments, ...); references to ' +
        'Services and Secrets are checked only in namespaces where the input holds some. Skipped checks are summed up ' +
        'in one Info message instead of being reported as missing.\n\n' +
        'Suppress a finding with the annotation `meshferry.dev/suppress: "Name,MF0005"` on the object, or with ' +
        '`--suppress Name=Kind namespace/name` (* globs the names).\n\n' +
        'With --context (or --kubeconfig) the cluster\'s Istio config, namespaces, Services, workloads and Secret names ' +
        'are read too and merged with the files (a file wins over the live object it names); live objects are ' +
        'reported as cluster/<context>, and references into kinds read completely are checked everywhere.\n\n' +
        'Namespaces: every object read is analyzed, so references across namespaces resolve. Without -n every finding is ' +
        'reported; -n reports only findings on objects in those namespaces (and on the Namespace objects themselves), plus ' +
        'cluster-scoped objects and run-level notes, and only those can fail the run. -A is the explicit form of the default.\n\n' +
        'Exit codes: 0 nothing at or above --failure-threshold, 1 something is, 2 bad input or flags (a path that holds no ' +
        'object, or neither a path nor --context), 3 cluster unreachable.',
    )
    .argument('[paths...]', 'files or folders (.yaml, .yml, .json, searched recursively), or - for stdin; give paths, --context, or both')
    .addOption(formatOption(['table', 'json', 'sarif']))
    .option('--target-version <X.Y.Z>', `Istio release of the target; picks its CRD schemas (shipped: ${shippedVersions().join(', ')})`, DEFAULT_TARGET_VERSION)
    .addOption(
      new Option('--target-revision <rev>', 'an injection revision or revision tag installed in the target; repeatable')
        .argParser((v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)])
        .default([], 'only "default"'),
    )
    .addOption(new Option('--target-vendor <vendor>', 'who runs the target control plane').choices([...VENDORS]).default('istio'))
    .option('--root-namespace <ns>', "Istio's root namespace in the target (policies there apply mesh-wide)", 'istio-system')
    .addOption(
      new Option('--suppress <NAME=Kind ns/name>', 'do not report check NAME (a name, a code or *) for that object; repeatable')
        .argParser((v: string, prev: string[] = []) => [...prev, v])
        .default([], 'none'),
    )
    .option('--failure-threshold <level>', 'exit 1 when a finding is at or above this level: Error, Warning or Info', 'Error')
    .option('--output-threshold <level>', 'show findings at or above this level: Error, Warning or Info', 'Info')
    .option('--list-checks', 'print every check (code, name, level, description) and exit')
    .addHelpText(
      'after',
      `
Examples:
  # Check an exported folder against the default target (Istio ${DEFAULT_TARGET_VERSION}, revision "default")
  $ meshferry analyze old-export/

  # Moving to a canary revision of Istio 1.26 that runs next to a revision tag "prod"
  $ meshferry analyze clean/ --target-version 1.26.0 --target-revision 1-26-0 --target-revision prod

  # Leaving Tencent Cloud Mesh for self-built Istio; fail the CI job on warnings too
  $ meshferry analyze tcm-export/ --target-vendor istio --failure-threshold Warning

  # SARIF for a code-scanning UI, JSON for scripts
  $ meshferry analyze config/ -o sarif > analyze.sarif
  $ kubectl get vs,dr,gw -A -o yaml | meshferry analyze - -o json | jq '.[] | select(.level=="Error")'

  # A live cluster, with local edits on top (the files win)
  $ meshferry analyze --context old-mesh
  $ meshferry analyze changed/ --context old-mesh --target-version 1.26.0

  # Only what is wrong in the shop namespace (everything read still counts as context)
  $ meshferry analyze old-export/ -n shop

  # Accept one known finding
  $ meshferry analyze config/ --suppress 'ReferencedResourceNotFound=VirtualService shop/legacy-*'`,
    )
    .action(async (paths: string[], flags: AnalyzeFlags) => {
      process.exitCode = await runAnalyze(paths, flags);
    });
  addNamespaceFlags(cmd, 'report only findings on objects in this namespace');
  addClusterFlags(cmd);
}
