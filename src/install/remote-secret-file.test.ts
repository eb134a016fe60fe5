// The remote secret holds a bearer token: its file is written owner-only (0600), whole or not at all.
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { remoteKubeconfig, remoteSecret } from './remote-secret.js';
import { writeRemoteSecret } from './remote-secret-file.js';

const secret = remoteSecret('cls-remote', remoteKubeconfig({ clusterName: 'cls-remote', server: 'https://10.0.0.1:6443', caPem: 'ca', token: 'tok-123' }));
const oldUmask = process.umask();
afterEach(() => {
  process.umask(oldUmask);
});

describe('writeRemoteSecret', () => {
  it('writes mode 0600 even with umask 0, and the file reads back as the Secret', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-secret-'));
    const file = path.join(dir, 'cls-remote.secret.yaml');
    process.umask(0);
    await writeRemoteSecret(file, secret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    expect(parse(text.replace(/^---\n/, ''))).toEqual(secret);
  });

  it('replaces a world-readable file with an owner-only one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-secret-'));
    const file = path.join(dir, 's.yaml');
    await writeFile(file, 'old', { mode: 0o644 });
    await writeRemoteSecret(file, secret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
