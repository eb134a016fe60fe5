import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { identityOf } from './object.js';
import { parseResources, readResources } from './yaml-read.js';

const vs = (name: string, extra = '') =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - destination: {host: a}\n${extra}`;

describe('parseResources', () => {
  it('keeps the line of every document in a multi-document stream', () => {
    const text = `${vs('one')}---\n# comment\n${vs('two')}`;
    const { resources, problems } = parseResources(text, 'f.yaml');
    expect(problems).toEqual([]);
    expect(resources.map((r) => [identityOf(r.object), r.source?.line])).toEqual([
      ['VirtualService shop/one', 1],
      ['VirtualService shop/two', 13],
    ]);
  });

  it('locates fields inside an object', () => {
    const { resources } = parseResources(vs('one'), 'f.yaml');
    const locate = resources[0]?.source?.locate;
    expect(locate?.(['spec', 'http', 0, 'route', 0, 'destination', 'host'])).toMatchObject({ file: 'f.yaml', line: 10 });
    // A path that does not exist resolves to its deepest existing parent.
    expect(locate?.(['spec', 'tcp', 0])?.line).toBe(6);
  });

  it('unwraps kind: List and positions its items', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: b}\n';
    const { resources } = parseResources(text, 'l.yaml');
    expect(resources.map((r) => [r.object.metadata.name, r.source?.line])).toEqual([
      ['a', 4],
      ['b', 7],
    ]);
  });

  it('reads YAML 1.1 like kubectl (yes is a boolean) and JSON', () => {
    const { resources } = parseResources('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}', 'c.json');
    expect(resources[0]?.object.data).toEqual({ k: 'v' });
    const y = parseResources('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData: {}\nimmutable: yes\n', 'c.yaml');
    expect(y.resources[0]?.object.immutable).toBe(true);
  });

  it('skips empty documents and comment-only files', () => {
    expect(parseResources('---\n# nothing\n---\n', 'e.yaml')).toEqual({ resources: [], problems: [] });
    expect(parseResources('', 'e.yaml')).toEqual({ resources: [], problems: [] });
  });

  it('never keeps Secret data', () => {
    const { resources } = parseResources('apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\ntype: Opaque\ndata: {password: aHVudGVyMg==}\nstringData: {x: y}\n', 's.yaml');
    expect(resources[0]?.object).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' }, type: 'Opaque' });
  });

  it.each([
    ['apiVersion: v1\nkind: Namespace\nmetadata: {name: [x}\n', /invalid YAML/],
    ['apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n', /unknown kind Widget/],
  ])('reports problems with positions: %#', (text, re) => {
    const { problems } = parseResources(text, 'p.yaml');
    expect(problems[0]?.message).toMatch(re);
    expect(problems[0]?.position?.file).toBe('p.yaml');
    expect(problems[0]?.position?.line).toBeGreaterThan(0);
  });

  it('accepts unknown kinds when asked to', () => {
    const { resources, problems } = parseResources('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n', 'p.yaml', { allowUnknownKinds: true });
    expect(problems).toEqual([]);
    expect(resources).toHaveLength(1);
  });
});

describe('readResources', () => {
  it('walks folders recursively in a stable order, skipping hidden entries and other extensions', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-read-'));
    mkdirSync(path.join(dir, 'b/nested'), { recursive: true });
    mkdirSync(path.join(dir, '.hidden'));
    writeFileSync(path.join(dir, 'b/nested/x.yml'), vs('x'));
    writeFileSync(path.join(dir, 'a.yaml'), vs('a'));
    writeFileSync(path.join(dir, 'notes.txt'), 'not yaml: [');
    writeFileSync(path.join(dir, '.hidden/h.yaml'), 'broken: [');
    const set = await readResources([dir]);
    expect(set.objects().map((o) => o.metadata.name)).toEqual(['a', 'x']);
  });

  it('reads stdin through "-"', async () => {
    const set = await readResources(['-'], { stdin: async () => vs('piped') });
    expect(set.list()[0]?.source?.file).toBe('<stdin>');
  });

  it('throws an InputError naming the file for a missing path', async () => {
    await expect(readResources(['/nonexistent/x.yaml'])).rejects.toThrow(InputError);
  });
});

describe('the YAML dialect', () => {
  it('reads a lone dot as the string "." (Istio exportTo), as go-yaml does, and writes it back', async () => {
    const { resources } = parseResources('apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s, namespace: a}\nspec:\n  hosts: [x.example.com]\n  exportTo: [., "*"]\n  ports: [{number: 1.5e1, name: a}]\n', 's.yaml');
    const spec = resources[0]?.object.spec as { exportTo: unknown[]; ports: { number: unknown }[] };
    expect(spec.exportTo).toEqual(['.', '*']);
    expect(spec.ports[0]?.number).toBe(15);
    const { serializeObject } = await import('./yaml-write.js');
    expect(serializeObject(resources[0]!.object)).toContain('exportTo:\n    - .\n');
  });
});
