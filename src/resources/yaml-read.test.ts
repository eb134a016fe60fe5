import { chmodSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, InputErrors, MAX_PROBLEMS_SHOWN } from '../errors.js';
import { registryStatus } from './kinds.js';
import { identityOf } from './object.js';
import { assembleResourceSet, parseResources, readResources } from './yaml-read.js';

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
    const source = resources[0]?.source;
    const locate = (p: (string | number)[]) => source?.locate?.(p);
    expect(locate(['spec', 'http', 0, 'route', 0, 'destination', 'host'])).toMatchObject({ file: 'f.yaml', line: 10 });
    // A path that does not exist resolves to its deepest existing parent.
    expect(locate(['spec', 'tcp', 0])?.line).toBe(6);
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
    ['apiVersion: networking.istio.io/v1\nkind: VirtualSevice\nmetadata: {name: w}\n', /unknown kind VirtualSevice in apiVersion networking.istio.io\/v1 \(did you mean networking.istio.io VirtualService\?\)/],
  ])('reports problems with positions: %#', (text, re) => {
    const { problems } = parseResources(text, 'p.yaml');
    expect(problems[0]?.message).toMatch(re);
    expect(problems[0]?.position?.file).toBe('p.yaml');
    expect(problems[0]?.position?.line).toBeGreaterThan(0);
  });

  it('accepts near-miss kinds and unknown versions only when asked to', () => {
    const text = 'apiVersion: networking.istio.io/v1\nkind: VirtualSevice\nmetadata: {name: w}\n---\napiVersion: networking.istio.io/v9\nkind: VirtualService\nmetadata: {name: v}\n';
    expect(parseResources(text, 'p.yaml').problems).toHaveLength(2);
    const { resources, problems } = parseResources(text, 'p.yaml', { allowUnknownKinds: true });
    expect(problems).toEqual([]);
    expect(resources).toHaveLength(2);
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
    expect(serializeObject(resources[0]!.object)).toContain('exportTo:\n    - "."\n');
  });
});

describe('kinds meshferry does not know pass through', () => {
  const unknown = [
    ['networking.k8s.io/v1', 'Ingress', 'web'],
    ['batch/v1', 'Job', 'once'],
    ['batch/v1', 'CronJob', 'nightly'],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', 'hpa'],
    ['policy/v1', 'PodDisruptionBudget', 'pdb'],
    ['networking.k8s.io/v1', 'NetworkPolicy', 'deny'],
    ['example.com/v1alpha1', 'Widget', 'w'],
    ['install.istio.io/v1alpha1', 'IstioOperator', 'primary'],
    ['v1', 'PersistentVolumeClaim', 'data'],
  ] as const;

  it.each(unknown)('%s %s is read with its GVK as written, and the registry says unknown', async (apiVersion, kind, name) => {
    const set = await readResources(['-'], { stdin: async () => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: shop\nspec: {a: 1}\n` });
    expect(set.objects()).toEqual([{ apiVersion, kind, metadata: { name, namespace: 'shop' }, spec: { a: 1 } }]);
    expect(registryStatus(apiVersion, kind)).toBe('unknown');
  });

  it('still needs apiVersion, kind and metadata.name on an unknown kind', () => {
    const { problems } = parseResources('apiVersion: batch/v1\nkind: Job\nmetadata: {namespace: a}\n', 'j.yaml');
    expect(problems.map((p) => p.message)).toEqual(['the Job has no metadata.name']);
  });

  it.each([
    ['VirtualSevice', 'networking.istio.io/v1', /did you mean networking.istio.io VirtualService/],
    ['virtualservice', 'networking.istio.io/v1', /did you mean networking.istio.io VirtualService/],
    ['AuthorizationPolicies', 'security.istio.io/v1', /did you mean security.istio.io AuthorizationPolicy/],
    ['Gizmo', 'networking.istio.io/v1', /unknown kind Gizmo in apiVersion networking.istio.io\/v1; networking.istio.io has VirtualService/],
  ])('a kind that is not one of Istio\'s in an Istio group is an error: %s', (kind, apiVersion, re) => {
    const { problems } = parseResources(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: a, namespace: b}\n`, 'k.yaml');
    expect(problems[0]?.message).toMatch(re);
    expect(problems[0]?.position?.line).toBe(2);
  });

  it.each([
    ['a typed list', 'VirtualServiceList', 'networking.istio.io/v1'],
    ['a typed list of an unknown kind', 'IngressList', 'networking.k8s.io/v1'],
    ['a plain List', 'List', 'v1'],
  ])('unwraps %s', (_name, kind, apiVersion) => {
    const text = `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {resourceVersion: "1"}\nitems:\n- apiVersion: networking.istio.io/v1\n  kind: VirtualService\n  metadata: {name: a, namespace: b}\n- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n  metadata: {name: i, namespace: b}\n`;
    for (const engine of ['auto', 'precise'] as const) {
      const { resources, problems } = parseResources(text, 'l.yaml', { engine });
      expect(problems).toEqual([]);
      expect(resources.map((r) => [r.object.kind, r.source?.line])).toEqual([
        ['VirtualService', 5],
        ['Ingress', 8],
      ]);
    }
  });
});

describe('folders with symbolic links', () => {
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: a}\n`;

  it('follows links to files and folders', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mf-links-'));
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'mf-links-target-'));
    writeFileSync(path.join(elsewhere, 'one.yaml'), cm('one'));
    mkdirSync(path.join(elsewhere, 'sub'));
    writeFileSync(path.join(elsewhere, 'sub/two.yaml'), cm('two'));
    const dir = path.join(root, 'in');
    mkdirSync(dir);
    symlinkSync(path.join(elsewhere, 'one.yaml'), path.join(dir, 'one.yaml'));
    symlinkSync(path.join(elsewhere, 'sub'), path.join(dir, 'sub'));
    const set = await readResources([dir]);
    expect(set.objects().map((o) => o.metadata.name).sort()).toEqual(['one', 'two']);
  });

  it('reads a folder mounted from a ConfigMap once, by its visible names', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-cm-mount-'));
    // The kubelet's layout: the data in a timestamped folder, `..data` pointing at it, each key a link through `..data`.
    mkdirSync(path.join(dir, '..2026_01_01_00_00_00.000000001'));
    writeFileSync(path.join(dir, '..2026_01_01_00_00_00.000000001/a.yaml'), cm('a'));
    writeFileSync(path.join(dir, '..2026_01_01_00_00_00.000000001/b.yaml'), cm('b'));
    symlinkSync('..2026_01_01_00_00_00.000000001', path.join(dir, '..data'));
    symlinkSync('..data/a.yaml', path.join(dir, 'a.yaml'));
    symlinkSync('..data/b.yaml', path.join(dir, 'b.yaml'));
    const set = await readResources([dir]);
    expect(set.list().map((r) => [r.object.metadata.name, path.basename(r.source?.file ?? '')])).toEqual([
      ['a', 'a.yaml'],
      ['b', 'b.yaml'],
    ]);
  });

  it('reads a file reached through two names once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-links-'));
    writeFileSync(path.join(dir, 'a.yaml'), cm('a'));
    symlinkSync('a.yaml', path.join(dir, 'b.yaml'));
    const set = await readResources([dir]);
    expect(set.objects().map((o) => o.metadata.name)).toEqual(['a']);
  });

  it('does not loop on a link back up the tree', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-loop-'));
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub/a.yaml'), cm('a'));
    symlinkSync('..', path.join(dir, 'sub/up'));
    symlinkSync(dir, path.join(dir, 'self'));
    const set = await readResources([dir]);
    expect(set.objects().map((o) => o.metadata.name)).toEqual(['a']);
  });

  it('a dangling link in a folder is an input error naming it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-dangling-'));
    symlinkSync(path.join(dir, 'gone.yaml'), path.join(dir, 'x.yaml'));
    const err = await readResources([dir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`${path.join(dir, 'x.yaml')}: a symbolic link to a missing file or folder`);
  });

  it('an unreadable subfolder is an input error naming it (EACCES)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-unreadable-'));
    writeFileSync(path.join(dir, 'a.yaml'), cm('a'));
    const sub = path.join(dir, 'sub');
    // Root ignores permission bits; /proc/1/map_files refuses a listing even to root without CAP_SYS_ADMIN.
    if (process.getuid?.() === 0) symlinkSync('/proc/1/map_files', sub);
    else {
      mkdirSync(sub);
      chmodSync(sub, 0);
    }
    const err = await readResources([dir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`${sub}: permission denied`);
  });

  it('an unreadable file is an input error naming it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-unreadable-'));
    // Reading /proc/self/mem sequentially fails with EIO for everyone, root included.
    symlinkSync('/proc/self/mem', path.join(dir, 'mem.yaml'));
    const err = await readResources([dir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(new RegExp(`^${path.join(dir, 'mem.yaml')}: cannot be read`));
  });
});

describe('inputs with very many problems', () => {
  it('collects 300,000 problems without a stack overflow and names only the first ones', () => {
    const problems = Array.from({ length: 300_000 }, (_, i) => ({ message: 'metadata.name is required', position: { file: 'big.yaml', line: i * 4 + 1 } }));
    let caught: unknown;
    try {
      assembleResourceSet([{ resources: [], problems }]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputErrors);
    const message = (caught as InputErrors).message;
    expect((caught as InputErrors).problems).toHaveLength(300_000);
    expect(message.split('\n')).toHaveLength(MAX_PROBLEMS_SHOWN + 2);
    expect(message).toMatch(/\.\.\. and 299900 more problem\(s\)$/);
  });
});

describe('versions the registry does not list', () => {
  it('pass through outside Istio’s groups (a v1beta1 CRD, as in Istio’s own testdata) and stay an error inside them', () => {
    const crd = parseResources('apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata: {name: peerauthentications.security.istio.io}\n', 'crd.yaml');
    expect(crd.problems).toEqual([]);
    expect(crd.resources.map((r) => r.object.apiVersion)).toEqual(['apiextensions.k8s.io/v1beta1']);
    const vs = parseResources('apiVersion: networking.istio.io/v1alpha9\nkind: VirtualService\nmetadata: {name: r}\n', 'vs.yaml');
    expect(vs.problems.map((p) => p.message)).toEqual([expect.stringMatching(/networking\.istio\.io VirtualService has no version v1alpha9/)]);
  });
});
