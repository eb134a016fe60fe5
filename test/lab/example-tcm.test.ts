// The README's TCM scenario, run as a user runs it: `scripts/example-tcm.sh` seeds a three-cluster lab from the bundled
// export (examples/tcm-export), migrates shop and payments from tcm (1-18-5) to remote (1-31-1) to Finished, and writes
// DECOMMISSION.md. Then rollback, and both end states are compared with exports (meshferry export, read back by the
// reference YAML reader with kubectl's semantics): Finished = the source's workloads run in remote and the transformed
// config sits in primary; rolled back = tcm exports exactly as it did before the move, and remote and primary hold
// none of it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, hasStackTrace, runCliAsync } from '../support/cli.js';
import { referenceReadFiles } from '../support/yaml-reference.js';

let out: string;
let run: { code: number | null; stdout: string; stderr: string };
const kubeconfig = () => path.join(out, 'lab', 'kubeconfig');
const env = () => ({ MESHFERRY_STATE_DIR: path.join(out, 'state'), KUBECONFIG: kubeconfig() });
const mf = (...args: string[]) => runCliAsync(args, { env: env() });

/** Every object of an export folder (DIR/<ns>/<plural>/<name>.yaml), keyed `ns/plural/name`, as kubectl reads it. */
function readExport(dir: string): Map<string, Record<string, unknown>> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const f = path.join(d, e);
      if (statSync(f).isDirectory()) walk(f);
      else if (f.endsWith('.yaml')) files.push(f);
    }
  };
  walk(dir);
  const out = new Map<string, Record<string, unknown>>();
  for (const [file, read] of referenceReadFiles(files)) {
    expect(read.error, file).toBeUndefined();
    out.set(path.relative(dir, file).replace(/\.yaml$/, ''), read.docs[0] as Record<string, unknown>);
  }
  return out;
}

const exportOf = async (context: string, name: string) => {
  const dir = path.join(out, 'exports', name);
  const r = await mf('export', '--context', context, '-A', '--with-context', '--output-dir', dir);
  expect(r.code, r.stderr).toBe(0);
  return readExport(dir);
};
const inNamespaces = (m: Map<string, Record<string, unknown>>, ns: readonly string[]) => new Map([...m].filter(([k]) => ns.includes(k.split('/')[0]!)));
const spec = (o: Record<string, unknown> | undefined) => o?.spec as Record<string, unknown> | undefined;

beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'meshferry-example-tcm-'));
  // As the README says, minus the build (the test run built dist/ from this tree already).
  run = await new Promise((resolve) => {
    const child = spawn('bash', [path.join(REPO_ROOT, 'scripts', 'example-tcm.sh'), out], { cwd: REPO_ROOT, env: { ...process.env, MESHFERRY_EXAMPLE_SKIP_BUILD: '1', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}, 900_000);

afterAll(async () => {
  if (existsSync(kubeconfig())) await runCliAsync(['lab', 'down', '--dir', path.join(out, 'lab')]);
  await rm(out, { recursive: true, force: true });
});

describe('the README TCM scenario on the bundled export (scripts/example-tcm.sh)', () => {
  it('runs to Finished: plan refused the split, apply finished, finish wrote the TCM runbook; nothing printed a stack trace', () => {
    expect(run.code, run.stderr.slice(-4000)).toBe(0);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stderr).toContain('would cross the meshes between waves');
    // The wave copies the export's workloads: they are no "create them yourself" warning, and istiod's per-namespace
    // ConfigMaps (istio-ca-root-cert, istio-ca-crl) are never copied, so never "left alone" either.
    expect(run.stderr).not.toMatch(/not imported[^\n]*Deployment shop\//);
    expect(run.stdout).not.toMatch(/istio-ca-(crl|root-cert)/);
    // Progress says each thing once: the last step of a phase that leaves the message as it was prints no second line.
    expect(run.stderr.match(/^Finished: /gm)).toHaveLength(1);
    const runbook = readFileSync(path.join(out, 'DECOMMISSION.md'), 'utf8');
    // A managed source: the vendor's step, never an istioctl uninstall.
    expect(runbook).toMatch(/TCM|Tencent/);
    expect(runbook).not.toMatch(/istioctl[^\n]*uninstall/);
  });

  it('Finished, compared with exports: the source workloads run in remote with the same specs, the transformed config is in primary, tcm is scaled to 0', async () => {
    const before = readExport(path.join(out, 'exports', 'tcm-before'));
    const tcm = await exportOf('tcm', 'tcm-finished');
    const remote = await exportOf('remote', 'remote-finished');
    const primary = await exportOf('primary', 'primary-finished');
    const moved = inNamespaces(before, ['shop', 'payments']);
    const workloads = [...moved.keys()].filter((k) => /\/(deployments|services)\//.test(k));
    expect(workloads.length).toBeGreaterThanOrEqual(5);
    for (const key of workloads) {
      const copy = remote.get(key);
      expect(copy, `${key} in remote`).toBeDefined();
      const want = spec(moved.get(key))!;
      // The copy keeps the source's spec (a Service's type stays ClusterIP here: none of these is a LoadBalancer).
      expect(spec(copy), key).toEqual(want);
      if (key.includes('/deployments/')) expect(spec(tcm.get(key))?.replicas, `${key} in tcm`).toBe(0);
    }
    for (const ns of ['shop', 'payments']) expect((remote.get(`_cluster/namespaces/${ns}`)?.metadata as { labels?: Record<string, string> })?.labels?.['istio.io/rev']).toBe('1-31-1');
    // The config: the bundled export through the rules, in primary (the Gateway now selects the new gateway).
    const gateway = primary.get('shop/gateways/shop-gateway');
    expect((spec(gateway)?.selector as Record<string, string>) ?? {}).toEqual({ istio: 'ingressgateway-new' });
    expect(primary.get('istio-system/envoyfilters/tcm-stats-tags')).toBeUndefined();
    for (const [key, o] of primary) {
      if (!/^(shop|payments|staging)\//.test(key) || /\/(services|deployments|secrets)\//.test(key)) continue;
      const labels = (o.metadata as { labels?: Record<string, string> }).labels ?? {};
      expect(Object.keys(labels).filter((l) => /tencent|tcm/i.test(l)), key).toEqual([]);
    }
    const weights = async (ctx: string, name: string) => {
      const r = await mf('export', '--context', ctx, '-n', 'istio-system', '--kinds', 'Service', '-o', 'json');
      const items = (JSON.parse(r.stdout) as { items: { metadata: { name: string; annotations?: Record<string, string> } }[] }).items;
      return items.find((s) => s.metadata.name === name)?.metadata.annotations?.['service.beta.kubernetes.io/alibaba-cloud-loadbalancer-weight'];
    };
    expect([await weights('tcm', 'istio-ingressgateway'), await weights('remote', 'istio-ingressgateway-new')]).toEqual(['0', '100']);
  });

  it('rolled back, compared with exports: tcm exports as before the move, remote and primary hold none of it', async () => {
    const r = await mf('migrate', 'rollback', 'tcm-exit', '--context', 'primary');
    expect(r.code, r.stderr).toBe(0);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const before = readExport(path.join(out, 'exports', 'tcm-before'));
    const tcm = await exportOf('tcm', 'tcm-rolled-back');
    expect([...tcm.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, o] of before) expect(tcm.get(key), key).toEqual(o);
    const remote = await exportOf('remote', 'remote-rolled-back');
    expect([...inNamespaces(remote, ['shop', 'payments']).keys()]).toEqual([]);
    const primary = await exportOf('primary', 'primary-rolled-back');
    expect([...inNamespaces(primary, ['shop', 'payments', 'staging']).keys()]).toEqual([]);
  });
});
