import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { walk, type SchemaIssue } from '../analyze/schema/structural.js';
import type { JsonSchema } from '../analyze/schema/target-schemas.js';
import { crdFromSchema, type CrdNames } from './crd-from-schema.js';
import { isPlainObject } from './object.js';

const schemaFile = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8'));
const names = (kind: string, plural: string): CrdNames => ({ group: 'meshferry.dev', version: 'v1alpha1', kind, plural, scope: 'Namespaced' });

// Keys JSONSchemaProps has (k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/types_jsonschema.go) minus those
// a structural schema forbids; anything else in the output would be rejected or silently dropped by the API server.
const ALLOWED_KEYS = new Set([
  'type', 'description', 'title', 'format', 'nullable', 'enum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems',
  'minProperties', 'maxProperties', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'required',
  'properties', 'additionalProperties', 'items', 'anyOf', 'oneOf', 'allOf', 'not',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);

/** The rules of a structural schema (Kubernetes docs, "Specifying a structural schema"), as a list of violations. */
function structuralViolations(node: unknown, where = ''): string[] {
  if (!isPlainObject(node)) return [`${where}: not an object`];
  const out: string[] = [];
  for (const key of Object.keys(node)) if (!ALLOWED_KEYS.has(key)) out.push(`${where}: key ${key}`);
  const typed = typeof node.type === 'string' || node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
  if (!typed) out.push(`${where}: no type`);
  if (node.properties !== undefined && node.additionalProperties !== undefined) out.push(`${where}: properties and additionalProperties`);
  if (node.additionalProperties === false) out.push(`${where}: additionalProperties false`);
  if (node.type === 'array' && !isPlainObject(node.items)) out.push(`${where}: array without items`);
  if (isPlainObject(node.properties)) for (const [k, v] of Object.entries(node.properties)) out.push(...structuralViolations(v, `${where}.${k}`));
  if (isPlainObject(node.additionalProperties)) out.push(...structuralViolations(node.additionalProperties, `${where}{}`));
  if (isPlainObject(node.items)) out.push(...structuralViolations(node.items, `${where}[]`));
  for (const j of ['anyOf', 'oneOf', 'allOf']) {
    const branches = node[j];
    if (branches === undefined) continue;
    if (!Array.isArray(branches)) out.push(`${where}: ${j} not a list`);
    else for (const b of branches) if (!isPlainObject(b) || Object.keys(b).some((k) => !['required', 'minProperties', 'maxProperties'].includes(k))) out.push(`${where}: ${j} branch ${JSON.stringify(b)}`);
  }
  return out;
}

function openApiOf(crd: ReturnType<typeof crdFromSchema>): Record<string, unknown> {
  const spec = crd.spec as { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] };
  return spec.versions[0]!.schema.openAPIV3Schema;
}

/** What the API server would say about a document under the generated schema (rejections and pruned fields). */
function serverIssues(doc: Record<string, unknown>, schema: Record<string, unknown>): SchemaIssue[] {
  const { apiVersion: _a, kind: _k, metadata: _m, ...body } = doc;
  const issues: SchemaIssue[] = [];
  walk(body, schema as JsonSchema, [], issues);
  return issues;
}

describe('crdFromSchema', () => {
  for (const [file, kind, plural, example] of [
    ['transform-rules.schema.json', 'TransformRules', 'transformrules', 'examples/tcm-to-istio.rules.yaml'],
    ['mesh-topology.schema.json', 'MeshTopology', 'meshtopologies', 'examples/topology-tcm-replacement.yaml'],
    ['mesh-migration.schema.json', 'MeshMigration', 'meshmigrations', 'src/migrate/fixtures/cross-cluster.yaml'],
  ] as const) {
    it(`turns ${file} into a structural schema that keeps every field of ${example}`, () => {
      const crd = crdFromSchema(schemaFile(file), names(kind, plural));
      expect(crd.metadata.name).toBe(`${plural}.meshferry.dev`);
      const schema = openApiOf(crd);
      expect(structuralViolations(schema)).toEqual([]);
      expect(JSON.stringify(schema)).not.toMatch(/"\$ref"|"\$defs"|"x-(?!kubernetes-)|"if"|"const"|"default"/);
      const doc = parse(readFileSync(new URL(`../../${example}`, import.meta.url), 'utf8')) as Record<string, unknown>;
      expect(serverIssues(doc, schema)).toEqual([]);
    });
  }

  it('inlines $refs, keeps validations, drops what a structural schema forbids, and adds a status subresource', () => {
    const crd = crdFromSchema(schemaFile('transform-rules.schema.json'), names('TransformRules', 'transformrules'));
    const schema = openApiOf(crd) as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(['rules', 'status']);
    expect(schema.required).toEqual(['rules']);
    expect(schema.properties.status).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    const rule = (schema.properties.rules as { items: Record<string, unknown> }).items;
    expect(rule).toMatchObject({ type: 'object', minProperties: 1, maxProperties: 1 });
    const mapHost = (rule.properties as Record<string, Record<string, unknown>>).mapHost!;
    expect(mapHost.oneOf).toEqual([{ required: ['from', 'to'] }, { required: ['fromSuffix', 'toSuffix'] }]);
    const patchRule = (rule.properties as Record<string, { properties: Record<string, { items: unknown }> }>).patch!;
    const patchOp = patchRule.properties.jsonPatch!.items as { properties: Record<string, Record<string, unknown>>; allOf?: unknown };
    // if/then is dropped (meshferry's own validation checks it), `enum` gets its type, `value` takes anything.
    expect(patchOp.allOf).toBeUndefined();
    expect(patchOp.properties.op).toMatchObject({ type: 'string', enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] });
    expect(patchOp.properties.value).toEqual({ description: 'Value of `add`, `replace` and `test`.', 'x-kubernetes-preserve-unknown-fields': true });
    expect(patchOp.properties.path).toMatchObject({ type: 'string', pattern: '^(/([^~]|~[01])*)*$' });
    expect(crd.spec).toMatchObject({ scope: 'Namespaced', names: { kind: 'TransformRules', listKind: 'TransformRulesList', singular: 'transformrules' } });
    expect((crd.spec as { versions: unknown[] }).versions[0]).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  });

  it('keeps a string-or-object item as unknown fields, and a nullable, int-or-string, const, exclusive bound and recursion', () => {
    const schema = {
      type: 'object',
      $defs: { tree: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/tree' } } } } },
      properties: {
        either: { type: ['string', 'object'], if: { type: 'string' }, then: { pattern: '^a$' } },
        maybe: { type: ['string', 'null'], minLength: 2 },
        port: { type: ['integer', 'string'] },
        fixed: { const: 3 },
        ratio: { type: 'number', exclusiveMinimum: 0, uniqueItems: true, default: 1, 'x-hint': 'h' },
        tree: { $ref: '#/$defs/tree', description: 'own words win' },
        bag: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
        any: {},
      },
    };
    const crd = crdFromSchema(schema, { ...names('X', 'xs'), scope: 'Cluster', shortNames: ['x'], printerColumns: [{ name: 'Phase', type: 'string', jsonPath: '.status.phase' }] });
    const props = (openApiOf(crd).properties ?? {}) as Record<string, Record<string, unknown>>;
    expect(structuralViolations(openApiOf(crd))).toEqual([]);
    expect(props.either).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(props.maybe).toEqual({ type: 'string', nullable: true, minLength: 2 });
    expect(props.port).toEqual({ 'x-kubernetes-int-or-string': true });
    expect(props.fixed).toEqual({ type: 'integer', enum: [3] });
    expect(props.ratio).toEqual({ type: 'number', minimum: 0, exclusiveMinimum: true });
    expect(props.tree).toMatchObject({ type: 'object', description: 'own words win' });
    const children = (props.tree!.properties as Record<string, { items: Record<string, unknown> }>).children!.items;
    // The tree is inlined once; where it would contain itself it keeps unknown fields instead.
    expect(children).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    expect(props.bag).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } });
    expect(props.any).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(crd.spec).toMatchObject({ scope: 'Cluster', names: { shortNames: ['x'] } });
    expect((crd.spec as { versions: unknown[] }).versions[0]).toMatchObject({ additionalPrinterColumns: [{ name: 'Phase', jsonPath: '.status.phase' }] });
  });
});
