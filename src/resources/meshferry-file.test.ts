// The shared loader of meshferry.dev files: registry, header checks, schema wording and positions, for every kind.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ExitCode, InputError, InputErrors, MeshferryError } from '../errors.js';
import { MESHFERRY_API_VERSION, MESHFERRY_KINDS, loadMeshferryFile, parseMeshferryFile, schemaProblems, schemaUrl } from './meshferry-file.js';

function failure(run: () => unknown): MeshferryError {
  try {
    run();
  } catch (err) {
    if (err instanceof MeshferryError) return err;
    throw err;
  }
  throw new Error('expected the file to be rejected');
}

describe('the kind registry', () => {
  test.each(MESHFERRY_KINDS)('%s has a shipped 2020-12 schema that pins its apiVersion and kind', (kind) => {
    const schema = JSON.parse(readFileSync(schemaUrl(kind), 'utf8')) as { $schema: string; properties: Record<string, { const?: string }> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.apiVersion?.const).toBe(MESHFERRY_API_VERSION);
    expect(schema.properties.kind?.const).toBe(kind);
    // The schema compiles in strict mode: an unknown keyword or a typo in it fails here, not in a user's run.
    expect(schemaProblems(kind, {}).length).toBeGreaterThan(0);
  });
});

describe('parseMeshferryFile', () => {
  const topology = 'apiVersion: meshferry.dev/v1alpha1\nkind: MeshTopology\nmetadata: {name: t}\nspec: {}\n';

  test('a file of another meshferry kind is named as such, at the kind line, without schema noise', () => {
    const err = failure(() => parseMeshferryFile(topology, 'rules.yaml', 'TransformRules'));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('rules.yaml:2:1: must be "TransformRules", not "MeshTopology" (this is a MeshTopology file; a TransformRules file is wanted here) (at kind)');
  });

  test('a missing apiVersion and kind are reported together', () => {
    const err = failure(() => parseMeshferryFile('metadata: {name: t}\n', 'x.yaml', 'MeshTopology'));
    expect(err).toBeInstanceOf(InputErrors);
    expect((err as InputErrors).problems.map((p) => p.message)).toEqual(['missing field "apiVersion" (meshferry.dev/v1alpha1)', 'missing field "kind" (MeshTopology)']);
  });

  test('schema problems come in document order with file:line:col and field path; the check hook runs only on a valid shape', () => {
    let checked = 0;
    const check = () => {
      checked++;
      return [{ path: ['spec', 'meshID'], message: 'checked' }];
    };
    const err = failure(() =>
      parseMeshferryFile('apiVersion: meshferry.dev/v1alpha1\nkind: MeshTopology\nmetadata: {name: t}\nspec:\n  meshId: m\n  istio: {version: "1.24"}\n', 'x.yaml', 'MeshTopology', { check }),
    ) as InputErrors;
    expect(checked).toBe(0);
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.code).toBe('InvalidTopology');
    expect(err.message.split('\n')).toEqual([
      'x.yaml: the topology file has 4 problems:',
      '  x.yaml:4:1: missing field "meshID" (at spec)',
      '  x.yaml:4:1: missing field "clusters" (at spec)',
      '  x.yaml:5:3: unknown field "meshId" (did you mean meshID?); expected istio, meshID, clusters or namespaces (at spec.meshId)',
      '  x.yaml:6:11: must be an Istio release such as 1.24.2, not "1.24" (at spec.istio.version)',
    ]);
  });

  test('the check hook sees the validated value and its problems are located like schema problems', () => {
    const text = 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: t}\nrules: []\n';
    const err = failure(() => parseMeshferryFile<{ rules: unknown[] }>(text, 'r.yaml', 'TransformRules', { check: (v) => [{ path: ['rules'], message: `has ${v.rules.length} rules` }] }));
    expect(err.message).toBe('r.yaml:4:1: has 0 rules (at rules)');
  });

  test('a valid file returns its value and a locator', () => {
    const f = parseMeshferryFile('apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: t}\nrules:\n- drop: {kinds: [EnvoyFilter]}\n', 'r.yaml', 'TransformRules');
    expect(f.value).toMatchObject({ kind: 'TransformRules' });
    expect(f.locate(['rules', 0, 'drop', 'kinds'])).toEqual({ file: 'r.yaml', line: 5, column: 10 });
  });
});

describe('loadMeshferryFile', () => {
  test('reads stdin for "-" and names it <stdin>', async () => {
    const err = await loadMeshferryFile('-', 'MeshTopology', { stdin: async () => 'kind: MeshTopology\n' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe('<stdin>:1:1: missing field "apiVersion" (meshferry.dev/v1alpha1)');
  });

  test('a folder and a missing file are input errors naming the path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-file-'));
    await expect(loadMeshferryFile(dir, 'MeshTopology')).rejects.toThrow(`topology file ${dir} is a folder; name one MeshTopology file`);
    await expect(loadMeshferryFile(path.join(dir, 'nope.yaml'), 'TransformRules')).rejects.toThrow(/rules file .*nope\.yaml: no such file/);
    writeFileSync(path.join(dir, 'bin.yaml'), 'a\0b');
    await expect(loadMeshferryFile(path.join(dir, 'bin.yaml'), 'TransformRules')).rejects.toMatchObject({ code: 'BinaryInput', exitCode: 2 });
  });
});

describe('a number where a string belongs', () => {
  const shift = (interval: string) =>
    `apiVersion: meshferry.dev/v1alpha1\nkind: TrafficShift\nmetadata: {name: s, namespace: default}\nspec:\n  router:\n    virtualService:\n      targets: [{name: vs}]\n      from: {host: a}\n      to: {host: b}\n  steps: [10, 100]\n  interval: ${interval}\n`;

  test('says what to write when quoting would not help (a duration needs a unit)', () => {
    const err = failure(() => parseMeshferryFile(shift('60'), 's.yaml', 'TrafficShift'));
    expect(err.message).toContain('s.yaml:11');
    expect(err.message).toContain('a duration such as 30s');
    expect(err.message).not.toContain('quote it');
  });
});
