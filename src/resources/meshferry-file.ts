// Loads meshferry's own files (apiVersion meshferry.dev/v1alpha1): read, parse with positions, check kind, validate against schemas/, file:line:col errors.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { LineCounter, isScalar, parseAllDocuments, type Document } from 'yaml';
import { didYouMean } from '../closest-word.js';
import { InputError, InputErrors, isErrnoException, type Problem, type SourcePosition } from '../errors.js';
import { isPlainObject } from './object.js';
import type { PathSegment } from './resource-set.js';
import { KUBE_YAML } from './yaml-options.js';
import { findOffset } from './yaml-read.js';

export const MESHFERRY_API_VERSION = 'meshferry.dev/v1alpha1';

/** How one kind of meshferry file is checked: its schema in schemas/, the stable error code (default Invalid<Kind>), and what messages call it (default "<Kind> file"). */
interface FileKindInfo {
  schema: string;
  code?: string;
  noun?: string;
}

/**
 * Every kind of meshferry file, kind → schema file. Adding a kind is one line here plus its schema.
 * Schemas say "one of these field groups" with anyOf/oneOf of `required` lists, and "a string or a map" with
 * if/then/else (so only the branch meant reports); `x-hint` words a pattern, `x-suggest: dns-label` proposes a fix,
 * `x-key-noun` names the keys of a map ("rule"), `x-messages` words any keyword's message (`{keys}`, `{value}` and `{fix}` expand).
 */
const FILE_KINDS = {
  TransformRules: { schema: 'transform-rules.schema.json', code: 'InvalidRules', noun: 'rules file' },
  MeshTopology: { schema: 'mesh-topology.schema.json', code: 'InvalidTopology', noun: 'topology file' },
  MeshMigration: { schema: 'mesh-migration.schema.json', code: 'InvalidMigration', noun: 'migration file' },
  TrafficShift: { schema: 'traffic-shift.schema.json', code: 'InvalidTrafficShift', noun: 'TrafficShift file' },
} as const satisfies Record<string, FileKindInfo>;

export type MeshferryKind = keyof typeof FILE_KINDS;
export const MESHFERRY_KINDS = Object.keys(FILE_KINDS) as MeshferryKind[];

/** The JSON Schema of a kind, shipped in the package (schemas/ sits beside dist/ and src/ alike). */
export function schemaUrl(kind: MeshferryKind): URL {
  return new URL(`../../schemas/${FILE_KINDS[kind].schema}`, import.meta.url);
}

function patternOf(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'u');
  } catch {
    return undefined;
  }
}

function errorCode(kind: MeshferryKind): string {
  const info: FileKindInfo = FILE_KINDS[kind];
  return info.code ?? `Invalid${kind}`;
}

function nounOf(kind: MeshferryKind): string {
  const info: FileKindInfo = FILE_KINDS[kind];
  return info.noun ?? `${kind} file`;
}

/** One problem in a document, still as a path into it (the loader turns the path into file:line:col). */
export interface FileProblem {
  path: PathSegment[];
  message: string;
}

/** A validated file: its value, its name, and the way back from a field path to its place in the file. */
export interface MeshferryFile<T> {
  value: T;
  file: string;
  locate: (path: readonly PathSegment[]) => SourcePosition;
}

export interface LoadOptions<T> {
  /** Where `-` reads from (tests pass a function). */
  stdin?: () => Promise<string>;
  /** Checks a schema-valid value for what a schema cannot say; its problems are reported like schema problems. */
  check?: (value: T) => FileProblem[];
}

/** Aliases allowed in one file before we call it an alias bomb; hand-written files use a handful at most. */
const MAX_ALIASES = 100;

/** Reads, parses and validates a meshferry file (or `-` for stdin). Bad input throws InputError(s), exit 2. */
export async function loadMeshferryFile<T>(file: string, kind: MeshferryKind, opts: LoadOptions<T> = {}): Promise<MeshferryFile<T>> {
  if (file === '-') {
    const read = opts.stdin ?? readStdin;
    return parseMeshferryFile(await read(), '<stdin>', kind, opts);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = isErrnoException(err) ? err.code : undefined;
    const noun = nounOf(kind);
    if (code === 'ENOENT') throw new InputError(`${noun} ${file}: no such file`, { code: 'FileNotFound', cause: err });
    if (code === 'EISDIR') throw new InputError(`${noun} ${file} is a folder; name one ${kind} file`, { code: 'FileUnreadable', cause: err });
    if (code === 'EACCES') throw new InputError(`${noun} ${file}: permission denied`, { code: 'FileUnreadable', cause: err });
    throw new InputError(`${noun} ${file} cannot be read (${err instanceof Error ? err.message : String(err)})`, { code: 'FileUnreadable', cause: err });
  }
  return parseMeshferryFile(text, file, kind, opts);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new InputError('"-" reads the file from standard input, but standard input is a terminal; pipe it in, or name a file');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses and validates the text of a meshferry file; for tests and callers that hold the text already. */
export function parseMeshferryFile<T>(text: string, file: string, kind: MeshferryKind, opts: Pick<LoadOptions<T>, 'check'> = {}): MeshferryFile<T> {
  const code = errorCode(kind);
  const noun = nounOf(kind);
  if (text.includes('\0')) throw new InputError(`this is binary data, not a YAML ${kind} file`, { position: { file }, code: 'BinaryInput' });
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined): SourcePosition => {
    if (offset === undefined) return { file };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const docs = parseAllDocuments(text, { ...KUBE_YAML, lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const list = (Array.isArray(docs) ? docs : []) as Document.Parsed[];
  const syntax = list.flatMap((d) => d.errors.slice(0, 5).map((e) => ({ message: `invalid YAML: ${e.message.split('\n')[0] ?? e.message}`, position: at(e.pos[0]) })));
  if (syntax.length > 0) throw toError(`${file}: the ${noun} is not valid YAML:`, syntax, code);
  const nonEmpty = list.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null));
  const doc = nonEmpty[0];
  if (!doc) throw new InputError(`the ${noun} is empty; it needs one ${kind} document (apiVersion ${MESHFERRY_API_VERSION})`, { position: { file }, code });
  if (nonEmpty.length > 1)
    throw new InputError(`the ${noun} holds more than one YAML document; put everything in one ${kind} document`, { position: at(nonEmpty[1]?.contents?.range?.[0]), code });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new InputError(/alias/i.test(msg) ? `the ${noun} expands too many YAML aliases (more than ${MAX_ALIASES})` : `the ${noun} cannot be read: ${msg}`, {
      position: at(doc.contents?.range?.[0]),
      code,
    });
  }
  const locate = (path: readonly PathSegment[]): SourcePosition => at(findOffset(doc.contents, path) ?? doc.contents?.range?.[0]);
  const fail = (problems: readonly FileProblem[]) => {
    const located = problems
      .map((p, i) => ({ p, i, pos: locate(p.path) }))
      // Document order reads best; ties keep the order the checks found them in.
      .sort((a, b) => (a.pos.line ?? 0) - (b.pos.line ?? 0) || (a.pos.column ?? 0) - (b.pos.column ?? 0) || a.i - b.i)
      .map(({ p, pos }): Problem => ({ message: p.message, position: pos, ...(p.path.length ? { fieldPath: formatFieldPath(p.path) } : {}) }));
    return toError(`${file}: the ${noun} has ${problems.length} problems:`, located, code);
  };
  const header = headerProblems(value, kind);
  if (header.length > 0) throw fail(header);
  const schema = schemaProblems(kind, value);
  if (schema.length > 0) throw fail(schema);
  const checked = opts.check?.(value as T) ?? [];
  if (checked.length > 0) throw fail(checked);
  return { value: value as T, file, locate };
}

function toError(summary: string, problems: Problem[], code: string): InputError | InputErrors {
  const one = problems.length === 1 ? problems[0] : undefined;
  if (!one) return new InputErrors(summary, problems, code);
  return new InputError(one.message, { ...(one.position ? { position: one.position } : {}), ...(one.fieldPath ? { fieldPath: one.fieldPath } : {}), code });
}

/** apiVersion and kind first: a file of another kind would otherwise drown in schema errors about the wrong shape. */
function headerProblems(value: unknown, kind: MeshferryKind): FileProblem[] {
  if (!isPlainObject(value)) return [{ path: [], message: `must be a map, not ${typeName(value)} (a ${kind} file holds one ${kind} document)` }];
  const out: FileProblem[] = [];
  if (value.apiVersion !== MESHFERRY_API_VERSION)
    out.push(
      value.apiVersion === undefined
        ? { path: [], message: `missing field "apiVersion" (${MESHFERRY_API_VERSION})` }
        : { path: ['apiVersion'], message: `must be "${MESHFERRY_API_VERSION}", not ${JSON.stringify(value.apiVersion)}` },
    );
  if (value.kind !== kind) {
    const other = typeof value.kind === 'string' && (MESHFERRY_KINDS as string[]).includes(value.kind) ? ` (this is a ${value.kind} file; a ${kind} file is wanted here)` : '';
    out.push(value.kind === undefined ? { path: [], message: `missing field "kind" (${kind})` } : { path: ['kind'], message: `must be "${kind}", not ${JSON.stringify(value.kind)}${other}` });
  }
  return out;
}

// ---- the schema, and ajv's errors in words people can act on ------------------------------------------------

const validators = new Map<MeshferryKind, ValidateFunction>();
let ajv: Ajv2020 | undefined;

function validatorFor(kind: MeshferryKind): ValidateFunction {
  let v = validators.get(kind);
  if (!v) {
    if (!ajv) {
      // allErrors: every mistake in one run; verbose: errors carry their schema, for hints and suggestions.
      ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
      for (const k of ['x-hint', 'x-suggest', 'x-key-noun', 'x-messages']) ajv.addKeyword(k); // wording for messages; editors ignore them
    }
    v = ajv.compile(JSON.parse(readFileSync(schemaUrl(kind), 'utf8')) as object);
    validators.set(kind, v);
  }
  return v;
}

/** Checks `value` against the kind's shipped schema; problems come one per place, in words people can act on. */
export function schemaProblems(kind: MeshferryKind, value: unknown): FileProblem[] {
  const validate = validatorFor(kind);
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // Errors inside a failed oneOf/anyOf explain each branch; the composite message says it better.
  const composites = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const typed = new Set<string>();
  const kept = errors.filter((e) => {
    if (e.keyword === 'if') return false;
    if (composites.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`))) return false;
    if (e.keyword !== 'type') return true;
    // "a string or a map" and the else branch's "a map" both fire for a number: the first, outer one says it all.
    if (typed.has(e.instancePath)) return false;
    typed.add(e.instancePath);
    return true;
  });
  const seen = new Set<string>();
  const out: FileProblem[] = [];
  for (const e of kept) {
    const problem = describe(e, value);
    const key = `${problem.path.join('/')}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function pointerSegments(pointer: string, doc: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = isPlainObject(node) ? node[seg] : undefined;
    }
  }
  return out;
}

function describe(e: ErrorObject, doc: unknown): FileProblem {
  const path = pointerSegments(e.instancePath, doc);
  const parent = isPlainObject(e.parentSchema) ? e.parentSchema : {};
  const hint = typeof parent['x-hint'] === 'string' ? parent['x-hint'] : undefined;
  const params = e.params as Record<string, unknown>;
  const known = isPlainObject(parent.properties) ? Object.keys(parent.properties) : [];
  const got = valueAt(doc, path);
  const fix = parent['x-suggest'] === 'dns-label' && typeof got === 'string' ? dnsLabelFix(got) : undefined;
  const custom = isPlainObject(parent['x-messages']) ? parent['x-messages'][e.keyword] : undefined;
  if (typeof custom === 'string' && (fix !== undefined || !custom.includes('{fix}')))
    return {
      path,
      message: custom
        .replace('{keys}', isPlainObject(got) ? Object.keys(got).join(', ') : '')
        .replace('{value}', JSON.stringify(got))
        .replace('{fix}', fix ?? ''),
    };
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const noun = typeof parent['x-key-noun'] === 'string' ? parent['x-key-noun'] : 'field';
      const expected = known.length === 0 ? 'nothing else is allowed here' : noun === 'field' ? `expected ${listOr(known)}` : `${noun}s are ${known.join(', ')}`;
      return { path: [...path, extra], message: `unknown ${noun} "${extra}"${didYouMean(extra, known)}; ${expected}` };
    }
    case 'required':
      return { path, message: `missing field "${String(params.missingProperty)}"` };
    case 'dependentRequired':
      return { path, message: `"${String(params.property)}" needs "${String(params.missingProperty)}" beside it` };
    case 'maxProperties':
      return { path, message: `has too many fields (at most ${String(params.limit)})` };
    case 'minProperties':
      return { path, message: 'must not be empty' };
    case 'type': {
      const want = Array.isArray(params.type) ? params.type.map(String) : String(params.type).split(',');
      // "Quote it" only helps when the quoted value is valid; a number where a duration belongs needs a unit instead.
      let quote = '';
      if (want.includes('string') && (typeof got === 'number' || typeof got === 'boolean')) {
        const pattern = typeof parent.pattern === 'string' ? patternOf(parent.pattern) : undefined;
        quote = pattern && !pattern.test(String(got)) ? (hint ? `; write ${hint}` : '') : `; quote it: "${String(got)}"`;
      }
      return { path, message: `must be ${want.map(article).join(' or ')}, not ${typeName(got)}${quote}` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}, not ${JSON.stringify(got)}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const last = path[path.length - 1];
      const what = typeof last === 'string' ? last : 'value';
      return { path, message: `unknown ${what} ${JSON.stringify(got)}${typeof got === 'string' ? didYouMean(got, allowed) : ''}; expected one of: ${allowed.join(', ')}` };
    }
    case 'oneOf':
    case 'anyOf': {
      const branches = (Array.isArray(e.schema) ? e.schema : []).map((b: unknown) => (isPlainObject(b) && Array.isArray(b.required) ? b.required.map(String) : []));
      const words = branches.map((r) => r.join(' and '));
      return e.keyword === 'oneOf'
        ? { path, message: `give either ${words.join(', or ')} (exactly one of these)` }
        : { path, message: `give at least one of ${words.join(', ')}` };
    }
    case 'propertyNames':
      return { path, message: `has an invalid key "${String(params.propertyName)}"` };
    case 'pattern':
    case 'maxLength':
    case 'minLength': {
      if (e.propertyName !== undefined) return { path: [...path, e.propertyName], message: `key "${e.propertyName}" must be ${hint ?? e.message ?? 'valid'}` };
      if (e.keyword === 'minLength' && got === '') return { path, message: 'must not be empty' };
      const wanted = hint ?? (e.keyword === 'pattern' ? `a value matching ${String(params.pattern)}` : e.message ?? 'valid');
      return { path, message: `must be ${wanted}, not ${JSON.stringify(got)}${fix ? `; use "${fix}"` : ''}` };
    }
    case 'minItems':
      return { path, message: `must list at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}` };
    case 'minimum':
    case 'maximum':
      return { path, message: `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}, not ${String(got)}` };
    default:
      return { path, message: e.message ?? `fails ${e.keyword}` };
  }
}

/** The DNS label a user most likely meant (`1.24.2` → `1-24-2`), or undefined when there is none. */
function dnsLabelFix(v: string): string | undefined {
  const fix = v
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return fix && fix !== v ? fix : undefined;
}

function valueAt(doc: unknown, path: readonly PathSegment[]): unknown {
  let node: unknown = doc;
  for (const seg of path) node = Array.isArray(node) ? node[seg as number] : isPlainObject(node) ? node[seg as string] : undefined;
  return node;
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (isPlainObject(v)) return 'a map';
  return `${typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : 'a string'} (${JSON.stringify(v)})`;
}

function article(type: string): string {
  switch (type) {
    case 'object':
      return 'a map';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    default:
      return `a ${type}`;
  }
}

function listOr(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `spec.clusters[0].eastWestGateway`, `labels["istio.io/rev"]`: field paths as messages print them. */
export function formatFieldPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
