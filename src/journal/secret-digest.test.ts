// The Secret digest key: made once per migration folder, and read only from a private file of this user.
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET_DIGEST_KEY_FILE, SecretDigest } from './secret-digest.js';

const data = { data: { password: 'czNjcmV0' } };

describe('SecretDigest key file', () => {
  it('is created 0600 on first use and gives the same digest again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshferry-digest-'));
    const first = await SecretDigest.at(dir).of(data);
    expect(await SecretDigest.at(dir).of(data)).toBe(first);
    expect(readFileSync(path.join(dir, SECRET_DIGEST_KEY_FILE), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it.each([
    ['readable by others (0644)', (file: string) => chmodSync(file, 0o644), /must be a regular file of this user that only its owner can read \(mode 0600\); it is mode 644/],
    ['a symbolic link to a planted key', (file: string, dir: string) => {
      const planted = path.join(dir, 'planted');
      writeFileSync(planted, `${'0'.repeat(64)}\n`, { mode: 0o600 });
      symlinkSync(planted, file);
    }, /is a symbolic link/],
  ])('is refused when %s', async (_why, plant, message) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshferry-digest-'));
    const file = path.join(dir, SECRET_DIGEST_KEY_FILE);
    if (plant.length === 1) {
      await SecretDigest.at(dir).of(data);
      (plant as (f: string) => void)(file);
    } else plant(file, dir);
    await expect(SecretDigest.at(dir).of(data)).rejects.toThrow(message);
  });
});
