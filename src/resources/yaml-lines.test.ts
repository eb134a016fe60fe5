// The line parser must read exactly what js-yaml (with go-yaml v2's scalars) and the precise reader read, or decline.
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { prng, randomObject } from '../../test/support/kube/random-objects.js';
import { GO_YAML_SCHEMA } from './yaml-fast.js';
import { parsePlainBlockYaml } from './yaml-lines.js';
import { KUBE_YAML } from './yaml-options.js';

/** js-yaml's reading, as the fast strategy took it before this parser. */
function jsYaml(text: string): unknown {
  return jsyaml.load(text, { schema: GO_YAML_SCHEMA, json: false });
}

/** The precise reader's reading (the `yaml` library in the Kubernetes dialect). */
function precise(text: string): unknown {
  const docs = parseAllDocuments(text, { ...KUBE_YAML, uniqueKeys: true });
  if (!Array.isArray(docs) || docs.length !== 1 || docs[0]?.errors.length) return Symbol('not one valid document');
  return docs[0]?.toJS();
}

/** Accepted texts must read the same three ways. */
function expectSame(text: string): unknown {
  const got = parsePlainBlockYaml(text);
  expect(got, `declined:\n${text}`).toBeDefined();
  expect(got!.value, text).toEqual(jsYaml(text));
  expect(got!.value, text).toEqual(precise(text));
  return got!.value;
}

describe('parsePlainBlockYaml', () => {
  it.each([
    ['block map and nested map', 'a: 1\nb:\n  c: x\n  d:\n    e: true\n', { a: 1, b: { c: 'x', d: { e: true } } }],
    ['indented and indentless sequences', 'a:\n  - x\n  - w\nb:\n- 1\n- k: v\n  l: w\nc: z\n', { a: ['x', 'w'], b: [1, { k: 'v', l: 'w' }], c: 'z' }],
    ['items of maps with nested indentless sequences', 'p:\n- name: a\n  ports:\n  - 80\n  - 443\n- name: b\n', { p: [{ name: 'a', ports: [80, 443] }, { name: 'b' }] }],
    ['deeper indentation than two', 'a:\n    b:\n        - 1\n        -   c: d\n            e: f\n', { a: { b: [1, { c: 'd', e: 'f' }] } }],
    ['sequence of sequences', 'a:\n- - 1\n  - 2\n- - x: w\n', { a: [[1, 2], [{ x: 'w' }]] }],
    ['flow collections', 'a: {number: 80, name: http, protocol: HTTP}\nb: ["./*", \'istio-system/*\']\nc: [1, {d: [e, f]}, "g"]\nd: {}\ne: []\n', { a: { number: 80, name: 'http', protocol: 'HTTP' }, b: ['./*', 'istio-system/*'], c: [1, { d: ['e', 'f'] }, 'g'], d: {}, e: [] }],
    ['a flow item of a sequence', 'ports:\n- {name: http, port: 8080}\n- [a, b]\n', { ports: [{ name: 'http', port: 8080 }, ['a', 'b']] }],
    ['comments everywhere', '# head\na: 1 # one\n  # indented comment\nb: # nothing\nc: "x" # q\nd: [1] # f\ne: b#c\n', { a: 1, b: null, c: 'x', d: [1], e: 'b#c' }],
    ['YAML 1.1 scalars as go-yaml v2 reads them', 'a: yes\nb: Off\nc: ~\nd: 0755\ne: 0x1F\nf: 1_000\ng: .5\nh: 1e3\ni: .inf\nj: 2026-03-14\nk: 1:20\nl: .\nm: y\n', { a: true, b: false, c: null, d: 493, e: 31, f: 1000, g: 0.5, h: 1000, i: Infinity, j: '2026-03-14', k: '1:20', l: '.', m: true }],
    ['quoted scalars and keys', 'a: "yes"\nb: \'on\'\nc: \'it\'\'s\'\n"d e": "x\\ty\\u00e9"\n\'f\': "#not a comment"\n', { a: 'yes', b: 'on', c: "it's", 'd e': 'x\ty\u00e9', f: '#not a comment' }],
    ['plain strings with colons, hashes and dashes', 'a: http://x:80/y\nb: a#b\nc: -x\nd: -1\ne: a - b\nf: 10.0.0.0/8\n', { a: 'http://x:80/y', b: 'a#b', c: '-x', d: -1, e: 'a - b', f: '10.0.0.0/8' }],
    ['a top-level sequence', '- a\n- b: c\n', ['a', { b: 'c' }]],
    ['empty values', 'a:\nb:\n  c:\nd: ""\n', { a: null, b: { c: null }, d: '' }],
    ['non-ASCII spaces, which YAML does not trim', 'port: 8080\u00a0\na: \u00a0b\nc: [d\u3000, e]\nf: x\u2003 # c\n', { port: '8080\u00a0', a: '\u00a0b', c: ['d\u3000', 'e'], f: 'x\u2003' }],
    ['a colon before a non-ASCII space is no key', '- a:\u00a0\n', ['a:\u00a0']],
    ['Kubernetes keys', 'metadata:\n  labels:\n    app.kubernetes.io/name: x\n    sidecar.istio.io/inject: "false"\n    istio.io/rev: 1-18-5\n', { metadata: { labels: { 'app.kubernetes.io/name': 'x', 'sidecar.istio.io/inject': 'false', 'istio.io/rev': '1-18-5' } } }],
  ])('reads %s', (_name, text, want) => {
    expect(expectSame(text)).toEqual(want);
  });

  it.each([
    ['a block scalar', 'a: |\n  x\n'],
    ['a folded scalar', 'a: >-\n  x\n  y\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a multi-line quoted scalar', 'a: "one\n  two"\n'],
    ['a multi-line flow', 'a: [1,\n  2]\n'],
    ['a complex key', '? a\n: b\n'],
    ['a lone dash', 'a:\n-\n  b: c\n'],
    ['a key that is not a string', '1: a\n'],
    ['a boolean key', 'on: a\n'],
    ['a merge key', '<<: {a: 1}\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a duplicate key, once quoted', 'a: 1\n"a": 2\n'],
    ['a duplicate flow key', 'a: {b: 1, b: 2}\n'],
    ['__proto__', '__proto__: {a: 1}\n'],
    ['a YAML-only escape', 'a: "\\x41"\n'],
    ['a tab', 'a:\n\tb: 1\n'],
    ['CR line ends', 'a: 1\r\n'],
    ['text after a quoted scalar', 'a: "x" y\n'],
    ['a second mapping on a line', 'a: b: c\n'],
    ['a trailing colon', 'a: b:\n'],
    ['a trailing comma in a flow', 'a: [1, 2, ]\n'],
    ['a pair in a flow sequence', 'a: [b: c]\n'],
    ['an empty flow value', 'a: {b: }\n'],
    ['a comment in a flow', 'a: [1, #x\n  2]\n'],
    ['an alias', 'a: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['an indented document', '  a: 1\n'],
    ['a scalar document', 'just text\n'],
    ['a key with a space before its colon', 'a : 1\n'],
    ['a map line at the wrong indentation', 'a:\n  b: 1\n c: 2\n'],
    // Found by an adversarial review against kubectl's reader (test/tools/yamlref); each read differently before.
    ['a line separator, which go-yaml reads as a line break', 'replicas: 3 # note\u2028replicas: 0\n'],
    ['a paragraph separator', 'a: b\u2029c\n'],
    ['NEL after a comment', 'b: 2\n# x\u0085a: 1\n'],
    ['a control character kubectl refuses', 'a: b\u0001\n'],
    ['a control character in a comment', 'a: 1 # c\u0007\n'],
    ['U+FFFF in a quoted scalar', "a: 'x\uffff'\n"],
    ['a non-ASCII space after a quoted scalar', "a: 'b'\u00a0\n"],
    ['the JSON escape \\/ go-yaml v2 does not have', 'a: "\\/"\n'],
    ['a surrogate pair written as escapes', 'a: "\\ud83d\\ude00"\n'],
    ['a question mark in a flow scalar', 'a: [?a]\n'],
    ['a query string in a flow', 'a: [http://x?y=1]\n'],
    ['a colon starting a flow scalar', 'a: [:a]\n'],
    ['a key longer than go-yaml takes', `${'a'.repeat(1025)}: 1\n`],
    ['a flow key longer than go-yaml takes', `a: {${'a'.repeat(1025)}: 1}\n`],
  ])('declines %s', (_name, text) => {
    expect(parsePlainBlockYaml(text)).toBeUndefined();
  });

  it('reads random documents written in hand-written styles exactly as js-yaml and the precise reader do, or declines them', () => {
    const rand = prng(7);
    let accepted = 0;
    for (let i = 1; i <= 1500; i++) {
      // js-yaml's writer in several styles: flow from some depth on, indentless sequences, either quote, 2 or 4 spaces.
      const text = jsyaml.dump(randomObject(i), {
        flowLevel: rand() < 0.5 ? -1 : 2 + Math.floor(rand() * 3),
        noArrayIndent: rand() < 0.5,
        quotingType: rand() < 0.5 ? '"' : "'",
        indent: rand() < 0.7 ? 2 : 4,
        lineWidth: -1,
      });
      const got = parsePlainBlockYaml(text);
      if (!got) continue;
      accepted++;
      expect(got.value, text).toEqual(jsYaml(text));
      expect(got.value, text).toEqual(precise(text));
    }
    // Random documents are full of strings the parser declines; enough are accepted for the comparison to bite.
    expect(accepted).toBeGreaterThan(100);
  });
});
