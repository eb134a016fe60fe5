// Strings stay strings: the writer quotes every string that any YAML 1.1 or 1.2 reader would read as something else.
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { randomObject, TRICKY } from '../../test/support/kube/random-objects.js';
import { neatObject } from './neat.js';
import type { KubeObject } from './object.js';
import { parseResources } from './yaml-read.js';
import { serializeObject, serializeStream } from './yaml-write.js';

/** Strings that some YAML 1.1 or 1.2 reader takes for a number, boolean, null, timestamp, merge or value key, or that look enough like one (`yES`) to be quoted. */
const NOT_STRINGS_TO_SOME_READER = [
  // integers in every base and form
  '0x1F', '0X1F', '0o17', '0O17', '017', '0b101', '0B101', '1_000', '+1', '-1', '0', '-0', '123', '+0x1F', '-0b1', '0777', '08', '1__0',
  // floats
  '.5', '-.5', '+.5', '5.', '1e3', '1E3', '1e+3', '1.0e-3', '6.8523015e+5', '685.230_15e+03', '685_230.15', '1.10', '10.0.0.1', '1.2.3',
  // sexagesimals (YAML 1.1)
  '190:20:30', '1:20', '-1:20', '+1:20', '190:20:30.15', '1:20.5',
  // YAML 1.1 booleans in every case
  'y', 'Y', 'n', 'N', 'yes', 'Yes', 'YES', 'yES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'oN', 'off', 'Off', 'OFF', 'true', 'True', 'TRUE', 'tRUE',
  'false', 'False', 'FALSE',
  // null forms
  '~', 'null', 'Null', 'NULL', 'nULL', '',
  // timestamps
  '2026-01-01', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2001-12-15T02:59:43.1Z', '2002-12-14', '2026-1-1',
  // infinities and not-a-number
  '.inf', '.Inf', '.INF', '-.inf', '+.inf', '-.Inf', '.nan', '.NaN', '.NAN',
  // value and merge keys, indicators, surrounding space
  '=', '<<', ' lead', 'trail ', ' ', '- a', '-', '? x', ': x', 'a: b', 'a:', '#x', 'a #b', '@x', '`x', '%x', '!x', '&a', '*a', '|', '>',
  "'q'", '"q"', '{a}', '[a]', 'a,b', '\ttab', 'two\nlines', 'a\u2028b', 'a\u0085b', 'nul\u0001', 'del\u007f',
];

/** Strings that are safe to write plain; the writer may still quote them, but these must read back either way. */
const ORDINARY = ['shop', 'reviews.shop.svc.cluster.local', 'app.kubernetes.io/name', 'ISTIO_MUTUAL', 'v1', '5s', '100ms', '1h30m', '10.0.0.0/8', 'docker.io/istio/proxyv2:1.24.2', 'a=b', 'x-canary', '3rd-party', 'a b c', 'https://issuer.example/jwks'];

/** Every reader a user might point at the output: go-yaml v2's rules (ours), YAML 1.1 and 1.2 in the `yaml` library, js-yaml. */
const READERS: Record<string, (text: string) => unknown> = {
  'meshferry (go-yaml v2 rules)': (text) => {
    const { resources, problems } = parseResources(text, 'w.yaml', { engine: 'precise' });
    if (problems.length) throw new Error(problems[0]?.message);
    return resources[0]?.object.data;
  },
  'yaml YAML 1.1 (timestamps, sexagesimals)': (text) => (parse(text, { version: '1.1' }) as KubeObject).data,
  'yaml YAML 1.2 core': (text) => (parse(text, { version: '1.2' }) as KubeObject).data,
  'js-yaml default schema': (text) => (jsyaml.load(text) as KubeObject).data,
};

const configMap = (data: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a' }, data });

/** The text of the value of `data.v` as written: the line after `v:`. */
function writtenScalar(text: string): string {
  const m = /\n {2}v: (.*)\n/.exec(text);
  if (!m) throw new Error(`no data.v line in:\n${text}`);
  return m[1] ?? '';
}

describe('the writer quotes strings that a reader would take for something else', () => {
  it.each(NOT_STRINGS_TO_SOME_READER)('%j is written quoted and read back as the same string by every reader', (s) => {
    const text = serializeObject(configMap({ v: s }));
    const scalar = writtenScalar(text);
    expect(scalar.startsWith('"') || scalar.startsWith("'") || scalar.startsWith('|'), text).toBe(true);
    for (const [name, read] of Object.entries(READERS)) expect((read(text) as Record<string, unknown>).v, `${name} on:\n${text}`).toBe(s);
  });

  it.each(ORDINARY)('%j reads back as the same string by every reader', (s) => {
    const text = serializeObject(configMap({ v: s }));
    for (const [name, read] of Object.entries(READERS)) expect((read(text) as Record<string, unknown>).v, `${name} on:\n${text}`).toBe(s);
  });

  it('quotes keys by the same rule', () => {
    const data = Object.fromEntries(NOT_STRINGS_TO_SOME_READER.filter((s) => !s.includes('\n')).map((s, i) => [s, `v${i}`]));
    const text = serializeObject(configMap(data));
    for (const [name, read] of Object.entries(READERS)) expect(read(text), name).toEqual(data);
  });

  it('keeps the four strings of the issue quoted through neat', () => {
    const { resources } = parseResources('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\ndata: {a: "0X1F", b: "0o17", c: "2026-01-01", d: "1:20"}\n', 'c.yaml');
    const text = serializeStream(resources.map((r) => neatObject(r.object)));
    expect(text).toContain('  a: "0X1F"\n  b: "0o17"\n  c: "2026-01-01"\n  d: "1:20"\n');
  });

  it('writes multi-line strings so that every reader reads them back, trailing newlines and indentation included', () => {
    const texts = ['a\nb', 'a\nb\n', 'a\nb\n\n', 'a\n\nb', ' lead\nx', '\nlead', 'x\n  indented\n', 'tab\tinside\nline', 'trail \nx', 'x\n   \ny', 'end\n\n\n'];
    for (const s of texts) {
      const text = serializeObject(configMap({ v: s, w: [s] }));
      for (const [name, read] of Object.entries(READERS)) expect(read(text), `${name} on ${JSON.stringify(s)}:\n${text}`).toEqual({ v: s, w: [s] });
    }
  });

  it('writes numbers, booleans and nulls so that they stay what they are', () => {
    const data = { i: 3, neg: -7, f: 1.5, big: 1e21, small: 1e-7, t: true, f2: false, n: null, nan: NaN, inf: Infinity, ninf: -Infinity };
    const text = serializeObject(configMap(data));
    for (const [name, read] of Object.entries(READERS)) expect(read(text), `${name} on:\n${text}`).toEqual(data);
  });

  it('round-trips thousands of random objects full of tricky strings through every reader', () => {
    expect(TRICKY.length).toBeGreaterThan(50);
    for (let seed = 1; seed <= 1500; seed++) {
      const obj = randomObject(seed);
      const text = serializeObject(obj);
      const { resources, problems } = parseResources(text, 'r.yaml', { engine: 'precise' });
      expect(problems, text).toEqual([]);
      expect(resources[0]?.object, text).toEqual(obj);
      expect(parse(text, { version: '1.1' }), `YAML 1.1 on seed ${seed}:\n${text}`).toEqual(obj);
      expect(parse(text, { version: '1.2' }), `YAML 1.2 on seed ${seed}:\n${text}`).toEqual(obj);
      expect(jsyaml.load(text), `js-yaml on seed ${seed}:\n${text}`).toEqual(obj);
    }
  });
});
