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
  walkAt(value, nodeOf(schema), [...path], out);
}

const TYPE_CODES: Record<string, number> = { object: 1, array: 2, string: 3, integer: 4, number: 5, boolean: 6 };

/**
 * A schema node with its checks worked out once: which apply, the compiled pattern, the properties in a Map. The
 * walk reads these few fixed fields instead of probing a dozen optional keys of every JSON schema object (objects
 * of many shapes, so every lookup was a slow generic one), and it visits every field of every object.
 */
class SchemaNode {
  readonly intOrString: boolean;
  /** 0: no type check; else the TYPE_CODES entry of `type`. */
  readonly typeCode: number;
  readonly enumValues: readonly unknown[] | undefined;
  readonly deprecatedValues: Record<string, string> | undefined;
  /** `x-meshferry-deprecated` of this node as a property of its parent. */
  readonly deprecated: string | undefined;
  readonly checksLength: boolean;
  readonly pattern: RegExp | undefined;
  readonly checksBounds: boolean;
  readonly items: SchemaNode | undefined;
  readonly properties: Map<string, SchemaNode> | undefined;
  readonly extra: SchemaNode | undefined;
  /** An unknown field is reported as pruned (no extra schema, unknown fields not kept, and a structural object). */
  readonly prunesUnknown: boolean;
  /** oneOf, anyOf, allOf, not or CEL rules: the rare checks read from `schema` itself. */
  readonly combines: boolean;

  constructor(readonly schema: JsonSchema) {
    this.intOrString = schema['x-kubernetes-int-or-string'] === true;
    this.typeCode = schema.type ? (TYPE_CODES[schema.type] ?? 0) : 0;
    this.enumValues = schema.enum;
    this.deprecatedValues = schema['x-meshferry-deprecated-values'];
    this.deprecated = schema['x-meshferry-deprecated'];
    this.checksLength = schema.minLength !== undefined || schema.maxLength !== undefined;
    this.pattern = schema.pattern === undefined ? undefined : patternOf(schema.pattern);
    this.checksBounds = schema.minimum !== undefined || schema.maximum !== undefined;
    this.items = schema.items ? nodeOf(schema.items) : undefined;
    const props = schema.properties;
    this.properties = props ? new Map(Object.entries(props).map(([k, v]) => [k, nodeOf(v)])) : undefined;
    const extra = schema.additionalProperties;
    this.extra = isPlainObject(extra) ? nodeOf(extra as JsonSchema) : undefined;
    const keepsUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true || extra === true;
    this.prunesUnknown = !keepsUnknown && (props !== undefined || schema.type === 'object');
    this.combines = Boolean(schema.oneOf || schema.anyOf || schema.allOf || schema.not || schema['x-kubernetes-validations']);
  }
}

const nodes = new WeakMap<JsonSchema, SchemaNode>();
function nodeOf(schema: JsonSchema): SchemaNode {
  let node = nodes.get(schema);
  if (!node) nodes.set(schema, (node = new SchemaNode(schema)));
  return node;
}

function walkAt(value: unknown, node: SchemaNode, path: PathSegment[], out: SchemaIssue[]): void {
  if (value === null || value === undefined) return; // null is pruned like an absent field unless nullable; either way not an error
  const schema = node.schema;
  const invalid = (message: string) => out.push({ kind: 'invalid', path: path.slice(), message });

  if (node.intOrString) {
    if (!(typeof value === 'string' || Number.isInteger(value))) invalid(`must be an integer or a string, not ${describe(value)}`);
  } else if (node.typeCode !== 0 && !hasType(value, node.typeCode)) {
    invalid(`must be of type ${schema.type}, not ${describe(value)}`);
    return;
  }

  const enumValues = node.enumValues;
  if (enumValues && !enumValues.some((e) => e === value)) {
    invalid(`unsupported value ${JSON.stringify(value)}: supported values: ${enumValues.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  const depValue = node.deprecatedValues;
  if (depValue && typeof value === 'string' && depValue[value]) out.push({ kind: 'deprecated', path: path.slice(), message: `value ${value}: ${depValue[value]}` });

  if (typeof value === 'string') {
    if (node.checksLength) {
      const len = [...value].length; // code points, as the API server counts
      if (schema.minLength !== undefined && len < schema.minLength) invalid(`must be at least ${schema.minLength} characters long`);
      if (schema.maxLength !== undefined && len > schema.maxLength) invalid(`must be at most ${schema.maxLength} characters long`);
    }
    if (node.pattern && !node.pattern.test(value)) invalid(`must match the pattern ${schema.pattern}`);
  } else if (typeof value === 'number') {
    if (node.checksBounds) {
      if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum))
        invalid(`must be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`);
      if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum))
        invalid(`must be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`);
    }
  } else if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) invalid(`must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) invalid(`must have at most ${schema.maxItems} items`);
    const items = node.items;
    if (items)
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walkAt(value[i], items, path, out);
        path.pop();
      }
  } else if (isPlainObject(value)) {
    walkObject(value, node, path, out);
  }

  if (node.combines) walkCombinators(value, schema, path, out, invalid);
}

/** oneOf, anyOf, allOf, not and CEL rules: rare in Istio's schemas, so read from the schema as it is. */
function walkCombinators(value: unknown, schema: JsonSchema, path: PathSegment[], out: SchemaIssue[], invalid: (message: string) => void): void {
  if (schema.oneOf || schema.anyOf)
    for (const [kind, branches] of [['oneOf', schema.oneOf], ['anyOf', schema.anyOf]] as const) {
      if (!branches) continue;
      const valid = branches.filter((b) => satisfies(value, b));
      if (kind === 'anyOf' && valid.length === 0) invalid('must satisfy at least one of its alternative schemas (anyOf)');
      if (kind === 'oneOf' && valid.length !== 1) invalid(oneOfMessage(value, branches, valid.length));
    }
  if (schema.allOf) for (const sub of schema.allOf) walkAt(value, nodeOf(sub), path, out);
  if (schema.not && satisfies(value, schema.not)) invalid('must not satisfy its excluded schema (not)');

  const rules = schema['x-kubernetes-validations'];
  if (rules)
    for (const rule of rules) {
      if (evaluateRule(rule.rule, value) === false) invalid(rule.message ?? `failed rule: ${rule.rule}`);
    }
}

function walkObject(value: Record<string, unknown>, node: SchemaNode, path: PathSegment[], out: SchemaIssue[]): void {
  const props = node.properties;
  const extra = node.extra;
  let n = 0;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    n++;
    const v = value[key];
    const sub = props?.get(key);
    path.push(key);
    if (sub) {
      if (sub.deprecated && v !== null && v !== undefined) out.push({ kind: 'deprecated', path: path.slice(), message: sub.deprecated });
      walkAt(v, sub, path, out);
    } else if (extra) walkAt(v, extra, path, out);
    else if (node.prunesUnknown) out.push({ kind: 'pruned', path: path.slice(), message: 'unknown field' });
    path.pop();
  }
  const schema = node.schema;
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

function hasType(v: unknown, typeCode: number): boolean {
  switch (typeCode) {
    case 1:
      return isPlainObject(v);
    case 2:
      return Array.isArray(v);
    case 3:
      return typeof v === 'string';
    case 4:
      return Number.isInteger(v);
    case 5:
      return typeof v === 'number';
    case 6:
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
