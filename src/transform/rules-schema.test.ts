// The shipped JSON Schema agrees with the rule registry and describes every field for editors.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { RULE_TYPES } from './rules/index.js';
import { TRANSFORM_RULES_SCHEMA_URL, checkTransformRulesSchema } from './rules-schema.js';

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  $ref?: string;
}
const schema = JSON.parse(readFileSync(TRANSFORM_RULES_SCHEMA_URL, 'utf8')) as { $defs: Record<string, SchemaNode> };
const resolve = (node: SchemaNode): SchemaNode => (node.$ref ? { ...schema.$defs[node.$ref.replace('#/$defs/', '')], ...node } : node);

describe('the shipped JSON Schema', () => {
  test('lists exactly the registered rule types', () => {
    expect(Object.keys(schema.$defs.rule?.properties ?? {}).sort()).toEqual([...RULE_TYPES].sort());
  });

  test('describes every rule and every rule field, so editors can complete and explain them', () => {
    for (const type of RULE_TYPES) {
      const rule = resolve(schema.$defs.rule!.properties![type]!);
      expect(rule.description, type).toBeTruthy();
      for (const [field, node] of Object.entries(rule.properties ?? {})) expect(resolve(node).description, `${type}.${field}`).toBeTruthy();
    }
  });

  test('accepts the example rules file', () => {
    const doc = {
      apiVersion: 'meshferry.dev/v1alpha1',
      kind: 'TransformRules',
      metadata: { name: 'x' },
      rules: [{ setRevision: { to: '1-31-1', match: { namespaces: ['a'] } } }, { patch: { match: { kind: 'vs' }, jsonPatch: [{ op: 'remove', path: '/spec/x' }] } }],
    };
    expect(checkTransformRulesSchema(doc)).toEqual([]);
  });
});
