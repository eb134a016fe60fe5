// Istio's own YAML (samples, manifests, analyzer test data, read from the Go module cache at test time): the
// indentation locator must give the precise parser's position for every field it answers for.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStreamFast } from '../../src/resources/yaml-fast.js';
import { compareDocument, yamlFilesUnder, type Tally } from '../support/yaml-locate-compare.js';
import { istioModuleDir } from './analyze-istio-codes.js';


describe("locateByLines on Istio's files", () => {
  it('agrees with the precise parser on every field it locates', () => {
    const root = istioModuleDir();
    const files = ['samples', 'manifests', 'pkg/config/analysis/analyzers/testdata'].flatMap((d) => yamlFilesUnder(path.join(root, d)));
    expect(files.length).toBeGreaterThan(300);
    const t: Tally = { paths: 0, located: 0, mismatches: [] };
    let docs = 0;
    for (const file of files) {
      const fast = loadStreamFast(readFileSync(file, 'utf8'));
      if (!fast) continue;
      for (const d of fast) {
        if (d.value === null || d.value === undefined) continue;
        docs++;
        compareDocument(d.text, d.value, `${path.relative(root, file)}:${d.firstLine}`, t);
      }
    }
    expect(t.mismatches.slice(0, 20)).toEqual([]);
    expect(docs).toBeGreaterThan(500);
    expect(t.located / t.paths).toBeGreaterThan(0.5);
  });
});
