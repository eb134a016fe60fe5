// What applyRules refuses or hides: failing patches (clear messages), unsafe kinds, apiVersions and names after the
// rules ran, and values from Secrets in the change report.
import { describe, expect, test } from 'vitest';
import { ExitCode, MeshferryError } from '../errors.js';
import { ResourceSet } from '../resources/resource-set.js';
import { parseResources } from '../resources/yaml-read.js';
import { applyRules } from './apply.js';
import { parseTransformRules } from './load-rules.js';

const HEAD = 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: t}\n';
const INPUT = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v, namespace: a}
spec:
  hosts: [a]
  http: [{route: [{destination: {host: a}}]}]
  extra: null
  word: text
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: a
  annotations: {note: SECRET-IN-ANNOTATION}
type: Opaque
`;

function inputSet(): ResourceSet {
  const parsed = parseResources(INPUT, 'in.yaml');
  expect(parsed.problems).toEqual([]);
  return new ResourceSet(parsed.resources);
}

function errorOf(rulesText: string): MeshferryError {
  const { rules, locate } = parseTransformRules(`${HEAD}${rulesText}`, 'r.yaml');
  try {
    applyRules(inputSet(), rules, { locate, file: 'r.yaml' });
  } catch (err) {
    if (err instanceof MeshferryError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

const patchRule = (match: string, ops: string) => `rules:\n- patch:\n    match: ${match}\n    jsonPatch: ${ops}\n`;

describe('a failing patch says what is missing, in words and JSON values', () => {
  const rows: { name: string; match?: string; ops: string; want: RegExp }[] = [
    {
      name: 'add below a missing parent',
      ops: '[{op: add, path: /spec/x/y/z, value: 1}]',
      want: /r\.yaml:7:17: operation 1 \(add \/spec\/x\/y\/z\) cannot be applied to VirtualService a\/v \(in\.yaml:1\): there is no value at \/spec\/x; add creates only the last step of a path, so add \/spec\/x first/,
    },
    {
      name: 'move a map into its own child (a raw TypeError before)',
      ops: '[{op: move, from: /spec, path: /spec/x}]',
      want: /operation 1 \(move \/spec → \/spec\/x\) cannot be applied to VirtualService a\/v \(in\.yaml:1\): cannot move \/spec into itself/,
    },
    {
      name: 'a test on a missing field says "no value", never undefined',
      ops: '[{op: test, path: /spec/nope, value: 5}]',
      want: /operation 1 \(test \/spec\/nope\) cannot be applied to VirtualService a\/v \(in\.yaml:1\): the test failed: expected 5, found no value/,
    },
    {
      name: 'a test on a null field shows null',
      ops: '[{op: test, path: /spec/extra, value: 1}]',
      want: /the test failed: expected 1, found null/,
    },
    {
      name: 'a test with a different value shows both as JSON',
      ops: '[{op: test, path: /spec/hosts, value: [b]}]',
      want: /the test failed: expected \["b"\], found \["a"\]/,
    },
    {
      name: 'a path through a string',
      ops: '[{op: replace, path: /spec/word/x, value: 1}]',
      want: /there is no value at \/spec\/word\/x: \/spec\/word is a string \("text"\), not a map or list/,
    },
    {
      name: 'a list index past the end',
      ops: '[{op: add, path: /spec/hosts/5, value: z}]',
      want: /\/spec\/hosts has 1 item; index 5 is past its end \(\/spec\/hosts\/- appends\)/,
    },
    {
      name: 'a list index that is not a number',
      ops: '[{op: replace, path: /spec/http/first/timeout, value: 1s}]',
      want: /\/spec\/http is a list; "first" is not a list index/,
    },
    {
      name: 'remove a missing field',
      ops: '[{op: remove, path: /spec/nothing}]',
      want: /operation 1 \(remove \/spec\/nothing\) cannot be applied to VirtualService a\/v \(in\.yaml:1\): there is no value at \/spec\/nothing to remove/,
    },
    {
      name: 'copy from a missing field',
      ops: '[{op: copy, from: /spec/gone, path: /spec/x}]',
      want: /operation 1 \(copy \/spec\/gone → \/spec\/x\) cannot be applied to VirtualService a\/v \(in\.yaml:1\): there is no value at \/spec\/gone to copy/,
    },
  ];
  test.each(rows)('$name', ({ match, ops, want }) => {
    const err = errorOf(patchRule(match ?? '{kind: vs}', ops));
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toMatch(/^rule 1 \(patch\) cannot be applied to an object:/);
    expect(err.message).toMatch(want);
    expect(err.message).not.toMatch(/undefined|Cannot set properties|TypeError/);
  });

  test('a failed test on a Secret annotation never shows the value', () => {
    const err = errorOf(patchRule('{kind: Secret}', '[{op: test, path: /metadata/annotations/note, value: guess}]'));
    expect(err.message).toMatch(/the test failed: expected <hidden>, found <hidden> \(values of a Secret are never shown\)/);
    expect(err.message).not.toContain('SECRET-IN-ANNOTATION');
    expect(err.message).not.toContain('guess');
  });
});

describe('after the rules, every object is safe to name and write', () => {
  const rows: { name: string; rules: string; want: RegExp }[] = [
    {
      name: 'an apiVersion climbing out of the output folder',
      rules: patchRule('{kind: vs}', '[{op: replace, path: /apiVersion, value: x/../../../v1}]'),
      want: /rule 1 \(patch\) leaves an object that cannot be written:\n {2}r\.yaml:5:3: VirtualService a\/v \(in\.yaml:1\): apiVersion "x\/\.\.\/\.\.\/\.\.\/v1" is not group\/version or version/,
    },
    {
      name: 'a kind with slashes',
      rules: patchRule('{kind: vs}', '[{op: replace, path: /kind, value: ../../x}]'),
      want: /VirtualService a\/v \(in\.yaml:1\): kind "\.\.\/\.\.\/x" is not a kind name/,
    },
    {
      name: 'a name that is no DNS subdomain',
      rules: patchRule('{kind: vs}', '[{op: replace, path: /metadata/name, value: Bad_Name}]'),
      want: /VirtualService a\/v \(in\.yaml:1\): metadata\.name "Bad_Name" is not a valid name: lowercase letters, digits, "-" and "\."/,
    },
    {
      name: 'a namespace that is no DNS label',
      rules: patchRule('{kind: vs}', '[{op: replace, path: /metadata/namespace, value: a.b}]'),
      want: /metadata\.namespace "a\.b" is not a valid namespace name \(RFC 1123 label/,
    },
    {
      name: 'a Service renamed to a DNS subdomain (Service names are labels)',
      rules: 'rules:\n- patch:\n    match: {kind: vs}\n    jsonPatch: [{op: replace, path: /kind, value: Service}, {op: replace, path: /apiVersion, value: v1}, {op: replace, path: /metadata/name, value: a.b}]\n',
      want: /metadata\.name "a\.b" is not a valid name: an RFC 1123 label/,
    },
  ];
  test.each(rows)('$name', ({ rules, want }) => {
    const err = errorOf(rules);
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toMatch(want);
  });

  test('a Secret renamed to something invalid is named without echoing the value', () => {
    const err = errorOf(patchRule('{kind: Secret}', '[{op: copy, from: /metadata/annotations/note, path: /metadata/name}]'));
    expect(err.message).toMatch(/Secret a\/creds \(in\.yaml:\d+\): metadata\.name is not a valid name/);
    expect(err.message).not.toContain('SECRET-IN-ANNOTATION');
  });

  test('valid changes pass, including a custom resource kind and apiVersion', () => {
    const { rules } = parseTransformRules(
      `${HEAD}${patchRule('{kind: vs}', '[{op: replace, path: /apiVersion, value: example.com/v1beta2}, {op: replace, path: /kind, value: Widget}, {op: replace, path: /metadata/name, value: w.example-1}]')}`,
      'r.yaml',
    );
    const result = applyRules(inputSet(), rules);
    expect(result.set.objects().map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toContain('example.com/v1beta2 Widget w.example-1');
  });
});

describe('the change report never shows a value from a Secret', () => {
  test('removing an annotation or patching metadata of a Secret shows paths, not values', () => {
    const { rules } = parseTransformRules(
      `${HEAD}rules:\n- removeAnnotations: {keys: [note]}\n- patch:\n    match: {kind: Secret}\n    jsonPatch: [{op: add, path: /metadata/annotations, value: {kubectl.kubernetes.io/last-applied-configuration: "{\\"data\\":{\\"k\\":\\"TOPSECRET\\"}}"}}]\n`,
      'r.yaml',
    );
    const result = applyRules(inputSet(), rules);
    const secretChanges = result.changes.filter((c) => c.object === 'Secret a/creds');
    expect(secretChanges.map((c) => [c.path, c.from, c.to])).toEqual([
      ['metadata.annotations.note', '<hidden>', undefined],
      ['metadata.annotations', undefined, '<hidden>'],
    ]);
    const text = JSON.stringify(result);
    expect(text).not.toContain('SECRET-IN-ANNOTATION');
    expect(text).not.toContain('TOPSECRET');
  });
});
