// Istio's own YAML (samples, manifests, analyzer test data, read from the Go module cache at test time): every
// document the line parser accepts must read as kubectl reads it (the reference reader, test/tools/yamlref).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStreamFast } from '../../src/resources/yaml-fast.js';
import { parsePlainBlockYaml } from '../../src/resources/yaml-lines.js';
import { yamlFilesUnder } from '../support/yaml-locate-compare.js';
import { referenceReadFiles } from '../support/yaml-reference.js';
import { istioModuleDir } from './analyze-istio-codes.js';

describe("parsePlainBlockYaml on Istio's files", () => {
  it('reads every document it accepts exactly as kubectl does, and accepts most of them', () => {
    const root = istioModuleDir();
    const files = ['samples', 'manifests', 'pkg/config/analysis/analyzers/testdata'].flatMap((d) => yamlFilesUnder(path.join(root, d)));
    expect(files.length).toBeGreaterThan(300);
    // One file per accepted document, so the reference reads each alone, as the fast strategy does.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshferry-yaml-lines-'));
    try {
      const accepted: { file: string; where: string; value: unknown }[] = [];
      let docs = 0;
      for (const file of files) {
        const stream = loadStreamFast(readFileSync(file, 'utf8'));
        for (const d of stream ?? []) {
          if (d.value === null || d.value === undefined) continue;
          docs++;
          const got = parsePlainBlockYaml(d.text);
          if (!got) continue;
          const out = path.join(dir, `${accepted.length}.yaml`);
          writeFileSync(out, d.text);
          accepted.push({ file: out, where: `${path.relative(root, file)}:${d.firstLine}`, value: got.value });
        }
      }
      const ref = referenceReadFiles(accepted.map((a) => a.file));
      const mismatches: string[] = [];
      for (const a of accepted) {
        const r = ref.get(a.file)!;
        // JSON on both sides, keys sorted (Go's encoder sorts them): kubectl's reading is JSON.
        const want = r.error ? `refused: ${r.error}` : sortedJson(r.docs[0]);
        const got = sortedJson(a.value);
        if (got !== want) mismatches.push(`${a.where}: line parser ${got.slice(0, 200)} / kubectl ${want.slice(0, 200)}`);
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
      // The comparison bites only if the parser takes most ordinary documents.
      expect(docs).toBeGreaterThan(500);
      expect(accepted.length / docs).toBeGreaterThan(0.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}
