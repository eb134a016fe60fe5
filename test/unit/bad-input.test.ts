// The bad-input corpus: every broken file gives exit 2, names the file and line, and shows no stack trace.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../support/cli.js';

const dir = 'test/fixtures/bad-input';
/** file → the line the message must name, and a phrase it must contain. */
const corpus: { file: string; line: number; says: RegExp }[] = [
  { file: '01-unclosed-flow.yaml', line: 8, says: /invalid YAML: Flow sequence/ },
  { file: '02-tab-indent.yaml', line: 5, says: /tabs/ },
  { file: '03-duplicate-key.yaml', line: 8, says: /duplicate key "hosts"/ },
  { file: '04-alias-bomb.yaml', line: 1, says: /alias bomb/ },
  { file: '05-scalar-document.yaml', line: 2, says: /is a string .* not a Kubernetes object/ },
  { file: '06-list-document.yaml', line: 1, says: /is a list, not a Kubernetes object/ },
  { file: '07-missing-apiversion.yaml', line: 1, says: /no apiVersion/ },
  { file: '08-missing-kind.yaml', line: 1, says: /no kind/ },
  { file: '09-missing-name.yaml', line: 3, says: /no metadata\.name/ },
  { file: '10-unknown-kind.yaml', line: 2, says: /unknown kind VirtualSrvice .*did you mean .*VirtualService/ },
  { file: '11-unknown-version.yaml', line: 1, says: /has no version v2/ },
  { file: '12-label-not-string.yaml', line: 8, says: /labels\.version must be a string/ },
  { file: '13-second-document-broken.yaml', line: 10, says: /invalid YAML/ },
  { file: '14-list-item-without-name.yaml', line: 10, says: /no metadata\.name/ },
  { file: '15-broken.json', line: 2, says: /invalid JSON/ },
  { file: '16-metadata-not-a-map.yaml', line: 3, says: /metadata .* must be a mapping/ },
];

function expectCleanFailure(res: { code: number; stdout: string; stderr: string }, file: string, line?: number): void {
  expect(res.code, res.stderr).toBe(2);
  expect(res.stderr).toContain(line === undefined ? file : `${file}:${line}`);
  expect(hasStackTrace(res.stderr), res.stderr).toBe(false);
  expect(res.stdout).toBe('');
}

describe('bad input corpus (neat)', () => {
  it.each(corpus)('$file → exit 2 at line $line', ({ file, line, says }) => {
    const res = runCli(['neat', path.join(dir, file)]);
    expectCleanFailure(res, path.join(dir, file), line);
    expect(res.stderr).toMatch(says);
  });

  it('the same corpus fails the same way through transform', () => {
    const res = runCli(['transform', path.join(dir, '10-unknown-kind.yaml'), '--rules', 'examples/tcm-to-istio.rules.yaml']);
    expectCleanFailure(res, path.join(dir, '10-unknown-kind.yaml'), 2);
  });
});

describe('bad input made at test time', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'meshferry-bad-'));

  it('binary data (a NUL byte) is refused with its line', () => {
    const f = path.join(tmp, 'binary.yaml');
    writeFileSync(f, Buffer.concat([Buffer.from('apiVersion: v1\nkind: Namespace\n'), Buffer.from([0x00, 0xff, 0x10])]));
    const res = runCli(['neat', f]);
    expectCleanFailure(res, f, 3);
    expect(res.stderr).toMatch(/binary/);
  });

  it('invalid UTF-8 is refused', () => {
    const f = path.join(tmp, 'latin1.yaml');
    writeFileSync(f, Buffer.concat([Buffer.from('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: caf'), Buffer.from([0xe9, 0x0a])]));
    const res = runCli(['neat', f]);
    expectCleanFailure(res, f, 4);
  });

  it('a missing file is named', () => {
    const f = path.join(tmp, 'nope.yaml');
    const res = runCli(['neat', f]);
    expectCleanFailure(res, f);
    expect(res.stderr).toMatch(/no such file/);
  });

  it('the same object in two files names both places', () => {
    const a = path.join(tmp, 'dup-a.yaml');
    const b = path.join(tmp, 'dup-b.yaml');
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: twice\n';
    writeFileSync(a, ns);
    writeFileSync(b, `# leading comment\n${ns}`);
    const res = runCli(['neat', a, b]);
    expectCleanFailure(res, b, 2);
    expect(res.stderr).toContain(`${a}:1`);
  });

  it('an alias bomb fails fast with little memory (a 96 MiB heap would not survive expansion)', () => {
    const res = runCli(['neat', path.join(dir, '04-alias-bomb.yaml')], { nodeArgs: ['--max-old-space-size=96'] });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/alias bomb/);
  });

  it('several broken files are all reported in one message', () => {
    const res = runCli(['neat', path.join(dir, '07-missing-apiversion.yaml'), path.join(dir, '09-missing-name.yaml')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/2 problems/);
    expect(res.stderr).toContain('07-missing-apiversion.yaml:1');
    expect(res.stderr).toContain('09-missing-name.yaml:3');
  });

  it('an empty file is bad input: a path that gives no object is named, exit 2 (issue 9, point 4)', () => {
    const f = path.join(tmp, 'empty.yaml');
    writeFileSync(f, '');
    const res = runCli(['neat', f]);
    expectCleanFailure(res, f);
    expect(res.stderr).toContain(`read no Kubernetes objects from ${f}`);
  });

  it('a wrong flag is a usage error with a hint', () => {
    const res = runCli(['neat', '--outptu', 'x']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown option '--outptu'/);
    expect(res.stderr).toMatch(/--output/);
  });

  it('an unknown command suggests the right one', () => {
    const res = runCli(['naet']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/neat/);
  });
});
