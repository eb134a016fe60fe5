// Checks an object against a target release's structural CRD schema the way the API server would: what it rejects, what it prunes, what is deprecated.
//
// A hand-written walker rather than ajv: the API server's semantics differ from plain JSON Schema (unknown
// fields are pruned, not errors; null means absent unless nullable; int-or-string; CEL rules), and every issue
// needs a field path that maps back to a YAML line.
import type { KubeObject } from '../../resources/object.js';
import { isPlainObject } from '../../resources/object.js';
import { parseApiVersion } from '../../resources/kinds.js';
import type { PathSegment } from '../../resources/resource-set.js';
import { evaluateRule } from './cel.js';
import type { JsonSchema, TargetSchemas } from './target-schemas.js';

export type SchemaIssueKind = 'invalid' | 'pruned' | 'deprecated';

export interface SchemaIssue {
  kind: SchemaIssueKind;
  path: PathSegment[];
  message: string;
}

/** `spec.http[0].route[1].weight` */
export function formatPath(path: readonly PathSegment[]): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s;
}

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/** Every schema issue of an Istio object against the target release (empty for kinds the target does not define). */
export function checkObjectSchema(obj: KubeObject, target: TargetSchemas): SchemaIssue[] {
  const { group, version } = parseApiVersion(obj.apiVersion);
  const found = target.lookup(group, obj.kind, version);
  if (found.status === 'unknown-kind')
    return [{ kind: 'invalid', path: ['kind'], message: `kind ${obj.kind} (${group}) does not exist in Istio ${target.version}; the API server has no such resource` }];
  if (found.status === 'unserved-version')
    return [
      {
        kind: 'invalid',
        path: ['apiVersion'],
        message: `${obj.apiVersion} is not served by Istio ${target.version} (served: ${found.served.map((v) => `${group}/${v}`).join(', ')})`,
      },
    ];
  const out: SchemaIssue[] = [];
  if (found.versionDeprecated) out.push({ kind: 'deprecated', path: ['apiVersion'], message: found.versionDeprecated });
  for (const key of Object.keys(obj)) if (!TOP_LEVEL.has(key)) out.push({ kind: 'pruned', path: [key], message: 'unknown top-level field' });
  if (obj.spec !== undefined) walk(obj.spec, found.schema, ['spec'], out);
  return out;
}

/** Validates `value` against `schema`, appending issues. Exported for tests. */
export function walk(value: unknown, schema: JsonSchema, path: PathSegment[], out: SchemaIssue[]): void {
  // One path stack for the whole walk, copied only into the issues: a walk visits every field of every object,
  // and a fresh path array per field was most of its cost.
  walkAt(value, schema, [...path], out);
}

function walkAt(value: unknown, schema: JsonSchema, path: PathSegment[], out: SchemaIssue[]): void {
  if (value === null || value === undefined) return; // null is pruned like an absent field unless nullable; either way not an error
  const invalid = (message: string) => out.push({ kind: 'invalid', path: path.slice(), message });

  if (schema['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || Number.isInteger(value))) invalid(`must be an integer or a string, not ${describe(value)}`);
  } else if (schema.type && !hasType(value, schema.type)) {
    invalid(`must be of type ${schema.type}, not ${describe(value)}`);
    return;
  }

  if (schema.enum && !schema.enum.some((e) => e === value)) {
    invalid(`unsupported value ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  const depValue = schema['x-meshferry-deprecated-values'];
  if (depValue && typeof value === 'string' && depValue[value]) out.push({ kind: 'deprecated', path: path.slice(), message: `value ${value}: ${depValue[value]}` });

  if (typeof value === 'string') {
    if (schema.minLength !== undefined || schema.maxLength !== undefined) {
      const len = [...value].length; // code points, as the API server counts
      if (schema.minLength !== undefined && len < schema.minLength) invalid(`must be at least ${schema.minLength} characters long`);
      if (schema.maxLength !== undefined && len > schema.maxLength) invalid(`must be at most ${schema.maxLength} characters long`);
    }
    const re = schema.pattern === undefined ? undefined : patternOf(schema.pattern);
    if (re && !re.test(value)) invalid(`must match the pattern ${schema.pattern}`);
  } else if (typeof value === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum))
      invalid(`must be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`);
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum))
      invalid(`must be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`);
  } else if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) invalid(`must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) invalid(`must have at most ${schema.maxItems} items`);
    const items = schema.items as JsonSchema | undefined;
    if (items)
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walkAt(value[i], items, path, out);
        path.pop();
      }
  } else if (isPlainObject(value)) {
    walkObject(value, schema, path, out);
  }

  if (schema.oneOf || schema.anyOf)
    for (const [kind, branches] of [['oneOf', schema.oneOf], ['anyOf', schema.anyOf]] as const) {
      if (!branches) continue;
      const valid = branches.filter((b) => satisfies(value, b));
      if (kind === 'anyOf' && valid.length === 0) invalid('must satisfy at least one of its alternative schemas (anyOf)');
      if (kind === 'oneOf' && valid.length !== 1) invalid(oneOfMessage(value, branches, valid.length));
    }
  if (schema.allOf) for (const sub of schema.allOf) walkAt(value, sub, path, out);
  if (schema.not && satisfies(value, schema.not)) invalid('must not satisfy its excluded schema (not)');

  const rules = schema['x-kubernetes-validations'];
  if (rules)
    for (const rule of rules) {
      if (evaluateRule(rule.rule, value) === false) invalid(rule.message ?? `failed rule: ${rule.rule}`);
    }
}

function walkObject(value: Record<string, unknown>, schema: JsonSchema, path: PathSegment[], out: SchemaIssue[]): void {
  const props = schema.properties;
  const extra = schema.additionalProperties;
  const keepsUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true || extra === true;
  let n = 0;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    n++;
    const v = value[key];
    const sub = props?.[key];
    path.push(key);
    if (sub) {
      if (sub['x-meshferry-deprecated'] && v !== null && v !== undefined) out.push({ kind: 'deprecated', path: path.slice(), message: sub['x-meshferry-deprecated'] });
      walkAt(v, sub, path, out);
    } else if (isPlainObject(extra)) walkAt(v, extra, path, out);
    else if (!keepsUnknown && (props !== undefined || schema.type === 'object')) out.push({ kind: 'pruned', path: path.slice(), message: 'unknown field' });
    path.pop();
  }
  if (schema.required)
    for (const req of schema.required) {
      if (value[req] === undefined || value[req] === null) out.push({ kind: 'invalid', path: [...path, req], message: 'required value is missing' });
    }
  if (schema.minProperties !== undefined && n < schema.minProperties) out.push({ kind: 'invalid', path: path.slice(), message: `must have at least ${schema.minProperties} fields` });
  if (schema.maxProperties !== undefined && n > schema.maxProperties) out.push({ kind: 'invalid', path: path.slice(), message: `must have at most ${schema.maxProperties} fields` });
}

/** True when `value` passes `schema` (pruning and deprecation are not failures). */
function satisfies(value: unknown, schema: JsonSchema): boolean {
  const issues: SchemaIssue[] = [];
  walk(value, schema, [], issues);
  if (schema.required && isPlainObject(value) && schema.required.some((r) => value[r] === undefined || value[r] === null)) return false;
  return !issues.some((i) => i.kind === 'invalid');
}

/** Istio's oneOf lists are "at most one of these fields"; say which ones clash instead of quoting JSON Schema. */
function oneOfMessage(value: unknown, branches: JsonSchema[], valid: number): string {
  const fields = branches.flatMap((b) => (b.required && !b.not ? b.required : []));
  if (valid > 1 && fields.length > 0 && isPlainObject(value)) {
    const set = fields.filter((f) => value[f] !== undefined && value[f] !== null);
    return `only one of ${[...new Set(fields)].join(', ')} may be set (found ${[...new Set(set)].join(' and ')})`;
  }
  return valid === 0 ? 'must satisfy exactly one of its alternative schemas (oneOf); it satisfies none' : `must satisfy exactly one of its alternative schemas (oneOf); it satisfies ${valid}`;
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isPlainObject(v)) return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  return `${typeof v} ${String(v)}`;
}

const patterns = new Map<string, RegExp | undefined>();
function patternOf(p: string): RegExp | undefined {
  if (!patterns.has(p)) {
    try {
      patterns.set(p, new RegExp(p, 'u'));
    } catch {
      patterns.set(p, undefined); // an RE2-only pattern: cannot decide, so never report
    }
  }
  return patterns.get(p);
}
