// One lab cluster's API server stopped and started again (B3): meanwhile its port refuses connections and meshferry's
// client fails with Unreachable (exit 3) while the other cluster serves; afterwards the same kubeconfig works and
// etcd still holds what was created before. Through the TS API and through `meshferry lab apiserver` (another process).
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError, ExitCode } from '../../src/errors.js';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { labStatus, startApiServer, stopApiServer, type Lab } from '../../src/lab/index.js';
import { readLabState } from '../../src/lab/state.js';
import type { KubeObject } from '../../src/resources/object.js';
import { runCli } from '../support/cli.js';
import { labPerFile } from './lab-per-file.js';

let lab: Lab;
let primary: Cluster;
/** Opened before the first stop and kept across it: a client that lives through the outage, as `migrate apply` would. */
let remote: Cluster;
// Controllers and kwok run (no istiod): the restart must leave them running too.
const { dir } = labPerFile('lab-apiserver-test-', { clusters: ['primary', 'remote'], revisions: [] }, (l, c) => {
  lab = l;
  primary = c;
});

beforeAll(async () => {
  remote = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'remote' });
});
afterAll(() => remote?.close());

const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const configMaps = (c: Cluster) => c.discovery.resourceFor('', 'ConfigMap')!;
const portOf = (name: string) => Number(new URL(lab.cluster(name).server).port);

/** How a TCP connect to a loopback port ends: accepted, or the error code. */
function connectResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve('connected');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function component(cluster: string, name: string) {
  const s = await labStatus(dir);
  return s.components.find((c) => c.cluster === cluster && c.component === name);
}

describe('lab apiserver stop/start (TS API)', () => {
  let stoppedPid = 0;

  it('stop: the port refuses connections, meshferry gets Unreachable (exit 3), the other cluster and etcd run on', async () => {
    await remote.client.create(configMap('before-stop', { kept: 'yes' }));
    const report = await stopApiServer(lab, 'remote');
    expect(report).toMatchObject({ cluster: 'remote', server: lab.cluster('remote').server, changed: true });
    stoppedPid = report.pid;
    expect(await connectResult(portOf('remote'))).toBe('ECONNREFUSED');

    // The product's own client with its default retries (about 10 s of backoff), as a migration would see it.
    const err = await remote.client.get(configMaps(remote), 'default', 'before-stop').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('Unreachable');
    expect((err as ClusterError).exitCode).toBe(ExitCode.cluster);
    expect((err as ClusterError).message).toMatch(/cannot reach the API server of context "remote" at https:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/);

    expect(await primary.client.get(configMaps(primary), 'default', 'kube-root-ca.crt')).toBeDefined();
    expect(await component('remote', 'kube-apiserver')).toMatchObject({ running: false, health: 'failing: not running' });
    expect(await component('remote', 'etcd')).toMatchObject({ running: true });
    expect(await component('primary', 'kube-apiserver')).toMatchObject({ running: true, health: 'ok' });
    expect((await labStatus(dir)).running).toBe(false);
  });

  it('stop of a stopped API server changes nothing', async () => {
    expect(await stopApiServer(dir, 'remote')).toMatchObject({ cluster: 'remote', changed: false, pid: stoppedPid });
  });

  it('start: same address and certificates, the old client works again, etcd kept the data, a new create works', async () => {
    const report = await startApiServer(lab, 'remote');
    expect(report).toMatchObject({ cluster: 'remote', server: lab.cluster('remote').server, changed: true });
    expect(report.pid).not.toBe(stoppedPid);
    const rec = (await readLabState(dir))?.processes.find((p) => p.cluster === 'remote' && p.component === 'kube-apiserver');
    expect(rec?.pid).toBe(report.pid);

    const kept = await remote.client.get(configMaps(remote), 'default', 'before-stop');
    expect(kept?.data).toEqual({ kept: 'yes' });
    await remote.client.create(configMap('after-start', { fresh: 'yes' }));
    const reopened = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'remote' });
    try {
      expect((await reopened.client.get(configMaps(reopened), 'default', 'after-start'))?.data).toEqual({ fresh: 'yes' });
    } finally {
      reopened.close();
    }
    // Every process of the lab runs and every API server answers: controllers and kwok lived through the outage.
    const status = await labStatus(dir);
    expect(status.components.filter((c) => !c.running || (c.health !== '' && c.health !== 'ok'))).toEqual([]);
    expect(status.running).toBe(true);
  });

  it('start of a running API server only checks it is ready', async () => {
    const pid = (await component('remote', 'kube-apiserver'))?.pid;
    expect(await startApiServer(dir, 'remote')).toMatchObject({ changed: false, pid });
  });

  it('refuses a cluster the lab does not have', async () => {
    await expect(stopApiServer(lab, 'nowhere')).rejects.toThrow(/the lab has no cluster "nowhere" \(it has primary, remote\)/);
  });
});

describe('meshferry lab apiserver stop|start (another process)', () => {
  it('stops and starts the API server of --cluster; lab status follows', async () => {
    const stop = runCli(['lab', 'apiserver', 'stop', '--cluster', 'remote', '--dir', dir]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toMatch(/lab: remote: API server stopped; https:\/\/127\.0\.0\.1:\d+ refuses connections/);
    expect(await connectResult(portOf('remote'))).toBe('ECONNREFUSED');
    const down = runCli(['lab', 'status', '--dir', dir]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^remote\s+kube-apiserver\s+\d+\s+Stopped/m);

    // A meshferry command against the stopped context: exit 3 and one line naming the context.
    const exp = runCli(['export', '--kubeconfig', lab.kubeconfigPath, '--context', 'remote', '-n', 'default', '-o', 'yaml']);
    expect(exp.code, exp.stderr).toBe(ExitCode.cluster);
    expect(exp.stdout).toBe('');
    // Retries are logged as they happen (about 10 s of them); the failure itself is one line, the last.
    const lines = exp.stderr.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('error:')), exp.stderr).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^error: cannot reach the API server of context "remote" at https:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/);

    const start = runCli(['lab', 'apiserver', 'start', '--cluster', 'remote', '--dir', dir]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stderr).toMatch(/lab: remote: API server ready again on https:\/\/127\.0\.0\.1:\d+/);
    const up = runCli(['lab', 'status', '--dir', dir]);
    expect(up.code, up.stdout).toBe(0);
    expect((await remote.client.get(configMaps(remote), 'default', 'after-start'))?.data).toEqual({ fresh: 'yes' });
  });
});
