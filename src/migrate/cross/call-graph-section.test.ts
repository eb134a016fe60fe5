// The call-graph section of the CrossCluster plan, fed edges: which calls it shows, the groups, the violations, and "unknown".
import { describe, expect, it } from 'vitest';
import type { MeshMigrationSpec } from '../spec.js';
import type { CallEdge } from './call-graph.js';
import type { CallGraph } from './call-graph-query.js';
import { callGraphBlocks, callGraphSection, formatCalls, renderCallGraphSection, violationLine, type CallGraphSection } from './call-graph-section.js';

type Spec = Pick<MeshMigrationSpec, 'waves' | 'crossMeshPaths' | 'callGraph' | 'prometheus'>;
const edge = (from: string, to: string, requests = 3600): CallEdge => ({ from, to, requests });
const known = (...edges: CallEdge[]): CallGraph => ({ known: true, edges, series: edges.length });
const base: Spec = { prometheus: { address: 'http://127.0.0.1:9090' }, waves: [{ name: 'shop', namespaces: ['shop'] }, { name: 'payments', namespaces: ['payments'] }] };
const HOUR = { windowSeconds: 3600, acceptUnknownCalls: false };

interface Row {
  name: string;
  spec?: Partial<Spec>;
  graph: CallGraph;
  opts?: { windowSeconds: number; acceptUnknownCalls: boolean };
  want: Partial<CallGraphSection> & Record<string, unknown>;
  blocks: boolean;
}

const rows: Row[] = [
  {
    name: 'shop calls payments, two waves: one violation at wave shop, the group in wave order, the rate over the window',
    graph: known(edge('shop', 'payments', 7200)),
    want: {
      known: true,
      window: '168h',
      windowDefault: true,
      prometheus: 'http://127.0.0.1:9090',
      edges: [{ from: 'shop', to: 'payments', requests: 7200, perSecond: 2 }],
      groups: [['shop', 'payments']],
      violations: [{ wave: 'shop', edge: { from: 'shop', to: 'payments', requests: 7200, perSecond: 2 }, moved: 'caller', laterWave: 'payments', together: ['shop', 'payments'] }],
    },
    blocks: true,
  },
  {
    name: 'both in one wave: the edge and the group, no violation',
    spec: { waves: [{ name: 'both', namespaces: ['payments', 'shop'] }] },
    graph: known(edge('shop', 'payments')),
    want: { edges: [{ from: 'shop', to: 'payments', requests: 3600, perSecond: 1 }], groups: [['payments', 'shop']], violations: [] },
    blocks: false,
  },
  {
    name: 'a crossMeshPaths entry allows its call: no violation, no group',
    spec: { crossMeshPaths: [{ from: 'shop', to: 'payments', via: 'istio-system/istio-egressgateway' }] },
    graph: known(edge('shop', 'payments')),
    want: { groups: [], violations: [] },
    blocks: false,
  },
  {
    name: 'a crossMeshPaths entry allows one direction only: the call back is still split, by its callee moving first',
    spec: { crossMeshPaths: [{ from: 'shop', to: 'payments', via: 'gw' }] },
    graph: known(edge('shop', 'payments'), edge('payments', 'shop', 36)),
    want: { violations: [{ wave: 'shop', edge: { from: 'payments', to: 'shop', requests: 36, perSecond: 0.01 }, moved: 'callee', laterWave: 'payments', together: ['shop', 'payments'] }] },
    blocks: true,
  },
  {
    name: 'a callee in no wave stays in the source: split for good, and it joins the group after the wave namespaces',
    spec: { waves: [{ name: 'shop', namespaces: ['shop'] }] },
    graph: known(edge('shop', 'legacy')),
    want: { groups: [['shop', 'legacy']], violations: [{ wave: 'shop', edge: { from: 'shop', to: 'legacy', requests: 3600, perSecond: 1 }, moved: 'caller', together: ['shop', 'legacy'] }] },
    blocks: true,
  },
  {
    name: 'calls between namespaces of no wave are left out of the section',
    graph: known(edge('x', 'y'), edge('payments', 'ledger')),
    want: { edges: [{ from: 'payments', to: 'ledger', requests: 3600, perSecond: 1 }], groups: [['payments', 'ledger']] },
    blocks: true,
  },
  {
    name: 'no calls around the waves: nothing to split',
    graph: known(),
    want: { edges: [], groups: [], violations: [] },
    blocks: false,
  },
  {
    name: 'the window as written is kept and not marked default',
    spec: { callGraph: { window: '1h30m' } },
    graph: known(edge('shop', 'payments', 540)),
    opts: { windowSeconds: 5400, acceptUnknownCalls: false },
    want: { window: '1h30m', windowDefault: false, edges: [{ from: 'shop', to: 'payments', requests: 540, perSecond: 0.1 }] },
    blocks: true,
  },
  {
    name: 'no spec.prometheus: unknown, blocking without the flag',
    spec: { prometheus: undefined },
    graph: { known: false, reason: 'spec.prometheus is not set' },
    want: { known: false, reason: 'spec.prometheus is not set', accepted: false },
    blocks: true,
  },
  {
    name: 'unknown, accepted with --accept-unknown-calls',
    graph: { known: false, reason: 'no istio_requests_total' },
    opts: { windowSeconds: 3600, acceptUnknownCalls: true },
    want: { known: false, accepted: true, prometheus: 'http://127.0.0.1:9090' },
    blocks: false,
  },
  {
    name: 'the flag changes nothing when the graph is known: violations still block',
    graph: known(edge('shop', 'payments')),
    opts: { windowSeconds: 3600, acceptUnknownCalls: true },
    want: { known: true },
    blocks: true,
  },
];

describe('callGraphSection', () => {
  it.each(rows)('$name', ({ spec, graph, opts, want, blocks }) => {
    const s = callGraphSection({ ...base, ...spec }, graph, opts ?? HOUR);
    expect(s).toMatchObject(want);
    expect(callGraphBlocks(s)).toBe(blocks);
  });

  it('a section without spec.prometheus names no address (JSON and YAML carry no empty field)', () => {
    const { prometheus: _p, ...noProm } = base;
    expect(callGraphSection(noProm, { known: false, reason: 'r' }, HOUR)).not.toHaveProperty('prometheus');
  });
});

describe('rendering', () => {
  it('a violation names the call, its rate, the wave, the other side and the group to move together', () => {
    const [v] = (callGraphSection(base, known(edge('shop', 'payments', 7200)), HOUR) as Extract<CallGraphSection, { known: true }>).violations;
    expect(violationLine(v!)).toBe(
      'after wave shop: shop → payments (7200 requests, 2.00/s) crosses the meshes: its caller shop moves in wave shop, the other side only in wave payments; move shop, payments together, or declare the call in crossMeshPaths',
    );
  });

  it.each([
    [{ requests: 12, perSecond: 12 / 604_800 }, '12 requests, 0.000020/s'],
    [{ requests: 0.4, perSecond: 0.05 }, '0 requests, 0.05/s'],
    [{ requests: 1e6, perSecond: 277.7 }, '1000000 requests, 278/s'],
  ])('formatCalls %j', (e, want) => {
    expect(formatCalls(e)).toBe(want);
  });

  it('namespace names come from Prometheus labels: terminal escapes are made harmless', () => {
    const lines = renderCallGraphSection(callGraphSection(base, known(edge('shop', 'pay\u001b]0;owned\u0007')), HOUR)).join('\n');
    expect(lines).not.toMatch(/\u001b|\u0007/);
    expect(lines).toContain('shop → pay');
  });

  it('unknown says what is missing and which flag goes on without it', () => {
    const { prometheus: _p, ...noProm } = base;
    expect(renderCallGraphSection(callGraphSection(noProm, { known: false, reason: 'spec.prometheus is not set' }, HOUR))).toEqual([
      'Call graph: unknown over 168h (the default: callGraph.window is unset): spec.prometheus is not set',
      '  blocking: pass --accept-unknown-calls to go on without it, or set spec.prometheus.address to a Prometheus that scrapes the source mesh',
    ]);
    expect(renderCallGraphSection(callGraphSection(base, { known: false, reason: 'r' }, { windowSeconds: 1, acceptUnknownCalls: true }))[1]).toMatch(/^ {2}accepted with --accept-unknown-calls: no wave order is checked/);
  });
});
