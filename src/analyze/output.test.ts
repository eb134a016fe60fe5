// JSON and SARIF renderings of findings.
import { describe, expect, it } from 'vitest';
import { CATALOG } from './messages.gen.js';
import { renderJson, renderSarif, tableRows } from './output.js';
import type { Finding } from './run.js';

const findings: Finding[] = [
  {
    code: 'MF0005', name: 'ReferencedResourceNotFound', level: 'Error', origin: 'VirtualService shop/a', reference: 'cfg/vs.yaml:12',
    message: 'Referenced gateway not found: gw', analyzer: 'virtualservice.GatewayAnalyzer', position: { file: 'cfg/vs.yaml', line: 12, column: 5 },
  },
  { code: 'MF0016', name: 'SelectorChecksSkipped', level: 'Info', origin: '', reference: '', message: 'No workloads…', analyzer: 'analyze' },
];

describe('renderJson', () => {
  it('is an array of exactly code, name, level, origin, reference, message', () => {
    const rows = JSON.parse(renderJson(findings)) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(Object.keys(r)).toEqual(['code', 'name', 'level', 'origin', 'reference', 'message']);
    expect(rows[0]).toMatchObject({ code: 'MF0005', origin: 'VirtualService shop/a', reference: 'cfg/vs.yaml:12' });
  });
});

describe('renderSarif', () => {
  const log = JSON.parse(renderSarif(findings, { toolVersion: '9.9.9', baseDir: process.cwd() })) as {
    version: string;
    runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: Record<string, any>[] }[];
  };
  const run = log.runs[0]!;

  it('is SARIF 2.1.0 with every catalog message as a rule', () => {
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver.name).toBe('meshferry');
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(Object.values(CATALOG).map((m) => m.code));
  });

  it('puts file, line and column on results that have them, and only a logical location otherwise', () => {
    const [withFile, runLevel] = run.results;
    expect(withFile).toMatchObject({ ruleId: 'MF0005', level: 'error' });
    expect(withFile!.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'cfg/vs.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 12, startColumn: 5 } });
    expect(withFile!.locations[0].logicalLocations[0].fullyQualifiedName).toBe('VirtualService shop/a');
    expect(run.tool.driver.rules[withFile!.ruleIndex]!.id).toBe('MF0005');
    expect(runLevel).toMatchObject({ ruleId: 'MF0016', level: 'note' });
    expect(runLevel!.locations).toBeUndefined();
  });
});

describe('tableRows', () => {
  it('shows - for run-level notes', () => {
    expect(tableRows(findings)[1]).toEqual(['Info', 'MF0016', 'SelectorChecksSkipped', '-', '-', 'No workloads…']);
  });
});
