// Reads Kubernetes objects from files, directories and stdin, keeping each object's file and line.
import { closestWord } from '../closest-word.js';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Document, LineCounter, Node, ParsedNode } from 'yaml';
import { yamlLibrary } from './yaml-library.js';
import { Semaphore } from '../concurrency.js';
import { InputError, InputErrors, isErrnoException, type Problem, type SourcePosition } from '../errors.js';
import { KINDS, isCompleteGroup, kindOf, parseApiVersion, registryStatus } from './kinds.js';
import { KUBE_YAML } from './yaml-options.js';
import { lineLocator } from './yaml-locate.js';
import { parseCanonicalYaml } from './yaml-canonical.js';
import { loadStreamFast, type FastDocument } from './yaml-fast.js';
import { isPlainObject, type KubeObject } from './object.js';
import { ResourceSet, type PathSegment, type Resource, type SourceRef } from './resource-set.js';
import { redactSecret } from './secrets.js';

export const STDIN = '-';
const YAML_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Files read at once. */
const READ_CONCURRENCY = 32;
/** Aliases per document before we call it an alias bomb; real manifests use a handful at most. */
const MAX_ALIASES = 100;

export interface ReadOptions {
  /** Accept kinds outside the registry (they keep their fields, and neat treats them generically). */
  allowUnknownKinds?: boolean;
  /** Where `-` reads from (tests pass a string). */
  stdin?: () => Promise<string>;
  /**
   * Only for the differential tests that hold the fast strategies to the precise one: `precise` turns them off.
   * Callers never choose; readResources picks the fastest strategy that reads the text exactly.
   */
  engine?: 'auto' | 'precise';
}

/**
 * Reads every path (file, directory, or `-`) into one ResourceSet. Problems are collected, then thrown together.
 * Each file takes the fastest strategy that reads it exactly (see parseResources).
 */
export async function readResources(paths: readonly string[], opts: ReadOptions = {}): Promise<ResourceSet> {
  const files = await expandPaths(paths);
  // Reading thousands of small files one after another is mostly waiting: read a few dozen at once, and parse
  // each file as soon as it and those before it are in, while the later ones are still being read.
  const sem = new Semaphore(READ_CONCURRENCY);
  const texts = files.map((file) =>
    sem.run(() => (file === STDIN ? (opts.stdin ?? readStdin)() : readText(file))).then(
      (text) => ({ text }),
      (error: unknown) => ({ error }),
    ),
  );
  const results: ParseResult[] = [];
  for (let i = 0; i < files.length; i++) {
    const read = await texts[i]!;
    if ('error' in read) throw read.error; // the first unreadable file in path order, as a sequential read would
    const file = files[i]!;
    results.push(parseResources(read.text, file === STDIN ? '<stdin>' : file, opts));
  }
  return assembleResourceSet(results);
}

/**
 * One ResourceSet from the parse results of several files, in order. Problems of every file, and objects
 * defined twice, are collected and thrown together (one InputError, or InputErrors for several).
 */
export function assembleResourceSet(results: Iterable<ParseResult>): ResourceSet {
  const set = new ResourceSet();
  const problems: Problem[] = [];
  for (const parsed of results) {
    for (const p of parsed.problems) problems.push(p);
    for (const r of parsed.resources) {
      try {
        set.add(r);
      } catch (err) {
        if (err instanceof InputError) problems.push({ message: err.message });
        else throw err;
      }
    }
  }
  if (problems.length === 1 && problems[0]) {
    const p = problems[0];
    throw new InputError(p.message, { ...(p.position ? { position: p.position } : {}), ...(p.fieldPath ? { fieldPath: p.fieldPath } : {}) });
  }
  if (problems.length > 1) throw new InputErrors(`${problems.length} problems in the input:`, problems);
  return set;
}

/**
 * Files to read, in a stable order: directories are walked recursively for .yaml/.yml/.json; hidden entries
 * skipped. Symbolic links are followed, as `kubectl apply -R` follows them: a folder mounted from a ConfigMap is
 * all links (`file -> ..data/file`, `..data -> ..2026_01_01…`), and reading its visible names reads each file
 * once. A file reached twice through links is read once; a link back to a folder being walked is a loop and is
 * not followed again.
 */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (p === STDIN) {
      out.push(p);
      continue;
    }
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      throw fileError(p, err);
    }
    if (st.isDirectory()) {
      const real = await realPathOf(p);
      for (const f of await walk(p, real, new Set([real]), new Set())) out.push(f);
    } else out.push(p);
  }
  return out;
}

async function realPathOf(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch (err) {
    throw fileError(p, err);
  }
}

/**
 * `real`: the real path of `dir`; `ancestors`: real paths of the folders being walked (loop detection);
 * `seen`: real paths of the files already listed. An entry that is not a link has its folder's real path plus
 * its name, so only links cost a realpath call.
 */
async function walk(dir: string, real: string, ancestors: Set<string>, seen: Set<string>): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fileError(dir, err);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    const link = e.isSymbolicLink();
    if (link) {
      let st;
      try {
        st = await stat(full);
      } catch (err) {
        // A link to nothing is a file the user meant to give us that is not there: say so rather than skip it.
        if (isErrnoException(err) && err.code === 'ENOENT') throw new InputError(`${full}: a symbolic link to a missing file or folder`, { code: 'FileNotFound', cause: err });
        throw fileError(full, err);
      }
      isDir = st.isDirectory();
      isFile = st.isFile();
    }
    if (!isDir && !(isFile && YAML_EXTENSIONS.has(path.extname(e.name).toLowerCase()))) continue;
    const entryReal = link ? await realPathOf(full) : path.join(real, e.name);
    if (isDir) {
      if (ancestors.has(entryReal)) continue; // a link back up the tree: walking it again would never end
      ancestors.add(entryReal);
      for (const f of await walk(full, entryReal, ancestors, seen)) out.push(f);
      ancestors.delete(entryReal);
    } else {
      if (seen.has(entryReal)) continue;
      seen.add(entryReal);
      out.push(full);
    }
  }
  return out;
}

async function readText(file: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw fileError(file, err);
  }
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    const line = buf.subarray(0, nul).toString('latin1').split('\n').length;
    throw new InputError('this is binary data, not YAML or JSON text (a NUL byte)', { position: { file, line }, code: 'BinaryInput' });
  }
  const text = buf.toString('utf8');
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) {
    const line = text.slice(0, bad).split('\n').length;
    throw new InputError('this is not valid UTF-8 text (binary data?)', { position: { file, line }, code: 'BinaryInput' });
  }
  return text;
}

function fileError(file: string, err: unknown): InputError {
  if (isErrnoException(err) && err.code === 'ENOENT') return new InputError(`${file}: no such file or directory`, { code: 'FileNotFound', cause: err });
  if (isErrnoException(err) && err.code === 'EACCES') return new InputError(`${file}: permission denied`, { code: 'FileUnreadable', cause: err });
  if (isErrnoException(err) && err.code === 'EISDIR') return new InputError(`${file}: is a directory`, { code: 'FileUnreadable', cause: err });
  if (isErrnoException(err) && err.code === 'ENOTDIR') return new InputError(`${file}: a part of the path is not a folder`, { code: 'FileNotFound', cause: err });
  if (isErrnoException(err) && err.code === 'ELOOP') return new InputError(`${file}: too many levels of symbolic links (a link loop)`, { code: 'FileUnreadable', cause: err });
  if (isErrnoException(err) && err.code === 'EIO') return new InputError(`${file}: cannot be read (input/output error)`, { code: 'FileUnreadable', cause: err });
  return new InputError(`${file}: cannot be read (${err instanceof Error ? err.message : String(err)})`, { code: 'FileUnreadable', cause: err });
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new InputError('"-" reads objects from standard input, but standard input is a terminal; pipe YAML in, or name files');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const buf = Buffer.concat(chunks);
  if (buf.indexOf(0) >= 0) throw new InputError('<stdin>: this is binary data, not YAML or JSON text (a NUL byte)', { code: 'BinaryInput' });
  return buf.toString('utf8');
}

export interface ParseResult {
  resources: Resource[];
  problems: Problem[];
}

/**
 * Parses a YAML/JSON stream (YAML 1.1, as kubectl reads it) into resources. `kind: List` and typed lists
 * (`VirtualServiceList`) are unwrapped. Problems (syntax, alias bombs, missing fields, misspelt kinds) are
 * returned with positions, not thrown.
 *
 * Three strategies read the same values; the first that accepts the text wins:
 * 1. yaml-canonical.ts: one document in exactly the style serializeObject writes (an export folder), read by a
 *    small line parser, about twenty times faster than a general parser;
 * 2. yaml-fast.ts: plain streams (no anchors, tags or directives) through js-yaml with go-yaml v2's rules;
 * 3. the precise path: the `yaml` library's syntax tree, which also words the errors.
 * The first two compute positions only when someone asks for one. Tests hold both fast strategies to the
 * precise one.
 */
export function parseResources(text: string, file: string, opts: ReadOptions = {}): ParseResult {
  if (opts.engine !== 'precise') {
    const canonical = parseCanonicalYaml(text);
    if (canonical !== undefined) {
      const doc: FastDocument = { value: canonical, text, offset: 0, firstLine: 1, contentLine: 1 };
      // The common case of an export folder, kept lean: one valid object, its first line at line 1, column 1.
      if (isPlainObject(canonical) && !isList(canonical) && !checkObject(canonical, opts))
        return { resources: [{ object: kept(canonical as KubeObject), source: { file, line: 1, locate: lazyLocate(doc, file) } }], problems: [] };
      return acceptFastDocuments([doc], file, opts);
    }
    const docs = loadStreamFast(text);
    if (docs) return acceptFastDocuments(docs, file, opts);
  }
  return parsePrecise(text, file, opts);
}

type Locate = (p: readonly PathSegment[]) => SourcePosition;

function acceptFastDocuments(docs: FastDocument[], file: string, opts: ReadOptions): ParseResult {
  const out: ParseResult = { resources: [], problems: [] };
  docs.forEach((d, docIndex) => {
    if (d.value === null || d.value === undefined || d.contentLine === undefined) return;
    const contentLine = d.contentLine;
    const docPos = (): SourcePosition => ({ file, line: contentLine, column: firstColumn(d, contentLine) });
    acceptDocument(d.value, docIndex, file, contentLine, docPos, lazyLocate(d, file), opts, out);
  });
  return out;
}

/** Positions in a document read by a fast strategy: from a precise parse of that one document, done when first asked. */
function lazyLocate(d: FastDocument, file: string): Locate {
  let tree: { root: ParsedNode | null; lineCounter: LineCounter } | undefined;
  let byLines: ReturnType<typeof lineLocator> | undefined;
  return (path: readonly PathSegment[]): SourcePosition => {
    // Plain block YAML is located by its indentation; anything else by a precise parse of this one document.
    byLines ??= lineLocator(d.text);
    const quick = byLines(path);
    if (quick) return { file, line: quick.line + d.firstLine - 1, column: quick.col };
    if (!tree) {
      const { LineCounter, parseDocument } = yamlLibrary();
      const lineCounter = new LineCounter();
      tree = { root: parseDocument(d.text, { ...KUBE_YAML, lineCounter }).contents, lineCounter };
    }
    const offset = findOffset(tree.root, path);
    if (offset === undefined) return { file, line: d.contentLine ?? d.firstLine };
    const { line, col } = tree.lineCounter.linePos(offset);
    return { file, line: line + d.firstLine - 1, column: col };
  };
}

function firstColumn(d: FastDocument, line: number): number {
  const lines = d.text.split('\n', line - d.firstLine + 1);
  const l = lines[line - d.firstLine] ?? '';
  return l.length - l.trimStart().length + 1;
}

function parsePrecise(text: string, file: string, opts: ReadOptions): ParseResult {
  const { LineCounter, parseAllDocuments, isScalar } = yamlLibrary();
  const lineCounter = new LineCounter();
  const out: ParseResult = { resources: [], problems: [] };
  const at = (offset: number | undefined): SourcePosition => {
    if (offset === undefined) return { file };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { ...KUBE_YAML, lineCounter, uniqueKeys: true, prettyErrors: false, strict: true }) as Document.Parsed[];
  } catch (err) {
    return { resources: [], problems: [{ message: `cannot parse: ${err instanceof Error ? err.message : String(err)}`, position: { file } }] };
  }
  if (!Array.isArray(docs)) return out; // an empty stream
  docs.forEach((doc, docIndex) => {
    if (doc.errors.length > 0) {
      const syntax = file.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML';
      for (const e of doc.errors.slice(0, 5))
        out.problems.push({ message: describeYamlError(e.code, e.message, syntax, text.slice(e.pos[0], e.pos[0] + 80)), position: at(e.pos[0]) });
      return;
    }
    const root = doc.contents;
    if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) return; // empty document
    const docPos = at(root.range?.[0]);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      out.problems.push({
        message: /alias/i.test(msg)
          ? `document ${docIndex + 1} expands too many YAML aliases (more than ${MAX_ALIASES}); this looks like an alias bomb and was not expanded`
          : `document ${docIndex + 1} cannot be read: ${msg}`,
        position: docPos,
      });
      return;
    }
    acceptDocument(value, docIndex, file, docPos.line ?? 1, () => docPos, (p) => at(findOffset(root, p)), opts, out);
  });
  return out;
}

/** One document's value: an object, a `kind: List` (or typed list) of objects, or a problem. */
function acceptDocument(
  value: unknown,
  docIndex: number,
  file: string,
  docLine: number,
  docPos: () => SourcePosition,
  whereIs: Locate,
  opts: ReadOptions,
  out: ParseResult,
): void {
  if (!isPlainObject(value)) {
    const what = Array.isArray(value) ? 'a list' : `a ${typeof value} (${JSON.stringify(value)?.slice(0, 40)})`;
    out.problems.push({ message: `document ${docIndex + 1} is ${what}, not a Kubernetes object (a mapping with apiVersion, kind and metadata)`, position: docPos() });
    return;
  }
  if (isList(value)) {
    value.items.forEach((item, i) => {
      // The line of a List item is only known after a precise parse: ObjectSource works it out when first read.
      const source = new ObjectSource(file, whereIs, ['items', i]);
      acceptObject(item, () => source.locate([]), source, opts, out);
    });
    return;
  }
  acceptObject(value, docPos, new ObjectSource(file, whereIs, [], docLine), opts, out);
}

function acceptObject(value: unknown, pos: () => SourcePosition, source: ObjectSource, opts: ReadOptions, out: ParseResult): void {
  const problem = checkObject(value, opts);
  if (problem) {
    out.problems.push({ message: problem.message, position: problem.path ? source.locate(problem.path) : pos(), ...(problem.field ? { fieldPath: problem.field } : {}) });
    return;
  }
  out.resources.push({ object: kept(value as KubeObject), source });
}

/**
 * Where an object read from a file came from. One small object per resource instead of a chain of closures:
 * ten thousand objects kept alive through a run are copied by every young-generation GC until they are old.
 */
class ObjectSource implements SourceRef {
  #line: number | undefined;

  constructor(
    readonly file: string,
    /** Positions inside the whole document. */
    private readonly whereIs: Locate,
    /** The object's path inside its document: `[]`, or `['items', i]` in a List. */
    private readonly prefix: readonly PathSegment[],
    line?: number,
  ) {
    this.#line = line;
  }

  get line(): number {
    return (this.#line ??= this.whereIs(this.prefix).line ?? 1);
  }

  locate(path: readonly PathSegment[]): SourcePosition {
    return this.whereIs(this.prefix.length === 0 ? path : [...this.prefix, ...path]);
  }
}

/** `kubectl get vs -o yaml` writes a typed list (VirtualServiceList); any `*List` with items is unwrapped like `List`. */
function isList(value: Record<string, unknown>): value is Record<string, unknown> & { items: unknown[] } {
  return typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
}

/** The object as the ResourceSet keeps it: metadata only for kinds whose data is never read (Secrets). */
function kept(object: KubeObject): KubeObject {
  return kindOf(object.apiVersion, object.kind)?.metadataOnly ? metadataOnly(object) : object;
}

/** Keeps what may be shown of a Secret: never its data, nor annotations that hold it (secrets.ts). */
export function metadataOnly(obj: KubeObject): KubeObject {
  return redactSecret(obj);
}

function checkObject(v: unknown, opts: ReadOptions): { message: string; path?: PathSegment[]; field?: string } | undefined {
  if (!isPlainObject(v)) return { message: 'a List item is not an object' };
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') return { message: 'the object has no apiVersion', field: 'apiVersion' };
  if (typeof v.kind !== 'string' || v.kind === '') return { message: 'the object has no kind', path: ['apiVersion'], field: 'kind' };
  const md = v.metadata;
  if (md === undefined || md === null) return { message: `the ${v.kind} has no metadata`, path: ['kind'], field: 'metadata' };
  if (!isPlainObject(md)) return { message: `metadata of the ${v.kind} must be a mapping with a name`, path: ['metadata'], field: 'metadata' };
  if (typeof md.name !== 'string' || md.name === '')
    return { message: `the ${v.kind} has no metadata.name`, path: ['metadata'], field: 'metadata.name' };
  if (md.namespace !== undefined && typeof md.namespace !== 'string')
    return { message: 'metadata.namespace must be a string', path: ['metadata', 'namespace'], field: 'metadata.namespace' };
  for (const f of ['labels', 'annotations'] as const) {
    const m = md[f];
    if (m === undefined || m === null) continue;
    if (!isPlainObject(m)) return { message: `metadata.${f} must be a map of strings`, path: ['metadata', f], field: `metadata.${f}` };
    for (const [k, val] of Object.entries(m))
      if (typeof val !== 'string')
        return { message: `metadata.${f}.${k} must be a string (quote it: "${String(val)}")`, path: ['metadata', f, k], field: `metadata.${f}.${k}` };
  }
  if (opts.allowUnknownKinds) return undefined;
  const { group, version } = parseApiVersion(v.apiVersion);
  const status = registryStatus(v.apiVersion, v.kind);
  if (status === 'unknown') {
    // Kinds meshferry does not know pass through as written (Ingress, Job, a custom resource, IstioOperator).
    // Only in Istio's own groups, whose kinds the registry lists completely, is an unknown kind an error: it is
    // a typo that kubectl would also refuse, and passing it on would hide it until the apply.
    if (!isCompleteGroup(group)) return undefined;
    const known = KINDS.filter((k) => k.group === group).map((k) => k.kind);
    const near = closestWord(v.kind, known);
    const hint = near ? ` (did you mean ${group} ${near}?)` : '';
    return { message: `unknown kind ${v.kind} in apiVersion ${v.apiVersion}${hint}; ${group} has ${known.join(', ')}`, path: ['kind'], field: 'kind' };
  }
  // A version the registry does not list is a typo only in Istio's groups; elsewhere (apiextensions.k8s.io/v1beta1,
  // policy/v1beta1, an older Gateway API version) kubectl reads it, so it passes through like an unknown kind.
  if (status === 'unknown-version' && isCompleteGroup(group))
    return {
      message: `${group} ${v.kind} has no version ${version} (known: ${kindOf(v.apiVersion, v.kind)?.versions.join(', ') ?? ''})`,
      path: ['apiVersion'],
      field: 'apiVersion',
    };
  return undefined;
}

/** The source offset of the node at `path` (the key, for map entries), or of its deepest existing ancestor. */
export function findOffset(root: ParsedNode | Node | null, path: readonly PathSegment[]): number | undefined {
  const { isMap, isPair, isScalar, isSeq } = yamlLibrary();
  let node: unknown = root;
  let offset = (root as Node | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      offset = (item as Node).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

function describeYamlError(code: string, message: string, syntax: 'YAML' | 'JSON', textAt: string): string {
  const first = message.split('\n')[0] ?? message;
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'YAML does not allow tabs for indentation; use spaces';
    case 'DUPLICATE_KEY': {
      const key = /^\s*["']?([^"':\n]+)/.exec(textAt)?.[1]?.trim();
      return key ? `duplicate key "${key}": a mapping may hold each key once` : 'duplicate key: a mapping may hold each key once';
    }
    default:
      return `invalid ${syntax}: ${first}`;
  }
}

