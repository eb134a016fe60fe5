// Conformance suite every load balancer provider runs (hono's common.case.test pattern), plus the registry self-test.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { LoadBalancerSpec } from '../topology.js';
import { PROVIDERS } from './index.js';
import { matchesMetadataKey, type LoadBalancerProvider, type ProviderResult } from './provider.js';

const AT = ['spec', 'clusters', 3, 'eastWestGateway', 'loadBalancer'] as const;
const AT_TEXT = 'spec.clusters.3.eastWestGateway.loadBalancer';
/** Kubernetes annotation keys: optional DNS prefix, then a name of at most 63 characters. */
const ANNOTATION_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export interface ConformanceCases {
  /**
   * The options that make an internal load balancer and the annotations that prove it; or, for a provider that
   * cannot express one, the reason, and the case then checks that `internal: true` is refused (never skipped).
   */
  internal: { lb: LoadBalancerSpec; expect: Record<string, string> } | { refused: string };
  /** An option set this provider must refuse, and the option name the problem must point at. */
  invalid: { lb: LoadBalancerSpec; option: string }[];
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The same options with every map's keys in reverse order (a YAML file may list them in any order). */
function reversedKeys(lb: LoadBalancerSpec): LoadBalancerSpec {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(clone(lb)).reverse())
    out[k] = k === 'annotations' && v ? Object.fromEntries(Object.entries(v as Record<string, string>).reverse()) : v;
  return out as LoadBalancerSpec;
}

/** A result with its annotation map sorted and its problems as a sorted set: what must not depend on key order. */
function orderFree(r: ProviderResult): string {
  return JSON.stringify({ annotations: Object.entries(r.annotations).sort(), problems: r.problems.map((p) => JSON.stringify(p)).sort() });
}

/**
 * Ways a provider's output depends on anything but its input; [] for a deterministic provider. `fresh` gives a new
 * module instance each call. Instance A first sees `warmUp` inputs, then `lb` twice; instance B sees only `lb`, and
 * then `lb` with its keys reversed (compared with B's first result). Results must be byte-identical (same JSON, key order included), except that key
 * order of the input may change only the order of the output, and the input must come back unchanged.
 */
export async function nondeterminism(fresh: () => Promise<LoadBalancerProvider>, lb: LoadBalancerSpec, warmUp: readonly LoadBalancerSpec[]): Promise<string[]> {
  const out: string[] = [];
  const a = await fresh();
  const b = await fresh();
  if (a === b) out.push('fresh() gave the same instance twice, so state kept between calls cannot be seen');
  for (const w of warmUp) a.annotations(clone(w), AT);
  const input = clone(lb);
  const first = a.annotations(input, AT);
  if (JSON.stringify(input) !== JSON.stringify(lb)) out.push('it changed its input');
  const again = a.annotations(clone(lb), AT);
  const other = b.annotations(clone(lb), AT);
  const shuffled = b.annotations(reversedKeys(lb), AT);
  if (JSON.stringify(again) !== JSON.stringify(first)) out.push('a second call with the same input gave another result');
  if (JSON.stringify(other) !== JSON.stringify(first)) out.push('a fresh module instance gave another result (it keeps state between calls)');
  if (orderFree(shuffled) !== orderFree(other)) out.push('the same options in another key order gave another result');
  return out;
}

/** A new instance of a provider's module (and of everything it imports), as another process would load it. */
async function freshProvider(name: string): Promise<LoadBalancerProvider> {
  vi.resetModules();
  const mod = (await import(`./${name}.ts`)) as Record<string, LoadBalancerProvider | undefined>;
  const provider = mod[`${name}Provider`];
  if (!provider) throw new Error(`${name}.ts exports no ${name}Provider`);
  return provider;
}

/** Runs the shared cases against one provider; each provider's own test file calls this once. */
export function runProviderConformance(provider: LoadBalancerProvider, cases: ConformanceCases): void {
  describe(`provider ${provider.name}: conformance`, () => {
    it('is registered under its name and describes itself', () => {
      expect(PROVIDERS[provider.name]).toBe(provider);
      expect(provider.title.length).toBeGreaterThan(3);
      expect(provider.options).toContain('annotations');
    });

    it('makes no annotations for an empty load balancer block', () => {
      expect(provider.annotations({}, AT)).toEqual({ annotations: {}, problems: [] });
    });

    const internal = cases.internal;
    if ('refused' in internal) {
      it(`refuses internal: true (${internal.refused}) with the field path`, () => {
        const res = provider.annotations({ internal: true }, AT);
        expect(res.problems.map((p) => p.path.join('.'))).toContain(`${AT_TEXT}.internal`);
      });
    } else {
      it('turns internal options into the cloud annotation, without problems', () => {
        const res = provider.annotations(internal.lb, AT);
        expect(res.problems).toEqual([]);
        expect(res.annotations).toMatchObject(internal.expect);
        for (const k of Object.keys(res.annotations)) expect(k).toMatch(ANNOTATION_KEY);
        for (const v of Object.values(res.annotations)) expect(typeof v).toBe('string');
      });
    }

    it('passes extra annotations through, and lets them win over generated ones', () => {
      const base = 'refused' in internal ? {} : internal.lb;
      const generated = provider.annotations(base, AT).annotations;
      const firstKey = Object.keys(generated)[0];
      const extra: Record<string, string> = { 'example.com/owner': 'mesh-team', ...(firstKey ? { [firstKey]: 'user-value' } : {}) };
      const res = provider.annotations({ ...base, annotations: extra }, AT);
      expect(res.problems).toEqual([]);
      expect(res.annotations).toEqual({ ...generated, ...extra });
    });

    it('is deterministic: same result across calls, module instances and key orders, input untouched', async () => {
      const base = 'refused' in internal ? {} : internal.lb;
      const lb: LoadBalancerSpec = { ...base, annotations: { 'example.com/a': '1', 'example.com/b': '2' } };
      const warmUp = [{}, ...cases.invalid.map((c) => c.lb), { internal: true, existingId: 'lb-w', subnet: 'subnet-w', vgroupPorts: ['rsp-w:80'], weight: 7 }];
      expect(await nondeterminism(() => freshProvider(provider.name), lb, warmUp)).toEqual([]);
    });

    it.each(cases.invalid.map((c) => [c.option, c] as const))('reports invalid option %s with its field path', (_name, c) => {
      const res = provider.annotations(c.lb, AT);
      expect(res.problems.length).toBeGreaterThan(0);
      const paths = res.problems.map((p) => p.path.join('.'));
      expect(paths).toContain(`${AT_TEXT}.${c.option}`);
      for (const p of res.problems) expect(p.message).not.toBe('');
    });

    it('lists its load balancer reuse keys once each, as valid metadata keys', () => {
      const texts = provider.reuseAnnotations.map((m) => ('key' in m ? m.key : `${m.prefix}*`));
      expect(new Set(texts).size).toBe(texts.length);
      for (const m of provider.reuseAnnotations) if ('key' in m) expect(m.key).toMatch(ANNOTATION_KEY);
    });

    // What a provider itself writes to adopt an existing load balancer must be what a copy drops. A provider without
    // existingId writes no such annotation ('refuses every option outside its declared list' covers it).
    if (provider.options.includes('existingId'))
      it('counts the annotations it writes to reuse a load balancer among its reuse keys', () => {
        const reuse: LoadBalancerSpec = { existingId: 'lb-1' };
        if (provider.options.includes('vgroupPorts')) reuse.vgroupPorts = ['rsp-1:80'];
        if (provider.options.includes('weight')) reuse.weight = 50;
        const keys = Object.keys(provider.annotations(reuse, AT).annotations);
        expect(keys.length).toBeGreaterThan(0);
        for (const k of keys) expect(provider.reuseAnnotations.some((m) => matchesMetadataKey(m, k)), k).toBe(true);
      });

    it('refuses every option outside its declared list', () => {
      const all: LoadBalancerSpec = { internal: true, existingId: 'lb-1', subnet: 'subnet-1', vgroupPorts: ['rsp-1:80'], weight: 5 };
      const res = provider.annotations(all, AT);
      for (const key of Object.keys(all)) {
        if (provider.options.includes(key as keyof LoadBalancerSpec)) continue;
        expect(res.problems.map((p) => p.path.join('.'))).toContain(`${AT_TEXT}.${key}`);
      }
    });
  });
}

describe('the determinism case can fail', () => {
  // Deliberately nondeterministic providers: each must be caught, and for the reason it was built with.
  const shell = (annotations: LoadBalancerProvider['annotations']): LoadBalancerProvider => ({ name: 'generic', title: 'test double', options: ['existingId', 'subnet', 'annotations'], reuseAnnotations: [], annotations });
  const lb: LoadBalancerSpec = { existingId: 'lb-1', subnet: 'subnet-1', annotations: { 'example.com/a': '1' } };
  const ok = (l: LoadBalancerSpec) => ({ annotations: { 'x.example.com/id': l.existingId ?? '' }, problems: [] });

  it('passes a provider that depends only on its input', async () => {
    expect(await nondeterminism(async () => shell(ok), lb, [{ existingId: 'other' }])).toEqual([]);
  });
  it('catches a counter', async () => {
    let calls = 0;
    const counting = shell((l) => ({ annotations: { ...ok(l).annotations, 'x.example.com/n': String(++calls) }, problems: [] }));
    expect(await nondeterminism(async () => counting, lb, [])).toEqual(
      expect.arrayContaining([
        'fresh() gave the same instance twice, so state kept between calls cannot be seen',
        'a second call with the same input gave another result',
        'a fresh module instance gave another result (it keeps state between calls)',
      ]),
    );
  });
  it('catches state kept in a module instance, seen only after other inputs', async () => {
    const fresh = async () => {
      let remembered: string | undefined; // "module state": the first id this instance ever saw
      return shell((l) => ({ annotations: { 'x.example.com/id': (remembered ??= l.existingId ?? '') }, problems: [] }));
    };
    expect(await nondeterminism(fresh, lb, [{ existingId: 'lb-warm' }])).toEqual(['a fresh module instance gave another result (it keeps state between calls)']);
  });
  it('catches a result that depends on the key order of the input', async () => {
    const firstWins = shell((l) => ({ annotations: { 'x.example.com/picked': String(Object.values(l)[0]) }, problems: [] }));
    expect(await nondeterminism(async () => shell(firstWins.annotations), lb, [])).toEqual(['the same options in another key order gave another result']);
  });
  it('catches a provider that changes its input', async () => {
    const mutating = shell((l) => {
      delete l.annotations;
      return ok(l);
    });
    expect(await nondeterminism(async () => shell(mutating.annotations), lb, [])).toEqual(['it changed its input']);
  });
  it('catches randomness', async () => {
    const random = shell(() => ({ annotations: { 'x.example.com/r': String(Math.random()) }, problems: [] }));
    expect(await nondeterminism(async () => shell(random.annotations), lb, [])).toContain('a second call with the same input gave another result');
  });
});

describe('matchesMetadataKey', () => {
  it.each([
    [{ key: 'example.com/lb-id' }, 'example.com/lb-id', true],
    [{ key: 'example.com/lb-id' }, 'example.com/lb-id-2', false],
    [{ prefix: 'example.com/lb-' }, 'example.com/lb-id-2', true],
    [{ prefix: 'example.com/lb-' }, 'example.com/other', false],
  ] as const)('%j matches %s: %s', (match, key, want) => {
    expect(matchesMetadataKey(match, key)).toBe(want);
  });
});

describe('provider registry', () => {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  it.each(Object.keys(PROVIDERS))('%s has its own test file that runs the conformance suite', (name) => {
    const files = readdirSync(dir);
    expect(files).toContain(`${name}.ts`);
    expect(files).toContain(`${name}.test.ts`);
    expect(readFileSync(path.join(dir, `${name}.test.ts`), 'utf8')).toMatch(/runProviderConformance\(\w+Provider,/);
  });
});
