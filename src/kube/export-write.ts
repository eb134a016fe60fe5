// Writes an export folder: the kubedump layout built in a staging folder, files written in parallel, swapped in whole.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, isErrnoException } from '../errors.js';
import type { KubeObject } from '../resources/object.js';
import { OUTPUT_MARKER, assertReplaceable, layoutPath, sortObjects } from '../resources/yaml-write.js';
import { emitObjectYaml } from './export-yaml.js';
import { mapLimit } from '../concurrency.js';

/** Files written at once: enough to hide filesystem latency, few enough not to exhaust file descriptors. */
const WRITE_CONCURRENCY = 32;

/**
 * The same contract and staging names as writeLayout (so either one cleans up after the other), with two
 * differences that matter at thousands of objects: YAML comes from emitObjectYaml, and files are written
 * concurrently instead of one after another. Returns the relative paths written, sorted.
 */
export async function writeExportLayout(dir: string, objects: readonly KubeObject[]): Promise<string[]> {
  await assertReplaceable(dir);
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  await mkdir(parent, { recursive: true });
  const staging = path.join(parent, `.${path.basename(abs)}.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  const files: { rel: string; obj: KubeObject }[] = [];
  const seen = new Set<string>();
  for (const obj of sortObjects(objects)) {
    const rel = layoutPath(obj);
    if (seen.has(rel)) throw new InputError(`two objects would be written to ${rel}`, { code: 'LayoutCollision' });
    seen.add(rel);
    files.push({ rel, obj });
  }
  try {
    await mkdir(staging, { recursive: true });
    for (const d of [...new Set(files.map((f) => path.dirname(f.rel)))].sort()) await mkdir(path.join(staging, d), { recursive: true });
    await mapLimit(files, WRITE_CONCURRENCY, ({ rel, obj }) => writeFile(path.join(staging, rel), emitObjectYaml(obj)));
    await writeFile(path.join(staging, OUTPUT_MARKER), 'This folder was written by meshferry and is replaced whole by its next run.\n');
    await swapInto(staging, abs);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return files.map((f) => f.rel).sort();
}

/** Puts `staging` where `dir` is with two renames; the old folder is restored if the second rename fails. */
async function swapInto(staging: string, dir: string): Promise<void> {
  const old = `${staging}.old`;
  let hadOld = false;
  try {
    await stat(dir);
    await rename(dir, old);
    hadOld = true;
  } catch (err) {
    if (!(isErrnoException(err) && err.code === 'ENOENT')) throw err;
  }
  try {
    await rename(staging, dir);
  } catch (err) {
    if (hadOld) await rename(old, dir);
    throw err;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}
