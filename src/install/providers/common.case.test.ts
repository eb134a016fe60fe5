// Conformance suite every load balancer provider runs (hono's common.case.test pattern), plus the registry self-test.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LoadBalancerSpec } from '../topology.js';
import { PROVIDERS } from './index.js';
import type { LoadBalancerProvider } from './provider.js';

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

    it('is deterministic', () => {
      const lb = 'refused' in internal ? { annotations: { a: 'b' } } : internal.lb;
      expect(provider.annotations(lb, AT)).toEqual(provider.annotations(structuredClone(lb), AT));
    });

    it.each(cases.invalid.map((c) => [c.option, c] as const))('reports invalid option %s with its field path', (_name, c) => {
      const res = provider.annotations(c.lb, AT);
      expect(res.problems.length).toBeGreaterThan(0);
      const paths = res.problems.map((p) => p.path.join('.'));
      expect(paths).toContain(`${AT_TEXT}.${c.option}`);
      for (const p of res.problems) expect(p.message).not.toBe('');
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

describe('provider registry', () => {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  it.each(Object.keys(PROVIDERS))('%s has its own test file that runs the conformance suite', (name) => {
    const files = readdirSync(dir);
    expect(files).toContain(`${name}.ts`);
    expect(files).toContain(`${name}.test.ts`);
    expect(readFileSync(path.join(dir, `${name}.test.ts`), 'utf8')).toMatch(/runProviderConformance\(\w+Provider,/);
  });
});
