// The finish checks' verdicts: OldGatewayTraffic over recorded Prometheus answers, ConfigParity and VendorTraces over objects (tables).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import { GateError } from '../../traffic/gates/gate.js';
import type { Series, VectorResult } from '../../traffic/gates/prometheus-response.js';
import type { VectorGate } from '../cross/quiet.js';
import type { FinishCheck } from './check-types.js';
import { configParity, oldGatewayTraffic, vendorTraces } from './checks.js';

/** Per gateway workload name, per query kind: the series Prometheus answers (or an error). */
type GatewayAnswers = Record<string, { traffic?: Series[] | GateError; live?: Series[]; unchanged?: Series[] }>;

function recordedGate(answers: GatewayAnswers): VectorGate & { asked: string[] } {
  const asked: string[] = [];
  return {
    address: 'http://127.0.0.1:9090',
    asked,
    queryVector(query: string): Promise<VectorResult> {
      asked.push(query);
      const gw = /source_workload="([^"]+)"/.exec(query)?.[1] ?? '';
      const a = answers[gw] ?? {};
      const r = query.includes(' offset ') ? a.unchanged : query.startsWith('count by') ? a.live : a.traffic;
      return Promise.resolve(r instanceof GateError ? { kind: 'error', error: r } : { kind: 'vector', series: r ?? [] });
    },
  };
}

const gw = (name: string, value: number, to = 'shop/frontend'): Series => {
  const [ns, w] = to.split('/');
  return { labels: { source_workload_namespace: 'istio-system', source_workload: name, destination_workload_namespace: ns!, destination_workload: w! }, value };
};
const n = (name: string, v: number): Series => ({ labels: { source_workload_namespace: 'istio-system', source_workload: name }, value: v });
const OLD = { cluster: 'tcm', workload: 'istio-system/istio-ingressgateway' };
const OTHER = { cluster: 'tcm', workload: 'istio-system/istio-egressgateway' };

type GatewayRow = { name: string; gateways: (typeof OLD)[]; answers: GatewayAnswers; verdict: FinishCheck['verdict']; evidence: RegExp[] };

const gatewayRows: GatewayRow[] = [
  { name: 'no gateway named: skipped, saying why', gateways: [], answers: {}, verdict: 'skipped', evidence: [/no old gateway is named/] },
  {
    name: 'an empty answer: notProven, with the query',
    gateways: [OLD],
    answers: {},
    verdict: 'notProven',
    evidence: [/^istio-system\/istio-ingressgateway in cluster tcm: not proven: Prometheus at http:\/\/127\.0\.0\.1:9090 has no request counter of this gateway/, /^query: sum by \(source_workload_namespace, source_workload, destination_workload_namespace, destination_workload\) \(increase\(istio_requests_total\{reporter="source", source_workload="istio-ingressgateway", source_workload_namespace="istio-system", source_cluster="tcm"\}\[10m\]\)\)$/],
  },
  {
    name: '0 requests with its series scraped and unchanged: pass',
    gateways: [OLD],
    answers: { 'istio-ingressgateway': { traffic: [gw('istio-ingressgateway', 0)], live: [n('istio-ingressgateway', 1)], unchanged: [n('istio-ingressgateway', 1)] } },
    verdict: 'pass',
    evidence: [/^istio-system\/istio-ingressgateway in cluster tcm: 0 requests over 10m; 1 series scraped now/, /^query: /],
  },
  {
    name: 'requests: fail with the rate per gateway and where they went',
    gateways: [OLD],
    answers: { 'istio-ingressgateway': { traffic: [gw('istio-ingressgateway', 600)], live: [n('istio-ingressgateway', 1)] } },
    verdict: 'fail',
    evidence: [/^istio-system\/istio-ingressgateway in cluster tcm: 600 requests over 10m \(1\/s\), from shop\/frontend 1\/s$/],
  },
  {
    name: 'NaN: notProven',
    gateways: [OLD],
    answers: { 'istio-ingressgateway': { traffic: [gw('istio-ingressgateway', NaN)], live: [n('istio-ingressgateway', 1)], unchanged: [n('istio-ingressgateway', 1)] } },
    verdict: 'notProven',
    evidence: [/not proven: Prometheus answered NaN/],
  },
  {
    name: 'an unreachable Prometheus: notProven, naming it',
    gateways: [OLD],
    answers: { 'istio-ingressgateway': { traffic: new GateError('unreachable', 'Prometheus at http://127.0.0.1:9090, query "…": unreachable (ECONNREFUSED)') } },
    verdict: 'notProven',
    evidence: [/^istio-system\/istio-ingressgateway in cluster tcm: not proven: Prometheus at .*unreachable \(ECONNREFUSED\)$/],
  },
  {
    name: 'one gateway quiet, the other carrying traffic: fail, the busy one first',
    gateways: [OLD, OTHER],
    answers: {
      'istio-ingressgateway': { traffic: [gw('istio-ingressgateway', 0)], live: [n('istio-ingressgateway', 1)], unchanged: [n('istio-ingressgateway', 1)] },
      'istio-egressgateway': { traffic: [gw('istio-egressgateway', 60, 'external/api')], live: [n('istio-egressgateway', 1)] },
    },
    verdict: 'fail',
    evidence: [/^istio-system\/istio-egressgateway in cluster tcm: 60 requests over 10m \(0\.1\/s\), from external\/api 0\.1\/s$/],
  },
  {
    name: 'one gateway quiet, the other never reported: notProven',
    gateways: [OLD, OTHER],
    answers: { 'istio-ingressgateway': { traffic: [gw('istio-ingressgateway', 0)], live: [n('istio-ingressgateway', 1)], unchanged: [n('istio-ingressgateway', 1)] } },
    verdict: 'notProven',
    evidence: [/^istio-system\/istio-egressgateway in cluster tcm: not proven/, /source_workload="istio-egressgateway"/],
  },
];

describe('oldGatewayTraffic', () => {
  it.each(gatewayRows)('$name', async (row) => {
    const r = await oldGatewayTraffic(recordedGate(row.answers), row.gateways, '10m');
    expect(r.name).toBe('OldGatewayTraffic');
    expect(r.verdict).toBe(row.verdict);
    for (const re of row.evidence) expect(r.evidence.some((l) => re.test(l)), `${re} in\n${r.evidence.join('\n')}`).toBe(true);
    expect(r.evidence[0]).not.toMatch(/^query:/);
  });

  it('refuses a gateway that is not namespace/name', async () => {
    await expect(oldGatewayTraffic(recordedGate({}), [{ cluster: 'tcm', workload: 'istio-ingressgateway' }], '10m')).rejects.toThrow(RangeError);
  });
});

const obj = (kind: string, ns: string, name: string, extra: Partial<KubeObject> = {}, apiVersion = kind === 'ConfigMap' || kind === 'Namespace' || kind === 'Secret' ? 'v1' : kind === 'Deployment' ? 'apps/v1' : 'networking.istio.io/v1'): KubeObject => ({
  apiVersion,
  kind,
  ...extra,
  metadata: { name, ...(ns ? { namespace: ns } : {}), ...(extra.metadata ?? {}) },
});
const vs = (name: string, host: string, extra: Record<string, unknown> = {}) => obj('VirtualService', 'shop', name, { spec: { hosts: [host], ...extra } } as Partial<KubeObject>);

describe('configParity', () => {
  const none = () => false;

  it('equal exports, a v1beta1 export against its v1 read, and server defaults in the target: pass', () => {
    const expected = [vs('a', 'a'), obj('ConfigMap', 'shop', 'c', { data: { k: 'v' } } as Partial<KubeObject>), { ...vs('b', 'b'), apiVersion: 'networking.istio.io/v1beta1' }];
    const actual = [vs('a', 'a', { gateways: ['mesh'] }), obj('ConfigMap', 'shop', 'c', { data: { k: 'v' } } as Partial<KubeObject>), vs('b', 'b')];
    const r = configParity(expected, actual, none);
    expect(r).toEqual({ name: 'ConfigParity', verdict: 'pass', evidence: ['all 3 objects of the source export (after the rules) are in the target as exported'] });
  });

  it('missing and changed objects fail, each named with the fields that differ; extras are listed, not failing', () => {
    const expected = [vs('a', 'a'), vs('b', 'b'), obj('ConfigMap', 'shop', 'c', { data: { k: 'v' }, metadata: { name: 'c', labels: { team: 'x' } } } as Partial<KubeObject>)];
    const actual = [vs('a', 'other'), obj('ConfigMap', 'shop', 'c', { data: { k: 'v' } } as Partial<KubeObject>), vs('z', 'z')];
    const r = configParity(expected, actual, none);
    expect(r.verdict).toBe('fail');
    expect(r.evidence).toEqual([
      '3 of 3 objects of the source export (after the rules) are missing from the target or differ',
      'missing: VirtualService shop/b',
      'changed: ConfigMap shop/c (metadata.labels)',
      'changed: VirtualService shop/a (spec.hosts[0])',
      'extra in the target (not failing): VirtualService shop/z',
    ]);
  });

  it('a Secret that differs is named by its fields, never its values', () => {
    const secret = (v: string) => obj('Secret', 'shop', 's', { type: 'Opaque', data: { password: Buffer.from(v).toString('base64') } } as Partial<KubeObject>);
    const r = configParity([secret('hunter2-source')], [secret('other-target')], none);
    expect(r.evidence.join('\n')).not.toContain(Buffer.from('hunter2-source').toString('base64'));
    expect(r.evidence.join('\n')).not.toContain(Buffer.from('other-target').toString('base64'));
  });

  it('objects the install plan owns (label) and those the caller excludes never count, on either side', () => {
    const owned = { metadata: { name: 'x', labels: { 'install.operator.istio.io/owning-resource': 'installed-state' } } };
    const expected = [vs('a', 'a'), obj('Gateway', 'istio-system', 'x', { ...owned, spec: {} } as Partial<KubeObject>), vs('router', 'r')];
    const actual = [vs('a', 'a'), vs('router', 'changed-by-the-shift'), obj('Gateway', 'istio-system', 'y', { ...owned, metadata: { ...owned.metadata, name: 'y' } } as Partial<KubeObject>)];
    const r = configParity(expected, actual, (o) => o.metadata.name === 'router');
    expect(r.verdict).toBe('pass');
    expect(r.evidence).toEqual(['all 1 objects of the source export (after the rules) are in the target as exported']);
  });

  it('names the first 20 missing objects, then counts the rest', () => {
    const expected = Array.from({ length: 25 }, (_, i) => vs(`vs-${String(i).padStart(2, '0')}`, 'h'));
    const r = configParity(expected, [], none);
    expect(r.verdict).toBe('fail');
    expect(r.evidence.filter((l) => l.startsWith('missing: '))).toHaveLength(20);
    expect(r.evidence).toContain('… and 5 more missing');
  });
});

const ns = (name: string, labels: Record<string, string>): KubeObject => obj('Namespace', '', name, { metadata: { name, labels } } as Partial<KubeObject>);
const deploy = (name: string, podLabels: Record<string, string>, labels: Record<string, string> = {}): KubeObject =>
  obj('Deployment', 'shop', name, { metadata: { name, labels }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, ...podLabels } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } } as Partial<KubeObject>);

type TraceRow = { name: string; objects: KubeObject[]; opts: Parameters<typeof vendorTraces>[1]; verdict: FinishCheck['verdict']; traces: RegExp[]; notes?: RegExp[] };

const traceRows: TraceRow[] = [
  { name: 'self-built source, no revision: skipped', objects: [ns('shop', { 'istio.io/rev': '1-18-5' })], opts: {}, verdict: 'skipped', traces: [] },
  {
    name: 'TCM: the analyzer skips 1-x-y revisions, the literal source revision is still found on namespaces and pod templates',
    objects: [ns('shop', { 'istio.io/rev': '1-18-5' }), deploy('frontend', { 'istio.io/rev': '1-18-5' }), deploy('cart', { 'istio.io/rev': '1-31-1' }), ns('payments', { 'istio.io/rev': '1-31-1' })],
    opts: { managed: 'tcm', sourceRevision: '1-18-5', targetRevisions: ['1-31-1'] },
    verdict: 'fail',
    traces: [/^trace: Namespace shop: labels carry istio\.io\/rev=1-18-5, the source's revision/, /^trace: Deployment shop\/frontend: pod template labels carry istio\.io\/rev=1-18-5/],
  },
  {
    name: 'ASM: its inject label and asm- revision are found by the analyzer, once each',
    objects: [deploy('frontend', { 'sidecar.asm.aliyun.com/inject': 'true' }), ns('shop', { 'istio.io/rev': 'asm-1-18' })],
    opts: { managed: 'asm', sourceRevision: 'asm-1-18' },
    verdict: 'fail',
    traces: [/^trace: Deployment shop\/frontend: label sidecar\.asm\.aliyun\.com\/inject is a trace of Alibaba Service Mesh/, /^trace: Namespace shop: revision label istio\.io\/rev=asm-1-18 is a trace of Alibaba/],
  },
  {
    name: 'a clean target: pass',
    objects: [ns('shop', { 'istio.io/rev': '1-31-1' }), deploy('frontend', { 'istio.io/rev': '1-31-1' })],
    opts: { managed: 'tcm', sourceRevision: '1-18-5' },
    verdict: 'pass',
    traces: [],
  },
  {
    name: 'a source revision the target uses too is not looked for, and says so',
    objects: [ns('shop', { 'istio.io/rev': 'default' })],
    opts: { sourceRevision: 'default', targetRevisions: ['default'] },
    verdict: 'pass',
    traces: [],
    notes: [/^the source revision default is also a target revision/],
  },
];

describe('vendorTraces', () => {
  it.each(traceRows)('$name', (row) => {
    const r = vendorTraces(row.objects, row.opts);
    expect(r.name).toBe('VendorTraces');
    expect(r.verdict).toBe(row.verdict);
    const traces = r.evidence.filter((l) => l.startsWith('trace: '));
    expect(traces).toHaveLength(row.traces.length);
    for (const re of row.traces) expect(traces.some((l) => re.test(l)), `${re} in\n${r.evidence.join('\n')}`).toBe(true);
    for (const re of row.notes ?? []) expect(r.evidence.some((l) => re.test(l)), `${re} in\n${r.evidence.join('\n')}`).toBe(true);
  });
});
