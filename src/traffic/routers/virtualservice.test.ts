// Finding the pair in a VirtualService and patching only its weights: a table of shapes, and a field-keeping patch.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import { applyPatchOperation } from '../../transform/json-patch.js';
import { virtualServicePairs } from './virtualservice.js';
import { weightPatch } from './weighted-objects.js';

const vs = (spec: Record<string, unknown>, ns = 'shop'): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'cart', namespace: ns, resourceVersion: '7' },
  spec,
});
const dest = (host: string, weight?: number, extra: Record<string, unknown> = {}) => ({
  destination: { host, ...extra },
  ...(weight === undefined ? {} : { weight }),
});

describe('virtualServicePairs', () => {
  const rows: {
    name: string;
    spec: Record<string, unknown>;
    from?: { host: string; subset?: string; port?: number };
    to?: { host: string; subset?: string; port?: number };
    routes?: string[];
    pairs: { field: string; from: number; to: number; fromPointer?: string }[];
    problems: { severity: string; code?: string; match: RegExp }[];
  }[] = [
    {
      name: 'one http route with both hosts',
      spec: { http: [{ route: [dest('cart-v1', 90), dest('cart-v2', 10)] }] },
      pairs: [{ field: 'spec.http[0]', from: 90, to: 10, fromPointer: '/spec/http/0/route/0' }],
      problems: [],
    },
    {
      name: 'short and full host names are the same host (in the VirtualService namespace)',
      spec: { http: [{ route: [dest('cart-v1.shop.svc.cluster.local', 100), dest('cart-v2', 0)] }] },
      pairs: [{ field: 'spec.http[0]', from: 100, to: 0 }],
      problems: [],
    },
    {
      name: 'a short host of another namespace is another host',
      spec: { http: [{ route: [dest('cart-v1.other.svc.cluster.local', 100), dest('cart-v2', 0)] }] },
      pairs: [],
      problems: [{ severity: 'warning', code: 'NoRoute', match: /only one side/ }, { severity: 'error', code: 'NoRoute', match: /no route holds both/ }],
    },
    {
      name: 'missing weights in a list of two mean 0 (route.go ignores them)',
      spec: { http: [{ route: [dest('cart-v1'), dest('cart-v2')] }] },
      pairs: [{ field: 'spec.http[0]', from: 0, to: 0 }],
      problems: [],
    },
    {
      name: 'named routes across http, tls and tcp; others untouched',
      spec: {
        http: [{ name: 'main', route: [dest('cart-v1', 80), dest('cart-v2', 20)] }, { name: 'admin', route: [dest('cart-v1', 100), dest('cart-v2', 0)] }],
        tcp: [{ name: 'raw', route: [dest('cart-v1', 70), dest('cart-v2', 30)] }],
      },
      routes: ['main', 'raw'],
      pairs: [
        { field: 'spec.http[0] (route "main")', from: 80, to: 20 },
        { field: 'spec.tcp[0] (route "raw")', from: 70, to: 30, fromPointer: '/spec/tcp/0/route/0' },
      ],
      problems: [],
    },
    {
      name: 'a named route that does not exist',
      spec: { http: [{ name: 'main', route: [dest('cart-v1', 100), dest('cart-v2', 0)] }] },
      routes: ['mian'],
      pairs: [],
      problems: [{ severity: 'error', code: 'NoRoute', match: /no route is named "mian" \(named routes: main\)/ }],
    },
    {
      name: 'a named route without "to" is an error that says to add it with weight 0',
      spec: { http: [{ name: 'main', route: [dest('cart-v1', 100)] }] },
      routes: ['main'],
      pairs: [],
      problems: [{ severity: 'error', code: 'NoRoute', match: /no destination for "to" \(host cart-v2\).*weight 0/ }],
    },
    {
      name: 'by default a route holding one side is a warning, the pair elsewhere still moves',
      spec: { http: [{ match: [{ uri: { prefix: '/a' } }], route: [dest('cart-v1', 100)] }, { route: [dest('cart-v1', 100), dest('cart-v2', 0)] }] },
      pairs: [{ field: 'spec.http[1]', from: 100, to: 0 }],
      problems: [{ severity: 'warning', code: 'NoRoute', match: /spec|only one side/ }],
    },
    {
      name: 'subsets of one host: the side naming a subset takes its entry',
      spec: { http: [{ route: [dest('cart', 75, { subset: 'v1' }), dest('cart', 25, { subset: 'v2' })] }] },
      from: { host: 'cart', subset: 'v1' },
      to: { host: 'cart', subset: 'v2' },
      pairs: [{ field: 'spec.http[0]', from: 75, to: 25 }],
      problems: [],
    },
    {
      name: 'a side naming no subset leaves the entry to the side that names it',
      spec: { http: [{ route: [dest('cart', 75, { subset: 'v1' }), dest('cart', 25, { subset: 'v2' })] }] },
      from: { host: 'cart' },
      to: { host: 'cart', subset: 'v2' },
      pairs: [{ field: 'spec.http[0]', from: 75, to: 25 }],
      problems: [],
    },
    {
      name: 'the same destination on both sides is refused',
      spec: { http: [{ route: [dest('cart', 100), dest('other', 0)] }] },
      from: { host: 'cart' },
      to: { host: 'cart' },
      pairs: [],
      problems: [{ severity: 'error', code: 'Ambiguous', match: /both match the same destination/ }],
    },
    {
      name: 'ports pick among entries of one host',
      spec: { http: [{ route: [dest('cart', 60, { port: { number: 80 } }), dest('cart', 40, { port: { number: 8080 } })] }] },
      from: { host: 'cart', port: 80 },
      to: { host: 'cart', port: 8080 },
      pairs: [{ field: 'spec.http[0]', from: 60, to: 40 }],
      problems: [],
    },
    {
      name: 'two entries for "to" are ambiguous',
      spec: { http: [{ route: [dest('cart-v1', 50), dest('cart-v2', 25, { subset: 'a' }), dest('cart-v2', 25, { subset: 'b' })] }] },
      pairs: [],
      problems: [{ severity: 'error', code: 'Ambiguous', match: /"to" \(host cart-v2\) matches several/ }],
    },
    {
      name: 'a third destination keeps its weight and is a warning',
      spec: { http: [{ route: [dest('cart-v1', 50), dest('cart-v2', 25), dest('mirror-ish', 25)] }] },
      pairs: [{ field: 'spec.http[0]', from: 50, to: 25 }],
      problems: [{ severity: 'warning', match: /1 destination\(s\) besides/ }],
    },
    {
      name: 'no routes at all',
      spec: { hosts: ['cart'] },
      pairs: [],
      problems: [{ severity: 'error', code: 'NoRoute', match: /no route holds both/ }],
    },
  ];
  it.each(rows)('$name', (row) => {
    const got = virtualServicePairs(vs(row.spec), row.from ?? { host: 'cart-v1' }, row.to ?? { host: 'cart-v2' }, row.routes);
    expect(got.pairs.map((p) => ({ field: p.field, from: p.from, to: p.to }))).toEqual(row.pairs.map(({ field, from, to }) => ({ field, from, to })));
    for (const [i, p] of row.pairs.entries()) if (p.fromPointer) expect(got.pairs[i]?.fromPointer).toBe(p.fromPointer);
    expect(got.problems).toHaveLength(row.problems.length);
    row.problems.forEach((want, i) => {
      const p = got.problems[i];
      expect(p?.severity).toBe(want.severity);
      if (want.code) expect(p?.code).toBe(want.code);
      expect(p?.message).toMatch(want.match);
    });
  });
});

describe('weightPatch', () => {
  const rich = () =>
    vs({
      hosts: ['cart'],
      http: [
        { name: 'canary-header', match: [{ headers: { x: { exact: 'y' } } }], route: [dest('cart-v2', 100)] },
        {
          name: 'main',
          retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' },
          timeout: '10s',
          headers: { request: { set: { a: 'b' } } },
          mirror: { host: 'shadow' },
          fault: { delay: { percentage: { value: 1 }, fixedDelay: '1s' } },
          corsPolicy: { allowOrigins: [{ exact: 'https://x' }] },
          someFieldFromTheFuture: { keep: true },
          route: [dest('cart-v1', 100, { port: { number: 80 } }), { destination: { host: 'cart-v2' }, headers: { response: { add: { v: '2' } } } }],
        },
      ],
    });

  it('touches only the weights, guarded by the resourceVersion; adds a missing weight field', () => {
    const obj = rich();
    const pairs = virtualServicePairs(obj, { host: 'cart-v1' }, { host: 'cart-v2' }, ['main']).pairs;
    const ops = weightPatch(obj, pairs, { from: 75, to: 25 });
    expect(ops).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'add', path: '/spec/http/1/route/0/weight', value: 75 },
      { op: 'add', path: '/spec/http/1/route/1/weight', value: 25 },
    ]);
    const patched = rich();
    for (const op of ops) expect(applyPatchOperation(patched, op)).toBeUndefined();
    const want = rich();
    const route = ((want.spec as { http: { route: Record<string, unknown>[] }[] }).http[1]!).route;
    route[0]!.weight = 75;
    route[1]!.weight = 25;
    expect(patched).toEqual(want);
  });

  it('is empty when the weights are already there (a resumed step writes nothing)', () => {
    const obj = vs({ http: [{ route: [dest('cart-v1', 40), dest('cart-v2', 60)] }] });
    expect(weightPatch(obj, virtualServicePairs(obj, { host: 'cart-v1' }, { host: 'cart-v2' }).pairs, { from: 40, to: 60 })).toEqual([]);
  });

  it('writes an explicit 0 where the weight field is missing', () => {
    const obj = vs({ http: [{ route: [dest('cart-v1', 100), dest('cart-v2')] }] });
    const ops = weightPatch(obj, virtualServicePairs(obj, { host: 'cart-v1' }, { host: 'cart-v2' }).pairs, { from: 100, to: 0 });
    expect(ops.slice(1)).toEqual([{ op: 'add', path: '/spec/http/0/route/1/weight', value: 0 }]);
  });
});
