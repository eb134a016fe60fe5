// A clean, realistic bookinfo config (gateway, subsets, ServiceEntry, policies, workloads) yields no finding at all.
import { describe, expect, it } from 'vitest';
import { readResources } from '../resources/yaml-read.js';
import { analyzeResources } from './run.js';

describe('bookinfo', () => {
  it('has no findings against the default target, and none of level Error against 1.24', async () => {
    const set = await readResources(['test/fixtures/analyze/bookinfo']);
    expect(set.size).toBeGreaterThan(25);
    const now = analyzeResources(set);
    expect(now.findings.map((f) => `${f.level} ${f.name} ${f.origin}: ${f.message}`)).toEqual([]);
    const older = analyzeResources(set, { target: { version: '1.24.0' } });
    expect(older.findings.filter((f) => f.level === 'Error')).toEqual([]);
  });

  it('turns a renamed gateway selector into the migration failure it is', async () => {
    const set = await readResources(['test/fixtures/analyze/bookinfo']);
    const renamed = set.map((o) => (o.kind === 'Gateway' ? { ...o, spec: { ...(o.spec as object), selector: { istio: 'ingress-1-26' } } } : o));
    const names = analyzeResources(renamed).findings.map((f) => `${f.name} ${f.origin}`);
    expect(names).toContain('ReferencedResourceNotFound Gateway bookinfo/bookinfo-gateway');
  });
});
