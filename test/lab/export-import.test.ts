// Export → import → export round trip between two real lab clusters, with diff exit codes and per-object failures.
import { cp, mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { ISTIO_KINDS } from '../../src/resources/kinds.js';
import { OUTPUT_MARKER } from '../../src/resources/yaml-write.js';
import { hasStackTrace, runCli } from '../support/cli.js';
import { SEEDED_KIND_COUNT, readTree, seedCluster, seedMesh } from './export-import-fixtures.js';

const NAMESPACES = 60;
const OBJECTS = 3000;

let lab: Lab;
let src: Cluster;
let dst: Cluster;
let tmp: string;
/** Objects in the first export (files minus the marker). */
let exported = 0;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-export-import-'));
  // No istiod: export/import only need the API servers and the Istio CRDs.
  lab = await startLab({ dir: path.join(tmp, 'lab'), clusters: ['src', 'dst'], revisions: [] });
  src = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'src' });
  dst = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'dst' });
  await seedCluster(src, seedMesh({ namespaces: NAMESPACES, objects: OBJECTS }));
});

afterAll(async () => {
  src?.close();
  dst?.close();
  await lab?.stop({ purge: true });
  await rm(tmp, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli([...args, '--kubeconfig', lab.kubeconfigPath]);
const summaryOf = (stdout: string) => stdout.trim().split('\n').at(-1);

describe('export, import, export (lab)', () => {
  const first = () => path.join(tmp, 'first');
  const second = () => path.join(tmp, 'second');

  it('exports every seeded object of every Istio kind, neat, in the kubedump layout', async () => {
    const res = cli('export', '--context', 'src', '-A', '--with-context', '--output-dir', first());
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(hasStackTrace(res.stderr)).toBe(false);
    const tree = await readTree(first());
    const byKind = new Map<string, number>();
    for (const rel of tree.keys()) {
      const [ns, plural] = rel.split(path.sep);
      if (ns?.startsWith('mesh-') && plural) byKind.set(plural, (byKind.get(plural) ?? 0) + 1);
    }
    expect([...byKind.values()].reduce((a, b) => a + b, 0)).toBe(OBJECTS);
    expect(byKind.size).toBe(SEEDED_KIND_COUNT);
    expect(tree.has(OUTPUT_MARKER)).toBe(true);
    // --with-context: the namespaces with their labels, but not the platform's own namespaces.
    expect(tree.get('_cluster/namespaces/mesh-001.yaml')).toBe('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: mesh-001\n  labels:\n    istio.io/rev: default\n');
    expect(tree.has('_cluster/namespaces/kube-system.yaml')).toBe(false);
    // Neat: no server-set metadata; empty values that change behaviour are kept.
    const dr = tree.get('mesh-001/destinationrules/obj-00061.yaml') ?? '';
    expect(dr).toContain('outlierDetection: {}');
    expect(dr).not.toMatch(/resourceVersion|managedFields|uid:|creationTimestamp|generation/);
    // The summary by kind goes to stderr and names every Istio kind the cluster serves.
    for (const k of ISTIO_KINDS) expect(res.stderr).toContain(k.kind);
    exported = tree.size - 1;
    expect(res.stderr).toMatch(new RegExp(`TOTAL\\s+${exported}\\n`));
  });

  it('imports the export into an empty cluster, namespaces first', () => {
    const res = cli('import', first(), '--context', 'dst');
    expect(res.code, res.stderr).toBe(0);
    // Namespaces the new cluster already has (default) are configured or unchanged; everything else is created.
    const m = /^created (\d+), configured (\d+), unchanged (\d+), failed 0$/.exec(summaryOf(res.stdout) ?? '');
    expect(m, res.stdout.slice(-300)).not.toBeNull();
    const [created, configured, unchanged] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
    expect(created).toBeGreaterThanOrEqual(OBJECTS + NAMESPACES);
    expect(created + configured + unchanged).toBe(exported);
  });

  it('exports the second cluster to exactly the same files', async () => {
    const res = cli('export', '--context', 'dst', '-A', '--with-context', '--output-dir', second());
    expect(res.code, res.stderr).toBe(0);
    const a = await readTree(first());
    const b = await readTree(second());
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    const differing = [...a].filter(([rel, text]) => b.get(rel) !== text).map(([rel]) => rel);
    expect(differing).toEqual([]);
  });

  it('a second import changes nothing and says so (-o json)', () => {
    const res = cli('import', first(), '--context', 'dst', '-o', 'json');
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ created: 0, configured: 0, unchanged: exported, failed: 0, failures: [] });
  });

  it('diff: exit 0 and no output when nothing would change', () => {
    const res = cli('diff', first(), '--context', 'dst');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
  });

  it('diff: exit 1 with field-level changes, new objects and (with --show-extra) objects only in the cluster', async () => {
    const edited = path.join(tmp, 'edited');
    await cp(first(), edited, { recursive: true });
    const vsFile = path.join(edited, 'mesh-000/virtualservices/obj-00000.yaml');
    await writeFile(vsFile, (await readFile(vsFile, 'utf8')).replace('weight: 80', 'weight: 95'));
    await writeFile(
      path.join(edited, 'mesh-000/virtualservices/brand-new.yaml'),
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: brand-new\n  namespace: mesh-000\nspec:\n  hosts: [brand-new]\n',
    );
    await unlink(path.join(edited, 'mesh-000/destinationrules/obj-00060.yaml'));
    const res = cli('diff', edited, '--context', 'dst', '--show-extra');
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toBe(
      [
        // Folder order: by kind, namespace, name.
        `+ VirtualService mesh-000/brand-new  (${path.join(edited, 'mesh-000/virtualservices/brand-new.yaml')}:1)`,
        `~ VirtualService mesh-000/obj-00000  (${vsFile}:1)`,
        '    spec.http[0].route[0].weight:',
        '      - 80',
        '      + 95',
        '? DestinationRule mesh-000/obj-00060  (in the cluster, not in the folder)',
        '',
      ].join('\n'),
    );
    expect(res.stderr).toMatch(/created 1, changed 1, unchanged \d+, failed 0, only in cluster 1/);
    // A dry-run import agrees and stores nothing.
    const dry = cli('import', edited, '--context', 'dst', '--dry-run', '-o', 'json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ created: 1, configured: 1, failed: 0 });
    expect(cli('diff', edited, '--context', 'dst').code).toBe(1);
  });

  it('reports a schema-invalid file by name while the rest lands; warn mode prunes and reports unknown fields', async () => {
    const set = path.join(tmp, 'with-bad');
    await cp(first(), set, { recursive: true });
    const bad = path.join(set, 'mesh-002/virtualservices/bad-hosts.yaml');
    const unknown = path.join(set, 'mesh-002/virtualservices/old-fields.yaml');
    await writeFile(bad, 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: bad-hosts\n  namespace: mesh-002\nspec:\n  hosts: not-a-list\n');
    await writeFile(
      unknown,
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: old-fields\n  namespace: mesh-002\nspec:\n  hosts: [old]\n  http:\n  - route:\n    - destination: {host: old}\n    websocketUpgrade: true\n    appendHeaders: {x-a: b}\n',
    );
    const good = path.join(set, 'mesh-002/virtualservices/good-new.yaml');
    await writeFile(good, 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: good-new\n  namespace: mesh-002\nspec:\n  hosts: [good]\n');

    const strict = cli('import', set, '--context', 'dst', '-o', 'json');
    expect(strict.code, strict.stderr).toBe(1);
    const report = JSON.parse(strict.stdout) as { created: number; failed: number; failures: { object: string; file: string; message: string }[] };
    expect(report.created).toBe(1);
    expect(report.failed).toBe(2);
    expect(report.failures.map((f) => [f.object, f.file])).toEqual([
      ['VirtualService mesh-002/bad-hosts', `${bad}:1`],
      ['VirtualService mesh-002/old-fields', `${unknown}:1`],
    ]);
    expect(report.failures[0]?.message).toMatch(/spec\.hosts/);
    expect(report.failures[1]?.message).toBe(
      "the target's schema does not declare these fields: spec.http[0].appendHeaders, spec.http[0].websocketUpgrade (--field-validation warn drops unknown fields and reports them)",
    );
    expect(await dst.client.get(dst.discovery.resourceFor('networking.istio.io', 'VirtualService')!, 'mesh-002', 'good-new')).toBeDefined();

    const warn = cli('import', set, '--context', 'dst', '--field-validation', 'warn');
    expect(warn.code, warn.stderr).toBe(1);
    expect(warn.stdout).toMatch(/created\s+VirtualService mesh-002\/old-fields\s+\S+old-fields\.yaml:1\s+pruned unknown fields: spec\.http\[0\]\.appendHeaders, spec\.http\[0\]\.websocketUpgrade/);
    expect(summaryOf(warn.stdout)).toMatch(/^created 1, configured 0, unchanged \d+, failed 1$/);
    expect(warn.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('an unknown context is a usage error (exit 2) that lists the contexts', () => {
    const res = cli('export', '--context', 'nope', '--output-dir', path.join(tmp, 'never'));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/context "nope" not found in .*; known contexts: dst, src/);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });

  it('leaves no staging folders behind', async () => {
    expect((await readdir(tmp)).filter((n) => n.includes('.staging-'))).toEqual([]);
  });
});
