// transform through the built CLI: Secret values never reach stderr or --report (0600), and a million change lines
// stream out whole.
import { mkdtempSync, readFileSync, statSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, test } from 'vitest';
import { hasStackTrace, runCli } from '../../test/support/cli.js';

const HEAD = 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: t}\n';
const KNOWN = 'S3CR3T-VALUE-7f3a9';
const B64 = Buffer.from(KNOWN).toString('base64');

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'meshferry-transform-cli-'));
}

describe('transform never prints a Secret value', () => {
  test('data, last-applied-configuration and patched metadata stay out of stderr and --report; the report is 0600', () => {
    const dir = tempDir();
    const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data: { password: B64 }, stringData: { plain: KNOWN }, metadata: { name: 'db', namespace: 'shop' } });
    writeFileSync(
      path.join(dir, 'in.yaml'),
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '${lastApplied}'\n    note: ${KNOWN}\ntype: Opaque\ndata: {password: ${B64}}\n`,
    );
    writeFileSync(
      path.join(dir, 'r.yaml'),
      `${HEAD}rules:\n- removeAnnotations: {keys: [kubectl.kubernetes.io/last-applied-configuration]}\n- mapNamespace: {from: shop, to: shop-v2}\n` +
        `- patch:\n    match: {kind: Secret}\n    jsonPatch: [{op: copy, from: /metadata/annotations/note, path: /metadata/annotations/copy}, {op: test, path: /metadata/annotations/note, value: ${KNOWN}}]\n`,
    );
    const report = path.join(dir, 'report.json');
    const r = runCli(['transform', path.join(dir, 'in.yaml'), '-r', path.join(dir, 'r.yaml'), '--report', report]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Secret shop/db: metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]: "<hidden>" → (removed)');
    expect(r.stderr).toContain('Secret shop-v2/db: metadata.annotations.copy: (none) → "<hidden>"');
    for (const text of [r.stderr, readFileSync(report, 'utf8')]) {
      expect(text).not.toContain(KNOWN);
      expect(text).not.toContain(B64);
    }
    expect(statSync(report).mode & 0o777).toBe(0o600);
  });

  test('a failed test on a Secret annotation shows neither the value nor the guess', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'in.yaml'), `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop, annotations: {note: ${KNOWN}}}\ntype: Opaque\n`);
    writeFileSync(path.join(dir, 'r.yaml'), `${HEAD}rules:\n- patch:\n    match: {kind: Secret}\n    jsonPatch: [{op: test, path: /metadata/annotations/note, value: ${KNOWN.slice(0, -1)}}]\n`);
    const r = runCli(['transform', path.join(dir, 'in.yaml'), '-r', path.join(dir, 'r.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/operation 1 \(test \/metadata\/annotations\/note\) cannot be applied to Secret shop\/db \(.*in\.yaml:1\): the test failed: expected <hidden>, found <hidden>/);
    expect(r.stderr).not.toContain(KNOWN.slice(0, -1));
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe('a million change lines', () => {
  test('stream to stderr and into --report whole, without a stack overflow', async () => {
    const dir = tempDir();
    const docs: string[] = [];
    // 500 ServiceEntries of 2,000 hosts each: one million host changes.
    for (let i = 0; i < 500; i++) {
      const hosts = Array.from({ length: 2000 }, (_, j) => `h${j}.s${i}.global`);
      docs.push(`apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se${i}, namespace: ns${i % 7}}\nspec:\n  resolution: DNS\n  hosts: ${JSON.stringify(hosts)}\n`);
    }
    writeFileSync(path.join(dir, 'in.yaml'), docs.join('---\n'));
    writeFileSync(path.join(dir, 'r.yaml'), `${HEAD}rules:\n- mapHost: {fromSuffix: .global, toSuffix: .example.com}\n`);
    const report = path.join(dir, 'report.json');
    const r = runCli(['transform', path.join(dir, 'in.yaml'), '-r', path.join(dir, 'r.yaml'), '--report', report], { nodeArgs: ['--max-old-space-size=1536'] });
    expect(r.stderr.slice(-2000)).not.toMatch(/Maximum call stack|heap out of memory|error/);
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('rule 1 mapHost: ServiceEntry ')).length).toBe(1_000_000);
    expect(r.stderr).toMatch(/^transform: 1 rule\(s\): 1000000 change\(s\) in 500 object\(s\), 0 dropped; 500 object\(s\) in, 500 out; 0 warning\(s\)$/m);
    // Count the report's changes by streaming it: one `"rule": 1,` line per change.
    let changes = 0;
    for await (const line of createInterface({ input: createReadStream(report) })) if (line === '      "rule": 1,') changes++;
    expect(changes).toBe(1_000_000);
    expect(statSync(report).mode & 0o777).toBe(0o600);
  });
});
