// The lab folder holds a CA key and bearer tokens: it must be the user's own, closed to everyone else.
import { chmodSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../errors.js';
import { pathExists, prepareLabDir } from './lab-dir.js';

const root = mkdtempSync(path.join(tmpdir(), 'lab-dir-'));
let n = 0;
const fresh = () => path.join(root, `d${n++}`);
const uid = process.getuid?.() ?? 0;

describe('prepareLabDir', () => {
  it('creates a missing folder with mode 0700', async () => {
    const dir = path.join(fresh(), 'nested');
    await prepareLabDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('accepts an existing empty folder of the user with mode 0700', async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700);
    await expect(prepareLabDir(dir)).resolves.toBeUndefined();
  });

  it.each([0o755, 0o750, 0o701, 0o777])('refuses an existing folder with mode %s (others could read the CA key or plant files)', async (mode) => {
    const dir = fresh();
    mkdirSync(dir);
    chmodSync(dir, mode);
    const err = await prepareLabDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(ExitCode.usage);
    expect((err as Error).message).toMatch(/mode 0?7[0-7]{2}.*0700/);
    expect((err as Error).message).toContain(dir);
  });

  it('refuses an existing folder owned by someone else', async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700);
    const err = await prepareLabDir(dir, { uid: uid + 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/owned by uid \d+, not by you/);
  });

  it('refuses a symlink in place of the folder', async () => {
    const target = fresh();
    mkdirSync(target, { mode: 0o700 });
    const link = fresh();
    symlinkSync(target, link);
    const err = await prepareLabDir(link).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/symbolic link/);
  });

  it('refuses a non-empty folder that holds no lab', async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700);
    writeFileSync(path.join(dir, 'x'), '');
    await expect(prepareLabDir(dir)).rejects.toThrow(/not empty and holds no lab/);
  });
});

describe('pathExists', () => {
  it('is true for a file and false for a missing path', async () => {
    const f = path.join(root, 'f');
    writeFileSync(f, '');
    expect(await pathExists(f)).toBe(true);
    expect(await pathExists(path.join(root, 'missing'))).toBe(false);
  });
});
