// Finding the pair of backendRefs in an HTTPRoute: defaults of the API (kind Service, weight 1), namespaces, rules.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import { httpRoutePairs } from './httproute.js';

const route = (rules: unknown[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'shop', namespace: 'shop' },
  spec: { parentRefs: [{ name: 'gw' }], rules },
});

describe('httpRoutePairs', () => {
  it('finds the pair; a backendRef without weight weighs 1', () => {
    const got = httpRoutePairs(route([{ backendRefs: [{ name: 'cart-v1', port: 80 }, { name: 'cart-v2', port: 80, weight: 0 }] }]), { backendRef: 'cart-v1' }, { backendRef: 'cart-v2' });
    expect(got.problems).toEqual([]);
    expect(got.pairs).toEqual([{ field: 'spec.rules[0]', fromPointer: '/spec/rules/0/backendRefs/0', toPointer: '/spec/rules/0/backendRefs/1', from: 1, to: 0 }]);
  });

  it('matches kind, group and namespace with the API defaults', () => {
    const rules = [
      {
        name: 'main',
        backendRefs: [
          { name: 'cart', kind: 'ServiceImport', group: 'multicluster.x-k8s.io', weight: 5 },
          { name: 'cart', namespace: 'other', weight: 7 },
          { name: 'cart', weight: 90 },
          { name: 'cart-v2', weight: 10 },
        ],
      },
    ];
    const local = httpRoutePairs(route(rules), { backendRef: 'cart' }, { backendRef: 'cart-v2' });
    expect(local.pairs.map((p) => [p.from, p.to])).toEqual([[90, 10]]);
    const other = httpRoutePairs(route(rules), { backendRef: 'cart', namespace: 'other' }, { backendRef: 'cart-v2' });
    expect(other.pairs.map((p) => [p.from, p.to])).toEqual([[7, 10]]);
    const imported = httpRoutePairs(route(rules), { backendRef: 'cart', kind: 'ServiceImport', group: 'multicluster.x-k8s.io' }, { backendRef: 'cart-v2' });
    expect(imported.pairs.map((p) => [p.from, p.to])).toEqual([[5, 10]]);
  });

  it('names rules by rules[].name and reports an unknown one', () => {
    const rules = [
      { name: 'api', backendRefs: [{ name: 'cart-v1', weight: 1 }, { name: 'cart-v2', weight: 1 }] },
      { name: 'web', backendRefs: [{ name: 'cart-v1', weight: 3 }, { name: 'cart-v2', weight: 1 }] },
    ];
    const web = httpRoutePairs(route(rules), { backendRef: 'cart-v1' }, { backendRef: 'cart-v2' }, ['web']);
    expect(web.pairs.map((p) => p.field)).toEqual(['spec.rules[1] (rule "web")']);
    const bad = httpRoutePairs(route(rules), { backendRef: 'cart-v1' }, { backendRef: 'cart-v2' }, ['wbe']);
    expect(bad.problems[0]?.message).toBe('no rule is named "wbe" (named rules: api, web)');
  });

  it('a rule without "to" under a name is an error that says to add it with weight 0', () => {
    const got = httpRoutePairs(route([{ name: 'main', backendRefs: [{ name: 'cart-v1' }] }]), { backendRef: 'cart-v1' }, { backendRef: 'cart-v2' }, ['main']);
    expect(got.pairs).toEqual([]);
    expect(got.problems[0]).toMatchObject({ severity: 'error', code: 'NoRoute' });
    expect(got.problems[0]?.message).toMatch(/add the missing backendRef to the rule with weight 0/);
  });
});
