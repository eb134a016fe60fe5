// Reads a MeshTopology file: YAML with positions, the shipped JSON Schema (ajv), then semantic checks; all problems at once.
import { editDistance } from '../closest-word.js';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { InputError, InputErrors, type Problem, type SourcePosition } from '../errors.js';
import type { PathSegment, Resource } from '../resources/resource-set.js';
import { parseResources, readResources } from '../resources/yaml-read.js';
import { checkTopology } from './topology-check.js';
import { formatFieldPath, TOPOLOGY_KIND, type MeshTopology, type TopologyProblem } from './topology.js';

/** The JSON Schema shipped in the package (schemas/), found from src/ and dist/ alike. */
export const TOPOLOGY_SCHEMA_URL = new URL('../../schemas/mesh-topology.schema.json', import.meta.url);

/** A validated topology and a way back from a field path to its place in the file. */
export interface LoadedTopology {
  topology: MeshTopology;
  file: string;
  locate: (path: readonly PathSegment[]) => SourcePosition;
}

let compiled: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(TOPOLOGY_SCHEMA_URL, 'utf8')) as object;
    compiled = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  }
  return compiled;
}

/** Reads and validates a topology file (or `-` for stdin). Bad input throws InputError(s) naming file:line and field. */
export async function loadTopology(file: string, opts: { stdin?: () => Promise<string> } = {}): Promise<LoadedTopology> {
  const set = await readResources([file], { allowUnknownKinds: true, ...(opts.stdin ? { stdin: opts.stdin } : {}) });
  return validateTopology(set.list(), file === '-' ? '<stdin>' : file);
}

/** Parses and validates topology text; for tests and library callers that hold the text already. */
export function parseTopology(text: string, file: string): LoadedTopology {
  const { resources, problems } = parseResources(text, file, { allowUnknownKinds: true });
  if (problems.length > 0) throw toError(file, problems);
  return validateTopology(resources, file);
}

function validateTopology(resources: readonly Resource[], file: string): LoadedTopology {
  const topologies = resources.filter((r) => r.object.kind === TOPOLOGY_KIND);
  const first = resources[0];
  if (topologies.length !== 1 || resources.length !== 1 || !first) {
    const what = resources.length === 0 ? 'no object' : resources.map((r) => r.object.kind).join(', ');
    throw new InputError(`a topology file holds exactly one MeshTopology (apiVersion meshferry.dev/v1alpha1); found ${what}`, {
      position: first?.source ? { file, line: first.source.line } : { file },
      code: 'InvalidTopology',
    });
  }
  const locate = (path: readonly PathSegment[]): SourcePosition => first.source?.locate?.(path) ?? { file, line: first.source?.line ?? 1 };
  const value: unknown = first.object;
  const validate = schemaValidator();
  let problems: TopologyProblem[] = [];
  if (!validate(value)) problems = schemaProblems(validate.errors ?? [], value);
  else problems = checkTopology(value as MeshTopology);
  if (problems.length > 0)
    throw toError(
      file,
      problems.map((p) => ({ message: p.message, position: locate(p.path), fieldPath: formatFieldPath(p.path) })),
    );
  return { topology: value as MeshTopology, file, locate };
}

function toError(file: string, problems: Problem[]): InputError | InputErrors {
  const one = problems.length === 1 ? problems[0] : undefined;
  if (one)
    return new InputError(one.message, { ...(one.position ? { position: one.position } : {}), ...(one.fieldPath ? { fieldPath: one.fieldPath } : {}), code: 'InvalidTopology' });
  return new InputErrors(`${file}: ${problems.length} problems in the topology:`, problems, 'InvalidTopology');
}

// ---- ajv errors → one readable problem each -------------------------------------------------------------

function pointerPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}

/** Turns ajv's errors into problems: one per place, the most specific wording, anyOf reduced to the branch meant. */
export function schemaProblems(errors: readonly ErrorObject[], root: unknown): TopologyProblem[] {
  const kept = pickAnyOfBranches(errors);
  const out: TopologyProblem[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    const p = describeError(e, root);
    const key = `${formatFieldPath(p.path)}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/**
 * For an anyOf, ajv reports every branch's failures (and, through $ref, with schema paths outside the anyOf).
 * The type mismatches at the anyOf's own place only say "this was the other branch", so they go; what is left
 * speaks about the branch the user meant. When nothing is left, one message lists the accepted shapes.
 */
function pickAnyOfBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  const replace = new Map<ErrorObject, ErrorObject>();
  for (const a of errors.filter((e) => e.keyword === 'anyOf')) {
    const here = a.instancePath;
    const typeErrors = errors.filter((e) => e.keyword === 'type' && e.instancePath === here);
    const specific = errors.filter((e) => e !== a && !typeErrors.includes(e) && (e.instancePath === here || e.instancePath.startsWith(`${here}/`)));
    for (const e of typeErrors) drop.add(e);
    if (specific.length > 0) drop.add(a);
    else {
      const shapes = typeErrors.map((e) => String((e.params as { type?: unknown }).type));
      replace.set(a, { ...a, message: `must be ${shapes.map((t) => `${article(t)} ${t}`).join(' or ')}` });
    }
  }
  return errors.filter((e) => !drop.has(e)).map((e) => replace.get(e) ?? e);
}

const KNOWN_PATTERNS: Record<string, (value: string, field: string) => string> = {
  revision: (v) =>
    `revision "${v}" is not a DNS label (lower-case letters, digits and '-'; no dots): use "${v.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')}"`,
  version: (v) => `version "${v}" is not an Istio release such as 1.24.2`,
};

function describeError(e: ErrorObject, root: unknown): TopologyProblem {
  const path = pointerPath(e.instancePath);
  const field = fieldLabel(path);
  const value = valueAt(root, path);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { message: `missing required field "${String(params.missingProperty)}"`, path: [...path, String(params.missingProperty)] };
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const known = Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
      const hint = closest(extra, known);
      return {
        message: `unknown field "${extra}"${hint ? ` (did you mean "${hint}"?)` : known.length ? ` (known: ${known.join(', ')})` : ''}`,
        path: [...path, extra],
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return { message: `unknown ${field} ${JSON.stringify(value)}; expected one of: ${allowed.join(', ')}`, path };
    }
    case 'const':
      return { message: `${field} must be ${JSON.stringify(params.allowedValue)}, not ${JSON.stringify(value)}`, path };
    case 'type': {
      const want = String(params.type);
      const quote = want === 'string' && (typeof value === 'number' || typeof value === 'boolean') ? ` (quote it: "${String(value)}")` : '';
      return { message: `${field} must be ${article(want)} ${want}, not ${describeType(value)}${quote}`, path };
    }
    case 'pattern': {
      const special = KNOWN_PATTERNS[field];
      if (special && typeof value === 'string') return { message: special(value, field), path };
      if (e.schemaPath.includes('dnsLabel') || String(params.pattern).startsWith('^[a-z0-9]('))
        return { message: `${field} ${JSON.stringify(value)} is not a DNS label (lower-case letters, digits and '-', at most 63 characters)`, path };
      if (path.includes('vgroupPorts')) return { message: `vgroupPorts entry ${JSON.stringify(value)} must be <vgroupId>:<port>, e.g. rsp-abc:80`, path };
      return { message: `${field} ${JSON.stringify(value)} does not match ${String(params.pattern)}`, path };
    }
    case 'minimum':
    case 'maximum':
      return { message: `${field} must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}, not ${String(value)}`, path };
    case 'minItems':
    case 'minLength':
      return { message: `${field} must not be empty`, path };
    case 'anyOf':
      return { message: `${field} ${e.message ?? 'has an unexpected shape'}, not ${describeType(value)}`, path };
    default:
      return { message: `${field} ${e.message ?? 'is invalid'}`, path };
  }
}

/** The last named field with its list index, e.g. `namespaces[2]` or `provider`. */
function fieldLabel(path: readonly PathSegment[]): string {
  let i = path.length - 1;
  let suffix = '';
  while (i >= 0 && typeof path[i] === 'number') suffix = `[${path[i--]}]${suffix}`;
  return `${i >= 0 ? String(path[i]) : 'document'}${suffix}`;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The known name closest to a misspelt one (edit distance at most 2), for "did you mean". */
function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}
