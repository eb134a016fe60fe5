// Reading the objects a command was pointed at: paths or stdin, never silently nothing, then the -n filter.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { readResources } from '../resources/yaml-read.js';
import { log } from './io.js';
import { keepNamespaces, selectedNamespaces, type NamespaceFlags } from './namespace-flags.js';

/** How the readers name stdin in sources. */
const STDIN_NAME = '<stdin>';

export type ObjectReader = (paths: readonly string[]) => Promise<ResourceSet>;

/**
 * The paths to read: the ones given, or stdin ('-') when none are. With no paths and a terminal on stdin there
 * is nothing to read, and waiting for it would look like a hang: a usage error instead.
 */
export function inputPaths(command: string, paths: readonly string[]): string[] {
  if (paths.length) return [...paths];
  if (process.stdin.isTTY)
    throw new UsageError(`${command} reads files or folders, or stdin when given "-": name what to read (see meshferry ${command} --help)`);
  return ['-'];
}

function contains(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Every path the user named must give at least one object: a wrong path, an empty folder or an empty stream
 * would otherwise pass as "nothing to do" (and a CI gate would pass on it). Exit 2, naming each such path.
 */
export function requireObjects(set: ResourceSet, paths: readonly string[]): void {
  // Ten thousand objects come from a few dozen files: resolve each file once, not once per object.
  const files = new Set<string>();
  for (const r of set) if (r.source) files.add(r.source.file);
  const sources = new Set<string>();
  for (const f of files) sources.add(f === STDIN_NAME ? STDIN_NAME : path.resolve(f));
  const empty = paths.filter((p) => {
    if (p === '-') return !sources.has(STDIN_NAME);
    // A reader may name files by the path given or by their real path (symlinks followed): accept both.
    const wants = [path.resolve(p)];
    try {
      wants.push(realpathSync(p));
    } catch {
      // The reader has already reported a path that cannot be resolved.
    }
    if (wants.some((w) => sources.has(w))) return false; // a file named as it was read
    for (const s of sources) if (s !== STDIN_NAME && wants.some((w) => contains(w, s))) return false;
    return true;
  });
  if (empty.length === 0) return;
  const named = empty.map((p) => (p === '-' ? 'stdin' : p)).join(', ');
  throw new InputError(
    `read no Kubernetes objects from ${named}: ${empty.length > 1 ? 'these hold' : 'it holds'} no .yaml, .yml or .json file with an object (a wrong path, an empty folder, or empty input?)`,
    { code: 'NoObjects' },
  );
}

/**
 * Reads the inputs of a file-reading command: at least one object from each path named, then `-n` applied.
 * What `-n` leaves out is counted on stderr, so a filter that matched nothing does not look like an empty file.
 */
export async function readInputs(command: string, paths: readonly string[], flags: NamespaceFlags, reader: ObjectReader = readResources): Promise<ResourceSet> {
  const namespaces = selectedNamespaces(flags);
  const read = await reader(paths);
  requireObjects(read, paths);
  const kept = keepNamespaces(read, namespaces);
  if (namespaces && kept.size < read.size)
    log.info(`${command}: left out ${read.size - kept.size} of ${read.size} object(s) in namespaces other than ${namespaces.join(', ')} (-n)`);
  if (namespaces) {
    // As kubectl says "No resources found in X namespace": a misspelt -n must not look like a clean run.
    const present = new Set<string>();
    for (const r of read) {
      const ns = r.object.metadata?.namespace;
      if (typeof ns === 'string') present.add(ns);
      if (r.object.kind === 'Namespace' && typeof r.object.metadata?.name === 'string') present.add(r.object.metadata.name);
    }
    const missing = namespaces.filter((ns) => !present.has(ns));
    if (missing.length > 0) log.warn(`${command}: no object of the input is in namespace ${missing.join(', ')} (-n)`);
  }
  return kept;
}
