// transform through the built CLI: Secret values never reach stderr or --report, which is written 0600.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { hasStackTrace, runCli } from '../../test/support/cli.js';

const HEAD = 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: t}\n';
const KNOWN = 'S3CR3T-VALUE-7f3a9';
const B64 = Buffer.from(KNOWN).toString('base64');
/** An annotation of a Secret that is not its data: readable, but a Secret's values are still never printed. */
const NOTE = 'N0TE-VALUE-51c2e';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'meshferry-transform-cli-'));
}

describe('transform never prints a Secret value', () => {
  test('data, last-applied-configuration and patched metadata stay out of stdout, stderr and --report; the report is 0600', () => {
    const dir = tempDir();
    const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data: { password: B64 }, stringData: { plain: KNOWN }, metadata: { name: 'db', namespace: 'shop' } });
    writeFileSync(
      path.join(dir, 'in.yaml'),
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '${lastApplied}'\n    note: ${NOTE}\ntype: Opaque\ndata: {password: ${B64}}\n`,
    );
    writeFileSync(
      path.join(dir, 'r.yaml'),
      `${HEAD}rules:\n- removeAnnotations: {keys: [kubectl.kubernetes.io/last-applied-configuration]}\n- mapNamespace: {from: shop, to: shop-v2}\n` +
        `- patch:\n    match: {kind: Secret}\n    jsonPatch: [{op: copy, from: /metadata/annotations/note, path: /metadata/annotations/copy}, {op: test, path: /metadata/annotations/note, value: ${NOTE}}]\n`,
    );
    const report = path.join(dir, 'report.json');
    const r = runCli(['transform', path.join(dir, 'in.yaml'), '-r', path.join(dir, 'r.yaml'), '--report', report]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    // The last-applied annotation holds the data, so it never got past reading (resources/secrets.ts).
    expect(r.stdout).not.toContain('last-applied-configuration');
    expect(r.stderr).toContain('Secret shop-v2/db: metadata.annotations.copy: (none) → "<hidden>"');
    for (const text of [r.stdout, r.stderr, readFileSync(report, 'utf8')]) {
      expect(text).not.toContain(KNOWN);
      expect(text).not.toContain(B64);
    }
    for (const text of [r.stderr, readFileSync(report, 'utf8')]) expect(text).not.toContain(NOTE);
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

describe('transform never sends control characters to the terminal', () => {
  test('escape sequences, carriage returns and bidi overrides in names are shown escaped in the change report', () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'in.yaml'),
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: "ev\\e[31mRED\\rX\\u202eil"\n  namespace: "n\\e]0;title\\a"\nspec:\n  hosts: [reviews.ns.svc.cluster.local]\n',
    );
    writeFileSync(path.join(dir, 'r.yaml'), `${HEAD}rules:\n- mapHost: {fromSuffix: .ns.svc.cluster.local, toSuffix: .o}\n`);
    const r = runCli(['transform', path.join(dir, 'in.yaml'), '-r', path.join(dir, 'r.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('VirtualService n\\x1b]0;title\\x07/ev\\x1b[31mRED\\x0dX\\u202eil');
    expect(r.stderr).not.toMatch(/[\x07\x1b\r\u202e]/);
  });
});
