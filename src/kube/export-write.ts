// Writes an export folder: the kubedump layout built in a staging folder as objects arrive, then swapped in whole.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, statSync, writeFile, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError, isErrnoException } from '../errors.js';
import type { KubeObject } from '../resources/object.js';
import { OUTPUT_MARKER, assertReplaceable, layoutPath } from '../resources/yaml-write.js';
import { Semaphore } from '../concurrency.js';
import { emitObjectYaml } from './export-yaml.js';

/** Files being written at once: creating a file costs ~0.2 ms of kernel time, which the thread pool spreads. */
const WRITE_CONCURRENCY = 32;

/**
 * An export folder under construction. It keeps writeLayout's contract and staging names (so either one cleans
 * up after the other) with three differences that matter at thousands of objects: objects are written as each
 * kind's LIST arrives, overlapping disk and network; YAML comes from emitObjectYaml; and files are written
 * 32 at a time with callback-style fs.writeFile (cheaper per file than fs/promises' FileHandle).
 */
export class ExportLayoutWriter {
  readonly dir: string;
  readonly #staging: string;
  readonly #written = new Set<string>();
  readonly #dirs = new Set<string>();
  readonly #slots = new Semaphore(WRITE_CONCURRENCY);
  #open = true;

  private constructor(dir: string, staging: string) {
    this.dir = dir;
    this.#staging = staging;
  }

  /** Checks that `dir` may be replaced and creates the staging folder beside it. */
  static async open(dir: string): Promise<ExportLayoutWriter> {
    await assertReplaceable(dir);
    const abs = path.resolve(dir);
    const parent = path.dirname(abs);
    await mkdir(parent, { recursive: true });
    const staging = path.join(parent, `.${path.basename(abs)}.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(staging, { recursive: true });
    return new ExportLayoutWriter(abs, staging);
  }

  /** Writes objects into the staging folder; two objects that map to one file are an error. */
  async write(objects: readonly KubeObject[]): Promise<void> {
    if (!this.#open) throw new Error('the export folder was already committed or aborted');
    const files: { file: string; obj: KubeObject }[] = [];
    for (const obj of objects) {
      const rel = layoutPath(obj);
      if (this.#written.has(rel)) throw new InputError(`two objects would be written to ${rel}`, { code: 'LayoutCollision' });
      this.#written.add(rel);
      const d = path.dirname(rel);
      if (!this.#dirs.has(d)) {
        mkdirSync(path.join(this.#staging, d), { recursive: true });
        this.#dirs.add(d);
      }
      files.push({ file: path.join(this.#staging, rel), obj });
    }
    await Promise.all(
      files.map(({ file, obj }) =>
        this.#slots.run(() => new Promise<void>((resolve, reject) => writeFile(file, emitObjectYaml(obj), (err) => (err ? reject(err) : resolve())))),
      ),
    );
  }

  /** Adds the marker and swaps the staging folder into place; returns the relative paths written, sorted. */
  commit(): string[] {
    if (!this.#open) throw new Error('the export folder was already committed or aborted');
    this.#open = false;
    try {
      writeFileSync(path.join(this.#staging, OUTPUT_MARKER), 'This folder was written by meshferry and is replaced whole by its next run.\n');
      swapInto(this.#staging, this.dir);
    } catch (err) {
      rmSync(this.#staging, { recursive: true, force: true });
      throw err;
    }
    return [...this.#written].sort();
  }

  /** Removes the staging folder; the previous folder stays as it was. */
  abort(): void {
    if (!this.#open) return;
    this.#open = false;
    rmSync(this.#staging, { recursive: true, force: true });
  }
}

/** Writes all `objects` as one export folder (open, write, commit; aborted on failure). */
export async function writeExportLayout(dir: string, objects: readonly KubeObject[]): Promise<string[]> {
  const writer = await ExportLayoutWriter.open(dir);
  try {
    await writer.write(objects);
    return writer.commit();
  } catch (err) {
    writer.abort();
    throw err;
  }
}

/** Puts `staging` where `dir` is with two renames; the old folder is restored if the second rename fails. */
function swapInto(staging: string, dir: string): void {
  const old = `${staging}.old`;
  let hadOld = false;
  try {
    statSync(dir);
    renameSync(dir, old);
    hadOld = true;
  } catch (err) {
    if (!(isErrnoException(err) && err.code === 'ENOENT')) throw err;
  }
  try {
    renameSync(staging, dir);
  } catch (err) {
    if (hadOld) renameSync(old, dir);
    throw err;
  }
  if (hadOld) rmSync(old, { recursive: true, force: true });
}
