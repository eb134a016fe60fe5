// SourcePods: the InPlace verdict (pods injected by the source in the waves' scope) and the CrossCluster verdict (workloads with replicas or running pods in the source cluster), as tables.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import type { Workload } from '../cluster/workloads.js';
import { MemoryApiServer } from '../../../test/support/kube/memory-apiserver.js';
import { crossClusterSourcePods, inPlaceSourcePods, MAX_EVIDENCE, readCrossClusterSourcePods, readDecommissionSourcePods, sidecarsOnSource, type InPlaceSourcePodsInput } from './source-pods.js';

const pod = (ns: string, name: string, labels: Record<string, string>, rev?: string, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels, ...(rev ? { annotations: { 'istio.io/rev': rev, 'sidecar.istio.io/status': JSON.stringify({ revision: rev }) } } : {}) },
  spec: { containers: [{ name: 'app' }, ...(rev ? [{ name: 'istio-proxy' }] : [])] },
  status: { phase },
});
const gateway: Workload = { kind: 'Deployment', namespace: 'gw', name: 'ingress', podLabels: { istio: 'ingress' }, podAnnotations: {}, strategy: 'RollingUpdate', replicas: 1, selector: { matchLabels: { istio: 'ingress' } }, gateway: true, generation: 1, resourceVersion: '1' };

function input(pods: KubeObject[], over: Partial<InPlaceSourcePodsInput> = {}): InPlaceSourcePodsInput {
  return { source: 'old', context: 'lab', namespaces: ['shop'], workloads: [gateway], pods, untouchable: [], untouched: 'residue', ...over };
}

describe('inPlaceSourcePods', () => {
  const rows: [string, KubeObject[], Partial<InPlaceSourcePodsInput>, 'pass' | 'fail', RegExp][] = [
    ['every pod of the scope on the target', [pod('shop', 'a', { app: 'a' }, 'new')], {}, 'pass', /no running pod of shop or of the waves' gateways in context lab is injected by old/],
    ['a pod of a wave namespace on the source', [pod('shop', 'a', { app: 'a' }, 'old')], {}, 'fail', /^pod shop\/a in context lab runs a sidecar injected by the source revision old$/],
    ['a gateway pod on the source, outside the wave namespaces', [pod('gw', 'ingress-1', { istio: 'ingress' }, 'old')], {}, 'fail', /^pod gw\/ingress-1 in context lab/],
    ['a pod on the source outside the scope', [pod('other', 'x', { app: 'x' }, 'old')], {}, 'pass', /no running pod/],
    ['a completed pod on the source', [pod('shop', 'job-1', { app: 'j' }, 'old', 'Succeeded')], {}, 'pass', /no running pod/],
    ['a pod without a sidecar', [pod('shop', 'plain', { app: 'p' })], {}, 'pass', /no running pod/],
    ['a bare pod on the source: residue for the engine', [pod('shop', 'bare', {}, 'old')], { untouchable: [{ kind: 'Pod', namespace: 'shop', name: 'bare', reason: 'bare' }] }, 'pass', /pod shop\/bare .*no controller restarts it/],
    ['a bare pod on the source: a failure before decommission', [pod('shop', 'bare', {}, 'old')], { untouchable: [{ kind: 'Pod', namespace: 'shop', name: 'bare', reason: 'bare' }], untouched: 'fail' }, 'fail', /pod shop\/bare .*no controller restarts it/],
  ];
  it.each(rows)('%s', (_what, pods, over, verdict, evidence) => {
    const c = inPlaceSourcePods(input(pods, over));
    expect(c.name).toBe('SourcePods');
    expect(c.verdict).toBe(verdict);
    expect(c.evidence.some((e) => evidence.test(e)), c.evidence.join('\n')).toBe(true);
  });
  it('caps the evidence and counts the rest', () => {
    const pods = Array.from({ length: MAX_EVIDENCE + 5 }, (_, i) => pod('shop', `p${String(i).padStart(2, '0')}`, { app: 'a' }, 'old'));
    const c = inPlaceSourcePods(input(pods));
    expect(c.evidence).toHaveLength(MAX_EVIDENCE + 1);
    expect(c.evidence.at(-1)).toBe('... and 5 more');
  });
});

const workload = (kind: string, ns: string, name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'apps/v1', kind, metadata: { name, namespace: ns }, spec, status });

describe('crossClusterSourcePods', () => {
  const rows: [string, KubeObject[], KubeObject[], 'pass' | 'fail', string[]][] = [
    ['scaled to 0 and no pods', [workload('Deployment', 'shop', 'cart', { replicas: 0 }), workload('StatefulSet', 'shop', 'db', { replicas: 0 })], [], 'pass', ['no workload of shop in context tcm has replicas, and no pod there runs']],
    ['a Deployment with replicas', [workload('Deployment', 'shop', 'cart', { replicas: 2 })], [], 'fail', ['Deployment shop/cart in context tcm has spec.replicas 2']],
    ['replicas absent means 1', [workload('StatefulSet', 'shop', 'db', {})], [], 'fail', ['StatefulSet shop/db in context tcm has spec.replicas 1']],
    ['a DaemonSet with a scheduled pod', [workload('DaemonSet', 'shop', 'agent', {}, { currentNumberScheduled: 1, desiredNumberScheduled: 1 })], [], 'fail', ['DaemonSet shop/agent in context tcm still schedules pods (1 scheduled, 1 desired)']],
    ['a DaemonSet scheduling nothing', [workload('DaemonSet', 'shop', 'agent', {}, { currentNumberScheduled: 0, desiredNumberScheduled: 0 })], [], 'pass', ['no workload of shop in context tcm has replicas, and no pod there runs']],
    ['a running bare pod left (it never goes by itself)', [workload('Deployment', 'shop', 'cart', { replicas: 0 })], [pod('shop', 'cart-1', {})], 'fail', ['pod shop/cart-1 in context tcm is Running']],
    ['a completed pod does not count', [], [pod('shop', 'job-1', {}, undefined, 'Succeeded')], 'pass', ['no workload of shop in context tcm has replicas, and no pod there runs']],
    ['outside the waves\' namespaces does not count', [workload('Deployment', 'other', 'x', { replicas: 3 })], [pod('other', 'x-1', {})], 'pass', ['no workload of shop in context tcm has replicas, and no pod there runs']],
  ];
  it.each(rows)('%s', (_what, workloads, pods, verdict, evidence) => {
    expect(crossClusterSourcePods({ context: 'tcm', namespaces: ['shop'], workloads, pods })).toEqual({ name: 'SourcePods', verdict, evidence });
  });

  it('reads the waves\' namespaces of the source cluster through its client', async () => {
    const { server, client } = await MemoryApiServer.start();
    try {
      server.seed(workload('Deployment', 'shop', 'cart', { replicas: 1 }));
      server.seed(workload('Deployment', 'shop', 'web', { replicas: 0 }));
      server.seed(workload('StatefulSet', 'payments', 'db', { replicas: 2 }));
      server.seed(workload('Deployment', 'elsewhere', 'x', { replicas: 5 }));
      const c = await readCrossClusterSourcePods(client, { mode: 'CrossCluster', source: { context: 'fake' }, target: { context: 'p', revision: 'r' }, waves: [{ name: 'w', namespaces: ['shop', 'payments'] }] });
      expect(c).toEqual({ name: 'SourcePods', verdict: 'fail', evidence: ['StatefulSet payments/db in context fake has spec.replicas 2', 'Deployment shop/cart in context fake has spec.replicas 1'] });
    } finally {
      await server.stop();
    }
  });
});

describe('sidecarsOnSource (decommission: every sidecar of the source, wherever it runs)', () => {
  const pods = [pod('shop', 'a', {}, 'old'), pod('untouched-ns', 'b', {}, 'old'), pod('gw', 'ingress-1', {}, 'new'), pod('x', 'plain', {}), pod('x', 'done', {}, 'old', 'Succeeded')];
  it('one revision: its running pods in any namespace', () => {
    expect(sidecarsOnSource(pods, ['old'], 'lab')).toEqual(['pod shop/a in context lab runs a sidecar injected by the source revision old', 'pod untouched-ns/b in context lab runs a sidecar injected by the source revision old']);
  });
  it('all revisions (a CrossCluster source cluster), outside the skipped namespaces', () => {
    expect(sidecarsOnSource(pods, 'all', 'tcm', new Set(['shop']))).toEqual(['pod gw/ingress-1 in context tcm runs a sidecar injected by the source revision new', 'pod untouched-ns/b in context tcm runs a sidecar injected by the source revision old']);
  });
  it('CrossCluster: the waves\' replicas fail it too (the in-memory server serves no Pods)', async () => {
    const { server, client } = await MemoryApiServer.start();
    try {
      const spec = { mode: 'CrossCluster' as const, source: { context: 'fake' }, target: { context: 'p', revision: 'r' }, waves: [{ name: 'w', namespaces: ['shop'] }] };
      server.seed(workload('Deployment', 'shop', 'cart', { replicas: 0 }));
      expect(await readDecommissionSourcePods(client, spec, 'old')).toEqual({ name: 'SourcePods', verdict: 'pass', evidence: ['no workload of shop in context fake has replicas, and no pod there runs', 'no running pod elsewhere in context fake carries a sidecar'] });
      server.seed(workload('StatefulSet', 'shop', 'db', { replicas: 1 }));
      expect(await readDecommissionSourcePods(client, spec, 'old')).toEqual({ name: 'SourcePods', verdict: 'fail', evidence: ['StatefulSet shop/db in context fake has spec.replicas 1'] });
    } finally {
      await server.stop();
    }
  });
});
