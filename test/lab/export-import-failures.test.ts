// Export against a real lab cluster when things go wrong: a forbidden kind, a killed API server, an interrupt.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { readLabState } from '../../src/lab/state.js';
import { CLI, hasStackTrace, runCli } from '../support/cli.js';
import { TcpTap, killForRestart, readTree, restrictedToken, seedCluster, seedMesh, writeKubeconfig } from './export-import-fixtures.js';

const SEED = seedMesh({ namespaces: 30, objects: 1500 });
const count = (kind: string) => SEED.filter((o) => o.kind === kind).length;

let lab: Lab;
let admin: Cluster;
let tmp: string;
let restarted: ChildProcess | undefined;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-export-failures-'));
  lab = await startLab({ dir: path.join(tmp, 'lab'), clusters: ['src'], revisions: [] });
  admin = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'src' });
  await seedCluster(admin, SEED);
});

afterAll(async () => {
  admin?.close();
  // The API server this file restarted is its own child, not the lab's: stop it here.
  if (restarted?.pid) process.kill(restarted.pid, 'SIGKILL');
  await lab?.stop({ purge: true });
  await rm(tmp, { recursive: true, force: true });
});

/** Runs the CLI without waiting, so the test can act while it runs. */
function startCli(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function stagingLeftovers(): Promise<string[]> {
  return (await readdir(tmp)).filter((n) => n.includes('.staging-'));
}

describe('export failures (lab)', () => {
  it('skips and reports a kind the user may not list, exports the rest, exit 1', async () => {
    const token = await restrictedToken(admin, 'authorizationpolicies');
    const kc = await writeKubeconfig(path.join(tmp, 'limited.kubeconfig'), { context: 'limited', server: lab.cluster('src').server, caFile: lab.caFile, token });
    const out = path.join(tmp, 'limited-export');
    const res = runCli(['export', '--kubeconfig', kc, '--output-dir', out]);
    expect(res.code, res.stderr).toBe(1);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.stderr).toMatch(/AuthorizationPolicy\s+authorizationpolicies\.security\.istio\.io\s+v1\s+0\s+skipped: forbidden/);
    expect(res.stderr).toMatch(/warning: skipped AuthorizationPolicy: .*authorizationpolicies\.security\.istio\.io.* is forbidden/);
    const files = [...(await readTree(out)).keys()];
    expect(files.some((f) => f.includes('/authorizationpolicies/'))).toBe(false);
    expect(files.filter((f) => f.includes('/virtualservices/')).length).toBe(count('VirtualService'));
    // Every seeded object but the forbidden kind (Namespaces are context, not exported here), plus the marker.
    expect(files.length).toBe(SEED.length - count('Namespace') - count('AuthorizationPolicy') + 1);
  });

  it('fails cleanly when the API server dies mid-export (exit 3, one line, previous folder intact), and a rerun completes', async () => {
    const out = path.join(tmp, 'export');
    const ok = runCli(['export', '--kubeconfig', lab.kubeconfigPath, '--context', 'src', '--output-dir', out]);
    expect(ok.code, ok.stderr).toBe(0);
    const before = await readTree(out);

    // Route the export through a tap, and kill the API server once a few pages have come back.
    const server = lab.cluster('src').server;
    const tap = new TcpTap(Number(new URL(server).port));
    const tapPort = await tap.start();
    const token = lab.cluster('src').token;
    const kc = await writeKubeconfig(path.join(tmp, 'tapped.kubeconfig'), { context: 'tapped', server: `https://127.0.0.1:${tapPort}`, caFile: lab.caFile, token });
    const run = startCli(['export', '--kubeconfig', kc, '--chunk-size', '10', '--output-dir', out]);
    await tap.whenBytes(200_000);
    const state = await readLabState(lab.dir);
    const apiserver = state?.processes.find((p) => p.cluster === 'src' && p.component === 'kube-apiserver');
    expect(apiserver).toBeDefined();
    const restart = await killForRestart(apiserver?.pid ?? 0, path.join(tmp, 'apiserver-restarted.log'));
    const res = await run.done;
    await tap.stop();

    expect(res.code, res.stderr).toBe(3);
    expect(hasStackTrace(res.stderr)).toBe(false);
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: cannot reach the API server of context "tapped" at https:\/\/127\.0\.0\.1:\d+ to list .* \(.*; gave up after \d+ attempts\)$/);
    expect(await readTree(out)).toEqual(before);
    expect(await stagingLeftovers()).toEqual([]);

    restarted = await restart();
    await waitReady(lab.kubeconfigPath, 'src');
    const again = runCli(['export', '--kubeconfig', lab.kubeconfigPath, '--context', 'src', '--output-dir', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(await readTree(out)).toEqual(before);
  });

  it('an interrupt (Ctrl-C) mid-export exits 130 and leaves the previous folder and no staging behind', async () => {
    const out = path.join(tmp, 'export');
    const before = await readTree(out);
    const tap = new TcpTap(Number(new URL(lab.cluster('src').server).port));
    const tapPort = await tap.start();
    const kc = await writeKubeconfig(path.join(tmp, 'tapped2.kubeconfig'), { context: 'tapped', server: `https://127.0.0.1:${tapPort}`, caFile: lab.caFile, token: lab.cluster('src').token });
    const run = startCli(['export', '--kubeconfig', kc, '--chunk-size', '10', '--output-dir', out]);
    await tap.whenBytes(100_000);
    run.child.kill('SIGINT');
    const res = await run.done;
    await tap.stop();
    expect(res.code).toBe(130);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(await readTree(out)).toEqual(before);
    expect(await stagingLeftovers()).toEqual([]);
  });
});

/** Waits until the (restarted) API server answers through `kubeconfig`. */
async function waitReady(kubeconfig: string, context: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 240; i++) {
    try {
      const c = await openCluster({ kubeconfig, context, transport: { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } } });
      const ready = await c.transport.request({ method: 'GET', path: '/readyz', accept: 'text/plain' });
      c.close();
      if (ready.body.trim() === 'ok') return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the restarted API server never became ready: ${String(last)}`);
}
