// `meshferry neat`: clean objects from files or stdin, Istio-aware.
import type { Command } from 'commander';
import { neatObject } from '../../resources/neat.js';
import { sourceText } from '../../resources/resource-set.js';
import { secretNotice } from '../../resources/secrets.js';
import { readResources } from '../../resources/yaml-read.js';
import { serializeStream, writeLayout } from '../../resources/yaml-write.js';
import { log, writeStdout } from '../io.js';

export interface NeatFlags {
  output?: string;
}

/** Reads, neats and writes; returns the number of objects. */
export async function runNeat(paths: string[], flags: NeatFlags): Promise<number> {
  const set = await readResources(paths.length ? paths : ['-']);
  for (const r of set) if (r.object.kind === 'Secret') log.info(secretNotice(r.object, sourceText(r)));
  const objects = set.objects().map(neatObject);
  if (flags.output) {
    await writeLayout(flags.output, objects);
    log.info(`neat: wrote ${objects.length} object(s) to ${flags.output}/`);
  } else {
    await writeStdout(serializeStream(objects));
  }
  return objects.length;
}

export function registerNeat(program: Command): void {
  program
    .command('neat')
    .summary('clean exported objects (metadata, status, server defaults), Istio-aware')
    .description(
      'Clean objects the way kubectl-neat does, without ever changing what they mean.\n\n' +
        'Keeps metadata.name, namespace, labels and annotations; drops uid, resourceVersion, generation,\n' +
        'creationTimestamp, managedFields, selfLink, ownerReferences, finalizers, status and the\n' +
        'last-applied-configuration annotation. Core kinds (Service, Deployment, Pod, ...) lose the defaults the\n' +
        'API server fills in. Istio specs are kept exactly: empty values such as `rules: [{}]` (allow all),\n' +
        '`outlierDetection: {}` and `tls: {}` change behaviour and are never pruned. Secrets keep metadata only.',
    )
    .argument('[paths...]', 'files or folders (.yaml, .yml, .json, searched recursively), or - for stdin', [])
    .option('-o, --output <dir>', 'write the kubedump layout <dir>/<namespace>/<plural>/<name>.yaml instead of one stream to stdout')
    .addHelpText(
      'after',
      `
Examples:
  # Clean a kubectl dump and print one YAML stream
  $ kubectl get vs,dr,gw -A -o yaml | meshferry neat -

  # Clean a whole exported folder into a new folder (written atomically)
  $ meshferry neat old-export/ -o clean/`,
    )
    .action(async (paths: string[], flags: NeatFlags) => {
      await runNeat(paths, flags);
    });
}
