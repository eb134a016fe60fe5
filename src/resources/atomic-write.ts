// Atomic output: single files via temp file + rename, whole folders via a staging folder swapped in; every path proven inside.
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, renameSync, rmSync, statSync, writeFile as writeFileCallback, writeFileSync } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Semaphore } from '../concurrency.js';
import { InputError, isErrnoException } from '../errors.js';

/** Marks a folder as meshferry's output, so a later run may replace it whole. */
export const OUTPUT_MARKER = '.meshferry-output';

/**
 * The one rule for modes: every file meshferry writes may hold cluster data (object names, annotations, a
 * report quoting them, a kubeconfig), so files are created 0600 and folders 0700, for the owner only. The
 * process umask can only narrow this further.
 */
export const FILE_MODE = 0o600;
export const FOLDER_MODE = 0o700;

/** Files written at once: creating a file costs ~0.2 ms of kernel time, which the thread pool spreads. */
const WRITE_CONCURRENCY = 32;

/** Whether a path exists (following symbolic links: a dangling link does not). */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** What an errno code means, in words a user can act on. */
function reasonOf(err: unknown): string {
  if (!isErrnoException(err)) return err instanceof Error ? err.message : String(err);
  switch (err.code) {
    case 'EACCES':
      return 'permission denied';
    case 'EPERM':
      return 'operation not permitted';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ENOENT':
      return 'no such file or directory (or this file system does not allow creating it)';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EEXIST':
      return 'it already exists';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENAMETOOLONG':
      return 'the name is too long for the file system';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EXDEV':
      return 'it is on another file system';
    default:
      return `${err.code ?? 'error'}: ${err.message}`;
  }
}

/** A filesystem error while writing `target`, as an input error (exit 2) that names the path and the reason. */
export function writeError(target: string, err: unknown): InputError {
  if (err instanceof InputError) return err;
  const at = isErrnoException(err) && err.path && path.resolve(err.path) !== path.resolve(target) ? ` (at ${err.path})` : '';
  return new InputError(`cannot write ${target}: ${reasonOf(err)}${at}`, { code: 'OutputUnwritable', cause: err });
}

/**
 * Creates `dir` and its missing parents, one level at a time. Node's `mkdir({recursive: true})` never returns
 * on some file systems (under /proc it retries ENOENT forever); this loop ends after one try per path segment.
 */
export async function makeDirs(dir: string, opts: { mode?: number; shownAs?: string } = {}): Promise<void> {
  const abs = path.resolve(dir);
  const shown = opts.shownAs ?? dir;
  const missing: string[] = [];
  for (let p = abs; ; p = path.dirname(p)) {
    try {
      const st = await stat(p);
      if (!st.isDirectory()) throw new InputError(`cannot write ${shown}: ${p} is not a folder`, { code: 'OutputUnwritable' });
      break;
    } catch (err) {
      if (!(isErrnoException(err) && err.code === 'ENOENT')) throw writeError(shown, err);
    }
    missing.push(p);
    if (path.dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      await mkdir(p, { mode: opts.mode ?? FOLDER_MODE });
    } catch (err) {
      if (!(isErrnoException(err) && err.code === 'EEXIST')) throw writeError(shown, err);
    }
  }
}

/** Synchronous makeDirs, for the export writer's hot path. */
function makeDirsSync(dir: string, target: string): void {
  const missing: string[] = [];
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) throw new InputError(`cannot write ${target}: ${p} is not a folder`, { code: 'OutputUnwritable' });
      break;
    } catch (err) {
      if (!(isErrnoException(err) && err.code === 'ENOENT')) throw writeError(target, err);
    }
    missing.push(p);
    if (path.dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p, { mode: FOLDER_MODE });
    } catch (err) {
      if (!(isErrnoException(err) && err.code === 'EEXIST')) throw writeError(target, err);
    }
  }
}

/** `rel` resolved under `root`, or an InputError when it would land outside it (`..`, an absolute path). */
export function containedPath(root: string, rel: string): string {
  const full = path.resolve(root, rel);
  const back = path.relative(root, full);
  if (back === '' || back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back))
    throw new InputError(`refusing to write ${JSON.stringify(rel)}: it resolves outside the output folder`, { code: 'PathEscapes' });
  return full;
}

/** What a file is written from: the whole text, or pieces (a report of a million lines is never one string). */
export type FileContent = string | Uint8Array | Iterable<string>;

/** Characters gathered from pieces before one write: few system calls, bounded memory. */
const WRITE_CHUNK = 1 << 20;

async function writeContent(fh: FileHandle, data: FileContent): Promise<void> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    await fh.writeFile(data);
    return;
  }
  let buffer = '';
  for (const piece of data) {
    buffer += piece;
    if (buffer.length >= WRITE_CHUNK) {
      await fh.write(buffer);
      buffer = '';
    }
  }
  if (buffer) await fh.write(buffer);
}

/**
 * Where a write to `file` must land. A symbolic link is followed, as a shell redirect follows it: the link stays
 * and its target gets the content (`--output-file /dev/stdout` must not replace the system's /dev/stdout link).
 */
async function writeTarget(file: string): Promise<string> {
  const link = await lstat(file).catch(() => undefined);
  if (!link?.isSymbolicLink()) return file;
  try {
    return await realpath(file);
  } catch (err) {
    throw new InputError(`cannot write ${file}: it is a symbolic link to ${await readlink(file).catch(() => '?')}, which does not exist`, {
      code: 'OutputUnwritable',
      cause: err,
    });
  }
}

/**
 * Writes a file via temp file + rename, so readers never see a half-written file. Mode FILE_MODE unless told.
 * A path that is not a regular file (a device such as /dev/null or /dev/stdout, a named pipe, a socket) is
 * written through, never created or renamed over: replacing it would break every other user of it.
 */
export async function writeFileAtomic(file: string, data: FileContent, mode = FILE_MODE): Promise<void> {
  const target = await writeTarget(file);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new InputError(`cannot write ${file}: it is a folder (to write one file per object, use --output-dir)`, { code: 'OutputUnwritable' });
  if (existing && !existing.isFile()) {
    try {
      const fh = await open(target, 'w');
      try {
        await writeContent(fh, data);
      } finally {
        await fh.close();
      }
    } catch (err) {
      throw writeError(file, err);
    }
    return;
  }
  await makeDirs(path.dirname(target), { shownAs: file });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await writeContent(fh, data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(file, err);
  }
}

/** Whether a process id is alive (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return isErrnoException(err) && err.code === 'EPERM';
  }
}

export interface StagingCleanup {
  removed: string[];
  /** A previous output folder put back after a run died between the two renames of the swap. */
  restored?: string;
}

/**
 * Removes `.<dir>.staging-<pid>-<hex>` folders (and their `.old` twins) next to `dir` whose process is gone,
 * or that belong to this process when `includeOwn` is set (an interrupt handler). If `dir` itself is missing
 * and a dead run left the previous content in a `.old` folder, that folder is renamed back to `dir`.
 */
export async function cleanStaleStaging(dir: string, opts: { includeOwn?: boolean } = {}): Promise<StagingCleanup> {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  const pattern = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.staging-(\\d+)-[0-9a-f]+(\\.old)?$`);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch (err) {
    if (isErrnoException(err) && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return { removed: [] };
    throw writeError(dir, err);
  }
  const out: StagingCleanup = { removed: [] };
  for (const name of entries.sort()) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const own = pid === process.pid;
    if (own ? !opts.includeOwn : processAlive(pid)) continue;
    const full = path.join(parent, name);
    if (m[2] && !out.restored && !(await pathExists(abs))) {
      await rename(full, abs);
      out.restored = full;
      continue;
    }
    await rm(full, { recursive: true, force: true });
    out.removed.push(full);
  }
  return out;
}

/**
 * Where an output folder really is: `dir` itself, or the folder a symbolic link named `dir` points to (so that
 * the swap replaces the folder, not the link). A link to nothing is an input error.
 */
async function resolveOutputDir(dir: string): Promise<string> {
  let st;
  try {
    st = await lstat(dir);
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') return path.resolve(dir);
    throw writeError(dir, err);
  }
  if (!st.isSymbolicLink()) return path.resolve(dir);
  try {
    return await realpath(dir);
  } catch (err) {
    const to = await readlink(dir).catch(() => '?');
    const why = isErrnoException(err) && err.code === 'ENOENT' ? 'a missing folder' : `a folder that cannot be reached (${reasonOf(err)})`;
    throw new InputError(`cannot write ${dir}: it is a symbolic link to ${why}, ${to}; create that folder or name another`, { code: 'OutputUnwritable', cause: err });
  }
}

/** Refuses to replace a non-empty folder that meshferry did not write, or a path that is not a folder. */
export async function assertReplaceable(dir: string): Promise<void> {
  const target = await resolveOutputDir(dir);
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') return;
    if (isErrnoException(err) && err.code === 'ENOTDIR') throw new InputError(`${dir} exists and is not a folder`, { code: 'OutputNotFolder' });
    throw writeError(dir, err);
  }
  if (entries.length > 0 && !entries.includes(OUTPUT_MARKER))
    throw new InputError(
      `${dir} is not empty and was not written by meshferry; choose an empty or new folder (meshferry replaces its own output folders whole)`,
      { code: 'OutputNotOurs' },
    );
}

/**
 * An output folder under construction: files go into a hidden staging folder beside it, which `commit` swaps
 * in with two renames, so an interrupted run leaves the previous content untouched. Every path is checked to
 * stay inside the staging folder, and files are created FILE_MODE, exclusively (never through an existing
 * file or link).
 */
export class StagingFolder {
  /** The folder being replaced (the real folder when the user named a symbolic link). */
  readonly target: string;
  /** The staging folder's path; files written here land in `target` on commit. */
  readonly path: string;
  readonly #shownAs: string;
  readonly #dirs = new Set<string>();
  readonly #slots = new Semaphore(WRITE_CONCURRENCY);
  #open = true;

  private constructor(shownAs: string, target: string, staging: string) {
    this.#shownAs = shownAs;
    this.target = target;
    this.path = staging;
  }

  /**
   * Checks that `dir` may be replaced, removes staging folders that killed runs left beside it, and creates a
   * new staging folder.
   */
  static async open(dir: string): Promise<StagingFolder> {
    await assertReplaceable(dir);
    const target = await resolveOutputDir(dir);
    const parent = path.dirname(target);
    await makeDirs(parent, { shownAs: dir });
    await cleanStaleStaging(target);
    const staging = path.join(parent, `.${path.basename(target)}.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(staging, { mode: FOLDER_MODE });
    } catch (err) {
      throw writeError(dir, err);
    }
    return new StagingFolder(dir, target, staging);
  }

  /** The absolute path of `rel` inside the staging folder; an InputError if it would leave it. */
  resolve(rel: string): string {
    return containedPath(this.path, rel);
  }

  /** Writes files (paths relative to the folder) concurrently; their folders are created as needed. */
  async writeFiles(files: readonly { rel: string; data: string | (() => string) }[]): Promise<void> {
    if (!this.#open) throw new Error('the output folder was already committed or aborted');
    const full = files.map(({ rel, data }) => {
      const file = this.resolve(rel);
      const d = path.dirname(file);
      if (!this.#dirs.has(d)) {
        makeDirsSync(d, this.#shownAs);
        this.#dirs.add(d);
      }
      return { file, data };
    });
    // Callback-style fs.writeFile is cheaper per file than fs/promises' FileHandle, which matters at thousands of files.
    await Promise.all(
      full.map(({ file, data }) =>
        this.#slots.run(
          () =>
            new Promise<void>((resolve, reject) =>
              writeFileCallback(file, typeof data === 'function' ? data() : data, { mode: FILE_MODE, flag: 'wx' }, (err) => (err ? reject(writeError(this.#shownAs, err)) : resolve())),
            ),
        ),
      ),
    );
  }

  /** Adds the marker and swaps the staging folder into place. */
  commit(): void {
    if (!this.#open) throw new Error('the output folder was already committed or aborted');
    this.#open = false;
    try {
      writeFileSync(path.join(this.path, OUTPUT_MARKER), 'This folder was written by meshferry and is replaced whole by its next run.\n', { mode: FILE_MODE });
      swapInto(this.path, this.target);
    } catch (err) {
      rmSync(this.path, { recursive: true, force: true });
      throw writeError(this.#shownAs, err);
    }
  }

  /** Removes the staging folder; the previous folder stays as it was. */
  abort(): void {
    if (!this.#open) return;
    this.#open = false;
    rmSync(this.path, { recursive: true, force: true });
  }
}

/**
 * Builds a whole output folder: `fill` writes into the staging folder (its path, and the StagingFolder for
 * checked writes), which is then swapped in. A folder that exists, is not empty and was not written by
 * meshferry is refused rather than replaced.
 */
export async function writeFolderAtomic(dir: string, fill: (staging: string, folder: StagingFolder) => Promise<void>): Promise<void> {
  const folder = await StagingFolder.open(dir);
  try {
    await fill(folder.path, folder);
    folder.commit();
  } catch (err) {
    folder.abort();
    throw isErrnoException(err) ? writeError(dir, err) : err;
  }
}

/** Puts `staging` where `dir` is with two renames; the old folder is restored if the second rename fails. */
function swapInto(staging: string, dir: string): void {
  const old = `${staging}.old`;
  let hadOld = false;
  try {
    lstatSync(dir);
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
