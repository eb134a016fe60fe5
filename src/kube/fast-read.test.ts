import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { seedMesh } from '../../test/lab/export-import-fixtures.js';
import { KUBE_YAML } from '../resources/yaml-options.js';
import { readResources } from '../resources/yaml-read.js';
import { serializeObject } from '../resources/yaml-write.js';
import { writeExportLayout } from './export-write.js';
import { parseCanonicalYaml, readObjectFolder } from './fast-read.js';
import { randomObject } from '../../test/support/kube/random-objects.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What the reference parser (the `yaml` library in the Kubernetes dialect, as yaml-read uses it) makes of a text. */
function reference(text: string): unknown {
  const docs = parseAllDocuments(text, { ...KUBE_YAML, uniqueKeys: true });
  if (!Array.isArray(docs) || docs.length !== 1 || docs[0]?.errors.length) return Symbol('not one valid document');
  try {
    return docs[0]?.toJS();
  } catch {
    return Symbol('not convertible to data');
  }
}

describe('parseCanonicalYaml', () => {
  it('reads every seeded export object on the fast path, exactly as the yaml library does', () => {
    const objects = seedMesh({ namespaces: 5, objects: 200 });
    for (const obj of objects) {
      const text = serializeObject(obj);
      expect(parseCanonicalYaml(text), text).toEqual(reference(text));
    }
  });

  it('reads random documents full of tricky strings exactly as the yaml library does, or declines them', () => {
    let fast = 0;
    for (let i = 1; i <= 3000; i++) {
      const text = serializeObject(randomObject(i));
      const got = parseCanonicalYaml(text);
      if (got === undefined) continue;
      fast++;
      expect(got, text).toEqual(reference(text));
    }
    // Most random documents hold a string the fast path declines; enough are accepted for the comparison to bite.
    expect(fast).toBeGreaterThan(100);
  });

  it.each([
    { name: 'block map and indented sequence', text: 'a: 1\nb:\n  - x\n  - k: "2"\n    z: []\nc: {}\n', want: { a: 1, b: ['x', { k: '2', z: [] }], c: {} } },
    { name: 'plain strings the library keeps as strings', text: 'a: 5s\nb: 10.0.0.1\nc: function f(h) end\n', want: { a: '5s', b: '10.0.0.1', c: 'function f(h) end' } },
    { name: 'timestamps and a lone dot, strings as go-yaml reads them', text: 'a: 2026-01-01\nb:\n  - .\n', want: { a: '2026-01-01', b: ['.'] } },
    { name: 'sequence of sequences', text: 'a:\n  - - 1\n    - 2\n  - - x: true\n', want: { a: [[1, 2], [{ x: true }]] } },
    { name: 'decimals and negative numbers', text: 'a: 1.10\nb: -3\nc: 0.5\n', want: { a: 1.1, b: -3, c: 0.5 } },
    { name: 'escapes JSON and YAML share', text: 'a: "x\\"y\\\\z\\n\\u00e9"\n', want: { a: 'x"y\\z\né' } },
  ])('reads $name', ({ text, want }) => {
    expect(parseCanonicalYaml(text)).toEqual(want);
    expect(reference(text)).toEqual(want);
  });

  it.each([
    { name: 'a YAML 1.1 boolean word', text: 'a: yes\n' },
    { name: 'a YAML 1.1 boolean key', text: 'on: a\n' },
    { name: 'an octal-looking number', text: 'a: 0777\n' },
    { name: 'a float with exponent', text: 'a: 1e3\n' },
    { name: 'a comment', text: 'a: b # note\n' },
    { name: 'a full-line comment', text: '# note\na: b\n' },
    { name: 'single quotes', text: "a: 'b'\n" },
    { name: 'a YAML-only escape', text: 'a: "\\x41"\n' },
    { name: 'a block scalar', text: 'a: |\n  text\n' },
    { name: 'an anchor', text: 'a: &x b\nc: *x\n' },
    { name: 'a document marker', text: '---\na: b\n' },
    { name: 'two documents', text: 'a: b\n---\nc: d\n' },
    { name: 'a sequence at its key\'s indent', text: 'a:\n- x\n' },
    { name: 'four-space indentation', text: 'a:\n    b: c\n' },
    { name: 'a tab', text: 'a:\tb\n' },
    { name: 'a duplicate key', text: 'a: 1\na: 2\n' },
    { name: 'a flow map', text: 'a: {b: c}\n' },
    { name: 'a missing final newline', text: 'a: b' },
    { name: 'a blank line', text: 'a: b\n\nc: d\n' },
    { name: 'CRLF line ends', text: 'a: b\r\n' },
    { name: 'a huge integer', text: 'a: 123456789012345678901\n' },
    { name: 'a plain value that is a map', text: 'a: b: c\n' },
    { name: 'a plain value cut by a comment', text: 'a: b #c\n' },
    { name: 'a one-letter YAML 1.1 boolean key', text: 'y: 1\n' },
  ])('declines $name', ({ text }) => {
    expect(parseCanonicalYaml(text)).toBeUndefined();
  });
});

describe('readObjectFolder', () => {
  it('reads an export folder to the same objects and sources as readResources', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'meshferry-fast-read-')), 'export');
    await writeExportLayout(dir, seedMesh({ namespaces: 4, objects: 120 }));
    // One file in a style only the general parser reads, to check that both paths mix.
    writeFileSync(path.join(dir, 'mesh-000/virtualservices/handwritten.yaml'), '---\n# by hand\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: handwritten, namespace: mesh-000}\nspec:\n  hosts: [a]\n');
    const want = await readResources([dir]);
    const got = await readObjectFolder([dir]);
    expect(got.objects()).toEqual(want.objects());
    expect(got.list().map((r) => `${r.source?.file}:${r.source?.line}`)).toEqual(want.list().map((r) => `${r.source?.file}:${r.source?.line}`));
    const sample = got.list().find((r) => r.object.kind === 'DestinationRule');
    const ref = want.list().find((r) => r.object.kind === 'DestinationRule');
    expect(sample?.source?.locate?.(['spec', 'host'])).toEqual(ref?.source?.locate?.(['spec', 'host']));
  });

  it('reads the repository fixtures and examples like readResources, errors included', async () => {
    const dirs = [path.join(repo, 'examples/tcm-export'), path.join(repo, 'test/fixtures/bad-input'), path.join(repo, 'src/resources/fixtures')];
    let compared = 0;
    for (const dir of dirs) {
      for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
        if (!e.isFile() || !/\.(ya?ml|json)$/.test(e.name)) continue;
        const file = path.join(e.parentPath, e.name);
        const want = await readResources([file]).then((s) => ({ objects: s.objects() }), (err: Error) => ({ error: err.message }));
        const got = await readObjectFolder([file]).then((s) => ({ objects: s.objects() }), (err: Error) => ({ error: err.message }));
        expect(got, `${file}: ${readFileSync(file, 'utf8').slice(0, 200)}`).toEqual(want);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(30);
  });
});
