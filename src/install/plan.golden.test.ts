// Golden tests: fixtures/input/N-name.yaml → the whole plan folder fixtures/output/N-name/, compared file by file.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectGolden, expectGoldenText, goldenCases, updatingGolden } from '../../test/support/golden.js';
import { planFiles } from './plan-files.js';
import { planInstall, type PlanOptions } from './plan.js';
import { loadTopology } from './topology-load.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Per-case plan options (the input file stays a plain topology a user could write). */
const OPTIONS: Record<string, PlanOptions> = {
  '6-tcm-replacement-split': { splitGateways: true },
};

function listTree(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTree(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** Markdown is compared as text (it is not YAML); everything else semantically through the shared golden helper. */
function expectGoldenFile(file: string, got: string): void {
  return file.endsWith('.md') ? expectGoldenText(file, got) : expectGolden(file, got);
}

describe('install plan golden files', () => {
  it.each(goldenCases(FIXTURES).map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const { topology } = await loadTopology(c.inputFile);
    const files = planFiles(planInstall(topology, OPTIONS[name] ?? {}));
    const outDir = c.outputFile.replace(/\.yaml$/, '');
    if (updatingGolden()) for (const stale of listTree(outDir).filter((f) => !(f in files))) rmSync(path.join(outDir, stale));
    for (const [rel, text] of Object.entries(files)) expectGoldenFile(path.join(outDir, rel), text);
    expect(listTree(outDir).sort()).toEqual(Object.keys(files).sort());
  });
});
