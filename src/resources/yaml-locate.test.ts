// The indentation locator must give exactly the position the precise parser gives, or none (then the parser is asked).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareDocument, yamlFilesUnder, type Tally } from '../../test/support/yaml-locate-compare.js';
import { loadStreamFast } from './yaml-fast.js';
import { locateByLines } from './yaml-locate.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');


describe('locateByLines agrees with the precise parser', () => {
  it("on every field of every fast-read document in the repository's YAML files", () => {
    const t: Tally = { paths: 0, located: 0, mismatches: [] };
    let docs = 0;
    for (const file of yamlFilesUnder(repo)) {
      const fast = loadStreamFast(readFileSync(file, 'utf8'));
      if (!fast) continue;
      for (const d of fast) {
        if (d.value === null || d.value === undefined) continue;
        docs++;
        compareDocument(d.text, d.value, `${path.relative(repo, file)}:${d.firstLine}`, t);
      }
    }
    expect(t.mismatches.slice(0, 20)).toEqual([]);
    expect(docs).toBeGreaterThan(200);
    // Most of it is plain block YAML: the locator must answer for most paths, or it saves nothing.
    expect(t.located / t.paths).toBeGreaterThan(0.8);
  });

  // Shapes chosen to trip an indentation reader: each is compared field by field with the parser.
  const shapes: Record<string, string> = {
    'sequence at the key indent': 'spec:\n  http:\n  - route:\n    - destination: {host: a}\n      weight: 10\n  - match:\n    - uri: {prefix: /}\n',
    'indented sequence': 'spec:\n  hosts:\n    - a\n    - "b"\n  gateways:\n    -   mesh\n',
    'entry on its own line': 'a:\n-\n  b: 1\n  c: 2\n- d: 3\n',
    'nested sequences': 'a:\n- - x\n  - y\n- - z\n',
    'block scalars': 'a: |\n  b: not a key\n  - not an entry\nc: >-\n  text\nd:\n- |\n  e\n- f\n',
    'comments everywhere': '# head\na: # after\n  # inside\n  b: 1 # tail\n\n  c:\n  # between\n  - 1\n',
    'quoted keys and values': '"a": 1\n\'b c\': "d: e"\nf: \'g # h\'\n',
    'colons in values': 'a: http://x:80/y\nb: c:d\ne: "f: g"\n',
    'flow on one line': 'a: {b: [1, 2], c: d}\ne: [f, g]\n',
    'flow over lines': 'a: {b: 1,\n  c: 2}\nd: e\n',
    'multi-line plain scalar': 'a: one\n  two\nb: 3\n',
    'multi-line quoted scalar': 'a: "one\n  two"\nb: 3\n',
    'null values': 'a:\nb: ~\nc:\n  d:\n',
    'CRLF line ends': 'a:\r\n  b: 1\r\n  c:\r\n  - d\r\n',
    'leading blank lines': '\n\n# c\nkind: X\nspec:\n  a: 1\n',
    'deep compact mapping': 'a:\n- b: 1\n  c:\n  - d: 2\n    e: {f: 1}\n  g: 3\n',
    'numeric-looking keys': '"80": a\n1: b\ntrue: c\n',
  };
  it.each(Object.entries(shapes))('%s', (_name, text) => {
    const fast = loadStreamFast(text);
    const t: Tally = { paths: 0, located: 0, mismatches: [] };
    if (fast) for (const d of fast) compareDocument(d.text, d.value, 'shape', t);
    expect(t.mismatches).toEqual([]);
  });

  it('answers for the common shapes (a locator that always gives up would pass the comparisons)', () => {
    expect(locateByLines('spec:\n  http:\n  - route:\n    - destination:\n        host: a\n', ['spec', 'http', 0, 'route', 0, 'destination', 'host'])).toEqual({ line: 5, col: 9 });
    expect(locateByLines('a:\n  b: 1\n', ['a', 'x'])).toEqual({ line: 1, col: 1 });
    expect(locateByLines('a: {b: 1,\n  c: 2}\n', ['a', 'c'])).toBeUndefined();
  });
});
