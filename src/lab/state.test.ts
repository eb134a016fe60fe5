// lab.json round-trips, is private (0600), and a damaged one is a clear LabError, not a crash later on.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { LAB_STATE_VERSION, readLabState, writeLabState } from './state.js';
import type { LabState } from './state.js';

const root = mkdtempSync(path.join(tmpdir(), 'lab-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const state = (dir: string): LabState => ({
  apiVersion: LAB_STATE_VERSION,
  dir,
  createdAt: '2026-01-01T00:00:00.000Z',
  kubeconfig: path.join(dir, 'kubeconfig'),
  caFile: path.join(dir, 'pki', 'ca.crt'),
  ready: true,
  clusters: [
    {
      name: 'east',
      context: 'east',
      server: 'https://127.0.0.1:40001',
      token: 't',
      bare: false,
      nodes: 1,
      etcd: { clientPort: 40002, peerPort: 40003 },
      istiods: [
        {
          revision: 'canary',
          isDefault: true,
          ports: { http: 1, grpc: 2, secureGrpc: 3, https: 4, monitoring: 5, ctrlz: 6 },
          injectionUrl: 'https://localhost:4/inject',
          validationUrl: 'https://localhost:4/validate',
        },
      ],
    },
  ],
  processes: [{ cluster: 'east', component: 'etcd', pid: 123, bin: '/bin/etcd', log: '/x.log' }],
});

describe('lab state', () => {
  it('round-trips with mode 0600', async () => {
    const dir = mkdtempSync(path.join(root, 'ok-'));
    await writeLabState(state(dir));
    expect(await readLabState(dir)).toEqual(state(dir));
    expect(statSync(path.join(dir, 'lab.json')).mode & 0o777).toBe(0o600);
  });

  it('returns undefined for a folder without a lab', async () => {
    expect(await readLabState(mkdtempSync(path.join(root, 'empty-')))).toBeUndefined();
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['another file', '{"apiVersion":"v1","kind":"Config"}', /not a meshferry lab state/],
    ['a wrong field type', JSON.stringify({ ...state('/d'), processes: [{ pid: 'x' }] }), /not a meshferry lab state \(\/processes\/0/],
  ])('rejects %s with a LabError', async (_name, text, message) => {
    const dir = mkdtempSync(path.join(root, 'bad-'));
    writeFileSync(path.join(dir, 'lab.json'), text);
    const err = await readLabState(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('lab.json with a Prometheus (lab up --prometheus)', () => {
  it('round-trips the prometheus entry, and a lab without one still reads', async () => {
    const dir = mkdtempSync(path.join(root, 'prom-'));
    const withProm: LabState = { ...state(dir), prometheus: { url: 'http://127.0.0.1:9090', targetsDir: path.join(dir, 'traffic-targets'), pid: 4242, log: path.join(dir, 'prometheus', 'prometheus.log') } };
    await writeLabState(withProm);
    expect(await readLabState(dir)).toEqual(withProm);
    await writeLabState(state(dir));
    expect((await readLabState(dir))?.prometheus).toBeUndefined();
  });

  it('a prometheus entry without its address is a damaged lab.json', async () => {
    const dir = mkdtempSync(path.join(root, 'prom-bad-'));
    writeFileSync(path.join(dir, 'lab.json'), JSON.stringify({ ...state(dir), prometheus: { pid: 1 } }));
    await expect(readLabState(dir)).rejects.toThrow(LabError);
  });
});

describe('lab.json process records with how they were started (apiserver restarts)', () => {
  it('round-trips args, env and cwd; a record without them (older lab.json) still reads', async () => {
    const dir = mkdtempSync(path.join(root, 'args-'));
    const rec = { cluster: 'east', component: 'istiod-canary', pid: 7, bin: '/bin/pilot-discovery', log: '/i.log', args: ['discovery', '--httpAddr=127.0.0.1:1'], env: { REVISION: 'canary' }, cwd: '/w' };
    const s: LabState = { ...state(dir), processes: [rec, { cluster: 'east', component: 'etcd', pid: 123, bin: '/bin/etcd', log: '/x.log' }] };
    await writeLabState(s);
    expect(await readLabState(dir)).toEqual(s);
  });

  it.each([
    ['args that are not strings', { args: [1] }],
    ['env values that are not strings', { env: { A: 1 } }],
  ])('rejects %s', async (_name, extra) => {
    const dir = mkdtempSync(path.join(root, 'args-bad-'));
    writeFileSync(path.join(dir, 'lab.json'), JSON.stringify({ ...state(dir), processes: [{ cluster: 'east', component: 'etcd', pid: 1, bin: '/b', log: '/l', ...extra }] }));
    await expect(readLabState(dir)).rejects.toThrow(/not a meshferry lab state \(\/processes\/0/);
  });
});

describe('lab.json with per-cluster revisions (lab up --revisions tcm=1-18-5,primary=1-31-1)', () => {
  it('round-trips clusters that run different revisions, or none, in the same schema', async () => {
    const dir = mkdtempSync(path.join(root, 'per-cluster-'));
    const base = state(dir);
    const east = base.clusters[0]!;
    const ist = east.istiods[0]!;
    const s: LabState = {
      ...base,
      clusters: [
        { ...east, name: 'tcm', context: 'tcm', istiods: [{ ...ist, revision: '1-18-5' }] },
        { ...east, name: 'primary', context: 'primary', istiods: [{ ...ist, revision: '1-31-1' }] },
        { ...east, name: 'remote', context: 'remote', istiods: [] },
      ],
    };
    await writeLabState(s);
    expect(await readLabState(dir)).toEqual(s);
  });
});
