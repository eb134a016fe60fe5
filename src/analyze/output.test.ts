// JSON and SARIF renderings of findings.
import { describe, expect, it } from 'vitest';
import { CATALOG } from './messages.gen.js';
import { jsonChunks, renderJson, renderSarif, tableRows } from './output.js';
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

describe('jsonChunks', () => {
  it.each([0, 1, 2])('streams exactly the text of JSON.stringify(rows, null, 2) for %i finding(s)', (n) => {
    const some = findings.slice(0, n);
    const rows = some.map(({ code, name, level, origin, reference, message }) => ({ code, name, level, origin, reference, message }));
    expect([...jsonChunks(some)].join('')).toBe(`${JSON.stringify(rows, null, 2)}\n`);
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

describe('renderSarif URIs (RFC 3986)', () => {
  const at = (file: string): Finding => ({ ...findings[0]!, position: { file, line: 1 } });
  const uriOf = (file: string, baseDir: string) => {
    const log = JSON.parse(renderSarif([at(file)], { toolVersion: '1', baseDir })) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[]; originalUriBaseIds: Record<string, { uri: string }> }[] };
    return { ...log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation, base: log.runs[0]!.originalUriBaseIds['%SRCROOT%']!.uri };
  };
  it.each([
    ['/repo/cfg dir/vs #1%.yaml', '/repo', 'cfg%20dir/vs%20%231%25.yaml', '%SRCROOT%'],
    ['/repo/a?b/ü.yaml', '/repo', 'a%3Fb/%C3%BC.yaml', '%SRCROOT%'],
    ['/repo/plain/vs.yaml', '/repo', 'plain/vs.yaml', '%SRCROOT%'],
    ['/elsewhere/x y.yaml', '/repo', 'file:///elsewhere/x%20y.yaml', undefined],
    ['/repo/c:d.yaml', '/repo', 'c%3Ad.yaml', '%SRCROOT%'],
  ])('%s (base %s) -> %s', (file, base, uri, baseId) => {
    const got = uriOf(file, base);
    expect(got.uri).toBe(uri);
    expect(got.uriBaseId).toBe(baseId);
  });
  it('encodes the base folder too, with a trailing slash', () => {
    expect(uriOf('/my repo/x.yaml', '/my repo').base).toBe('file:///my%20repo/');
  });
});

describe('tableRows', () => {
  it('shows - for run-level notes', () => {
    expect(tableRows(findings)[1]).toEqual(['Info', 'MF0016', 'SelectorChecksSkipped', '-', '-', 'No workloads…']);
  });
});
