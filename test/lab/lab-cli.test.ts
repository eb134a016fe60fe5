// `meshferry lab up/status/down` as a user runs them: up returns while the lab keeps running, two revisions side by
// side, a second up is refused, Ctrl-C during up leaves nothing behind, down stops everything.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killLabNow, processesMentioning } from '../../src/lab/index.js';
import { CLI, hasStackTrace, runCli } from '../support/cli.js';
import { eventually, hasIstioProxy, injectedRevision, kubectlFor, parsePods } from './lab-kubectl.js';

const parent = mkdtempSync(path.join(os.tmpdir(), 'lab-cli-test-'));
const dir = path.join(parent, 'lab');
const interrupted = path.join(parent, 'interrupted');
let failed = false;
const killOnExit = () => {
  killLabNow(dir);
  killLabNow(interrupted);
};
process.on('exit', killOnExit);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(() => {
  runCli(['lab', 'down', '--dir', dir, ...(failed ? ['--keep'] : [])]);
  runCli(['lab', 'down', '--dir', interrupted, ...(failed ? ['--keep'] : [])]);
  if (!failed) rmSync(parent, { recursive: true, force: true });
  process.off('exit', killOnExit);
});

describe('meshferry lab (CLI)', () => {
  it('up returns once ready, prints where to connect (no token), and leaves the lab running', () => {
    const res = runCli(['lab', 'up', '--dir', dir, '--revisions', 'default,canary', '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    expect(hasStackTrace(res.stderr)).toBe(false);
    const summary = JSON.parse(res.stdout) as {
      kubeconfig: string;
      clusters: { context: string; server: string; istiods: { revision: string; default: boolean; injectionUrl: string }[] }[];
    };
    expect(summary.kubeconfig).toBe(path.join(dir, 'kubeconfig'));
    expect(summary.clusters.map((c) => c.context)).toEqual(['lab']);
    expect(summary.clusters[0]?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(summary.clusters[0]?.istiods.map((i) => [i.revision, i.default])).toEqual([
      ['default', true],
      ['canary', false],
    ]);
    expect(summary.clusters[0]?.istiods[1]?.injectionUrl).toMatch(/^https:\/\/localhost:\d+\/inject$/);
    expect(res.stdout).not.toMatch(/token/i);
    expect(res.stderr).toMatch(/lab down --dir/);

    const status = runCli(['lab', 'status', '--dir', dir]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'istiod-default', 'istiod-canary'])
      expect(status.stdout).toMatch(new RegExp(`^lab\\s+${c}\\s+\\d+\\s+Running`, 'm'));
  });

  it('routes istio-injection=enabled to the default revision and istio.io/rev=canary to canary', async () => {
    const kubectl = await kubectlFor(path.join(dir, 'kubeconfig'));
    const cases = [
      { ns: 'old', label: 'istio-injection=enabled', revision: 'default' },
      { ns: 'new', label: 'istio.io/rev=canary', revision: 'canary' },
    ];
    for (const c of cases) {
      expect(kubectl('lab', ['create', 'namespace', c.ns]).code).toBe(0);
      expect(kubectl('lab', ['label', 'namespace', c.ns, c.label]).code).toBe(0);
      const r = kubectl('lab', ['-n', c.ns, 'create', 'deployment', 'app', '--image=registry.k8s.io/pause:3.10']);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const c of cases) {
      const pod = await eventually(`a Running pod in ${c.ns}`, () => {
        const [p] = parsePods(kubectl('lab', ['-n', c.ns, 'get', 'pods', '-o', 'json']).stdout);
        return p && p.phase === 'Running' ? p : undefined;
      });
      expect(hasIstioProxy(pod), c.ns).toBe(true);
      expect(injectedRevision(pod), c.ns).toBe(c.revision);
    }
  });

  it('refuses a second up on a running lab (exit 2) and leaves it running', () => {
    const res = runCli(['lab', 'up', '--dir', dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/a lab is already running in .*lab down --dir/);
    expect(runCli(['lab', 'status', '--dir', dir]).code).toBe(0);
  });

  it('down --keep stops every process and keeps the logs; status then exits 1; down removes the folder', async () => {
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(7);
    const down = runCli(['lab', 'down', '--dir', dir, '--keep']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/stopped 7 process group\(s\)/);
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(path.join(dir, 'lab', 'logs', 'istiod-canary.log'))).toBe(true);

    const status = runCli(['lab', 'status', '--dir', dir]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^lab\s+kube-apiserver\s+\d+\s+Stopped/m);

    expect(runCli(['lab', 'down', '--dir', dir]).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('Ctrl-C during up stops what was started (exit 130) and keeps the logs', async () => {
    const child = spawn(process.execPath, [CLI, 'lab', 'up', '--dir', interrupted, '--revisions', 'default'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt once the API server runs, i.e. in the middle of the start.
    await eventually('the API server to come up', () => (/API server ready/.test(stderr) ? true : undefined), 120_000);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    await eventually('no process of the interrupted lab', () => (processesMentioning(interrupted).length === 0 ? true : undefined), 15_000);
    expect(existsSync(path.join(interrupted, 'lab', 'logs', 'kube-apiserver.log'))).toBe(true);
  });
});
