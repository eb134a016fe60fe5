// Reading nothing from a path the user named is exit 2 for every command that reads files (issue 9, point 4).
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, hasStackTrace, runCli } from '../../test/support/cli.js';
import { UsageError } from '../errors.js';
import { inputPaths } from './read-input.js';

const RULES = path.join(REPO_ROOT, 'examples/tcm-to-istio.rules.yaml');
const GOOD = path.join(REPO_ROOT, 'test/fixtures/analyze/bookinfo');

function emptyInput(res: { code: number; stdout: string; stderr: string }, named: string): void {
  expect(res.code, res.stderr).toBe(2);
  expect(res.stdout).toBe('');
  expect(res.stderr).toContain(`error: read no Kubernetes objects from ${named}`);
  expect(res.stderr).not.toMatch(/no problems found|analyzed 0 object/);
  expect(hasStackTrace(res.stderr), res.stderr).toBe(false);
}

describe('empty input is bad input', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mf-empty-'));
  const emptyDir = path.join(dir, 'empty');
  mkdirSync(emptyDir);
  const noYaml = path.join(dir, 'notes');
  mkdirSync(noYaml);
  writeFileSync(path.join(noYaml, 'README.md'), '# not config\n');
  const commentsOnly = path.join(dir, 'comments.yaml');
  writeFileSync(commentsOnly, '# nothing here\n---\n');

  it.each([
    { name: 'analyze, empty folder', args: ['analyze', emptyDir], named: emptyDir },
    { name: 'analyze, folder without YAML', args: ['analyze', noYaml], named: noYaml },
    { name: 'neat, a file of comments', args: ['neat', commentsOnly], named: commentsOnly },
    { name: 'transform, empty folder', args: ['transform', emptyDir, '-r', RULES], named: emptyDir },
    { name: 'diff, empty folder (before any cluster is contacted)', args: ['diff', emptyDir, '--kubeconfig', '/nonexistent'], named: emptyDir },
    { name: 'import, empty folder (before any cluster is contacted)', args: ['import', emptyDir, '--kubeconfig', '/nonexistent'], named: emptyDir },
  ])('$name → exit 2 naming the path', ({ args, named }) => {
    emptyInput(runCli(args), named);
  });

  it('one empty path among good ones is named alone', () => {
    const res = runCli(['analyze', GOOD, emptyDir]);
    emptyInput(res, emptyDir);
    expect(res.stderr).not.toContain(GOOD);
  });

  it('empty stdin is named as stdin', () => {
    emptyInput(runCli(['neat', '-'], { input: '' }), 'stdin');
    emptyInput(runCli(['analyze', '-'], { input: '\n' }), 'stdin');
  });

  it('analyze with no path and no --context is a usage error, not "0 objects analyzed"', () => {
    const res = runCli(['analyze'], { input: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n' });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('analyze needs something to read: files or folders, - for stdin, or --context');
    expect(hasStackTrace(res.stderr)).toBe(false);
  });

  it('a folder with objects still passes', () => {
    const res = runCli(['analyze', GOOD, '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
  });

  it('writes nothing when the input is empty', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'mf-empty-out-'));
    const res = runCli(['neat', emptyDir, '--output-dir', path.join(out, 'clean')]);
    expect(res.code).toBe(2);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('no path given', () => {
  it('reads stdin when it is a pipe, and refuses to wait on a terminal', () => {
    const stdin = process.stdin as { isTTY?: boolean };
    const was = stdin.isTTY;
    try {
      stdin.isTTY = false;
      expect(inputPaths('neat', [])).toEqual(['-']);
      stdin.isTTY = true;
      expect(() => inputPaths('neat', [])).toThrow(UsageError);
      expect(() => inputPaths('neat', [])).toThrow(/name what to read/);
      expect(inputPaths('neat', ['a.yaml'])).toEqual(['a.yaml']);
    } finally {
      stdin.isTTY = was;
    }
  });
});
