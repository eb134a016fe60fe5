// `meshferry version` reads every version from where the code keeps it: package.json, data/, lab/versions.env.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../../test/support/cli.js';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const schemas = readdirSync(path.join(REPO_ROOT, 'data/istio-schemas')).map((f) => f.replace(/\.json$/, ''));
const labIstio = /^ISTIO_VERSION=(\S+)$/m.exec(readFileSync(path.join(REPO_ROOT, 'lab/versions.env'), 'utf8'))?.[1];

describe('meshferry version', () => {
  it('-o json: meshferry, the shipped Istio schemas and the default target, the lab pins, Node', () => {
    const res = runCli(['version', '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    const v = JSON.parse(res.stdout) as { meshferry: string; istio: { defaultTarget: string; schemas: string[] }; lab: Record<string, string>; node: string };
    expect(v.meshferry).toBe(pkg.version);
    expect([...v.istio.schemas].sort()).toEqual([...schemas].sort());
    expect(v.istio.schemas).toContain(v.istio.defaultTarget);
    expect(v.lab.istio).toBe(labIstio);
    expect(v.node).toBe(process.version);
  });

  it('the table says the same, and --version prints the bare version', () => {
    const table = runCli(['version']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^meshferry\\s+${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    expect(table.stdout).toMatch(/^node\s+v\d+/m);
    const bare = runCli(['--version']);
    expect(bare.stdout).toBe(`${pkg.version}\n`);
  });
});
