// Istio's getting-started pair (bookinfo.yaml + bookinfo-gateway.yaml, read at test time from the pinned Istio module) analyzes without an Error.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeResources } from '../../src/analyze/index.js';
import { ResourceSet } from '../../src/resources/resource-set.js';
import { parseResources } from '../../src/resources/yaml-read.js';
import { istioModuleDir } from './analyze-istio-codes.js';

describe("analyze on Istio's bookinfo getting-started pair", () => {
  it('has no Error: the gateway selector check is skipped at Info, since istio-system is not in the input', () => {
    const dir = istioModuleDir();
    const set = new ResourceSet();
    for (const f of ['samples/bookinfo/platform/kube/bookinfo.yaml', 'samples/bookinfo/networking/bookinfo-gateway.yaml']) {
      const parsed = parseResources(readFileSync(path.join(dir, f), 'utf8'), f);
      expect(parsed.problems, f).toEqual([]);
      for (const r of parsed.resources) set.add(r);
    }
    expect(set.list().some((r) => r.object.kind === 'Gateway')).toBe(true);
    const { findings } = analyzeResources(set);
    expect(findings.filter((f) => f.level === 'Error').map((f) => `${f.name} ${f.origin}: ${f.message}`)).toEqual([]);
    expect(findings.find((f) => f.name === 'SelectorChecksSkipped')?.message).toContain('istio-system');
  });
});
