// Validates a TransformRules document against the JSON Schema shipped in schemas/, in words people can act on.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isPlainObject } from '../resources/object.js';
import type { PathSegment } from '../resources/resource-set.js';
import { didYouMean } from '../closest-word.js';

/** The schema file, shipped in the package beside dist/ (and beside src/ in a checkout). */
export const TRANSFORM_RULES_SCHEMA_URL = new URL('../../schemas/transform-rules.schema.json', import.meta.url);

/** One schema problem: where in the document (`path` to the node to point at) and what is wrong. */
export interface SchemaProblem {
  path: PathSegment[];
  message: string;
}

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    const schema: unknown = JSON.parse(readFileSync(TRANSFORM_RULES_SCHEMA_URL, 'utf8'));
    // allErrors: report every mistake in one run; verbose: errors carry their schema, for hints and suggestions.
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false });
    ajv.addKeyword('x-hint'); // human wording of a pattern, used in messages; editors ignore it
    validator = ajv.compile(schema as object);
  }
  return validator;
}

/** Checks `doc` against the TransformRules schema; returns problems ordered by where they are in the document. */
export function checkTransformRulesSchema(doc: unknown): SchemaProblem[] {
  const validate = compiled();
  if (validate(doc)) return [];
  const errors = validate.errors ?? [];
  // Errors inside a failed oneOf/anyOf explain each branch; the composite message says it better.
  const composites = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const kept = errors.filter(
    (e) => e.keyword !== 'if' && !composites.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`)),
  );
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of kept) {
    const problem = describe(e, doc);
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

const RULE_LEVEL = /^\/rules\/\d+$/;

function describe(e: ErrorObject, doc: unknown): SchemaProblem {
  const path = pointerSegments(e.instancePath, doc);
  const parent = isPlainObject(e.parentSchema) ? e.parentSchema : {};
  const hint = typeof parent['x-hint'] === 'string' ? parent['x-hint'] : undefined;
  const params = e.params as Record<string, unknown>;
  const known = isPlainObject(parent.properties) ? Object.keys(parent.properties) : [];
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      if (RULE_LEVEL.test(e.instancePath))
        return { path: [...path, extra], message: `unknown rule "${extra}"${didYouMean(extra, known)}; rules are ${known.join(', ')}` };
      return { path: [...path, extra], message: `unknown field "${extra}"${didYouMean(extra, known)}; expected ${listOr(known)}` };
    }
    case 'required':
      return { path, message: `missing field "${String(params.missingProperty)}"` };
    case 'dependentRequired':
      return { path, message: `"${String(params.property)}" needs "${String(params.missingProperty)}" beside it` };
    case 'maxProperties':
      if (RULE_LEVEL.test(e.instancePath)) {
        const keys = Object.keys(valueAt(doc, path) as object);
        return { path, message: `a rule has exactly one key (its type), but this one has ${keys.join(', ')}; start each rule with its own "- "` };
      }
      return { path, message: e.message ?? 'too many fields' };
    case 'minProperties':
      if (RULE_LEVEL.test(e.instancePath)) return { path, message: 'empty rule: give one key naming the rule type' };
      return { path, message: 'must not be empty' };
    case 'type':
      return { path, message: `must be ${article(String(params.type))}, not ${typeName(valueAt(doc, path))}` };
    case 'const':
      return { path, message: `must be "${String(params.allowedValue)}", not ${JSON.stringify(valueAt(doc, path))}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const got = valueAt(doc, path);
      return { path, message: `must be one of ${allowed.join(', ')}, not ${JSON.stringify(got)}${typeof got === 'string' ? didYouMean(got, allowed) : ''}` };
    }
    case 'oneOf':
    case 'anyOf': {
      const branches = (Array.isArray(e.schema) ? e.schema : []).map((b: unknown) =>
        isPlainObject(b) && Array.isArray(b.required) ? b.required.map(String) : [],
      );
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
      const got = valueAt(doc, path);
      if (e.keyword === 'minLength' && got === '') return { path, message: 'must not be empty' };
      return { path, message: `must be ${hint ?? e.message ?? 'valid'}, not ${JSON.stringify(got)}` };
    }
    case 'minItems':
      return { path, message: `must list at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}` };
    default:
      return { path, message: e.message ?? `fails ${e.keyword}` };
  }
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
