// scripts/example-tcm.sh replaces its output folder on every run, so it must take only a folder it made itself (its
// marker inside), a new one or an empty one: any other folder, a symlink or a file is refused (exit 2) and left as it was.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'meshferry-example-tcm-args-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const script = path.join(REPO_ROOT, 'scripts', 'example-tcm.sh');
const run = (arg: string, cwd = tmp) => spawnSync('bash', [script, arg], { cwd, encoding: 'utf8', env: { ...process.env, MESHFERRY_EXAMPLE_SKIP_BUILD: '1' }, timeout: 60_000 });

describe('scripts/example-tcm.sh refuses an output folder that is not its own', () => {
  it.each([
    ['a non-empty folder without the marker, named relative to where it is run', 'mine', false],
    ['the same with a trailing slash', 'mine/', false],
    ['a symlink to a folder', 'link', true],
  ])('%s: exit 2, the folder untouched', (_what, arg, link) => {
    const mine = path.join(tmp, 'mine');
    mkdirSync(mine, { recursive: true });
    writeFileSync(path.join(mine, 'notes.txt'), 'keep me');
    if (link) symlinkSync(mine, path.join(tmp, 'link'));
    const r = run(arg);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^example-tcm: .*(not empty and was not made by this script|is a symlink)/m);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
  });
  it('a file: exit 2, the file untouched', () => {
    writeFileSync(path.join(tmp, 'afile'), 'x');
    const r = run('afile');
    expect(r.status, r.stderr).toBe(2);
    expect(readdirSync(tmp)).toContain('afile');
  });
  it('a relative folder is resolved from where the script is run, not from the repository it changes into', () => {
    // "src" names the repository's own source folder only from the repository root: from tmp it is tmp/src.
    mkdirSync(path.join(tmp, 'src'), { recursive: true });
    writeFileSync(path.join(tmp, 'src', 'x'), 'x');
    const r = run('src');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(path.join(tmp, 'src'));
  });
});
