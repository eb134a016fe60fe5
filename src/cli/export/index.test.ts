// `meshferry export` without a cluster: flag errors, kind words, the summary, and a cluster that is not there.
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli, runCliAsync } from '../../../test/support/cli.js';
import { UsageError } from '../../errors.js';
import type { ExportReport } from '../../kube/export.js';
import { kindInfo, type KindInfo } from '../../resources/kinds.js';
import { FakeApiServer, aggregatedDiscovery, writeFakeKubeconfig } from '../../../test/support/kube/fake-apiserver.js';
import { renderSummary, resolveKinds } from './index.js';

const kind = (group: string, k: string) => kindInfo(group, k) as KindInfo;

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('resolveKinds', () => {
  it.each([
    { words: ['vs', 'destinationrules', 'AuthorizationPolicy'], want: [kind('networking.istio.io', 'VirtualService'), kind('networking.istio.io', 'DestinationRule'), kind('security.istio.io', 'AuthorizationPolicy')] },
    { words: ['gateways.gateway.networking.k8s.io', 'gw'], want: [kind('gateway.networking.k8s.io', 'Gateway'), kind('networking.istio.io', 'Gateway')] },
    { words: ['vs', 'virtualservice'], want: [kind('networking.istio.io', 'VirtualService')] },
  ])('$words', ({ words, want }) => {
    expect(resolveKinds(words)).toEqual(want);
  });

  it('names every unknown word and lists the known ones', () => {
    expect(() => resolveKinds(['vs', 'virtualservise', 'nope'])).toThrow(UsageError);
    expect(() => resolveKinds(['virtualservise', 'nope'])).toThrow(/unknown kinds in --kinds: virtualservise, nope; known kinds: vs, dr, gw/);
  });
});

describe('renderSummary', () => {
  it('lists kinds by name with counts, skipped kinds with the reason, and a total', () => {
    const report: ExportReport = {
      objects: [],
      kinds: [
        { kind: kind('networking.istio.io', 'VirtualService'), resource: 'virtualservices.networking.istio.io', version: 'v1', count: 3 },
        { kind: kind('security.istio.io', 'AuthorizationPolicy'), resource: 'authorizationpolicies.security.istio.io', version: 'v1', count: 0, skipped: { reason: 'forbidden', message: 'no' } },
        { kind: kind('gateway.networking.k8s.io', 'HTTPRoute'), resource: 'httproutes.gateway.networking.k8s.io', count: 0, skipped: { reason: 'not-served', message: 'no' } },
      ],
    };
    expect(renderSummary(report).split('\n')).toEqual([
      'KIND                  RESOURCE                                  VERSION   OBJECTS   NOTE',
      'AuthorizationPolicy   authorizationpolicies.security.istio.io   v1        0         skipped: forbidden',
      'HTTPRoute             httproutes.gateway.networking.k8s.io      -         -         not served',
      'VirtualService        virtualservices.networking.istio.io       v1        3',
      'TOTAL                                                                     3',
      '',
    ]);
  });
});

describe('meshferry export (CLI)', () => {
  it('-A and -n together are a usage error', () => {
    const res = runCli(['export', '-A', '-n', 'a', '--output-dir', path.join(mkdtempSync(path.join(tmpdir(), 'mf-')), 'x')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('-A/--all-namespaces and -n/--namespace exclude each other');
  });

  it('refuses a folder it did not write before touching any cluster', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-'));
    mkdirSync(path.join(dir, 'mine'));
    writeFileSync(path.join(dir, 'mine', 'notes.txt'), 'keep');
    const res = runCli(['export', '--kubeconfig', path.join(dir, 'no-such-kubeconfig'), '--output-dir', path.join(dir, 'mine')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/is not empty and was not written by meshferry/);
    expect(readdirSync(path.join(dir, 'mine'))).toEqual(['notes.txt']);
  });

  it('a cluster that does not answer: exit 3, one line naming the context and the server, no files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-'));
    const kubeconfig = await writeFakeKubeconfig(`http://127.0.0.1:${await closedPort()}`);
    const res = runCli(['export', '--kubeconfig', kubeconfig, '--output-dir', path.join(dir, 'out')]);
    expect(res.code).toBe(3);
    expect(hasStackTrace(res.stderr)).toBe(false);
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: cannot reach the API server of context "fake" at http:\/\/127\.0\.0\.1:\d+ to discover .*ECONNREFUSED.*gave up after 6 attempts\)$/);
    // Each retry is announced, so a slow cluster never looks hung.
    expect(res.stderr.match(/^retrying \(\d\) in /gm)).toHaveLength(5);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('meshferry export without --output-dir (a fake API server on loopback)', () => {
  const vs = (namespace: string, name: string) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { hosts: [`${name}.${namespace}.svc.cluster.local`] },
  });
  async function fakeMesh(): Promise<{ server: FakeApiServer; kubeconfig: string }> {
    const server = new FakeApiServer((req) => {
      if (req.path === '/api') return { body: aggregatedDiscovery([{ name: '', versions: [{ version: 'v1', resources: [{ resource: 'namespaces', kind: 'Namespace', namespaced: false }] }] }]) };
      if (req.path === '/apis')
        return { body: aggregatedDiscovery([{ name: 'networking.istio.io', versions: [{ version: 'v1', resources: [{ resource: 'virtualservices', kind: 'VirtualService' }] }] }]) };
      if (req.path === '/apis/networking.istio.io/v1/virtualservices')
        return { body: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualServiceList', metadata: { resourceVersion: '9' }, items: [vs('shop', 'cart'), vs('pay', 'card')] } };
      if (req.path === '/apis/networking.istio.io/v1/namespaces/shop/virtualservices')
        return { body: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualServiceList', metadata: { resourceVersion: '9' }, items: [vs('shop', 'cart')] } };
      return { status: 404, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' } };
    });
    return { server, kubeconfig: await writeFakeKubeconfig(await server.start()) };
  }

  it('-o json prints every object, neat, as a v1 List on stdout; the summary goes to stderr', async () => {
    const { server, kubeconfig } = await fakeMesh();
    try {
      const cwd = mkdtempSync(path.join(tmpdir(), 'mf-'));
      const res = await runCliAsync(['export', '--kubeconfig', kubeconfig, '-o', 'json'], { cwd });
      expect(res.code, res.stderr).toBe(0);
      const list = JSON.parse(res.stdout) as { kind: string; items: { metadata: Record<string, unknown> }[] };
      expect(list.kind).toBe('List');
      expect(list.items.map((o) => `${String(o.metadata.namespace)}/${String(o.metadata.name)}`)).toEqual(['pay/card', 'shop/cart']);
      expect(list.items[0]!.metadata).toEqual({ name: 'card', namespace: 'pay' });
      expect(res.stderr).toMatch(/^TOTAL\s+2$/m);
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it('-n reads only that namespace; the default is a YAML stream', async () => {
    const { server, kubeconfig } = await fakeMesh();
    try {
      const res = await runCliAsync(['export', '--kubeconfig', kubeconfig, '-n', 'shop']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/^---\napiVersion: networking\.istio\.io\/v1\nkind: VirtualService\nmetadata:\n  name: cart\n  namespace: shop\n/);
      expect(res.stdout).not.toContain('card');
      expect(server.requests.some((r) => r.path === '/apis/networking.istio.io/v1/virtualservices')).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

