// `meshferry neat`: clean objects from files or stdin, Istio-aware.
import type { Command } from 'commander';
import { neatObject } from '../../resources/neat.js';
import { FILE_NAMESPACE_HELP, addNamespaceFlags, type NamespaceFlags } from '../namespace-flags.js';
import { checkObjectOutput, formatOption, outputDirOption, outputFileOption, writeObjects, type ObjectOutputFlags } from '../output-flags.js';
import { inputPaths, readInputs } from '../read-input.js';
import { sourceText } from '../../resources/resource-set.js';
import { secretNotice } from '../../resources/secrets.js';
import { log } from '../io.js';

export interface NeatFlags extends ObjectOutputFlags, NamespaceFlags {}

/** Reads, neats and writes; returns the number of objects. */
export async function runNeat(paths: string[], flags: NeatFlags): Promise<number> {
  checkObjectOutput(flags);
  const set = await readInputs('neat', inputPaths('neat', paths), flags);
  for (const r of set) if (r.object.kind === 'Secret') log.info(secretNotice(r.object, sourceText(r)));
  const objects = set.objects().map(neatObject);
  await writeObjects('neat', objects, flags);
  return objects.length;
}

export function registerNeat(program: Command): void {
  const cmd = program
    .command('neat')
    .summary('clean exported objects (metadata, status, server defaults), Istio-aware')
    .description(
      'Clean objects the way kubectl-neat does, without ever changing what they mean.\n\n' +
        'Keeps metadata.name, namespace, labels and annotations; drops uid, resourceVersion, generation, ' +
        'creationTimestamp, managedFields, selfLink, ownerReferences, finalizers, status and the ' +
        'last-applied-configuration annotation. Core kinds (Service, Deployment, Pod, ...) lose only the API ' +
        'server\'s unconditional defaults; a value whose default depends on the cluster, the image tag or another field ' +
        '(ipFamilyPolicy, imagePullPolicy, ...) is kept. Strings stay strings for kubectl\'s YAML reader. Istio specs are kept exactly: empty values such as `rules: [{}]` (allow all), ' +
        '`outlierDetection: {}` and `tls: {}` change behaviour and are never pruned. Secrets keep metadata only (a note on stderr names each).\n\n' +
        'Output goes to stdout as one YAML stream (-o json: one object, or a v1 List of several), to one file ' +
        '(--output-file), or to the kubedump layout <dir>/<namespace>/<plural>/<name>.yaml (--output-dir). ' +
        'A path that holds no object is an error (exit 2).\n\n' +
        FILE_NAMESPACE_HELP,
    )
    .argument('[paths...]', 'files or folders (.yaml, .yml, .json, searched recursively), or - for stdin (the default when stdin is a pipe)')
    .addOption(formatOption(['yaml', 'json'], { writes: 'dir' }))
    .addOption(outputDirOption())
    .addOption(outputFileOption());
  addNamespaceFlags(cmd).addHelpText(
    'after',
    `
Examples:
  # Clean a kubectl dump and print one YAML stream
  $ kubectl get vs,dr,gw -A -o yaml | meshferry neat -

  # The same as JSON, for jq
  $ meshferry neat dump.yaml -o json | jq '.items[].metadata.name'

  # Clean a whole exported folder into a new folder (written atomically)
  $ meshferry neat old-export/ --output-dir clean/

  # Only the shop namespace (and cluster-scoped objects), into one file
  $ meshferry neat old-export/ -n shop --output-file shop.yaml`,
  );
  cmd.action(async (paths: string[], flags: NeatFlags) => {
    await runNeat(paths, flags);
  });
}
