// The structural-schema walker (API server semantics) and the shipped schema data.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import { checkObjectSchema, formatPath, walk, type SchemaIssue } from './structural.js';
import { DEFAULT_TARGET_VERSION, loadTargetSchemas, shippedVersions, type JsonSchema } from './target-schemas.js';

const vs = (spec: unknown, apiVersion = 'networking.istio.io/v1'): KubeObject => ({ apiVersion, kind: 'VirtualService', metadata: { name: 'a', namespace: 'default' }, spec });
const issues = (o: KubeObject, version = DEFAULT_TARGET_VERSION) =>
  checkObjectSchema(o, loadTargetSchemas(version).schemas).map((i) => `${i.kind} ${formatPath(i.path)}`);

describe('shipped schemas', () => {
  it('default to the Istio release the lab pins (lab/versions.env)', () => {
    const pinned = /ISTIO_VERSION=(\S+)/.exec(readFileSync('lab/versions.env', 'utf8'))?.[1];
    expect(DEFAULT_TARGET_VERSION).toBe(pinned);
    expect(shippedVersions()).toContain(DEFAULT_TARGET_VERSION);
  });

  it('resolve a patch release without data to its minor release, and refuse unknown minors', () => {
    expect(loadTargetSchemas('1.26.3')).toMatchObject({ substitutedFor: '1.26.3' });
    expect(loadTargetSchemas('1.26.3').schemas.version).toBe('1.26.0');
    expect(() => loadTargetSchemas('1.9.0')).toThrow(/no CRD schemas are shipped for Istio 1.9.0/);
    expect(() => loadTargetSchemas('latest')).toThrow(/must look like 1.31.1/);
  });
});

describe('checkObjectSchema', () => {
  it.each([
    ['a clean object', vs({ hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }] }), []],
    ['an unknown field is pruned, not invalid', vs({ hosts: ['a'], http: [{ websocketUpgrade: true, route: [] }] }), ['pruned spec.http[0].websocketUpgrade']],
    ['a wrong type stops the walk there', vs({ hosts: 'a' }), ['invalid spec.hosts']],
    ['null is absent unless nullable', vs({ hosts: ['a'], http: [{ mirrorPercent: null, route: null }] }), []],
    ['a deprecated field', vs({ hosts: ['a'], http: [{ mirrorPercent: 5 }] }), ['deprecated spec.http[0].mirrorPercent']],
    ['an unserved version', vs({}, 'networking.istio.io/v2'), ['invalid apiVersion']],
    ['a oneOf clash names the fields', vs({ hosts: ['a'], http: [{ match: [{ uri: { exact: '/a', prefix: '/b' } }] }] }), ['invalid spec.http[0].match[0].uri']],
  ])('%s', (_t, obj, want) => {
    expect(issues(obj)).toEqual(want);
  });

  it('explains a oneOf clash in field terms', () => {
    const out = checkObjectSchema(vs({ http: [{ match: [{ uri: { exact: '/a', prefix: '/b' } }] }] }), loadTargetSchemas(DEFAULT_TARGET_VERSION).schemas);
    expect(out[0]?.message).toMatch(/only one of .*exact.* may be set \(found exact and prefix\)/);
  });

  it('walks int-or-string, enums, bounds and CEL on a hand-written schema', () => {
    const schema: JsonSchema = {
      type: 'object',
      required: ['port'],
      properties: {
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        target: { 'x-kubernetes-int-or-string': true },
        mode: { type: 'string', enum: ['A', 'B'] },
        name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self != "*"', message: 'no wildcard' }] },
      },
    };
    const out: SchemaIssue[] = [];
    walk({ port: 70000, target: true, mode: 'C', name: '*', extra: 1 }, schema, [], out);
    expect(out.map((i) => `${i.kind} ${formatPath(i.path)}: ${i.message}`)).toEqual([
      'invalid port: must be less than or equal to 65535',
      'invalid target: must be an integer or a string, not boolean true',
      'invalid mode: unsupported value "C": supported values: "A", "B"',
      'invalid name: no wildcard',
      'pruned extra: unknown field',
    ]);
  });
});
