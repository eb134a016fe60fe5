// Differential test of the YAML writer: tricky strings must read back as the same strings in kubectl and any YAML reader.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load as jsYamlLoad } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { KubeObject } from '../../src/resources/object.js';
import { serializeObject } from '../../src/resources/yaml-write.js';
import { hasStackTrace, runCli } from '../support/cli.js';
import { referenceReadFiles, referenceReadText, yamlReferenceBinary } from '../support/yaml-reference.js';

/** Strings that a careless writer emits plain and some reader then takes for a number, bool, null, date, … */
function trickyScalars(): string[] {
  const out = new Set<string>();
  const add = (...xs: string[]) => xs.forEach((x) => out.add(x));
  const signs = ['', '-', '+'];
  const cases = (s: string) => [s, s.toUpperCase(), s[0]!.toUpperCase() + s.slice(1)];
  // Integers in every base and form (YAML 1.1, YAML 1.2 core, and what Go's ParseInt(s, 0, 64) accepts).
  for (const sign of signs)
    for (const body of ['0', '7', '12', '012', '0o17', '0O17', '0x1F', '0X1F', '0x1f', '0b101', '0B101', '1_000', '0x_1F', '0b_1', '0_7', '08', '09', '00', '1__0', '9223372036854775808'])
      add(sign + body);
  // Floats, exponents, special values.
  for (const sign of signs)
    for (const body of ['1.0', '1.', '.5', '0.', '1e3', '1E3', '1e+3', '1e-3', '1.5e-3', '6.8523015e+5', '685.230_15e+03', '685_230.15', '1_0.0', '.inf', '.Inf', '.INF', '.nan', '.NaN', '.NAN', 'inf', 'nan', 'Infinity', 'NaN', '1e', 'e3', '.', '._', '1.2.3'])
      add(sign + body);
  // Sexagesimal numbers (YAML 1.1: 1:20 is 80, 1:20.5 is 80.5).
  for (const sign of signs) add(`${sign}1:20`, `${sign}190:20:30`, `${sign}1:20.5`, `${sign}20:30.15`, `${sign}1:60`, `${sign}0:0`);
  // Booleans of YAML 1.1 and 1.2, in every case the specs list (and some they do not).
  for (const b of ['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off']) add(...cases(b), b.length > 1 ? b[0] + b.slice(1).toUpperCase() : b);
  // Null forms.
  add('~', 'null', 'Null', 'NULL', 'nULL', '', ' ', 'None', 'nil');
  // Timestamps (YAML 1.1 timestamp regexp, its variants).
  add('2026-01-01', '2026-1-1', '2026-01-01T10:00:00Z', '2026-01-01t10:00:00z', '2026-01-01 10:00:00', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2026-01-01T10:00:00', '20260101', '10:00:00');
  // Merge key, value key, and YAML indicators at the start, the end or alone.
  add('=', '<<', '-', '--', '---', '...', '?', ':', '- a', '? a', 'a: b', 'a:', 'a:b', 'a #b', 'a#b', '#a', '&a', '*a', '!a', '!!str', '!!int 1', '|', '>', '|-', '%', '%YAML', '@a', '`a', "'a", '"a', "a'", 'a"', '{a}', '[a]', '{', '}', '[', ']', ',', 'a,b', 'a, b', 'http://x:80/a#b', '\\', '\\n', 'a\\', '*', '&', '!');
  // Leading and trailing space and tabs.
  add(' a', 'a ', '  a  ', '\ta', 'a\t', '\t', ' 1', '1 ', ' true', 'null ', ' ~');
  // Multi-line strings and other line breaks.
  add('a\nb', 'a\n', 'a\n\n', '\na', ' a\nb', 'a \nb', 'a\r\nb', 'a\rb', 'line1\n  indented\nline3', '\n', '\n\n', 'a\n---\nb', 'a\n...\nb', '# not a comment\nb', 'a\u0085b', 'a\u2028b', 'a\u2029b');
  // Unicode and control characters.
  add('é', '日本語', '\u00a0', 'a\u00a0', '\ufeffa', '😀', 'a\u0007b', 'a\u007fb', 'a\u0000b', '\u200b', 'ｙｅｓ');
  return [...out];
}

const SCALARS = trickyScalars();
/** ConfigMap keys are [-._a-zA-Z0-9]+; those of the tricky strings that fit are also tried as keys. */
const KEY_SCALARS = SCALARS.filter((s) => /^[-._a-zA-Z0-9]+$/.test(s));

/** One ConfigMap per case, so that a string that makes a whole document unreadable is named by itself. */
interface Case {
  name: string;
  data: Record<string, string>;
}
const CASES: Case[] = [
  ...SCALARS.map((s, i) => ({ name: `value-${String(i).padStart(3, '0')}`, data: { v: s } })),
  ...KEY_SCALARS.map((s, i) => ({ name: `key-${String(i).padStart(3, '0')}`, data: { [s]: 'x' } })),
];

function configMaps(): KubeObject[] {
  return CASES.map((c) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: c.name, namespace: 'default' }, data: c.data }));
}

/** JSON text with every character outside printable ASCII escaped, so the report shows what was really there. */
function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.replace(/[^\x20-\x7e]/gu, (c) => [...c].map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''));
}

/** One line per case that came back different: `value "0X1F" → 31`, `key "y" → "true"`. */
function mismatches(gotDocs: readonly unknown[], reader: string, unreadable: ReadonlyMap<string, string> = new Map()): string[] {
  const byName = new Map<string, KubeObject>();
  for (const d of gotDocs) {
    const name = (d as KubeObject | undefined)?.metadata?.name;
    if (typeof name === 'string') byName.set(name, d as KubeObject);
  }
  const out: string[] = [];
  for (const c of CASES) {
    const [[k, v]] = Object.entries(c.data) as [[string, string]];
    const what = c.name.startsWith('key-') ? `key ${show(k)}` : `value ${show(v)}`;
    const doc = byName.get(c.name);
    if (!doc) {
      out.push(`${reader}: ${what}: its document cannot be read${unreadable.has(c.name) ? ` (${unreadable.get(c.name)})` : ''}`);
      continue;
    }
    const got = (doc.data ?? {}) as Record<string, unknown>;
    const gotKeys = Object.keys(got);
    if (gotKeys.length !== 1 || gotKeys[0] !== k) out.push(`${reader}: ${what}: key read as ${gotKeys.map(show).join(', ')}`);
    else if (got[k] !== v) out.push(`${reader}: ${what} → ${show(got[k])} (${typeof got[k]})`);
  }
  return out;
}

/** Readers besides kubectl's: YAML 1.1 with every 1.1 type (timestamps, sexagesimals), YAML 1.2 core, js-yaml. */
function otherReaders(text: string): Record<string, unknown[]> {
  const docsOf = (split: (doc: string) => unknown): unknown[] =>
    text
      .split(/^---\n/m)
      .filter((d) => d.trim())
      .map((d) => {
        try {
          return split(d);
        } catch {
          return undefined; // counted as an unreadable document
        }
      });
  const lib = (opts: Parameters<typeof parseDocument>[1]) => (d: string) => {
    const doc = parseDocument(d, opts);
    if (doc.errors.length > 0) throw doc.errors[0];
    return doc.toJS() as unknown;
  };
  return {
    'yaml 1.1 (all 1.1 types)': docsOf(lib({ version: '1.1' })),
    'yaml 1.2 core': docsOf(lib({ version: '1.2', schema: 'core' })),
    'js-yaml': docsOf((d) => jsYamlLoad(d)),
  };
}

function judge(text: string, via: string): string[] {
  const ref = referenceReadText(text);
  // Which case each unreadable document held: the reader counts documents as the chunks between `---` lines.
  const chunks = text.split(/^---\n/m).filter((c) => c !== '');
  const unreadable = new Map<string, string>();
  for (const e of ref.docErrors ?? []) {
    const name = /^ {2}name: (\S+)$/m.exec(chunks[e.doc - 1] ?? '')?.[1];
    if (name) unreadable.set(name, e.error);
  }
  const problems = mismatches(ref.docs, `kubectl (sigs.k8s.io/yaml) via ${via}`, unreadable);
  for (const [reader, docs] of Object.entries(otherReaders(text))) problems.push(...mismatches(docs, `${reader} via ${via}`));
  return problems;
}

describe('strings stay strings (differential, against kubectl’s YAML reader)', () => {
  beforeAll(() => {
    yamlReferenceBinary(); // builds it once (Go); fails loudly without Go
  }, 900_000);

  it(`covers a broad generated set (${SCALARS.length} values, ${KEY_SCALARS.length} as keys)`, () => {
    expect(SCALARS.length).toBeGreaterThan(250);
    // Sanity of the judge itself: plain `0X1F` and `yes` are not strings for kubectl, quoted they are.
    const probe = referenceReadText('a: 0X1F\nb: yes\nc: "0X1F"\nn: x\n').docs[0];
    expect(probe).toEqual({ a: 31, b: true, c: '0X1F', false: 'x' });
  });

  it('serializeObject writes every string so that every reader reads it back unchanged', () => {
    const text = configMaps().map((o) => `---\n${serializeObject(o)}`).join('');
    expect(judge(text, 'serializeObject')).toEqual([]);
  });

  it('`meshferry neat` writes every string so that every reader reads it back unchanged', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-scalars-'));
    const input = path.join(dir, 'in.json');
    writeFileSync(input, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: configMaps() }));
    const res = runCli(['neat', input]);
    expect(hasStackTrace(res.stderr), res.stderr).toBe(false);
    expect(res.code, res.stderr).toBe(0);
    expect(judge(res.stdout, 'neat')).toEqual([]);
  });

  it('the reference reader reads files too (the corpus test uses this path)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-scalars-'));
    const f = path.join(dir, 'x.yaml');
    writeFileSync(f, '---\na: 1\n--- # two\nb: "2"\n---\n');
    expect(referenceReadFiles([f]).get(f)).toEqual({ docs: [{ a: 1 }, { b: '2' }] });
  });
});
