// Golden tests for `migrate plan`: fixtures/input/N-name.yaml (+ N-name.snapshot.json, the cluster as read) → the plan as YAML and as text.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, it } from 'vitest';
import { expectGolden, goldenCases, lineDiff, updatingGolden } from '../../test/support/golden.js';
import { parseMigration } from './load.js';
import type { ClusterSnapshot } from './observed.js';
import { planMigration, renderPlan } from './plan.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

function expectText(file: string, got: string): void {
  const want = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (updatingGolden()) {
    if (want !== got) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, got);
    }
    return;
  }
  if (want === undefined) throw new Error(`golden file ${file} does not exist; create it with UPDATE_GOLDEN=1 and review it`);
  if (want !== got) throw new Error(`golden mismatch for ${file} (-want +got); refresh with UPDATE_GOLDEN=1 if intended\n${lineDiff(want.split('\n'), got.split('\n'))}`);
}

describe('migrate plan golden files', () => {
  for (const c of goldenCases(FIXTURES)) {
    it(c.name, () => {
      const m = parseMigration(readFileSync(c.inputFile, 'utf8'), c.inputFile).value;
      const snap = JSON.parse(readFileSync(c.inputFile.replace(/\.yaml$/, '.snapshot.json'), 'utf8')) as ClusterSnapshot;
      const plan = planMigration(m, snap);
      expectGolden(c.outputFile, stringify(plan, { lineWidth: 0 }));
      expectText(c.outputFile.replace(/\.yaml$/, '.txt'), renderPlan(plan));
    });
  }
});
