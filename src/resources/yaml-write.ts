// Writes objects as one YAML stream or as the kubedump layout, deterministically and atomically.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { InputError, isErrnoException } from '../errors.js';
import { displayKind, kindOf, parseApiVersion } from './kinds.js';
import { compareKeys, isPlainObject, keyOf, type KubeObject } from './object.js';
import { KUBE_YAML_OUTPUT } from './yaml-options.js';

/** Marks a folder as meshferry's output, so a later run may replace it whole. */
export const OUTPUT_MARKER = '.meshferry-output';

const TOP_ORDER = ['apiVersion', 'kind', 'metadata'];
const META_ORDER = ['name', 'namespace', 'labels', 'annotations'];

/** Reorders keys so that output is stable: apiVersion, kind, metadata first; labels and annotations sorted. */
export function canonicalObject(obj: KubeObject): KubeObject {
  const out: Record<string, unknown> = {};
  for (const k of TOP_ORDER) if (obj[k] !== undefined) out[k] = obj[k];
  const md: Record<string, unknown> = {};
  for (const k of META_ORDER) {
    const v = obj.metadata[k];
    if (v === undefined) continue;
    md[k] = (k === 'labels' || k === 'annotations') && isPlainObject(v) ? sortKeys(v) : v;
  }
  for (const [k, v] of Object.entries(obj.metadata)) if (!META_ORDER.includes(k) && v !== undefined) md[k] = v;
  out.metadata = md;
  for (const [k, v] of Object.entries(obj)) if (!TOP_ORDER.includes(k) && v !== undefined) out[k] = v;
  return out as KubeObject;
}

function sortKeys(m: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One object as YAML. YAML 1.1 quoting, so that `yes`/`on` strings stay strings for kubectl. */
export function serializeObject(obj: KubeObject): string {
  return stringify(canonicalObject(obj), KUBE_YAML_OUTPUT);
}

/** Objects in deterministic order as one multi-document stream. */
export function serializeStream(objects: readonly KubeObject[]): string {
  return sortObjects(objects).map((o) => `---\n${serializeObject(o)}`).join('');
}

export function sortObjects(objects: readonly KubeObject[]): KubeObject[] {
  return [...objects].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
}

/** `<namespace>/<plural>/<name>.yaml`, cluster-scoped under `_cluster/`. Twins of Istio kinds carry their group. */
export function layoutPath(obj: KubeObject): string {
  const info = kindOf(obj.apiVersion, obj.kind);
  const group = parseApiVersion(obj.apiVersion).group;
  let plural = info?.plural ?? `${obj.kind.toLowerCase()}s`;
  if (info && displayKind(info) !== info.kind) plural = `${plural}.${group}`;
  else if (!info && group) plural = `${plural}.${group}`;
  const { namespace } = keyOf(obj);
  return path.join(namespace ? safeSegment(namespace) : '_cluster', plural, `${safeSegment(obj.metadata.name)}.yaml`);
}

function safeSegment(s: string): string {
  // Names are DNS-like, but input files can hold anything: never let a name climb out of the folder.
  return s.replace(/%/g, '%25').replace(/\//g, '%2F').replace(/^\.\.?$/, (m) => m.replace(/\./g, '%2E'));
}

/** Writes a file via temp file + rename, so readers never see a half-written file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes objects in the kubedump layout under `dir`, atomically as a whole (see writeFolderAtomic).
 * `extraFiles` maps relative paths (subfolders allowed) to text written beside the objects.
 */
export async function writeLayout(dir: string, objects: readonly KubeObject[], extraFiles: Record<string, string> = {}): Promise<string[]> {
  const written: string[] = [];
  await writeFolderAtomic(dir, async (staging) => {
    const seen = new Set<string>();
    for (const obj of sortObjects(objects)) {
      const rel = layoutPath(obj);
      if (seen.has(rel)) throw new InputError(`two objects would be written to ${rel}`, { code: 'LayoutCollision' });
      seen.add(rel);
      await mkdir(path.join(staging, path.dirname(rel)), { recursive: true });
      await writeFile(path.join(staging, rel), serializeObject(obj));
      written.push(rel);
    }
    for (const [rel, text] of Object.entries(extraFiles)) {
      await mkdir(path.join(staging, path.dirname(rel)), { recursive: true });
      await writeFile(path.join(staging, rel), text);
    }
  });
  return written;
}

/**
 * Builds a whole output folder: `fill` writes into a hidden staging folder beside `dir`, which is then swapped
 * in with two renames, so an interrupted run leaves the previous content untouched. A folder that exists, is
 * not empty and was not written by meshferry is refused rather than replaced. Staging folders left by killed
 * runs are removed first.
 */
export async function writeFolderAtomic(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  await assertReplaceable(dir);
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  await removeStaleStaging(parent, path.basename(target));
  const staging = path.join(parent, `.${path.basename(target)}.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(staging, { recursive: true });
    await fill(staging);
    await writeFile(path.join(staging, OUTPUT_MARKER), 'This folder was written by meshferry and is replaced whole by its next run.\n');
    await swapInto(staging, target);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Removes staging folders that a killed run (SIGKILL, power loss) left beside `base`. */
async function removeStaleStaging(parent: string, base: string): Promise<void> {
  const prefix = `.${base}.staging-`;
  for (const name of await readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) await rm(path.join(parent, name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrnoException(err) && err.code === 'EPERM';
  }
}

/** Refuses to replace a non-empty folder that meshferry did not write. */
export async function assertReplaceable(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') return;
    if (isErrnoException(err) && err.code === 'ENOTDIR') throw new InputError(`${dir} exists and is not a folder`, { code: 'OutputNotFolder' });
    throw err;
  }
  if (entries.length > 0 && !entries.includes(OUTPUT_MARKER))
    throw new InputError(
      `${dir} is not empty and was not written by meshferry; choose an empty or new folder (meshferry replaces its own output folders whole)`,
      { code: 'OutputNotOurs' },
    );
}

/** Puts `staging` where `dir` is, replacing the old folder with two renames. */
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
