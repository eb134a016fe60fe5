// Golden tests for `migrate plan`: fixtures/input/N-name.yaml (+ N-name.snapshot.json, the cluster as read, and N-name.config.json, spec.config as compared and analyzed) → the plan as YAML and as text.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, it } from 'vitest';
import { expectGolden, expectGoldenText, goldenCases } from '../../test/support/golden.js';
import { parseMigration } from './load.js';
import type { ClusterSnapshot } from './observed.js';
import { planMigration, renderPlan, type ConfigView } from './plan.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('migrate plan golden files', () => {
  for (const c of goldenCases(FIXTURES)) {
    it(c.name, () => {
      const m = parseMigration(readFileSync(c.inputFile, 'utf8'), c.inputFile).value;
      const snap = JSON.parse(readFileSync(c.inputFile.replace(/\.yaml$/, '.snapshot.json'), 'utf8')) as ClusterSnapshot;
      const configFile = c.inputFile.replace(/\.yaml$/, '.config.json');
      const config = existsSync(configFile) ? (JSON.parse(readFileSync(configFile, 'utf8')) as ConfigView) : undefined;
      const plan = planMigration(m, snap, config);
      expectGolden(c.outputFile, stringify(plan, { lineWidth: 0 }));
      expectGoldenText(c.outputFile.replace(/\.yaml$/, '.txt'), renderPlan(plan));
    });
  }
});
