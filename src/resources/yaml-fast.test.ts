// The fast reading path must read exactly what the precise path reads: values, lines and problems.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { yamlFilesUnder } from '../../test/support/yaml-locate-compare.js';
import { loadStreamFast } from './yaml-fast.js';
import { parseResources } from './yaml-read.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');


/** What a reader produced, in a comparable form (lines read through the lazy getters). */
function summary(text: string, file: string, engine: 'auto' | 'precise') {
  const { resources, problems } = parseResources(text, file, { engine, allowUnknownKinds: true });
  return {
    objects: resources.map((r) => r.object),
    lines: resources.map((r) => r.source?.line),
    fieldLines: resources.map((r) => r.source?.locate?.(['metadata', 'name'])?.line),
    problems: problems.map((p) => p.position?.line),
  };
}

const scalars = [
  'a: yes', 'a: Yes', 'a: yES', 'a: on', 'a: OFF', 'a: y', 'a: n', 'a: true', 'a: ~', 'a: null', 'a: NULL', 'a:',
  'a: 0755', 'a: 089', 'a: 0x1F', 'a: -0x1f', 'a: 0b101', 'a: 1_000', 'a: +12', 'a: -0', 'a: 0o17',
  'a: 1.5', 'a: .5', 'a: 5.', 'a: .', 'a: -.', 'a: 1e3', 'a: 1.0e+3', 'a: 1E-2', 'a: .inf', 'a: -.Inf', 'a: .nan',
  'a: 2026-03-14', 'a: 2026-03-14T09:26:53Z', 'a: 1:20', 'a: 12:30:00', 'a: 1:20.5',
  'a: "yes"', "a: 'on'", 'a: "1.5"', 'a: v1.2.3', 'a: 1.2.3', 'a: 10.0.0.1', 'a: 10.0.0.0/8', 'a: "*.example.com"', 'a: /api/*',
  'a: |\n  line one\n  line two\n', 'a: >-\n  folded\n  text\n', 'a: [1, "2", three, {b: c}]', 'a: {}', 'a: []',
  'a: "tab\\tand \\u00e9"', 'a: caf\u00e9', 'a: # only a comment', '"quoted key": 1', '? complex\n: value',
];

describe('fast and precise reading agree', () => {
  const files = yamlFilesUnder(path.join(repo, 'src'), { json: true }).concat(yamlFilesUnder(path.join(repo, 'examples'), { json: true }), yamlFilesUnder(path.join(repo, 'test'), { json: true }));

  it('on every YAML and JSON file in the repository', () => {
    let fast = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      if (loadStreamFast(text)) fast++;
      expect(summary(text, f, 'auto'), f).toEqual(summary(text, f, 'precise'));
    }
    // The fast path must actually be taken for ordinary files, or this test compares the precise path with itself.
    expect(fast).toBeGreaterThan(files.length / 2);
  });

  it.each(scalars)('on the scalar %j', (s) => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  ${s.replace(/\n/g, '\n  ')}\n`;
    expect(loadStreamFast(text)).toBeDefined();
    expect(summary(text, 'c.yaml', 'auto')).toEqual(summary(text, 'c.yaml', 'precise'));
  });

  it.each([
    ['multi-document with comments and end markers', '# head\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n...\n---\n\n# c\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n---\n'],
    ['CRLF line ends', 'apiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: a\r\n---\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: b\r\n'],
    ['a List', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n'],
    ['a scalar document', 'just text\n'],
    ['a missing name', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  labels: {a: b}\n'],
  ])('on %s', (_name, text) => {
    expect(loadStreamFast(text)).toBeDefined();
    expect(summary(text, 'f.yaml', 'auto')).toEqual(summary(text, 'f.yaml', 'precise'));
  });

  it.each([
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['tags', 'a: !!binary aGk=\n'],
    ['directives', '%YAML 1.1\n---\na: 1\n'],
    ['content on the --- line', '--- {a: 1}\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['tab indentation', 'a:\n\tb: 1\n'],
    ['broken flow', 'a: [1, 2\n'],
  ])('leaves %s to the precise path', (_name, text) => {
    expect(loadStreamFast(text)).toBeUndefined();
  });
});
