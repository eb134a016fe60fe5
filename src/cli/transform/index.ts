// `meshferry transform`: apply a TransformRules file to objects and report every change it made.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { applyRules } from '../../transform/apply.js';
import { loadTransformRules } from '../../transform/load-rules.js';
import { writeLines, writeTransformReportFile } from '../../transform/report-file.js';
import { buildReport, formatTransformChange, formatTransformNotification, formatTransformSummary, type TransformReport } from '../../transform/report.js';
import { log, style } from '../io.js';
import { FILE_NAMESPACE_HELP, addNamespaceFlags, type NamespaceFlags } from '../namespace-flags.js';
import { checkObjectOutput, formatOption, outputDirOption, outputFileOption, writeObjects, type ObjectOutputFlags } from '../output-flags.js';
import { inputPaths, readInputs } from '../read-input.js';

export interface TransformFlags extends ObjectOutputFlags, NamespaceFlags {
  rules?: string;
  report?: string;
  quiet?: boolean;
}

/** Loads the rules (first, so a bad rules file fails before any input is read), applies them, writes and reports. */
export async function runTransform(paths: string[], flags: TransformFlags): Promise<TransformReport> {
  // Checked here rather than by commander, so that a misspelt --rule gets commander's "did you mean --rules?".
  if (!flags.rules) throw new UsageError('transform needs --rules FILE, the TransformRules file to apply (see meshferry transform --help)');
  checkObjectOutput(flags);
  const inputs = inputPaths('transform', paths);
  const loaded = await loadTransformRules(flags.rules);
  const set = await readInputs('transform', inputs, flags);
  const result = applyRules(set, loaded.rules, loaded);
  const objects = result.set.objects();
  await writeObjects('transform', objects, flags);

  const report = buildReport({
    rules: loaded.rules,
    rulesFile: flags.rules,
    inputs,
    objectsIn: set.size,
    objectsOut: result.set.size,
    changes: result.changes,
    notes: result.notes,
    changedObjects: result.changedObjects,
  });
  // Object names and values come from the input files: no control character reaches the terminal.
  const safe = (text: string) => sanitizeTerminalText(text, { oneLine: true });
  if (!flags.quiet) await writeLines(process.stderr, result.changes, (c) => safe(formatTransformChange(c)));
  for (const n of result.notes) {
    const line = safe(formatTransformNotification(n));
    process.stderr.write(`${n.level === 'WARNING' ? style.yellow(line) : line}\n`);
  }
  if (flags.report) await writeTransformReportFile(flags.report, report);
  log.info(style.dim(formatTransformSummary(report.summary)));
  if (flags.report) log.info(`transform: wrote the change report to ${flags.report}`);
  return report;
}

export function registerTransform(program: Command): void {
  const cmd = program
    .command('transform')
    .summary('rewrite objects with a TransformRules file (revisions, gateway selectors, namespaces, hosts, versions)')
    .description(
      'Apply the rules of a TransformRules file, in order, to objects read from files, folders or stdin. ' +
        'The rewritten objects go to stdout as one YAML stream (-o json: one object, or a v1 List), to one file ' +
        '(--output-file) or to the kubedump layout <dir>/<namespace>/<plural>/<name>.yaml (--output-dir); inputs are never modified.\n\n' +
        'The change report goes to stderr: one line per change naming the rule, the object, the field path and old → new, ' +
        'then notifications (INFO, WARNING) for rewrites that are lossy or surprising and for what a rule deliberately left alone. ' +
        '--report writes the same report as JSON.\n\n' +
        'The rules file is checked against schemas/transform-rules.schema.json (editors can complete it); a mistake exits 2 ' +
        'naming file:line. docs/transform.md describes every rule. A path that holds no object is an error (exit 2).\n\n' +
        FILE_NAMESPACE_HELP,
    )
    .argument('[paths...]', 'files or folders (.yaml, .yml, .json, searched recursively), or - for stdin')
    .option('-r, --rules <file>', 'the TransformRules file to apply (required)')
    .addOption(formatOption(['yaml', 'json'], { writes: 'dir' }))
    .addOption(outputDirOption())
    .addOption(outputFileOption())
    .option('--report <file>', 'also write the change report as JSON (written atomically)')
    .option('-q, --quiet', 'leave out the per-change lines (notifications and the summary are still printed)');
  addNamespaceFlags(cmd)
    .addHelpText(
      'after',
      `
Rules (each list entry has one key; all but patch may add match: {kinds, namespaces, names, labelSelector}):
  renameGatewaySelector {from, to}          Istio Gateways (and policies picking the same pods) select new labels
  setRevision {to}                          injection-enabled namespaces and istio.io/rev labels move to revision <to>
  mapNamespace {from, to}                   rename a namespace and every reference to it
  mapHost {from, to} | {fromSuffix, toSuffix}   rewrite hosts in every host field of every kind
  upgradeApiVersion {to}                    Istio kinds move to apiVersion <to> where it exists
  removeLabels {keys, presets}              presets: tcm, asm, csm, ossm; keys may end in * (a prefix)
  removeAnnotations {keys, presets}
  drop {kinds, namespaces, names, labelSelector}
  patch {match: {kind, namespace, name}, jsonPatch: [RFC 6902 operations]}

A rules file:
  apiVersion: meshferry.dev/v1alpha1
  kind: TransformRules
  metadata: {name: tcm-to-istio}
  rules:
  - drop: {kinds: [EnvoyFilter], namespaces: [istio-system]}
  - setRevision: {to: 1-31-1, match: {namespaces: [team-*], labelSelector: "wave=1"}}
  - renameGatewaySelector: {from: {istio: ingressgateway}, to: {istio: ingressgateway-new}}
  - mapHost: {fromSuffix: .global, toSuffix: .svc.cluster.local}
  - mapNamespace: {from: staging, to: staging-v2}
  - upgradeApiVersion: {to: v1}
  - removeLabels: {keys: [example.com/owner], presets: [ossm]}
  - patch:
      match: {kind: VirtualService, namespace: shop, name: frontend}
      jsonPatch: [{op: replace, path: /spec/http/0/timeout, value: 5s}]

Examples:
  # Rewrite a cleaned export and print the result; the change report goes to stderr
  $ meshferry transform clean/ --rules examples/tcm-to-istio.rules.yaml > rewritten.yaml

  # Write the kubedump layout and keep a JSON record of every change
  $ meshferry transform clean/ -r rules.yaml --output-dir rewritten/ --report changes.json

  # Only two namespaces, as JSON
  $ meshferry transform clean/ -r rules.yaml -n shop,payments -o json > rewritten.json

  # In a pipeline
  $ meshferry neat export/ | meshferry transform - -r rules.yaml | kubectl apply --dry-run=server -f -`,
    )
    .action(async (paths: string[], flags: TransformFlags) => {
      await runTransform(paths, flags);
    });
}
