// The planner beyond the golden files: remote addresses, revisions, split style, namespaces, and the plan folder.
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, InputErrors } from '../errors.js';
import { exposeIstiod, networkingApiVersion } from './expose.js';
import { planFiles, writePlan } from './plan-files.js';
import { missingPilotAddresses, planInstall } from './plan.js';
import { shellWord } from './runbook-steps.js';
import type { ClusterSpec, MeshTopology } from './topology.js';

const primary: ClusterSpec = { name: 'p1', role: 'primary', network: 'n1', provider: 'gke', externalIstiod: true, eastWestGateway: { loadBalancer: { internal: true } } };
const remote: ClusterSpec = { name: 'r1', role: 'remote', primary: 'p1', network: 'n1', provider: 'gke' };

function topology(over: Partial<MeshTopology['spec']> = {}): MeshTopology {
  return {
    apiVersion: 'meshferry.dev/v1alpha1',
    kind: 'MeshTopology',
    metadata: { name: 't' },
    spec: { istio: { version: '1.31.1' }, meshID: 'm', clusters: [primary, remote], ...over },
  };
}

describe('remotePilotAddress', () => {
  it('is required for a remote, naming the field', () => {
    expect(missingPilotAddresses(topology()).map((m) => m.cluster.name)).toEqual(['r1']);
    let err: unknown;
    try {
      planInstall(topology());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputErrors);
    expect((err as InputErrors).problems[0]).toMatchObject({ fieldPath: 'spec.clusters[1].remotePilotAddress' });
    expect((err as InputErrors).exitCode).toBe(2);
  });

  it('comes from the live gateway when the topology omits it, and says so', () => {
    const plan = planInstall(topology(), { pilotAddresses: { r1: 'ilb.example.internal' } });
    const r = plan.clusters[1]!;
    expect(r).toMatchObject({ remotePilotAddress: 'ilb.example.internal', remotePilotAddressSource: 'live' });
    const iop = r.istioOperators[0]!.object.spec as { values: { global: { remotePilotAddress: string } } };
    expect(iop.values.global.remotePilotAddress).toBe('ilb.example.internal');
    expect(r.helm.find((h) => h.file === 'istiod.yaml')?.values).toMatchObject({ global: { remotePilotAddress: 'ilb.example.internal' } });
  });

  it('prefers the topology over a live address', () => {
    const plan = planInstall(topology({ clusters: [primary, { ...remote, remotePilotAddress: '10.1.1.1' }] }), { pilotAddresses: { r1: '10.9.9.9' } });
    expect(plan.clusters[1]).toMatchObject({ remotePilotAddress: '10.1.1.1', remotePilotAddressSource: 'topology' });
  });
});

describe('revisions', () => {
  const plan = planInstall(topology({ istio: { version: '1.31.1', revision: '1-31-1' }, clusters: [primary, { ...remote, remotePilotAddress: '10.0.0.9' }], namespaces: ['shop'] }));
  it('sets spec.revision on every IstioOperator and istio.io/rev on namespaces', () => {
    for (const c of plan.clusters) {
      for (const op of c.istioOperators) expect((op.object.spec as { revision?: string }).revision).toBe('1-31-1');
      expect(c.injectionNamespaces[0]?.metadata.labels).toEqual({ 'istio.io/rev': '1-31-1' });
    }
  });
  it('routes expose-istiod to istiod-<rev> and names the VirtualService after it', () => {
    const vs = plan.clusters[0]!.exposeIstiod.find((o) => o.kind === 'VirtualService')!;
    expect(vs.metadata.name).toBe('istiod-vs-1-31-1');
    expect(JSON.stringify(vs.spec)).toContain('istiod-1-31-1.istio-system.svc.cluster.local');
  });
  it('removes istio-injection when labelling, since it wins over istio.io/rev', () => {
    const label = plan.steps.find((s) => s.id === 'label-namespaces')!;
    expect(label.commands).toContain('kubectl --context=p1 label namespace shop istio-injection- istio.io/rev=1-31-1 --overwrite');
    expect(plan.steps.find((s) => s.id === 'verify')!.commands).toContain('kubectl --context=p1 -n istio-system rollout status deployment/istiod-1-31-1');
  });
});

describe('expose-istiod', () => {
  it.each([
    ['1.21.0', 'networking.istio.io/v1beta1'],
    ['1.22.0', 'networking.istio.io/v1'],
    ['1.31.1', 'networking.istio.io/v1'],
  ])('Istio %s gets %s', (version, want) => {
    expect(networkingApiVersion(version)).toBe(want);
    expect(exposeIstiod(version, undefined).map((o) => o.apiVersion)).toEqual([want, want]);
  });
  it('is planned only on a primary that has remotes', () => {
    const solo = planInstall(topology({ clusters: [primary] }));
    expect(solo.clusters[0]!.exposeIstiod).toEqual([]);
    expect(solo.steps.map((s) => s.id)).not.toContain('expose-p1');
  });
});

describe('runbook order', () => {
  it('follows the issue: primary, east-west (split), expose, remotes, secrets, namespaces, verify', () => {
    const plan = planInstall(topology({ clusters: [primary, { ...remote, remotePilotAddress: '10.0.0.9' }], namespaces: ['shop'] }), { splitGateways: true });
    expect(plan.steps.map((s) => s.id)).toEqual([
      'prepare-namespaces',
      'install-primary-p1',
      'install-gateways-p1',
      'expose-p1',
      'install-remote-r1',
      'attach-p1',
      'label-namespaces',
      'verify',
    ]);
    expect(plan.steps.find((s) => s.id === 'attach-p1')!.commands).toEqual([
      'istioctl create-remote-secret --context=r1 --name=r1 | kubectl apply -f - --context=p1',
    ]);
  });
});

describe('shellWord', () => {
  it.each([
    ['cls-primary', 'cls-primary'],
    ['arn:aws:eks:eu-west-1:1:cluster/a', 'arn:aws:eks:eu-west-1:1:cluster/a'],
    ['my context', "'my context'"],
    ["it's", `'it'\\''s'`],
  ])('%s → %s', (input, want) => expect(shellWord(input)).toBe(want));
});

describe('writePlan', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const plan = planInstall(topology({ clusters: [primary, { ...remote, remotePilotAddress: '10.0.0.9' }] }));

  it('writes every planned file and marks the folder as meshferry output', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mf-plan-'));
    const out = path.join(dir, 'plan');
    const written = await writePlan(out, plan);
    expect(written.sort()).toEqual(Object.keys(planFiles(plan)).sort());
    expect(JSON.parse(await readFile(path.join(out, 'plan.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(plan)));
    expect(await readdir(out)).toContain('.meshferry-output');
    expect((await stat(path.join(out, 'p1', 'istio-operator.yaml'))).isFile()).toBe(true);
  });

  it('replaces its own earlier output whole (no stale files)', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mf-plan-'));
    const out = path.join(dir, 'plan');
    await writePlan(out, plan);
    await writeFile(path.join(out, 'stale.txt'), 'x');
    await writePlan(out, plan);
    expect(await readdir(out)).not.toContain('stale.txt');
    expect((await readdir(dir)).filter((f) => f.includes('staging'))).toEqual([]);
  });

  it('refuses a non-empty folder it did not write', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mf-plan-'));
    const out = path.join(dir, 'mine');
    await mkdir(out);
    await writeFile(path.join(out, 'notes.md'), 'keep me');
    await expect(writePlan(out, plan)).rejects.toBeInstanceOf(InputError);
    expect(await readFile(path.join(out, 'notes.md'), 'utf8')).toBe('keep me');
  });
});
