// Reading big object folders fast: exported files take a strict fast path; anything else goes to readResources' parser.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { kindOf, parseApiVersion } from '../resources/kinds.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { KUBE_YAML } from '../resources/yaml-options.js';
import type { PathSegment, Resource, ResourceSet } from '../resources/resource-set.js';
import { STDIN, assembleResourceSet, expandPaths, metadataOnly, parseResources, readResources, type ParseResult } from '../resources/yaml-read.js';
import { mapLimit } from '../concurrency.js';

/** Files read at once. */
const READ_CONCURRENCY = 32;

/**
 * readResources, for folders of thousands of files: the files are read concurrently, and each file that is one
 * document in the block style meshferry writes is parsed by parseCanonicalYaml, about twenty times faster than
 * the general YAML parser. A file the fast path does not fully understand, or whose object needs a problem
 * reported, is handed to parseResources, so results and error messages are the same as readResources'.
 */
export async function readObjectFolder(paths: readonly string[]): Promise<ResourceSet> {
  if (paths.includes(STDIN)) return readResources(paths);
  const files = await expandPaths(paths);
  const texts = await mapLimit(files, READ_CONCURRENCY, async (file) => {
    try {
      return await readFile(file);
    } catch {
      return undefined;
    }
  });
  if (texts.some((t) => t === undefined)) return readResources(paths); // let the reference reader word the error
  const results: ParseResult[] = files.map((file, i) => {
    const buf = texts[i] as Buffer;
    const text = buf.indexOf(0) >= 0 ? undefined : buf.toString('utf8');
    if (text === undefined || text.includes('\uFFFD'))
      return { resources: [], problems: [{ message: 'this is not YAML or JSON text (binary data)', position: { file } }] };
    const fast = fastResource(text, file);
    return fast ? { resources: [fast], problems: [] } : parseResources(text, file);
  });
  return assembleResourceSet(results);
}

/** One object from a canonical file, or undefined when the file needs the general parser. */
function fastResource(text: string, file: string): Resource | undefined {
  const value = parseCanonicalYaml(text);
  if (!isPlainObject(value) || !acceptable(value)) return undefined;
  let object = value as KubeObject;
  if (kindOf(object.apiVersion, object.kind)?.metadataOnly) object = metadataOnly(object);
  let reference: Resource | undefined;
  // Field positions are needed only to word a problem: parse with the general parser then, once.
  const locate = (p: readonly PathSegment[]) => {
    reference ??= parseResources(text, file).resources[0];
    return reference?.source?.locate?.(p) ?? { file, line: 1 };
  };
  return { object, source: { file, line: 1, locate } };
}

/**
 * Whether readResources would accept this object without a problem (a known kind and version, a name,
 * string labels and annotations). Anything doubtful returns false and the file takes the general path, which
 * words the problem.
 */
function acceptable(v: Record<string, unknown>): boolean {
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '' || typeof v.kind !== 'string' || v.kind === '') return false;
  const md = v.metadata;
  if (!isPlainObject(md) || typeof md.name !== 'string' || md.name === '') return false;
  if (md.namespace !== undefined && typeof md.namespace !== 'string') return false;
  for (const f of ['labels', 'annotations'] as const) {
    const m = md[f];
    if (m === undefined) continue;
    if (!isPlainObject(m) || Object.values(m).some((x) => typeof x !== 'string')) return false;
  }
  const info = kindOf(v.apiVersion, v.kind);
  return info !== undefined && info.versions.includes(parseApiVersion(v.apiVersion).version);
}

// ---- The canonical subset of YAML: what serializeObject and emitObjectYaml write ----

const PLAIN_STRING = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]*)\.[0-9]+$/;
const KEY_LINE = /^( *)([A-Za-z_/][A-Za-z0-9_./-]*|"(?:[^"\\]|\\.)*"):(?: (.*))?$/;

class NotCanonical extends Error {}
const notCanonical = (): never => {
  throw new NotCanonical();
};

/**
 * Parses one YAML document written in meshferry's canonical block style: two-space indentation, sequences
 * indented under their key, plain identifier-like strings, double-quoted strings that are valid JSON strings,
 * decimal numbers, true/false/null and empty `{}`/`[]`. Returns undefined for anything else (comments, other
 * quoting, block scalars, anchors, several documents, YAML 1.1 words), so the caller falls back to the general
 * parser; within the subset the result equals what the `yaml` library reads (a test checks this).
 */
export function parseCanonicalYaml(text: string): unknown {
  if (!text.endsWith('\n') || text.includes('\r') || text.includes('\t')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  if (lines.length === 0 || lines.some((l) => l === '' || l.startsWith('---') || l.startsWith('...'))) return undefined;
  try {
    const state = { i: 0 };
    const value = parseBlock(lines, state, 0);
    return state.i === lines.length ? value : undefined;
  } catch (err) {
    if (err instanceof NotCanonical) return undefined;
    throw err;
  }
}

function indentOf(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
}

/** A map or a sequence whose lines start at exactly `indent`. */
function parseBlock(lines: readonly string[], state: { i: number }, indent: number): unknown {
  const first = lines[state.i] ?? notCanonical();
  if (indentOf(first) !== indent) notCanonical();
  return first.startsWith('- ', indent) ? parseSeq(lines, state, indent) : parseMap(lines, state, indent, undefined);
}

/**
 * Map entries at `indent`. `firstRest` is the text after `- ` when the map starts on a sequence item's line.
 */
function parseMap(lines: readonly string[], state: { i: number }, indent: number, firstRest: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let first = firstRest !== undefined;
  while (state.i < lines.length) {
    const line = first ? `${' '.repeat(indent)}${firstRest ?? ''}` : (lines[state.i] as string);
    if (!first && indentOf(line) < indent) break;
    first = false;
    const m = KEY_LINE.exec(line);
    if (!m || (m[1] ?? '').length !== indent) notCanonical();
    const key = scalarKey(m?.[2] ?? '');
    if (Object.prototype.hasOwnProperty.call(out, key) || key === '__proto__' || key === '<<') notCanonical();
    state.i++;
    const rest = m?.[3];
    if (rest !== undefined) out[key] = inlineValue(rest);
    else {
      // A block value: a map two deeper, or a sequence two deeper (never at the key's own indent).
      if (state.i >= lines.length || indentOf(lines[state.i] as string) !== indent + 2) notCanonical();
      out[key] = parseBlock(lines, state, indent + 2);
    }
  }
  return out;
}

/** Sequence items at `indent`. `firstRest` is the text after `- ` when the sequence starts on an outer item's line. */
function parseSeq(lines: readonly string[], state: { i: number }, indent: number, firstRest?: string): unknown[] {
  const out: unknown[] = [];
  let first = firstRest !== undefined;
  while (state.i < lines.length) {
    const line = first ? `${' '.repeat(indent)}- ${firstRest ?? ''}` : (lines[state.i] as string);
    first = false;
    const ind = indentOf(line);
    if (ind < indent) break;
    if (ind !== indent || !line.startsWith('- ', indent)) notCanonical();
    const rest = line.slice(indent + 2);
    if (rest.startsWith('- ')) out.push(parseSeq(lines, state, indent + 2, rest.slice(2)));
    else if (KEY_LINE.test(`${' '.repeat(indent + 2)}${rest}`) && !isQuotedScalarOnly(rest)) out.push(parseMap(lines, state, indent + 2, rest));
    else {
      out.push(inlineValue(rest));
      state.i++;
    }
  }
  return out;
}

/** `"a: b"` alone is a quoted scalar, not a key. */
function isQuotedScalarOnly(rest: string): boolean {
  return rest.startsWith('"') && /^"(?:[^"\\]|\\.)*"$/.test(rest);
}

function scalarKey(token: string): string {
  if (token.startsWith('"')) return quoted(token);
  if (YAML11_WORDS.test(token)) notCanonical();
  return token;
}

function inlineValue(token: string): unknown {
  if (token === '{}') return {};
  if (token === '[]') return [];
  if (token === 'null') return null;
  if (token === 'true') return true;
  if (token === 'false') return false;
  if (token.startsWith('"')) return quoted(token);
  if (INTEGER.test(token) || DECIMAL.test(token)) return safeNumber(token);
  if (PLAIN_STRING.test(token) && !YAML11_WORDS.test(token)) return token;
  return plainStringByLibrary(token);
}

/** The library's verdict per distinct plain token (durations like `5s`, addresses, code); bounded. */
const plainVerdicts = new Map<string, boolean>();

/**
 * Other plain tokens (`5s`, `10.0.0.1`, `function f(h) end`) are strings only if YAML 1.1 resolves them to
 * themselves; the library decides, once per distinct token. Anything it reads differently (a number, a map
 * from `a: b`, a comment cut by ` #`, an alias) is not canonical.
 */
function plainStringByLibrary(token: string): string {
  let ok = plainVerdicts.get(token);
  if (ok === undefined) {
    try {
      const doc = parseDocument(token, KUBE_YAML);
      ok = doc.errors.length === 0 && doc.warnings.length === 0 && doc.toJS() === token;
    } catch {
      ok = false; // `<<` and other tokens the library refuses to turn into data
    }
    if (plainVerdicts.size >= 50_000) plainVerdicts.clear();
    plainVerdicts.set(token, ok);
  }
  return ok ? token : notCanonical();
}

/** Integers beyond 2^53 and negative zero are edge cases best left to the reference parser. */
function safeNumber(token: string): number {
  const n = Number(token);
  if (Object.is(n, -0) || (Number.isInteger(n) && !Number.isSafeInteger(n))) return notCanonical();
  return n;
}

/** A double-quoted scalar that is also a JSON string; YAML-only escapes (\x, \e, \N, ...) are not canonical. */
function quoted(token: string): string {
  if (!/^"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"$/.test(token)) notCanonical();
  return JSON.parse(token) as string;
}
