// `meshferry analyze` as a user runs it: exit codes, table/JSON/SARIF output, thresholds, suppressions, bad input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../../../test/support/cli.js';

const BOOKINFO = 'test/fixtures/analyze/bookinfo';
const BROKEN = 'test/fixtures/analyze/broken';
const json = (stdout: string) => JSON.parse(stdout) as { code: string; name: string; level: string; origin: string; reference: string; message: string }[];

describe('meshferry analyze', () => {
  it('finds no Error in a clean bookinfo-like config and exits 0', () => {
    const res = runCli(['analyze', BOOKINFO, '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    expect(json(res.stdout).filter((f) => f.level === 'Error')).toEqual([]);
    expect(res.stderr).toMatch(/no problems found; analyzed \d+ object\(s\) against Istio 1\.31\.1/);
  });

  it('exits 1 on errors and reports each field with file:line', () => {
    const res = runCli(['analyze', BROKEN, '-o', 'json']);
    expect(res.code, res.stderr).toBe(1);
    const rows = json(res.stdout);
    for (const r of rows) expect(Object.keys(r)).toEqual(['code', 'name', 'level', 'origin', 'reference', 'message']);
    const pruned = rows.find((r) => r.name === 'FieldPrunedByTarget' && r.message.includes('appendHeaders'));
    expect(pruned).toMatchObject({ code: 'MF0003', level: 'Error', origin: 'VirtualService shop/cart', reference: `${BROKEN}/shop.yaml:20` });
    expect(rows.some((r) => r.name === 'SchemaValidationError' && r.message.includes('total destination weight = 0'))).toBe(true);
  });

  it('honours --failure-threshold and --output-threshold', () => {
    expect(runCli(['analyze', BOOKINFO, '--failure-threshold', 'info']).code).toBe(0); // bookinfo has no finding at all
    const warnOnly = runCli(['analyze', BROKEN, '-o', 'json', '--output-threshold', 'Warning', '--suppress', '*=* *']);
    expect(warnOnly.code).toBe(0);
    expect(json(warnOnly.stdout)).toEqual([]);
    expect(warnOnly.stderr).toMatch(/suppressed/);
    const res = runCli(['analyze', BROKEN, '-o', 'json', '--output-threshold', 'Error']);
    expect(json(res.stdout).every((f) => f.level === 'Error')).toBe(true);
  });

  it('suppresses by flag and by annotation', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'meshferry-analyze-'));
    const file = path.join(tmp, 'vs.yaml');
    const vs = (anno: string) =>
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: a\n  namespace: default\n${anno}spec:\n  hosts: [a.example.com]\n  gateways: [missing]\n  http:\n  - route:\n    - destination: {host: a.example.com}\n`;
    writeFileSync(file, vs(''));
    const plain = runCli(['analyze', file, '-o', 'json']);
    expect(plain.code).toBe(1);
    expect(json(plain.stdout).map((f) => f.name)).toContain('ReferencedResourceNotFound');
    expect(runCli(['analyze', file, '--suppress', 'ReferencedResourceNotFound=VirtualService default/a']).code).toBe(0);
    writeFileSync(file, vs('  annotations:\n    meshferry.dev/suppress: "MF0005"\n'));
    expect(runCli(['analyze', file]).code).toBe(0);
  });

  it('writes SARIF 2.1.0 with rules and file locations', () => {
    const res = runCli(['analyze', BROKEN, '-o', 'sarif']);
    expect(res.code).toBe(1);
    const log = JSON.parse(res.stdout) as { version: string; runs: { tool: { driver: { rules: unknown[] } }; results: { ruleId: string; locations?: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.tool.driver.rules.length).toBeGreaterThan(20);
    const located = log.runs[0]!.results.filter((r) => r.locations?.[0]?.physicalLocation);
    expect(located.length).toBeGreaterThan(10);
    expect(located[0]!.locations![0]!.physicalLocation.artifactLocation.uri).toBe(`${BROKEN}/shop.yaml`);
  });

  it('prints a kubectl-style table by default, and data only on stdout', () => {
    const res = runCli(['analyze', BROKEN]);
    expect(res.stdout.split('\n')[0]).toMatch(/^LEVEL\s+CODE\s+NAME\s+ORIGIN\s+REFERENCE\s+MESSAGE$/);
    expect(res.stdout).toContain('MF0002');
    expect(res.stderr).toMatch(/\d+ error\(s\), \d+ warning\(s\)/);
  });

  it('reads stdin and picks the target release', () => {
    const input = 'apiVersion: extensions.istio.io/v1alpha1\nkind: TrafficExtension\nmetadata: {name: t, namespace: default}\nspec:\n  lua: {inlineCode: "function envoy_on_request(h) end"}\n';
    expect(runCli(['analyze', '-', '--target-version', '1.31.1'], { input }).code).toBe(0);
    const old = runCli(['analyze', '-', '-o', 'json', '--target-version', '1.26.0'], { input });
    expect(old.code).toBe(1);
    expect(json(old.stdout)[0]).toMatchObject({ name: 'SchemaValidationError', origin: 'TrafficExtension default/t', reference: '<stdin>:2' });
  });

  it.each([
    [['--target-version', '2.0.0'], /no CRD schemas are shipped for Istio 2.0.0/],
    [['--target-revision', '1.24.2'], /not a revision name/],
    [['--failure-threshold', 'fatal'], /--failure-threshold must be Error, Warning or Info/],
    [['--suppress', 'nonsense'], /--suppress takes NAME=Kind/],
  ])('rejects bad flags %j with exit 2', (flags, says) => {
    const res = runCli(['analyze', BOOKINFO, ...flags]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(says);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });

  it('exits 2 naming file:line for unreadable input, with no stack trace', () => {
    const res = runCli(['analyze', 'test/fixtures/bad-input/03-duplicate-key.yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('test/fixtures/bad-input/03-duplicate-key.yaml:8');
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.stdout).toBe('');
  });

  it('lists its checks', () => {
    const res = runCli(['analyze', '--list-checks']);
    expect(res.code).toBe(0);
    for (const name of ['SchemaValidationError', 'FieldPrunedByTarget', 'VendorTraceLeft', 'EnvoyFilterMigrationRisk']) expect(res.stdout).toContain(name);
  });
});
