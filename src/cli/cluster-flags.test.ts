// A mistyped --context is refused (exit 2) before anything runs, even by commands that would never open it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { hasStackTrace, runCli } from '../../test/support/cli.js';
import { requireContexts } from './cluster-flags.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cluster-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfig = path.join(dir, 'kubeconfig');
// Loopback servers that nothing serves: these tests must fail before any connection.
writeFileSync(
  kubeconfig,
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: ['east', 'west'].map((n, i) => ({ name: n, cluster: { server: `https://127.0.0.1:${i + 1}` } })),
    users: [{ name: 'u', user: { token: 'not-a-secret' } }],
    contexts: ['east', 'west'].map((n) => ({ name: n, context: { cluster: n, user: 'u' } })),
    'current-context': 'east',
  }),
);

describe('requireContexts', () => {
  it('accepts contexts the kubeconfig defines and refuses others, naming the close one and the known ones', async () => {
    await expect(requireContexts(['east', 'west'], { kubeconfig })).resolves.toBeUndefined();
    const err = await requireContexts(['east', 'wset'], { kubeconfig }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`context "wset" not found in ${kubeconfig} (did you mean west?); known contexts: east, west`);
  });

  it('with kubeconfigOptional, no kubeconfig at all checks nothing; a given --kubeconfig that is missing still fails', async () => {
    const env = process.env.KUBECONFIG;
    process.env.KUBECONFIG = path.join(dir, 'none');
    try {
      await expect(requireContexts(['anything'], {}, { kubeconfigOptional: true })).resolves.toBeUndefined();
      await expect(requireContexts(['anything'], {})).rejects.toThrow(/no kubeconfig found/);
    } finally {
      if (env === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = env;
    }
  });
});

describe('--context nope', () => {
  const shift = path.join(dir, 'shift.yaml');
  writeFileSync(
    shift,
    JSON.stringify({
      apiVersion: 'meshferry.dev/v1alpha1',
      kind: 'TrafficShift',
      metadata: { name: 'cart', namespace: 'shop' },
      spec: { router: { virtualService: { targets: [{ context: 'east', name: 'cart' }], from: { host: 'cart-v1' }, to: { host: 'cart-v2' } } }, steps: [50, 100], interval: '1m' },
    }),
  );
  const vm = path.join(dir, 'vm.yaml');
  writeFileSync(
    vm,
    JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'orders', namespace: 'shop' }, spec: { hosts: ['orders.vm.internal'], resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }] } }),
  );

  it.each([
    ['shift plan (its targets name their own context)', ['shift', 'plan', shift, '--kubeconfig', kubeconfig, '--context', 'nope']],
    ['vm twin from files', ['vm', 'twin', 'serviceentry/orders', '-f', vm, '--service', 'orders-k8s', '--kubeconfig', kubeconfig, '--context', 'east,nope']],
  ])('%s: exit 2, naming the context', (_name, args) => {
    const res = runCli(args);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(`context "nope" not found in ${kubeconfig}; known contexts: east, west`);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });
});
