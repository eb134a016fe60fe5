// `meshferry install plan` end to end through the built CLI: exit codes, messages with file:line, the written folder.
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../../../test/support/cli.js';

const BAD = 'src/install/fixtures/bad';
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'mf-install-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('install plan', () => {
  it('plans the README example into a folder, data in files and the summary on stderr', async () => {
    const out = path.join(tmp, 'plan');
    const res = runCli(['install', 'plan', 'examples/topology-tcm-replacement.yaml', '--output-dir', out]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/wrote 17 files for 2 cluster\(s\)/);
    for (const f of ['RUNBOOK.md', 'plan.json', 'cls-primary/istio-operator.yaml', 'cls-primary/expose-istiod.yaml', 'cls-remote/istio-operator.yaml', 'cls-remote/helm-values/istiod.yaml'])
      expect(existsSync(path.join(out, f)), f).toBe(true);
    expect(JSON.parse(await readFile(path.join(out, 'plan.json'), 'utf8'))).toMatchObject({ kind: 'InstallPlan', metadata: { name: 'prod' } });
  });

  it('emits separate gateway IstioOperators with --split-gateways', async () => {
    const out = path.join(tmp, 'split');
    const res = runCli(['install', 'plan', 'examples/topology-tcm-replacement.yaml', '--output-dir', out, '--split-gateways']);
    expect(res.code, res.stderr).toBe(0);
    expect(await readFile(path.join(out, 'cls-primary/eastwest-gateway.yaml'), 'utf8')).toMatch(/name: eastwest\n[\s\S]*profile: empty/);
  });

  it.each([
    ['unknown-provider', 11, 'spec.clusters[0].provider', /unknown provider "tencent"/],
    ['remote-primary-missing', 16, 'spec.clusters[1].primary', /names primary "p2", but no cluster has that name/],
    ['remote-primary-not-exposed', 14, 'spec.clusters[1].primary', /p1 does not expose its control plane/],
    ['network-without-eastwest', 17, 'spec.clusters[1].network', /network "net-b" must be reachable from "net-a"/],
    ['revision-with-dots', 7, 'spec.istio.revision', /revision "1.24.2" is not a DNS label/],
    ['duplicate-cluster-names', 9, 'spec.clusters[1].name', /duplicate cluster name "p1"/],
    ['remote-without-address', 14, 'spec.clusters[1].remotePilotAddress', /remote r1 has no remotePilotAddress/],
  ])('%s: exit 2 naming file:line and field', (name, line, field, message) => {
    const file = `${BAD}/${name}.yaml`;
    const res = runCli(['install', 'plan', file, '--output-dir', path.join(tmp, `bad-${name}`)]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${file}:${line}:`);
    expect(res.stderr).toContain(`(at ${field})`);
    expect(res.stderr).toMatch(message);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(existsSync(path.join(tmp, `bad-${name}`))).toBe(false);
  });

  it('refuses to overwrite a folder it did not write (exit 2), leaving it untouched', async () => {
    const out = path.join(tmp, 'mine');
    await mkdir(out);
    await writeFile(path.join(out, 'notes.md'), 'keep');
    const res = runCli(['install', 'plan', 'examples/topology-tcm-replacement.yaml', '--output-dir', out]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/not empty and was not written by meshferry/);
    expect(await readFile(path.join(out, 'notes.md'), 'utf8')).toBe('keep');
  });

  it('without --output-dir prints the plan as YAML on stdout and says how to write its files', () => {
    const res = runCli(['install', 'plan', 'examples/topology-tcm-replacement.yaml']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^clusters:/m);
    expect(res.stderr).toMatch(/with --output-dir DIR/);
  });

  it('reports a missing topology file as bad input (exit 2)', () => {
    const res = runCli(['install', 'plan', path.join(tmp, 'nope.yaml'), '--output-dir', path.join(tmp, 'x')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no such file/);
  });

  it.each(['install', 'install plan', 'install remote-secret'])('%s --help explains flags with Examples', (cmd) => {
    const res = runCli([...cmd.split(' '), '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Examples:\n/);
  });
});

describe('install remote-secret without a cluster', () => {
  it('needs --name (exit 2)', () => {
    const res = runCli(['install', 'remote-secret', '--context', 'x']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/give --name/);
  });
  it('fails with exit 2 for an unknown context, writing nothing', async () => {
    const kubeconfig = path.join(tmp, 'empty.kubeconfig');
    await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const res = runCli(['install', 'remote-secret', '--kubeconfig', kubeconfig, '--context', 'nope', '--name', 'r1', '--output-file', path.join(tmp, 's.yaml')]);
    expect(res.code).toBe(2);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(existsSync(path.join(tmp, 's.yaml'))).toBe(false);
  });
});
