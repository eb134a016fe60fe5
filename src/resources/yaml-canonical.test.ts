// The canonical strategy must read exactly what the precise reader reads, or decline.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { seedMesh } from '../../test/lab/export-import-fixtures.js';
import { randomObject } from '../../test/support/kube/random-objects.js';
import { parseCanonicalYaml } from './yaml-canonical.js';
import { KUBE_YAML } from './yaml-options.js';
import { readResources } from './yaml-read.js';
import { serializeObject, writeLayout } from './yaml-write.js';

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
    { name: 'plain strings every reader keeps as strings', text: 'a: 5s\nb: 10.0.0.0/8\nc: a b c\nd: http://x:80/y\n', want: { a: '5s', b: '10.0.0.0/8', c: 'a b c', d: 'http://x:80/y' } },
    { name: 'plain keys with spaces, colons and signs', text: 'a b: 1\nhttp://x: 2\na+b=c: 3\n', want: { 'a b': 1, 'http://x': 2, 'a+b=c': 3 } },
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
    { name: 'a timestamp-like plain string', text: 'a: 2026-01-01\n' },
    { name: 'a sexagesimal-like plain string', text: 'a: 1:20\n' },
    { name: 'a lone dot', text: 'a:\n  - .\n' },
    { name: 'an address that a YAML 1.1 float pattern could take', text: 'a: 10.0.0.1\n' },
    { name: 'a raw line separator inside quotes', text: 'a: "x\u2028y"\n' },
  ])('declines $name', ({ text }) => {
    expect(parseCanonicalYaml(text)).toBeUndefined();
  });
});

describe('readResources picks the canonical strategy for export folders and reads what the precise path reads', () => {
  it('on an export folder, mixed with a hand-written file', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'meshferry-fast-read-')), 'export');
    const written = await writeLayout(dir, seedMesh({ namespaces: 4, objects: 120 }));
    // One file in a style only the general parser reads, to check that the strategies mix.
    writeFileSync(path.join(dir, 'mesh-000/virtualservices/handwritten.yaml'), '---\n# by hand\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: handwritten, namespace: mesh-000}\nspec:\n  hosts: [a]\n');
    const canonical = written.filter((rel) => parseCanonicalYaml(readFileSync(path.join(dir, rel), 'utf8')) !== undefined).length;
    // The canonical strategy must really be taken, or this compares the precise path with itself.
    expect(canonical).toBeGreaterThan(written.length * 0.9);
    const want = await readResources([dir], { engine: 'precise' });
    const got = await readResources([dir]);
    expect(got.objects()).toEqual(want.objects());
    expect(got.list().map((r) => `${r.source?.file}:${r.source?.line}`)).toEqual(want.list().map((r) => `${r.source?.file}:${r.source?.line}`));
    const sample = got.list().find((r) => r.object.kind === 'DestinationRule');
    const ref = want.list().find((r) => r.object.kind === 'DestinationRule');
    expect(sample?.source?.locate?.(['spec', 'host'])).toEqual(ref?.source?.locate?.(['spec', 'host']));
  });

  it('on the repository fixtures and examples, errors included', async () => {
    const dirs = [path.join(repo, 'examples/tcm-export'), path.join(repo, 'test/fixtures/bad-input'), path.join(repo, 'src/resources/fixtures')];
    let compared = 0;
    for (const dir of dirs) {
      for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
        if (!e.isFile() || !/\.(ya?ml|json)$/.test(e.name)) continue;
        const file = path.join(e.parentPath, e.name);
        const want = await readResources([file], { engine: 'precise' }).then((s) => ({ objects: s.objects() }), (err: Error) => ({ error: err.message }));
        const got = await readResources([file]).then((s) => ({ objects: s.objects() }), (err: Error) => ({ error: err.message }));
        expect(got, `${file}: ${readFileSync(file, 'utf8').slice(0, 200)}`).toEqual(want);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(30);
  });
});
