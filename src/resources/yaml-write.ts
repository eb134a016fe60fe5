// Writes objects as YAML (one stream, or the kubedump layout of one file per object), fast, deterministic and atomic.
import { yamlLibrary } from './yaml-library.js';
import path from 'node:path';
import { InputError } from '../errors.js';
import { StagingFolder } from './atomic-write.js';
import { displayKind, kindOf, parseApiVersion } from './kinds.js';
import { compareKeys, isPlainObject, keyOf, type KubeObject } from './object.js';
import { KUBE_YAML_OUTPUT } from './yaml-options.js';
import { doubleQuoted, isPlainSafe } from './yaml-scalars.js';

// Kept here for the callers that imported them from the writer before atomic-write.ts held them.
export { OUTPUT_MARKER, assertReplaceable, writeFileAtomic, writeFolderAtomic } from './atomic-write.js';

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

/**
 * One object as YAML, in block style (two-space indent, sequences indented under their key, `{}`/`[]` for
 * empty collections). The object is walked directly rather than through the `yaml` library's document tree,
 * which cost about a millisecond per object. Strings are written plain only when every YAML 1.1 and 1.2 reader
 * reads them back as the same string (yaml-scalars.ts), multi-line strings as literal blocks when that is
 * exact, and everything else double-quoted. Values that are not JSON data (bytes from `!!binary`) are left to
 * the library.
 */
export function serializeObject(obj: KubeObject): string {
  const out: string[] = [];
  try {
    emitMap(canonicalObject(obj) as Record<string, unknown>, '', out);
  } catch (err) {
    if (err === NOT_JSON) return yamlLibrary().stringify(canonicalObject(obj), KUBE_YAML_OUTPUT);
    throw err;
  }
  return out.join('');
}

const NOT_JSON = Symbol('a value that is not JSON data');

/** Scalar text per distinct string that needed more than the first pattern; bounded so a huge export cannot grow it without limit. */
const scalarCache = new Map<string, string>();
const SCALAR_CACHE_MAX = 50_000;

/** A string as a scalar on one line: plain when safe, else double-quoted. */
function flowScalar(s: string): string {
  let text = scalarCache.get(s);
  if (text === undefined) {
    text = isPlainSafe(s) ? s : doubleQuoted(s);
    if (scalarCache.size >= SCALAR_CACHE_MAX) scalarCache.clear();
    scalarCache.set(s, text);
  }
  return text;
}

/** Characters that a literal block cannot hold as they are (other than newline and an inner tab). */
// eslint-disable-next-line no-control-regex
const NOT_LITERAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;

/**
 * A multi-line string as a literal block (`|`, `|-` or `|+` by its trailing newlines), or undefined when a
 * literal block could not say it exactly: a first line that starts with a space (the reader would take it for
 * the block's indentation), lines of only spaces, tabs that start a line, or characters that need escapes.
 */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || NOT_LITERAL.test(s)) return undefined;
  const lines = s.split('\n');
  const first = lines[0] ?? '';
  if (first === '' || first.startsWith(' ') || first.startsWith('\t')) return undefined;
  let trailing = 0;
  while (trailing < lines.length && lines[lines.length - 1 - trailing] === '') trailing++;
  const body = lines.slice(0, lines.length - trailing);
  if (body.some((l) => l.startsWith('\t') || (l !== '' && l.trim() === ''))) return undefined;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  // With `|+` the empty lines after the text are part of it; the last newline ends the scalar's own line.
  const tail = trailing > 1 ? '\n'.repeat(trailing - 1) : '';
  return `|${chomp}\n${body.map((l) => (l === '' ? '\n' : `${indent}${l}\n`)).join('')}${tail}`;
}

/** A value that fits on the line of its key or dash, or undefined when it needs a block below. */
function inline(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return v.includes('\n') ? undefined : flowScalar(v);
    case 'number':
      if (Number.isNaN(v)) return '.nan';
      if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
      if (isPlainObject(v)) return Object.keys(v).some((k) => v[k] !== undefined) ? undefined : '{}';
      throw NOT_JSON;
    default:
      throw NOT_JSON;
  }
}

/** A multi-line string after `key:` or `-`: ` |-` and its lines, or ` "…"` when a literal block cannot hold it. */
function multiLine(s: string, indent: string): string {
  const block = literalBlock(s, indent);
  return block === undefined ? ` ${doubleQuoted(s)}\n` : ` ${block}`;
}

function emitMap(map: Record<string, unknown>, indent: string, out: string[], firstLinePrefix?: string): void {
  let first = true;
  for (const [k, v] of Object.entries(map)) {
    if (v === undefined) continue;
    const lead = first && firstLinePrefix !== undefined ? firstLinePrefix : indent;
    first = false;
    const key = flowScalar(k);
    const text = inline(v);
    if (text !== undefined) {
      out.push(`${lead}${key}: ${text}\n`);
      continue;
    }
    if (typeof v === 'string') {
      out.push(`${lead}${key}:${multiLine(v, `${indent}  `)}`);
      continue;
    }
    out.push(`${lead}${key}:\n`);
    if (Array.isArray(v)) emitSeq(v, `${indent}  `, out);
    else emitMap(v as Record<string, unknown>, `${indent}  `, out);
  }
}

function emitSeq(seq: readonly unknown[], indent: string, out: string[], firstLinePrefix?: string): void {
  seq.forEach((item, i) => {
    const lead = i === 0 && firstLinePrefix !== undefined ? firstLinePrefix : indent;
    const text = inline(item === undefined ? null : item);
    if (text !== undefined) {
      out.push(`${lead}- ${text}\n`);
      return;
    }
    if (typeof item === 'string') out.push(`${lead}-${multiLine(item, `${indent}  `)}`);
    else if (Array.isArray(item)) emitSeq(item, `${indent}  `, out, `${lead}- `);
    else emitMap(item as Record<string, unknown>, `${indent}  `, out, `${lead}- `);
  });
}

/** Objects in deterministic order as one multi-document stream. */
export function serializeStream(objects: readonly KubeObject[]): string {
  return sortObjects(objects).map((o) => `---\n${serializeObject(o)}`).join('');
}

export function sortObjects(objects: readonly KubeObject[]): KubeObject[] {
  return [...objects].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
}

/**
 * `<namespace>/<plural>/<name>.yaml`, cluster-scoped under `_cluster/`. Twins of Istio kinds, and kinds the
 * registry does not know, carry their group: `<lowercased kind>s.<group>`. Every part comes from the object,
 * which input files, transform rules and servers control, so each is escaped into one safe path segment.
 */
export function layoutPath(obj: KubeObject): string {
  const info = kindOf(obj.apiVersion, obj.kind);
  const group = parseApiVersion(obj.apiVersion).group;
  let plural = info?.plural ?? `${obj.kind.toLowerCase()}s`;
  if (info && displayKind(info) !== info.kind) plural = `${plural}.${group}`;
  else if (!info && group) plural = `${plural}.${group}`;
  const { namespace } = keyOf(obj);
  return path.join(namespace ? safeSegment(namespace) : '_cluster', safeSegment(plural), `${safeSegment(obj.metadata.name)}.yaml`);
}

/**
 * One path segment that cannot climb out of its folder or hide: `%`, `/`, `\` and control characters are
 * percent-escaped, and so are a leading dot (`.`, `..`, and hidden names that readers skip).
 */
function safeSegment(s: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = s.replace(/[%/\\\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return escaped.startsWith('.') ? `%2E${escaped.slice(1)}` : escaped === '' ? '%00' : escaped;
}

/**
 * Writes objects into an output folder as they arrive (export writes each kind's LIST as it comes), then swaps
 * the folder in whole. Two objects that map to one file are an input error.
 */
export class LayoutWriter {
  readonly #folder: StagingFolder;
  readonly #written = new Set<string>();

  private constructor(folder: StagingFolder) {
    this.#folder = folder;
  }

  /** Checks that `dir` may be replaced and creates the staging folder beside it. */
  static async open(dir: string): Promise<LayoutWriter> {
    return new LayoutWriter(await StagingFolder.open(dir));
  }

  /** Writes objects into the staging folder. */
  async write(objects: readonly KubeObject[]): Promise<void> {
    const files = objects.map((obj) => {
      const rel = layoutPath(obj);
      if (this.#written.has(rel)) throw new InputError(`two objects would be written to ${rel}`, { code: 'LayoutCollision' });
      this.#written.add(rel);
      return { rel, data: () => serializeObject(obj) };
    });
    await this.#folder.writeFiles(files);
  }

  /** Writes text files (relative paths, subfolders allowed) beside the objects. */
  async writeExtra(files: Record<string, string>): Promise<void> {
    await this.#folder.writeFiles(Object.entries(files).map(([rel, data]) => ({ rel, data })));
  }

  /** Swaps the folder into place; returns the relative paths of the objects written, sorted. */
  commit(): string[] {
    this.#folder.commit();
    return [...this.#written].sort();
  }

  /** Removes the staging folder; the previous folder stays as it was. */
  abort(): void {
    this.#folder.abort();
  }
}

/**
 * Writes objects in the kubedump layout under `dir`, atomically as a whole. `extraFiles` maps relative paths
 * (subfolders allowed) to text written beside the objects. Returns the objects' relative paths, sorted.
 */
export async function writeLayout(dir: string, objects: readonly KubeObject[], extraFiles: Record<string, string> = {}): Promise<string[]> {
  const writer = await LayoutWriter.open(dir);
  try {
    await writer.write(sortObjects(objects));
    await writer.writeExtra(extraFiles);
    return writer.commit();
  } catch (err) {
    writer.abort();
    throw err;
  }
}
