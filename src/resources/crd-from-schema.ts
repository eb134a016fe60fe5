// Turns a shipped JSON Schema (draft 2020-12) into a CustomResourceDefinition whose openAPIV3Schema is structural.
import type { KubeObject } from './object.js';
import { isPlainObject } from './object.js';

/** Where the CRD lives and what it is called. */
export interface CrdNames {
  /** API group, e.g. `meshferry.dev`. */
  group: string;
  /** The one served and stored version, e.g. `v1alpha1`. */
  version: string;
  kind: string;
  /** Lower-case plural used in URLs (`meshmigrations`). */
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  shortNames?: string[];
  /** `kubectl get` columns (`additionalPrinterColumns`), passed through as given. */
  printerColumns?: PrinterColumn[];
}

/** One `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** A JSON Schema node as parsed from a file: anything goes until checked. */
type SchemaNode = Record<string, unknown>;

/** An OpenAPI v3 node of a structural CRD schema (apiextensions.k8s.io/v1 JSONSchemaProps). */
export type StructuralSchema = Record<string, unknown>;

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';

// Formats the API server knows (k8s.io/apiextensions-apiserver pkg/apiserver/validation/formats.go); others are dropped.
const KNOWN_FORMATS = new Set([
  'bsonobjectid', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5',
  'isbn', 'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'password', 'date', 'duration',
  'datetime', 'date-time', 'int32', 'int64', 'float', 'double',
]);

// Junctor branches may hold only value validations; these are the ones meshferry's schemas use that are safe there.
const JUNCTOR_BRANCH_KEYS = new Set(['required', 'minProperties', 'maxProperties']);

/**
 * Builds a CustomResourceDefinition from a meshferry JSON Schema. The API server only takes structural schemas, so:
 * - `$ref`s are inlined (a recursive one becomes an object that keeps unknown fields);
 * - root `apiVersion`, `kind` and `metadata` are left to the API server, `status` keeps whatever it is given;
 * - `const` becomes a one-value `enum`, a numeric `exclusiveMinimum/Maximum` the OpenAPI v3 boolean form;
 * - `if/then/else`, `uniqueItems`, `default` (the server would write it into stored objects), `$schema`/`$id`/`$defs`
 *   and every `x-*` key except `x-kubernetes-*` are dropped;
 * - `additionalProperties: false` is dropped (the server prunes unknown fields instead), a map beside `properties`
 *   or a node of several types keeps unknown fields (`x-kubernetes-preserve-unknown-fields`);
 * - `anyOf`/`oneOf`/`allOf`/`not` stay only when every branch is made of `required`/`min|maxProperties`.
 * What cannot be expressed is left to meshferry's own validation of the file (`meshferry-file.ts`).
 */
export function crdFromSchema(schema: unknown, names: CrdNames): KubeObject {
  if (!isPlainObject(schema)) throw new TypeError('a JSON Schema is an object');
  const converter = new SchemaConverter(schema);
  const root = converter.convert(schema, '#');
  const properties = isPlainObject(root.properties) ? { ...root.properties } : {};
  for (const key of ['apiVersion', 'kind', 'metadata']) delete properties[key];
  properties.status = { type: 'object', description: 'Written by meshferry: progress and results.', [PRESERVE]: true };
  const required = Array.isArray(root.required) ? root.required.filter((k) => typeof k === 'string' && !['apiVersion', 'kind', 'metadata', 'status'].includes(k)) : [];
  const openAPIV3Schema: StructuralSchema = {
    type: 'object',
    ...(typeof root.description === 'string' ? { description: root.description } : {}),
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
  const version: Record<string, unknown> = {
    name: names.version,
    served: true,
    storage: true,
    schema: { openAPIV3Schema },
    subresources: { status: {} },
    ...(names.printerColumns?.length ? { additionalPrinterColumns: names.printerColumns } : {}),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.plural}.${names.group}`, labels: { 'app.kubernetes.io/managed-by': 'meshferry' } },
    spec: {
      group: names.group,
      scope: names.scope,
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.kind.toLowerCase(),
        ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
      },
      versions: [version],
    },
  };
}

class SchemaConverter {
  readonly #root: SchemaNode;
  /** `$ref`s being inlined right now: one seen again is a recursion. */
  readonly #inlining: string[] = [];

  constructor(root: SchemaNode) {
    this.#root = root;
  }

  convert(node: SchemaNode, where: string): StructuralSchema {
    const resolved = this.#resolveRef(node, where);
    if (resolved === 'recursive') return { type: 'object', [PRESERVE]: true, ...describe(node) };
    const { node: merged, ref } = resolved;
    try {
      return this.#convertResolved(merged, where);
    } finally {
      if (ref) this.#inlining.pop();
    }
  }

  /** Merges a `$ref` target under the referring node's own keywords (a sibling `description` wins, as in 2020-12). */
  #resolveRef(node: SchemaNode, where: string): { node: SchemaNode; ref?: string } | 'recursive' {
    const ref = node.$ref;
    if (typeof ref !== 'string') return { node };
    if (!ref.startsWith('#/')) throw new TypeError(`${where}: only local $refs can be inlined, got ${ref}`);
    if (this.#inlining.includes(ref)) return 'recursive';
    let target: unknown = this.#root;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isPlainObject(target) ? target[key] : undefined;
    }
    if (!isPlainObject(target)) throw new TypeError(`${where}: $ref ${ref} points at nothing`);
    this.#inlining.push(ref);
    const inner = this.#resolveRef(target, ref);
    if (inner === 'recursive') {
      this.#inlining.pop();
      return 'recursive';
    }
    // A chain of refs: the inner push is popped by our caller's finally only once, so undo it here.
    if (inner.ref) this.#inlining.pop();
    const { $ref: _drop, ...own } = node;
    return { node: { ...inner.node, ...own }, ref };
  }

  #convertResolved(node: SchemaNode, where: string): StructuralSchema {
    const types = schemaTypes(node);
    const out: StructuralSchema = { ...describe(node) };
    if (types.length !== 1) {
      // Several types (or none said): the server cannot check it structurally; meshferry's validation does.
      const nonNull = types.filter((t) => t !== 'null');
      if (nonNull.length === 1 && types.length === 2) return this.#convertTyped(node, nonNull[0] as string, { ...out, nullable: true }, where);
      if (nonNull.length === 2 && nonNull.includes('integer') && nonNull.includes('string')) return { ...out, 'x-kubernetes-int-or-string': true };
      return { ...out, [PRESERVE]: true };
    }
    return this.#convertTyped(node, types[0] as string, out, where);
  }

  #convertTyped(node: SchemaNode, type: string, out: StructuralSchema, where: string): StructuralSchema {
    out.type = type;
    const values = enumValues(node);
    if (values) out.enum = values;
    for (const key of ['minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf']) {
      if (node[key] !== undefined) out[key] = node[key];
    }
    if (typeof node.format === 'string' && KNOWN_FORMATS.has(node.format)) out.format = node.format;
    for (const [bound, exclusive] of [['minimum', 'exclusiveMinimum'], ['maximum', 'exclusiveMaximum']] as const) {
      if (typeof node[bound] === 'number') out[bound] = node[bound];
      // 2020-12 makes exclusiveMinimum a number; OpenAPI v3.0 a flag on minimum.
      const ex = node[exclusive];
      if (typeof ex === 'number') {
        out[bound] = ex;
        out[exclusive] = true;
      } else if (ex === true) out[exclusive] = true;
    }
    for (const [key, value] of Object.entries(node)) if (key.startsWith('x-kubernetes-')) out[key] = value;
    if (type === 'array') {
      if (isPlainObject(node.items)) out.items = this.convert(node.items, `${where}/items`);
      else out.items = { [PRESERVE]: true };
    }
    if (type === 'object') this.#convertObject(node, out, where);
    const junctors = this.#junctors(node);
    Object.assign(out, junctors);
    return out;
  }

  #convertObject(node: SchemaNode, out: StructuralSchema, where: string): void {
    const props = isPlainObject(node.properties) ? node.properties : undefined;
    const additional = node.additionalProperties;
    if (props && Object.keys(props).length > 0) {
      const converted: Record<string, StructuralSchema> = {};
      for (const [name, sub] of Object.entries(props)) {
        converted[name] = isPlainObject(sub) ? this.convert(sub, `${where}/properties/${name}`) : { [PRESERVE]: true };
      }
      out.properties = converted;
      // Properties and a map of extra keys cannot both be said; keep the extra keys rather than prune them.
      if (additional === true || isPlainObject(additional)) out[PRESERVE] = true;
    } else if (isPlainObject(additional)) {
      out.additionalProperties = this.convert(additional, `${where}/additionalProperties`);
    } else if (additional !== false) {
      out[PRESERVE] = true;
    }
    if (Array.isArray(node.required) && node.required.length > 0) out.required = node.required.filter((k) => typeof k === 'string');
  }

  /** Keeps `anyOf`/`oneOf`/`allOf`/`not` only when every branch is a plain value validation the server allows there. */
  #junctors(node: SchemaNode): StructuralSchema {
    const out: StructuralSchema = {};
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      const branches = node[key];
      if (!Array.isArray(branches) || branches.length === 0) continue;
      if (branches.every(isValueValidationBranch)) out[key] = branches.map((b) => pickBranch(b as SchemaNode));
    }
    if (isValueValidationBranch(node.not)) out.not = pickBranch(node.not as SchemaNode);
    return out;
  }
}

function isValueValidationBranch(b: unknown): boolean {
  return isPlainObject(b) && Object.keys(b).length > 0 && Object.keys(b).every((k) => JUNCTOR_BRANCH_KEYS.has(k));
}

function pickBranch(b: SchemaNode): SchemaNode {
  return Object.fromEntries(Object.entries(b).filter(([k]) => JUNCTOR_BRANCH_KEYS.has(k)));
}

function describe(node: SchemaNode): StructuralSchema {
  return typeof node.description === 'string' ? { description: node.description } : {};
}

/** The JSON types a node allows: `type` (string or list), else what its `enum`/`const` values are, else what its keywords imply. */
function schemaTypes(node: SchemaNode): string[] {
  if (typeof node.type === 'string') return [node.type];
  if (Array.isArray(node.type)) return node.type.filter((t): t is string => typeof t === 'string');
  const values = enumValues(node);
  if (values) return [...new Set(values.map(jsonType))];
  if (isPlainObject(node.properties) || isPlainObject(node.additionalProperties)) return ['object'];
  if (node.items !== undefined) return ['array'];
  return [];
}

function enumValues(node: SchemaNode): unknown[] | undefined {
  if (node.const !== undefined) return [node.const];
  return Array.isArray(node.enum) ? node.enum : undefined;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
