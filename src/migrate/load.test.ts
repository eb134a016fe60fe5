// Bad MeshMigration files: each names file:line and what is wrong (exit 2).
import { describe, expect, it } from 'vitest';
import { MeshferryError } from '../errors.js';
import { parseMigration } from './load.js';

const good = `apiVersion: meshferry.dev/v1alpha1
kind: MeshMigration
metadata: {name: upgrade}
spec:
  mode: InPlace
  target: {revision: canary}
  waves:
  - {name: one, namespaces: [shop]}
`;

function problem(text: string): string {
  try {
    parseMigration(text, 'm.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(MeshferryError);
    expect((err as MeshferryError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('MeshMigration files', () => {
  it('reads a good file', () => {
    expect(parseMigration(good, 'm.yaml').value.spec.waves[0]!.namespaces).toEqual(['shop']);
  });
  it('accepts config paths inside the file\'s folder, ./ and a/../b alike', () => {
    const text = good.replace('mode: InPlace', 'mode: InPlace\n  config: {from: ./a/../export, rules: rules.yaml}');
    expect(parseMigration(text, 'm.yaml').value.spec.config).toEqual({ from: './a/../export', rules: 'rules.yaml' });
  });
  it.each([
    ['unknown field', good.replace('mode: InPlace', 'mode: InPlace\n  colour: red'), /m\.yaml:6:\d+: .*colour/],
    ['wrong type', good.replace('{name: one, namespaces: [shop]}', '{name: one, namespaces: [shop], maxUnavailable: two}'), /m\.yaml:8:\d+: must be a whole number/],
    ['duplicate namespace', good.replace('{name: one, namespaces: [shop]}', '{name: one, namespaces: [shop]}\n  - {name: two, namespaces: [web, shop]}'), /m\.yaml:9:\d+: namespace "shop" appears twice: already in wave "one"/],
    ['two opt-ins', good.replace('mode: InPlace', 'mode: InPlace\n  optIn:\n    namespaceLabels: {istio.io/rev: canary}\n    tag: {name: prod}'), /m\.yaml:6:\d+: optIn takes exactly one of namespaceLabels, tag or podTemplateLabels, not namespaceLabels, tag/],
    ['source equals target', good.replace('mode: InPlace', 'mode: InPlace\n  source: {revision: canary}'), /m\.yaml:7:\d+: the target revision is the source revision/],
    ['a wave with nothing in it', good.replace('{name: one, namespaces: [shop]}', '{name: one}'), /m\.yaml:8:\d+: a wave names namespaces, gateways, or both/],
    ['config.from outside the file\'s folder', good.replace('mode: InPlace', 'mode: InPlace\n  config: {from: ../../etc/export}'), /m\.yaml:6:\d+: config\.from "\.\.\/\.\.\/etc\/export" leaves the folder of the MeshMigration file/],
    ['config.rules as an absolute path', good.replace('mode: InPlace', 'mode: InPlace\n  config:\n    from: ./export\n    rules: /etc/rules.yaml'), /m\.yaml:8:\d+: config\.rules "\/etc\/rules\.yaml" leaves the folder/],
    ['a bad gateway reference', good.replace('namespaces: [shop]', 'gateways: [ingress]'), /m\.yaml:8:\d+: .*namespace\/deployment/],
  ])('%s', (_name, text, want) => {
    expect(problem(text)).toMatch(want);
  });
});
