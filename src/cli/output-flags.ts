// The output flags every command shares, as kubectl has them: -o/--output is a format; --output-dir and --output-file say where.
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { closestWord } from '../closest-word.js';
import type { KubeObject } from '../resources/object.js';
import { canonicalObject, serializeStream, sortObjects, writeFileAtomic, writeLayout } from '../resources/yaml-write.js';
import { log, writeStdout } from './io.js';

/** Where a command can write besides stdout; used to point an old-style `-o somedir/` at the right flag. */
export type WriteTarget = 'dir' | 'file' | 'none';

function looksLikePath(value: string): boolean {
  return /[/\\.~]/.test(value) || value === '' || value.startsWith('-');
}

/**
 * `-o, --output <format>`: the value must be one of `formats`. Since -o used to name a folder (neat, transform,
 * export, install plan) or a file (remote-secret), a value that looks like a path gets a usage error that names
 * --output-dir or --output-file instead of being taken for a format nobody meant.
 */
export function formatOption(formats: readonly string[], opts: { default?: string; writes?: WriteTarget } = {}): Option {
  const def = opts.default ?? formats[0]!;
  const writes = opts.writes ?? 'none';
  return new Option('-o, --output <format>', `output format: ${formats.join('|')}`)
    .default(def)
    .argParser((value: string) => {
      if (formats.includes(value)) return value;
      const where =
        writes === 'dir'
          ? `; to write files into a folder use --output-dir ${looksLikePath(value) ? value : 'DIR'}`
          : writes === 'file'
            ? `; to write a file use --output-file ${looksLikePath(value) ? value : 'FILE'}`
            : '';
      const near = closestWord(value, formats);
      const hint = near && !looksLikePath(value) ? ` (did you mean ${near}?)` : '';
      throw new UsageError(`-o/--output is the output format, one of ${formats.join(', ')}; got "${value}"${hint}${where}`);
    });
}

/** `--output-dir <dir>`: the kubedump layout <dir>/<namespace>/<plural>/<name>.yaml. */
export function outputDirOption(description = 'write the kubedump layout <dir>/<namespace>/<plural>/<name>.yaml (atomically) instead of stdout'): Option {
  return new Option('--output-dir <dir>', description);
}

/** `--output-file <file>`: the same bytes as stdout, written atomically to a file. */
export function outputFileOption(description = 'write what would go to stdout into this file instead (atomically)'): Option {
  return new Option('--output-file <file>', description);
}

export interface ObjectOutputFlags {
  output: string;
  outputDir?: string;
  outputFile?: string;
}

/** Refuses flag combinations that cannot all be honoured, before any input is read. */
export function checkObjectOutput(flags: ObjectOutputFlags): void {
  if (flags.outputDir !== undefined && flags.outputFile !== undefined)
    throw new UsageError('--output-dir and --output-file exclude each other: write a folder of files, or one file');
  if (flags.outputDir !== undefined && flags.output !== 'yaml')
    throw new UsageError(`--output-dir writes one YAML file per object; -o ${flags.output} applies to stdout and --output-file`);
  if (flags.outputDir === '') throw new UsageError('--output-dir needs a folder name');
  if (flags.outputFile === '') throw new UsageError('--output-file needs a file name');
}

/** Objects as kubectl prints them: one YAML stream, or JSON (one object as itself, several as a v1 List). */
export function renderObjects(objects: readonly KubeObject[], format: string): string {
  if (format === 'json') {
    // The same order and key order as the YAML stream, so -o json and -o yaml hold the same thing.
    const items = sortObjects(objects).map(canonicalObject);
    const doc = items.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', metadata: {}, items };
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
  return serializeStream(objects);
}

/** Writes objects where the flags say (stdout, one file, or a folder); `command` prefixes the note on stderr. */
export async function writeObjects(command: string, objects: readonly KubeObject[], flags: ObjectOutputFlags): Promise<void> {
  if (flags.outputDir !== undefined) {
    await writeLayout(flags.outputDir, [...objects]);
    log.info(`${command}: wrote ${objects.length} object(s) to ${flags.outputDir}/`);
  } else if (flags.outputFile !== undefined) {
    await writeFileAtomic(flags.outputFile, renderObjects(objects, flags.output));
    log.info(`${command}: wrote ${objects.length} object(s) to ${flags.outputFile}`);
  } else await writeStdout(renderObjects(objects, flags.output));
}
