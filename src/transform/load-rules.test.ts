// Rules-file loading: every kind of mistake exits 2 with file:line:column and a useful message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ExitCode, MeshferryError } from '../errors.js';
import { loadTransformRules, parseTransformRules } from './load-rules.js';

const HEAD = 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: t}\n';

function failure(text: string): MeshferryError {
  try {
    parseTransformRules(text, 'rules.yaml');
  } catch (err) {
    if (err instanceof MeshferryError) return err;
    throw err;
  }
  throw new Error('expected the rules file to be rejected');
}

describe('bad rules files: exit 2, file:line and a useful message', () => {
  const cases: { name: string; text: string; want: RegExp[] }[] = [
    { name: 'wrong apiVersion', text: 'apiVersion: meshferry.dev/v1\nkind: TransformRules\nmetadata: {name: t}\nrules: []\n', want: [/rules\.yaml:1:1: must be "meshferry\.dev\/v1alpha1", not "meshferry\.dev\/v1" \(at apiVersion\)/] },
    { name: 'wrong kind', text: 'apiVersion: meshferry.dev/v1alpha1\nkind: MeshTopology\nmetadata: {name: t}\nrules: []\n', want: [/rules\.yaml:2:1: must be "TransformRules"/] },
    { name: 'missing rules', text: HEAD, want: [/rules\.yaml:1:1: missing field "rules"/] },
    { name: 'missing metadata.name', text: 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {}\nrules: []\n', want: [/rules\.yaml:3:1: missing field "name" \(at metadata\)/] },
    { name: 'unknown rule with suggestion', text: `${HEAD}rules:\n- setRevison: {to: 1-31-1}\n`, want: [/rules\.yaml:5:3: unknown rule "setRevison" \(did you mean setRevision\?\)/] },
    { name: 'unknown rule, nothing close', text: `${HEAD}rules:\n- rewriteAll: {}\n`, want: [/rules\.yaml:5:3: unknown rule "rewriteAll"; rules are renameGatewaySelector, /] },
    { name: 'two rule types in one entry', text: `${HEAD}rules:\n- setRevision: {to: a}\n  drop: {kinds: [vs]}\n`, want: [/rules\.yaml:5:3: a rule has exactly one key \(its type\), but this one has setRevision, drop/] },
    { name: 'missing field in a rule', text: `${HEAD}rules:\n- drop: {}\n- setRevision: {}\n`, want: [/rules\.yaml:5:3: give at least one of kinds, namespaces, names, labelSelector, match \(at rules\[0\]\.drop\)/, /rules\.yaml:6:3: missing field "to" \(at rules\[1\]\.setRevision\)/] },
    { name: 'revision that is not a DNS label', text: `${HEAD}rules:\n- setRevision:\n    to: 1.31.1\n`, want: [/rules\.yaml:6:5: must be a DNS label.*not "1\.31\.1"; use "1-31-1" \(at rules\[0\]\.setRevision\.to\)/] },
    { name: 'unknown field with suggestion', text: `${HEAD}rules:\n- mapHost: {fromSufix: .global, toSuffix: .svc.cluster.local}\n`, want: [/rules\.yaml:5:13: unknown field "fromSufix" \(did you mean fromSuffix\?\)/] },
    { name: 'mapHost mixing both forms', text: `${HEAD}rules:\n- mapHost: {from: a.example.com, toSuffix: .b}\n`, want: [/give either from and to, or fromSuffix and toSuffix/] },
    { name: 'suffix without a dot', text: `${HEAD}rules:\n- mapHost: {fromSuffix: global, toSuffix: .svc.cluster.local}\n`, want: [/must be a host suffix that starts with '\.'/] },
    { name: 'rule body of the wrong type', text: `${HEAD}rules:\n- setRevision: 1-31-1\n`, want: [/rules\.yaml:5:3: must be a map, not a string \("1-31-1"\) \(at rules\[0\]\.setRevision\)/] },
    { name: 'unknown preset with suggestion', text: `${HEAD}rules:\n- removeLabels: {presets: [ossn]}\n`, want: [/unknown value "ossn" \(did you mean ossm\?\); expected one of: tcm, asm, csm, ossm/] },
    { name: 'unknown kind in match', text: `${HEAD}rules:\n- drop: {kinds: [VirtualServce]}\n`, want: [/rules\.yaml:5:18: unknown kind "VirtualServce" \(did you mean VirtualService\?\) \(at rules\[0\]\.drop\.kinds\[0\]\)/] },
    { name: 'bad label selector', text: `${HEAD}rules:\n- drop:\n    labelSelector: "env in ()"\n`, want: [/rules\.yaml:6:5: labelSelector "env in \(\)" does not parse at character 9: a set of values cannot be empty/] },
    { name: 'patch op without value', text: `${HEAD}rules:\n- patch:\n    match: {kind: vs}\n    jsonPatch:\n    - {op: replace, path: /spec/x}\n`, want: [/rules\.yaml:8:7: missing field "value" \(at rules\[0\]\.patch\.jsonPatch\[0\]\)/] },
    { name: 'patch op with a bad pointer', text: `${HEAD}rules:\n- patch:\n    match: {kind: vs}\n    jsonPatch:\n    - {op: remove, path: spec/x}\n`, want: [/must be a JSON Pointer/] },
    { name: 'same from and to', text: `${HEAD}rules:\n- mapNamespace: {from: a, to: a}\n`, want: [/"to" is the same as "from"/] },
    { name: 'upgrade to a version no Istio kind has', text: `${HEAD}rules:\n- upgradeApiVersion: {to: v2}\n`, want: [/no Istio kind is served at version v2/] },
    { name: 'label value that is not a string', text: `${HEAD}rules:\n- renameGatewaySelector: {from: {istio: ingressgateway}, to: {enabled: true}}\n`, want: [/must be a string, not a boolean \(true\)/] },
    { name: 'YAML syntax error', text: `${HEAD}rules: [\n`, want: [/rules\.yaml:\d+:\d+: invalid YAML/] },
    { name: 'duplicate key', text: `${HEAD}rules: []\nrules: []\n`, want: [/rules\.yaml:5:1: invalid YAML: Map keys must be unique/] },
    { name: 'empty file', text: '', want: [/rules\.yaml: the rules file is empty/] },
    { name: 'two documents', text: `${HEAD}rules: []\n---\n${HEAD}rules: []\n`, want: [/rules\.yaml:6:1: the rules file holds more than one YAML document/] },
    { name: 'alias bomb', text: `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`, want: [/expands too many YAML aliases/] },
    { name: 'a list instead of a document', text: '- setRevision: {to: a}\n', want: [/rules\.yaml:1:1: must be a map, not a list/] },
  ];
  test.each(cases)('$name', ({ text, want }) => {
    const err = failure(text);
    expect(err.exitCode).toBe(ExitCode.usage);
    for (const w of want) expect(err.message).toMatch(w);
  });

  test('every problem in a file is reported at once', () => {
    const schema = failure(`${HEAD}rules:\n- setRevison: {to: a}\n- setRevision: {}\n- mapNamespace: {from: A, to: b}\n`);
    expect(schema.message).toMatch(/3 problems/);
    expect(schema.message).toMatch(/rules\.yaml:5:3: unknown rule "setRevison"/);
    expect(schema.message).toMatch(/rules\.yaml:6:3: missing field "to"/);
    expect(schema.message).toMatch(/rules\.yaml:7:18: must be a DNS label/);
    // Rule checks run once the file has the right shape; they too are collected, not thrown one by one.
    const checks = failure(`${HEAD}rules:\n- drop: {kinds: [nope]}\n- drop: {labelSelector: "a in ()"}\n`);
    expect(checks.message).toMatch(/2 problems/);
  });
});

describe('loadTransformRules', () => {
  test('a missing file is an input error naming it', async () => {
    await expect(loadTransformRules('/nonexistent/rules.yaml')).rejects.toThrow(/rules file \/nonexistent\/rules\.yaml: no such file/);
  });

  test('a valid file loads, with positions for every rule', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-rules-'));
    const file = path.join(dir, 'rules.yaml');
    writeFileSync(file, `${HEAD}rules:\n- setRevision: {to: 1-31-1}\n- drop:\n    kinds: [EnvoyFilter]\n`);
    const loaded = await loadTransformRules(file);
    expect(loaded.rules.rules).toHaveLength(2);
    expect(loaded.locate(['rules', 1, 'drop', 'kinds'])).toEqual({ file, line: 7, column: 5 });
  });
});
