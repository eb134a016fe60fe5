// -o/--output is a format for every command; --output-dir and --output-file say where files go (issue 9, point 6).
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, hasStackTrace, runCli } from '../../test/support/cli.js';

const EXPORT = path.join(REPO_ROOT, 'examples/tcm-export');
const RULES = path.join(REPO_ROOT, 'examples/tcm-to-istio.rules.yaml');
const TOPOLOGY = path.join(REPO_ROOT, 'examples/topology-tcm-replacement.yaml');
const ONE = path.join(REPO_ROOT, 'test/fixtures/analyze/broken/shop.yaml');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'mf-output-'));

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  items?: Obj[];
}

function usageError(res: { code: number; stdout: string; stderr: string }): void {
  expect(res.code, res.stderr).toBe(2);
  expect(res.stdout).toBe('');
  expect(hasStackTrace(res.stderr), res.stderr).toBe(false);
}

describe('-o is the output format', () => {
  it('neat -o json prints JSON and creates no folder named json/', () => {
    const cwd = tmp();
    const res = runCli(['neat', EXPORT, '-o', 'json'], { cwd });
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as Obj;
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(doc.items!.length).toBeGreaterThan(1);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('-o json and -o yaml hold the same objects in the same order', () => {
    const json = runCli(['neat', EXPORT, '-o', 'json']);
    const yaml = runCli(['neat', EXPORT, '-o', 'yaml']);
    const names = (JSON.parse(json.stdout) as Obj).items!.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    const yamlKinds = [...yaml.stdout.matchAll(/^kind: (\S+)$/gm)].map((m) => m[1]);
    expect(yamlKinds).toEqual(names.map((n) => n.split('/')[0]));
  });

  it('one object prints as itself, not as a List, as kubectl does', () => {
    const cwd = tmp();
    const file = path.join(cwd, 'one.yaml');
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: solo\n  uid: 123\n';
    writeFileSync(file, ns);
    const res = runCli(['neat', file, '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'solo' } });
  });

  it.each([
    { cmd: ['neat', EXPORT], flag: '--output-dir' },
    { cmd: ['transform', EXPORT, '-r', RULES], flag: '--output-dir' },
    { cmd: ['install', 'plan', TOPOLOGY], flag: '--output-dir' },
    { cmd: ['export', '--kubeconfig', '/nonexistent/kubeconfig'], flag: '--output-dir' },
    { cmd: ['install', 'remote-secret', '--name', 'r1', '--kubeconfig', '/nonexistent/kubeconfig'], flag: '--output-file' },
  ])('an old-style -o <path> for $cmd.0 is a usage error naming $flag, and writes nothing', ({ cmd, flag }) => {
    const dir = tmp();
    const target = path.join(dir, 'out/');
    const res = runCli([...cmd, '-o', target]);
    usageError(res);
    expect(res.stderr).toContain(`error: -o/--output is the output format`);
    expect(res.stderr).toContain(`use ${flag} ${target}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a misspelt format suggests the right one', () => {
    const res = runCli(['analyze', ONE, '-o', 'sarfi']);
    usageError(res);
    expect(res.stderr).toMatch(/one of table, json, sarif; got "sarfi" \(did you mean sarif\?\)/);
  });

  it.each([
    { args: ['neat', EXPORT, '--output-dir', 'x', '-o', 'json'], says: '--output-dir writes one YAML file per object' },
    { args: ['neat', EXPORT, '--output-dir', 'x', '--output-file', 'y'], says: '--output-dir and --output-file exclude each other' },
    { args: ['install', 'plan', TOPOLOGY, '--output-dir', 'x', '-o', 'json'], says: '--output-dir writes the plan' },
  ])('$says', ({ args, says }) => {
    const cwd = tmp();
    const res = runCli(args, { cwd });
    usageError(res);
    expect(res.stderr).toContain(says);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('--output-dir and --output-file', () => {
  it('neat --output-dir writes the kubedump layout; --output-file writes exactly what stdout would get', () => {
    const dir = tmp();
    const layout = runCli(['neat', EXPORT, '--output-dir', path.join(dir, 'clean')]);
    expect(layout.code, layout.stderr).toBe(0);
    expect(layout.stdout).toBe('');
    expect(readdirSync(path.join(dir, 'clean')).length).toBeGreaterThan(0);

    const file = runCli(['neat', EXPORT, '-o', 'json', '--output-file', path.join(dir, 'all.json')]);
    expect(file.code, file.stderr).toBe(0);
    expect(file.stdout).toBe('');
    expect(file.stderr).toMatch(/neat: wrote \d+ object\(s\) to .*all\.json/);
    expect(readFileSync(path.join(dir, 'all.json'), 'utf8')).toBe(runCli(['neat', EXPORT, '-o', 'json']).stdout);
  });

  it('transform --output-file writes the rewritten stream; the change report stays on stderr', () => {
    const dir = tmp();
    const res = runCli(['transform', EXPORT, '-r', RULES, '--output-file', path.join(dir, 'rewritten.yaml')]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(readFileSync(path.join(dir, 'rewritten.yaml'), 'utf8')).toMatch(/^---\napiVersion: /);
    expect(res.stderr).toMatch(/transform: wrote \d+ object\(s\) to /);
  });

  it('install plan prints the plan as data without --output-dir and writes its files with it', () => {
    const json = runCli(['install', 'plan', TOPOLOGY, '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as { clusters: { name: string }[] };
    expect(plan.clusters.length).toBeGreaterThan(0);
    expect(json.stderr).toContain('--output-dir DIR');

    const dir = path.join(tmp(), 'plan');
    const files = runCli(['install', 'plan', TOPOLOGY, '--output-dir', dir]);
    expect(files.code, files.stderr).toBe(0);
    expect(files.stdout).toBe('');
    expect(JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8'))).toEqual(plan);
    expect(statSync(path.join(dir, 'RUNBOOK.md')).isFile()).toBe(true);
    expect(existsSync(path.join(dir, plan.clusters[0]!.name, 'istio-operator.yaml'))).toBe(true);
  });
});
