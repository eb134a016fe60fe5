// `lab istiod stop|start` on a lab with per-cluster revisions: only the clusters that run the revision are touched,
// and a cluster or revision that does not fit says which cluster runs what. The lab.json here is made up and its
// processes never ran (pid 0), so nothing is stopped or started.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { startLabIstiod, stopLabIstiod } from './istiod-control.js';
import { LAB_STATE_VERSION, writeLabState } from './state.js';
import type { LabCluster, LabState } from './state.js';

const root = mkdtempSync(path.join(tmpdir(), 'lab-istiod-control-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cluster = (name: string, revisions: string[], port: number): LabCluster => ({
  name,
  context: name,
  server: `https://127.0.0.1:${port}`,
  token: 't',
  bare: false,
  nodes: 1,
  etcd: { clientPort: port + 1, peerPort: port + 2 },
  istiods: revisions.map((revision, i) => ({
    revision,
    isDefault: i === 0,
    ports: { http: port + 10, grpc: port + 11, secureGrpc: port + 12, https: port + 13, monitoring: port + 14, ctrlz: port + 15 },
    injectionUrl: `https://localhost:${port + 13}/inject`,
    validationUrl: `https://localhost:${port + 13}/validate`,
  })),
});

async function tcmLab(): Promise<string> {
  const dir = mkdtempSync(path.join(root, 'lab-'));
  const clusters = [cluster('tcm', ['1-18-5'], 40000), cluster('primary', ['1-31-1'], 41000), cluster('remote', ['1-31-1'], 42000), cluster('plain', [], 43000)];
  const state: LabState = {
    apiVersion: LAB_STATE_VERSION,
    dir,
    createdAt: '2026-01-01T00:00:00.000Z',
    kubeconfig: path.join(dir, 'kubeconfig'),
    caFile: path.join(dir, 'pki', 'ca.crt'),
    ready: true,
    clusters,
    processes: clusters.flatMap((c) => c.istiods.map((i) => ({ cluster: c.name, component: `istiod-${i.revision}`, pid: 0, bin: '/bin/pilot-discovery', log: '/x.log' }))),
  };
  await writeLabState(state);
  return dir;
}

describe('lab istiod stop|start with per-cluster revisions', () => {
  it('stops a revision only in the clusters that run it', async () => {
    const dir = await tcmLab();
    expect((await stopLabIstiod(dir, { revision: '1-31-1' })).clusters.map((c) => [c.cluster, c.changed])).toEqual([
      ['primary', false],
      ['remote', false],
    ]);
    expect((await stopLabIstiod(dir, { revision: '1-18-5' })).clusters.map((c) => c.cluster)).toEqual(['tcm']);
    expect((await stopLabIstiod(dir, { revision: '1-31-1', cluster: 'remote' })).clusters.map((c) => c.cluster)).toEqual(['remote']);
  });

  it.each([
    ['a cluster that runs another revision', { revision: '1-31-1', cluster: 'tcm' }, /^cluster tcm does not run istiod revision "1-31-1" \(revisions: 1-18-5 in tcm; 1-31-1 in primary, remote\)$/],
    ['a cluster that runs none', { revision: '1-18-5', cluster: 'plain' }, /^cluster plain does not run istiod revision "1-18-5" \(revisions: 1-18-5 in tcm; 1-31-1 in primary, remote\)$/],
    ['a revision no cluster runs', { revision: 'canary' }, /^no cluster of the lab runs istiod revision "canary" \(revisions: 1-18-5 in tcm; 1-31-1 in primary, remote\)$/],
    ['a cluster the lab does not have', { revision: '1-31-1', cluster: 'east' }, /^the lab has no cluster "east" \(it has tcm, primary, remote, plain\)$/],
  ])('refuses %s, for stop and for start', async (_name, opts, message) => {
    const dir = await tcmLab();
    await expect(stopLabIstiod(dir, opts)).rejects.toThrow(UsageError);
    await expect(stopLabIstiod(dir, opts)).rejects.toThrow(message);
    await expect(startLabIstiod(dir, opts)).rejects.toThrow(message);
  });
});
