// Golden tests: fixtures/input/N-name.yaml + fixtures/rules/N-name.yaml ↔ fixtures/output/N-name{,.report}.yaml.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { expectGolden, goldenCases } from '../../test/support/golden.js';
import { readResources } from '../resources/yaml-read.js';
import { serializeStream } from '../resources/yaml-write.js';
import { applyRules } from './apply.js';
import { loadTransformRules } from './load-rules.js';
import { REWRITERS, RULE_TYPES } from './rules/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const cases = goldenCases(FIXTURES);

describe('transform golden', () => {
  test.each(cases)('$name', async ({ name, inputFile, outputFile }) => {
    const rulesFile = path.join(FIXTURES, 'rules', `${name}.yaml`);
    const loaded = await loadTransformRules(rulesFile);
    const result = applyRules(await readResources([inputFile]), loaded.rules, loaded);
    expectGolden(outputFile, serializeStream(result.set.objects()));
    // The report golden holds what a reviewer checks most: which fields changed and what was flagged.
    expectGolden(outputFile.replace(/\.yaml$/, '.report.yaml'), stringify({ changes: result.changes, notes: result.notes }, { lineWidth: 0 }));
  });

  test('every rule type has a golden case', async () => {
    const used = new Set<string>();
    for (const { name } of cases) {
      const loaded = await loadTransformRules(path.join(FIXTURES, 'rules', `${name}.yaml`));
      for (const rule of loaded.rules.rules) used.add(Object.keys(rule)[0]!);
    }
    expect([...used].sort()).toEqual([...RULE_TYPES].sort());
    expect(Object.keys(REWRITERS).sort()).toEqual([...RULE_TYPES].sort());
  });
});
