// The transform command as a user runs it: the built CLI in a child process.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { hasStackTrace, runCli } from '../../../test/support/cli.js';
import type { TransformReport } from '../../transform/report.js';

const EXPORT = 'examples/tcm-export';
const RULES = 'examples/tcm-to-istio.rules.yaml';
const HEAD = 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: t}\n';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'meshferry-transform-'));
}

function docs(yaml: string): Record<string, unknown>[] {
  return parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, unknown>);
}

describe('meshferry transform', () => {
  test('--help teaches the rules format with an example', () => {
    const r = runCli(['transform', '--help']);
    expect(r.code).toBe(0);
    for (const word of ['renameGatewaySelector', 'setRevision', 'mapNamespace', 'mapHost', 'upgradeApiVersion', 'removeLabels', 'removeAnnotations', 'drop', 'patch'])
      expect(r.stdout).toContain(word);
    expect(r.stdout).toContain('kind: TransformRules');
    expect(r.stdout).toContain('Examples:');
  });

  test('rewrites the bundled TCM export: YAML on stdout, one line per change on stderr', () => {
    const r = runCli(['transform', EXPORT, '--rules', RULES]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const objects = docs(r.stdout);
    const gateway = objects.find((o) => o.kind === 'Gateway') as { apiVersion: string; spec: { selector: Record<string, string> } };
    expect(gateway.apiVersion).toBe('networking.istio.io/v1');
    expect(gateway.spec.selector).toEqual({ istio: 'ingressgateway-new' });
    expect(objects.some((o) => o.kind === 'EnvoyFilter')).toBe(false);
    expect(r.stdout).not.toContain('.global');
    expect(r.stderr).toContain('rule 2 setRevision: Namespace shop: metadata.labels["istio.io/rev"]: 1-18-5 → 1-31-1');
    expect(r.stderr).toContain('rule 1 drop: EnvoyFilter istio-system/tcm-stats-tags: dropped');
    expect(r.stderr).toMatch(/^WARNING rule 3 renameGatewaySelector: .*Deployment istio-system\/istio-ingressgateway$/m);
    expect(r.stderr).toMatch(/^transform: 7 rule\(s\): \d+ change\(s\) in \d+ object\(s\), 1 dropped/m);
  });

  test('--report writes the changes as JSON, matching what stderr showed', () => {
    const dir = tempDir();
    const report = path.join(dir, 'report.json');
    const r = runCli(['transform', EXPORT, '-r', RULES, '--report', report, '-q']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/^rule \d/m); // -q leaves out change lines, not the summary
    const json = JSON.parse(readFileSync(report, 'utf8')) as TransformReport;
    expect(json.kind).toBe('TransformReport');
    expect(json.rules).toEqual({ name: 'tcm-to-istio', file: RULES });
    expect(json.summary.dropped).toBe(1);
    expect(json.summary.changes).toBe(json.changes.filter((c) => c.action !== 'drop').length);
    expect(json.summary.objectsIn - json.summary.objectsOut).toBe(json.summary.dropped);
    expect(json.changes).toContainEqual({
      rule: 4,
      type: 'mapHost',
      object: 'DestinationRule payments/legacy-bank',
      path: 'spec.host',
      action: 'set',
      from: 'legacy-bank.payments.global',
      to: 'legacy-bank.payments.svc.cluster.local',
    });
    expect(json.notifications.filter((n) => n.level === 'WARNING')).toHaveLength(json.summary.warnings);
    expect(r.stderr).toContain(`wrote the change report to ${report}`);
  });

  test('the same input gives byte-identical output and report', () => {
    const dir = tempDir();
    const a = runCli(['transform', EXPORT, '-r', RULES, '--report', path.join(dir, 'a.json')]);
    const b = runCli(['transform', EXPORT, '-r', RULES, '--report', path.join(dir, 'b.json')]);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(b.stderr).toBe(a.stderr.replace(path.join(dir, 'a.json'), path.join(dir, 'b.json')));
    expect(readFileSync(path.join(dir, 'b.json'), 'utf8')).toBe(readFileSync(path.join(dir, 'a.json'), 'utf8'));
  });

  test('-o writes the kubedump layout', () => {
    const out = path.join(tempDir(), 'out');
    const r = runCli(['transform', EXPORT, '-r', RULES, '--output-dir', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readdirSync(path.join(out, 'payments', 'serviceentries'))).toEqual(['legacy-bank.yaml']);
    expect(readdirSync(path.join(out, 'istio-system'))).not.toContain('envoyfilters');
    const ns = docs(readFileSync(path.join(out, '_cluster', 'namespaces', 'staging.yaml'), 'utf8'))[0] as { metadata: { labels: Record<string, string> } };
    expect(ns.metadata.labels['istio.io/rev']).toBe('1-31-1');
    expect(ns.metadata.labels['istio-injection']).toBeUndefined();
  });

  test('reads objects from stdin with -', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'r.yaml'), `${HEAD}rules:\n- mapNamespace: {from: a, to: b}\n`);
    const r = runCli(['transform', '-', '-r', path.join(dir, 'r.yaml')], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n' });
    expect(r.code).toBe(0);
    expect(docs(r.stdout)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'b' } }]);
  });
});

describe('meshferry transform: bad input exits 2 with file:line and no stack trace', () => {
  const cases: { name: string; rules: string; args?: string[]; want: RegExp }[] = [
    { name: 'unknown rule', rules: `${HEAD}rules:\n- mapHosts: {from: a, to: b}\n`, want: /r\.yaml:5:3: unknown rule "mapHosts" \(did you mean mapHost\?\)/ },
    { name: 'rule of the wrong shape', rules: `${HEAD}rules:\n- drop: [EnvoyFilter]\n`, want: /r\.yaml:5:3: must be a map, not a list \(at rules\[0\]\.drop\)/ },
    { name: 'wrong kind', rules: 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRule\nmetadata: {name: t}\nrules: []\n', want: /r\.yaml:2:1: must be "TransformRules", not "TransformRule" \(at kind\)/ },
    { name: 'broken YAML', rules: `${HEAD}rules:\n- drop: {kinds: [vs]\n`, want: /r\.yaml:\d+:\d+: invalid YAML/ },
    { name: 'a patch that fails', rules: `${HEAD}rules:\n- patch:\n    match: {kind: vs, name: frontend}\n    jsonPatch: [{op: remove, path: /spec/nothing}]\n`, want: /r\.yaml:7:17: operation 1 \(remove \/spec\/nothing\) cannot be applied to VirtualService shop\/frontend/ },
  ];
  test.each(cases)('$name', ({ rules, want }) => {
    const dir = tempDir();
    const file = path.join(dir, 'r.yaml');
    writeFileSync(file, rules);
    const r = runCli(['transform', EXPORT, '-r', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(want);
    expect(r.stderr).toContain(file);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  test('missing --rules, a misspelt flag and a missing rules file', () => {
    const missing = runCli(['transform', EXPORT]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/transform needs --rules FILE/);
    const misspelt = runCli(['transform', EXPORT, '--rule', RULES]);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toMatch(/Did you mean --rules\?/);
    const absent = runCli(['transform', EXPORT, '-r', 'no/such/rules.yaml']);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/rules file no\/such\/rules\.yaml: no such file/);
    for (const r of [missing, misspelt, absent]) expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
