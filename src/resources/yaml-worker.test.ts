// The parse worker: what crosses threads keeps every value exactly, and readResources reads the same with it as
// without it. The worker itself runs from dist/ (built by the tests' global setup): a worker cannot load .ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/support/cli.js';
import { readFast } from './yaml-fast.js';
import { fromWire, jsonKeepsExactly, toWire } from './yaml-worker.js';
import { serializeObject } from './yaml-write.js';
import type { KubeObject } from './object.js';

/** Deep equality that tells -0 from 0 and NaN from null, and keeps key order. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

it('same() can fail', () => {
  expect(same({ a: -0 }, { a: 0 })).toBe(false);
  expect(same({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
  expect(same([Number.NaN], [null])).toBe(false);
  expect(same({ a: [1, { b: 'c' }] }, JSON.parse('{"a": [1, {"b": "c"}]}'))).toBe(true);
});

describe('jsonKeepsExactly', () => {
  it.each<[string, unknown, boolean]>([
    ['strings, booleans, null, finite numbers', { a: 'x', b: true, c: null, d: 1.5, e: [0, -3, 1e300] }, true],
    ['NaN (.nan)', { a: [1, Number.NaN] }, false],
    ['Infinity (.inf, 1e999)', { a: { b: Number.POSITIVE_INFINITY } }, false],
    ['-Infinity', [Number.NEGATIVE_INFINITY], false],
    ['-0', { a: -0 }, false],
    ['0', { a: 0 }, true],
    ['undefined', { a: undefined }, false],
    ['a bigint', { a: 10n }, false],
    ['a Date', { a: new Date(0) }, false],
    ['an own __proto__ key', JSON.parse('{"__proto__": {"x": 1}}'), true],
  ])('%s', (_, value, exact) => {
    expect(jsonKeepsExactly(value)).toBe(exact);
  });
});

describe('toWire / fromWire', () => {
  const text = 'a: 1\n---\nb: [x, -0.0, .nan]\n---\n# only a comment\n';
  it('gives back the same documents, values and texts, by JSON or by structured clone', () => {
    for (const t of [text, 'a: 1\n---\nb: {c: "d"}\n', serializeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'v' } } as KubeObject)]) {
      const read = readFast(t)!;
      const wire = toWire(read);
      const back = fromWire(structuredClone(wire), t)!;
      expect(back.canonical).toBe(read.canonical);
      expect(back.docs.map((d) => [d.text, d.offset, d.firstLine, d.contentLine])).toEqual(read.docs.map((d) => [d.text, d.offset, d.firstLine, d.contentLine]));
      expect(same(back.docs.map((d) => d.value), read.docs.map((d) => d.value))).toBe(true);
    }
  });
  it('sends values JSON cannot keep (-0, NaN) by structured clone, and the rest as JSON', () => {
    expect('values' in (toWire(readFast(text)) as object)).toBe(true);
    expect('json' in (toWire(readFast('a: 1\n')) as object)).toBe(true);
    expect(toWire(undefined)).toBeNull();
  });
});

// ---- through dist/: the real worker -------------------------------------------------------------------------------

const dir = mkdtempSync(path.join(os.tmpdir(), 'yaml-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Documents per file: 40 files of them make about 2.7 MB, above the size that brings the worker in. */
const DOCS = 250;

/** Enough files that readResources hands the last ones to the worker, with every awkward value in them. */
function writeInput(extra: Record<string, string> = {}): string[] {
  const files: string[] = [];
  for (let f = 0; f < 40; f++) {
    const docs: string[] = [];
    for (let i = 0; i < DOCS; i++)
      docs.push(
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${f}-${i}\n  namespace: ns-${f % 7}\n  labels: {app: a${i % 13}, version: "v${i % 3}"}\n` +
          `data:\n  plain: some words ${i}\n  quoted: 'it''s ${f}'\n  folded: >\n    one\n    two\n  number: "${i * 1.5}"\n`,
      );
    files.push(path.join(dir, `f${String(f).padStart(2, '0')}.yaml`));
    writeFileSync(files.at(-1)!, docs.join('---\n'));
  }
  // The worker takes the last files: the awkward ones go there.
  const awkward: Record<string, string> = {
    'y1-floats.yaml':
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: floats, namespace: a}\nspec:\n  host: h\n  x: [.nan, .inf, -.inf, -0, -0.0, 1e999, 0x1F, 0o17]\n',
    'y2-proto.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proto, namespace: a}\ndata:\n  __proto__: polluted\n  constructor: c\n',
    'y3-anchors.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: anchors, namespace: a, labels: &l {app: x}}\ndata: {k: v}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: alias, namespace: a, labels: &m {app: why}, annotations: *m}\n',
    'y4-canonical.yaml': serializeObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'canon', namespace: 'a' }, spec: { ports: [{ port: 80 }] } } as KubeObject),
    'y5-list.yaml': 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: in-list, namespace: b}\n',
    ...extra,
  };
  for (const [name, text] of Object.entries(awkward)) {
    files.push(path.join(dir, name));
    writeFileSync(files.at(-1)!, text);
  }
  return files;
}

type ReadModule = typeof import('./yaml-read.js');
type WorkerModule = typeof import('./yaml-worker.js');
const fromDist = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(path.join(REPO_ROOT, 'dist', rel)).href)) as T;

describe('the parse worker (dist/)', () => {
  it('starts, and answers each text as readFast does on this thread', async () => {
    const { readFastInWorker } = await fromDist<WorkerModule>('resources/yaml-worker.js');
    const texts = ['a: 1\n---\nb: [-0.0, .inf]\n', 'x: &a 1\ny: *a\n', 'not: [closed\n', serializeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } as KubeObject)];
    const theirs = await readFastInWorker(texts);
    expect(theirs, 'the worker did not start or failed').toBeDefined();
    texts.forEach((t, i) => {
      const mine = readFast(t);
      expect(theirs![i] === undefined, `text ${i}`).toBe(mine === undefined);
      if (mine) expect(same(theirs![i]!.docs.map((d) => [d.value, d.text, d.offset, d.firstLine, d.contentLine]), mine.docs.map((d) => [d.value, d.text, d.offset, d.firstLine, d.contentLine]))).toBe(true);
    });
  });

  it('readResources reads a large input the same on two threads as on one: objects, files, lines and located fields', async () => {
    const { readResources } = await fromDist<ReadModule>('resources/yaml-read.js');
    const files = writeInput();
    const two = [...(await readResources(files))];
    const one = [...(await readResources(files, { engine: 'one-thread' }))];
    expect(two.length).toBe(one.length);
    expect(two.length).toBe(40 * DOCS + 6);
    expect(same(two.map((r) => r.object), one.map((r) => r.object))).toBe(true);
    expect(two.map((r) => [r.source?.file, r.source?.line])).toEqual(one.map((r) => [r.source?.file, r.source?.line]));
    const probe = (r: (typeof two)[number]) => r.source?.locate?.(['metadata', 'name']);
    for (const i of [0, 1, two.length - 7, two.length - 3, two.length - 1]) expect(probe(two[i]!), `object ${i}`).toEqual(probe(one[i]!));
    const floats = two.find((r) => r.object.metadata.name === 'floats')!.object as unknown as { spec: { x: unknown[] } };
    // Values JSON cannot carry made the trip (by structured clone).
    expect(floats.spec.x.some((v) => Object.is(v, -0))).toBe(true);
    expect(floats.spec.x.some((v) => Number.isNaN(v))).toBe(true);
    expect(floats.spec.x).toContain(Number.NEGATIVE_INFINITY);
  });

  it('a bad file in the worker\'s share gives the same error, with its file and line', async () => {
    const { readResources } = await fromDist<ReadModule>('resources/yaml-read.js');
    const files = writeInput({ 'z-broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n' });
    const err = (engine: 'auto' | 'one-thread') => readResources(files, { engine }).then(() => undefined, (e: Error) => e);
    const [two, one] = [await err('auto'), await err('one-thread')];
    expect(two?.message).toMatch(/z-broken\.yaml/);
    expect(two?.message).toBe(one?.message);
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
  });
});

describe('workerShareStart (which files the worker takes)', () => {
  const MB = 1 << 20;
  const texts = (...sizes: number[]) => sizes.map((n) => 'x'.repeat(n));
  it.each<[string, string[], number]>([
    ['a small input: none', texts(100, 100, 100), 3],
    ['one file, however large: none', texts(3 * MB), 1],
    ['just under 2 MiB: none', texts(MB, MB - 1), 2],
    ['ten equal files of 0.3 MB: the last five (45% or more of the text)', texts(...Array<number>(10).fill(0.3 * MB)), 5],
    ['one huge file first: the main thread keeps it, the worker takes the rest', texts(3 * MB, 10, 10), 1],
    ['one huge file last: the worker takes it alone', texts(10, 10, 3 * MB), 2],
  ])('%s', async (_, input, from) => {
    const { workerShareStart } = await import('./yaml-read.js');
    expect(workerShareStart(input)).toBe(from);
  });
});
