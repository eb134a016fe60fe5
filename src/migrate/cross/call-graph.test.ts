// The call graph between namespaces and the wave-order check, as tables.
import { describe, expect, test } from 'vitest';
import { callGroups, checkWaves, describeViolation, edgesFrom, type CallEdge, type CallSample } from './call-graph.js';

const sample = (from: string, to: string, value: number, reporter = 'source'): CallSample => ({
  labels: { source_workload_namespace: from, destination_workload_namespace: to, reporter },
  value,
});
const edge = (from: string, to: string, requests = 10): CallEdge => ({ from, to, requests });

describe('edgesFrom', () => {
  test.each([
    ['one call', [sample('shop', 'payments', 12)], [edge('shop', 'payments', 12)]],
    ['both reporters: the larger count, never the sum', [sample('shop', 'payments', 12), sample('shop', 'payments', 15, 'destination')], [edge('shop', 'payments', 15)]],
    ['a namespace calling itself is no edge', [sample('shop', 'shop', 5)], []],
    ['ingress from the gateways and callers outside the mesh are left to the shifts', [sample('istio-system', 'shop', 50), sample('unknown', 'shop', 3)], []],
    ['no requests in the window (0 or NaN) is no edge', [sample('a', 'b', 0), sample('c', 'd', Number.NaN)], []],
    ['missing labels are no edge', [{ labels: { source_workload_namespace: 'a' }, value: 3 }], []],
    ['a label that is no namespace name (terminal escapes, capitals) is no edge', [sample('shop', 'pay\u001b]0;x\u0007', 3), sample('shop', 'pay\u009b1m', 3), sample('Shop', 'payments', 3)], []],
    ['sorted by caller, then callee', [sample('b', 'a', 1), sample('a', 'c', 1), sample('a', 'b', 1)], [edge('a', 'b', 1), edge('a', 'c', 1), edge('b', 'a', 1)]],
  ])('%s', (_name, samples, want) => {
    expect(edgesFrom(samples)).toEqual(want);
  });

  test('the ignored namespaces can be chosen (gateways in their own namespace)', () => {
    expect(edgesFrom([sample('istio-ingress', 'shop', 5), sample('istio-system', 'shop', 5)], ['istio-ingress'])).toEqual([edge('istio-system', 'shop', 5)]);
  });
});

describe('callGroups', () => {
  test.each([
    ['a chain is one group, whatever the direction', [edge('a', 'b'), edge('c', 'b')], [], [['a', 'b', 'c']]],
    ['two separate pairs', [edge('d', 'c'), edge('a', 'b')], [], [['a', 'b'], ['c', 'd']]],
    ['a declared path does not bind', [edge('a', 'b')], [{ from: 'a', to: 'b', via: 'istio-system/egress' }], []],
    ['a declared path binds only its direction', [edge('a', 'b'), edge('b', 'a')], [{ from: 'a', to: 'b', via: 'gw' }], [['a', 'b']]],
  ])('%s', (_name, edges, paths, want) => {
    expect(callGroups(edges, paths)).toEqual(want);
  });
});

describe('checkWaves', () => {
  const twoWaves = { waves: [{ name: 'shop', namespaces: ['shop'] }, { name: 'payments', namespaces: ['payments'] }] };

  test('callers and callees in one wave: nothing splits', () => {
    expect(checkWaves({ waves: [{ name: 'w', namespaces: ['shop', 'payments'] }] }, [edge('shop', 'payments'), edge('payments', 'shop')])).toEqual([]);
  });

  test('shop and payments call each other in two waves: both calls split at the first wave, with the group to move together', () => {
    const v = checkWaves(twoWaves, [edge('shop', 'payments', 40), edge('payments', 'shop', 7)]);
    expect(v).toEqual([
      { wave: 'shop', edge: edge('payments', 'shop', 7), moved: 'callee', laterWave: 'payments', together: ['payments', 'shop'] },
      { wave: 'shop', edge: edge('shop', 'payments', 40), moved: 'caller', laterWave: 'payments', together: ['payments', 'shop'] },
    ]);
    expect(describeViolation(v[1]!)).toBe(
      'calls shop → payments (40 requests in the window) would cross the meshes: its caller shop moves in wave shop, the other side only in wave payments; move payments, shop together, or declare the path in crossMeshPaths',
    );
  });

  test('a namespace in no wave stays in the old mesh: a call to it splits for good', () => {
    const v = checkWaves({ waves: [{ name: 'shop', namespaces: ['shop'] }] }, [edge('shop', 'legacy', 3)]);
    expect(v).toEqual([{ wave: 'shop', edge: edge('shop', 'legacy', 3), moved: 'caller', together: ['legacy', 'shop'] }]);
    expect(describeViolation(v[0]!)).toContain('the other side in no wave (it stays in the old mesh)');
  });

  test('a declared path allows the call in its direction only', () => {
    const order = { ...twoWaves, crossMeshPaths: [{ from: 'shop', to: 'payments', via: 'istio-system/istio-egressgateway' }] };
    expect(checkWaves(order, [edge('shop', 'payments'), edge('payments', 'shop')]).map((x) => `${x.edge.from}->${x.edge.to}`)).toEqual(['payments->shop']);
  });

  test('calls between namespaces of no wave are not the migration\'s business', () => {
    expect(checkWaves(twoWaves, [edge('x', 'y')])).toEqual([]);
  });

  test('a call split by a later wave is named at that wave', () => {
    const order = { waves: [{ name: 'one', namespaces: ['a'] }, { name: 'two', namespaces: ['b'] }, { name: 'three', namespaces: ['c'] }] };
    expect(checkWaves(order, [edge('b', 'c')]).map((x) => [x.wave, x.moved, x.laterWave])).toEqual([['two', 'caller', 'three']]);
  });
});
