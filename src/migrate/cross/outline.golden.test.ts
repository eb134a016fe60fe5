// Golden outlines of CrossCluster files with their call graph: fixtures/input/N-name.yaml (+ N-name.graph.json, the graph as Prometheus gave it) → the outline as YAML and as the table text.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, it } from 'vitest';
import { expectGolden, expectGoldenText, goldenCases } from '../../../test/support/golden.js';
import { parseMigration } from '../load.js';
import { parseDuration } from '../spec.js';
import type { CallGraph } from './call-graph-query.js';
import { callGraphSection, DEFAULT_CALL_GRAPH_WINDOW } from './call-graph-section.js';
import { crossClusterOutline, renderOutline } from './outline.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('CrossCluster outline golden files', () => {
  for (const c of goldenCases(FIXTURES)) {
    it(c.name, () => {
      const m = parseMigration(readFileSync(c.inputFile, 'utf8'), c.inputFile).value;
      const fed = JSON.parse(readFileSync(c.inputFile.replace(/\.yaml$/, '.graph.json'), 'utf8')) as { graph: CallGraph; acceptUnknownCalls?: boolean };
      const windowSeconds = parseDuration(m.spec.callGraph?.window ?? DEFAULT_CALL_GRAPH_WINDOW) / 1000;
      const outline = crossClusterOutline(m, [], callGraphSection(m.spec, fed.graph, { windowSeconds, acceptUnknownCalls: fed.acceptUnknownCalls === true }));
      expectGolden(c.outputFile, stringify(outline, { lineWidth: 0 }));
      expectGoldenText(c.outputFile.replace(/\.yaml$/, '.txt'), renderOutline(outline));
    });
  }
});
