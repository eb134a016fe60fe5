// The lab itself, on real binaries: injection by a revision's istiod, CRD schema and webhook validation, cluster
// isolation, and a stop that leaves no process behind. One two-cluster lab is shared by the whole file.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killLabNow, processesMentioning, startLab } from '../../src/lab/index.js';
import type { Lab } from '../../src/lab/index.js';
import { eventually, hasIstioProxy, injectedRevision, kubectlFor, parsePods } from './lab-kubectl.js';
import type { KubectlResult } from './lab-kubectl.js';

let lab: Lab;
let kubectl: (context: string, args: readonly string[], input?: string) => KubectlResult;
let failed = false;
const parent = mkdtempSync(path.join(os.tmpdir(), 'lab-test-'));
const dir = path.join(parent, 'lab');
// Even when the worker dies between tests, no lab process may outlive it.
const killOnExit = () => killLabNow(dir);
process.on('exit', killOnExit);

beforeAll(async () => {
  lab = await startLab({ dir, clusters: ['east', 'west'], revisions: ['canary'], nodes: 2, log: (m) => process.stderr.write(`${m}\n`) });
  kubectl = await kubectlFor(lab.kubeconfigPath);
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  // Keep the folder (logs) when anything failed; a clean run leaves nothing.
  await lab?.stop({ purge: !failed });
  if (!failed) rmSync(parent, { recursive: true, force: true });
  process.off('exit', killOnExit);
});

const ok = (r: KubectlResult) => {
  expect(r.code, `${r.stderr}${r.stdout}`).toBe(0);
  return r.stdout;
};

describe('lab (two clusters, istiod revision canary)', () => {
  it('writes one kubeconfig with a context per cluster, 0600', () => {
    expect(ok(kubectl('east', ['config', 'get-contexts', '-o', 'name'])).trim().split('\n').sort()).toEqual(['east', 'west']);
    expect(statSync(lab.kubeconfigPath).mode & 0o777).toBe(0o600);
  });

  it('has Ready fake nodes and established Istio CRDs in every cluster', () => {
    for (const ctx of ['east', 'west']) {
      const nodes = JSON.parse(ok(kubectl(ctx, ['get', 'nodes', '-o', 'json']))) as { items: { metadata: { name: string } }[] };
      expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual([`${ctx}-node-0`, `${ctx}-node-1`]);
      ok(kubectl(ctx, ['wait', '--for=condition=Ready', 'node', '--all', '--timeout=5s']));
      ok(kubectl(ctx, ['wait', '--for=condition=Established', 'crd/virtualservices.networking.istio.io', '--timeout=5s']));
    }
  });

  it('injects the revision\'s sidecar into pods of a Deployment in a namespace labelled istio.io/rev=canary', async () => {
    ok(kubectl('east', ['create', 'namespace', 'shop']));
    ok(kubectl('east', ['label', 'namespace', 'shop', 'istio.io/rev=canary']));
    ok(kubectl('east', ['-n', 'shop', 'create', 'deployment', 'cart', '--image=registry.k8s.io/pause:3.10', '--replicas=2']));
    const pods = await eventually('two Running, Ready pods of cart', () => {
      const list = parsePods(ok(kubectl('east', ['-n', 'shop', 'get', 'pods', '-l', 'app=cart', '-o', 'json'])));
      return list.length === 2 && list.every((p) => p.phase === 'Running' && p.ready) ? list : undefined;
    });
    for (const pod of pods) {
      expect(hasIstioProxy(pod), JSON.stringify(pod)).toBe(true);
      // istiod 1.31 records the revision as an annotation (not a label) besides sidecar.istio.io/status.
      expect(pod.annotations['istio.io/rev']).toBe('canary');
      expect(injectedRevision(pod)).toBe('canary');
      expect(pod.labels['service.istio.io/canonical-name']).toBe('cart');
    }
  });

  it('injects through the default tag for istio-injection=enabled (canary holds it, as on a fresh install)', async () => {
    ok(kubectl('east', ['create', 'namespace', 'legacy']));
    ok(kubectl('east', ['label', 'namespace', 'legacy', 'istio-injection=enabled']));
    ok(kubectl('east', ['-n', 'legacy', 'run', 'solo', '--image=registry.k8s.io/pause:3.10']));
    const pod = await eventually('pod solo Running', () => {
      const [p] = parsePods(ok(kubectl('east', ['-n', 'legacy', 'get', 'pods', '-o', 'json'])));
      return p && p.phase === 'Running' ? p : undefined;
    });
    expect(hasIstioProxy(pod)).toBe(true);
    expect(injectedRevision(pod)).toBe('canary');
  });

  it('leaves pods of unlabelled namespaces alone', async () => {
    ok(kubectl('east', ['-n', 'default', 'run', 'plain', '--image=registry.k8s.io/pause:3.10']));
    const pod = await eventually('pod plain Running', () => {
      const r = kubectl('east', ['-n', 'default', 'get', 'pod', 'plain', '-o', 'json']);
      const [p] = r.code === 0 ? parsePods(`{"items":[${r.stdout}]}`) : [];
      return p && p.phase === 'Running' ? p : undefined;
    });
    expect(hasIstioProxy(pod)).toBe(false);
  });

  const vs = (name: string, spec: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: shop
spec:
${spec}`;

  it('rejects a schema-invalid VirtualService at the API server (CRD schema, before any webhook)', () => {
    const r = kubectl('east', ['apply', '-f', '-'], vs('bad-weight', `  hosts: [cart]
  http:
  - route:
    - destination: {host: cart}
      weight: "eighty"`));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.http\[0\]\.route\[0\]\.weight/);
    expect(r.stderr).not.toMatch(/admission webhook/);
  });

  it('rejects a VirtualService only istiod can judge (host * bound to the mesh gateway) through its webhook', () => {
    const r = kubectl('east', ['apply', '-f', '-'], vs('wildcard', `  hosts: ["*"]
  gateways: [mesh]
  http:
  - route:
    - destination: {host: cart}`));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/admission webhook "[a-z.]*validation\.istio\.io" denied the request/);
    expect(r.stderr).toMatch(/wildcard host \* is not allowed for virtual services bound to the mesh gateway/);
  });

  it('accepts a valid VirtualService (the webhook does not reject everything)', () => {
    ok(kubectl('east', ['apply', '-f', '-'], vs('good', `  hosts: [cart]
  http:
  - route:
    - destination: {host: cart}
      weight: 80
    - destination: {host: cart-v2}
      weight: 20`)));
    expect(ok(kubectl('east', ['-n', 'shop', 'get', 'vs', 'good', '-o', 'name'])).trim()).toBe('virtualservice.networking.istio.io/good');
  });

  it('keeps the clusters apart: objects and ServiceAccount tokens of one mean nothing to the other', async () => {
    ok(kubectl('west', ['create', 'namespace', 'west-only']));
    expect(kubectl('east', ['get', 'namespace', 'west-only']).stderr).toMatch(/NotFound/);
    expect(kubectl('west', ['get', 'namespace', 'shop']).stderr).toMatch(/NotFound/);
    expect(ok(kubectl('west', ['get', 'vs', '-A', '-o', 'name'])).trim()).toBe('');

    const token = ok(kubectl('east', ['-n', 'default', 'create', 'token', 'default'])).trim();
    const ca = readFileSync(lab.caFile, 'utf8');
    const status = (server: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(new URL('/api', server), { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status(lab.cluster('east').server)).toBe(200);
    expect(await status(lab.cluster('west').server)).toBe(401);
  });

  it('stops every process it started, process groups included', async () => {
    const before = processesMentioning(dir);
    expect(before.length).toBeGreaterThanOrEqual(2 * 6);
    const report = await lab.stop({ purge: false });
    // etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and istiod-canary in each cluster.
    expect(report.stopped).toBe(2 * 6);
    expect(processesMentioning(dir)).toEqual([]);
    // Every pid is gone for good (reaped, not even a zombie), which the kernel confirms with ESRCH.
    const gone = (pid: number) => {
      try {
        process.kill(pid, 0);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ESRCH';
      }
    };
    await eventually('every lab pid to be reaped', () => (before.every((p) => gone(p.pid)) ? true : undefined), 10_000);
  });
});
