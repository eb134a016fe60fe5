import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { FILE_MODE, OUTPUT_MARKER, StagingFolder, cleanStaleStaging, containedPath, makeDirs, pathExists, writeFileAtomic, writeFolderAtomic } from './atomic-write.js';
import type { KubeObject } from './object.js';
import { serializeObject, writeLayout } from './yaml-write.js';

const vs = (ns: string, name: string): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec: { hosts: [name] } });
const gc: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'istio' }, spec: { controllerName: 'istio.io/gateway-controller' } };

/** A pid no process has: above Linux's pid_max. */
const DEAD_PID = 2 ** 22 + 12345;
const isRoot = process.getuid?.() === 0;

/**
 * A folder this process cannot create files in. Root ignores permission bits, so as root a sysfs folder is
 * used, which refuses new files to everyone (EACCES).
 */
function unwritableFolder(): string {
  if (isRoot) return '/sys/fs';
  const dir = mkdtempSync(path.join(tmpdir(), 'mf-ro-'));
  chmodSync(dir, 0o555);
  return dir;
}

function tempParent(): string {
  return mkdtempSync(path.join(tmpdir(), 'mf-atomic-'));
}

/** Runs `fn`, which must fail with an InputError (exit 2) that names `where` and never claims to be a bug. */
async function expectInputError(fn: () => Promise<unknown>, where: string, reason: RegExp): Promise<void> {
  const err = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  const message = (err as Error).message;
  expect(message).toContain(where);
  expect(message).toMatch(reason);
  expect(message).not.toMatch(/bug/i);
}

describe('writeLayout', () => {
  it('writes the kubedump layout with serializeObject bytes, and replaces its own earlier output whole', async () => {
    const parent = tempParent();
    const dir = path.join(parent, 'out');
    const first = await writeLayout(dir, [vs('b', 'x'), vs('a', 'y'), gc]);
    expect(first).toEqual(['_cluster/gatewayclasses/istio.yaml', 'a/virtualservices/y.yaml', 'b/virtualservices/x.yaml']);
    expect(readFileSync(path.join(dir, 'a/virtualservices/y.yaml'), 'utf8')).toBe(serializeObject(vs('a', 'y')));
    expect(existsSync(path.join(dir, OUTPUT_MARKER))).toBe(true);
    await writeLayout(dir, [vs('c', 'z')]);
    expect(readdirSync(dir).sort()).toEqual([OUTPUT_MARKER, 'c']);
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it('refuses a folder meshferry did not write, and leaves it untouched', async () => {
    const dir = path.join(tempParent(), 'mine');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
    await expect(writeLayout(dir, [vs('a', 'x')])).rejects.toThrow(InputError);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('fails on two objects that map to one file, leaving no staging folder and the previous output', async () => {
    const parent = tempParent();
    const dir = path.join(parent, 'out');
    await writeLayout(dir, [vs('a', 'keep')]);
    const twin = { ...vs('a', 'x'), apiVersion: 'networking.istio.io/v1beta1' };
    await expect(writeLayout(dir, [vs('a', 'x'), twin])).rejects.toThrow(/two objects would be written to a\/virtualservices\/x.yaml/);
    expect(readdirSync(parent)).toEqual(['out']);
    expect(existsSync(path.join(dir, 'a/virtualservices/keep.yaml'))).toBe(true);
  });

  it('creates files 0600 and folders 0700: they may hold cluster data', async () => {
    const dir = path.join(tempParent(), 'out');
    await writeLayout(dir, [vs('a', 'x')], { 'notes/README.md': 'hi\n' });
    for (const f of ['a/virtualservices/x.yaml', OUTPUT_MARKER, 'notes/README.md']) expect(statSync(path.join(dir, f)).mode & 0o777, f).toBe(FILE_MODE);
    for (const d of ['.', 'a', 'a/virtualservices', 'notes']) expect(statSync(path.join(dir, d)).mode & 0o777, d).toBe(0o700);
  });

  it.each([
    ['apiVersion with ../ in the group', { ...vs('a', 'x'), apiVersion: 'x/../../../v1', kind: 'Evil' }],
    ['a kind with a slash', { ...vs('a', 'x'), apiVersion: 'example.com/v1', kind: '../../Evil' }],
    ['a namespace of ..', vs('..', 'x')],
    ['a name climbing out', vs('a', '../../../../escaped')],
    ['a hidden name', vs('a', '.hidden')],
  ])('keeps every file inside the output folder: %s', async (_name, obj) => {
    const parent = tempParent();
    const dir = path.join(parent, 'out');
    const written = await writeLayout(dir, [obj]);
    expect(readdirSync(parent)).toEqual(['out']);
    expect(written).toHaveLength(1);
    const file = path.join(dir, written[0] ?? '');
    expect(path.relative(dir, file).startsWith('..')).toBe(false);
    expect(path.basename(file).startsWith('.')).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(serializeObject(obj));
  });
});

describe('filesystem errors are input errors that end', () => {
  it('an output under /proc fails with the path and the reason instead of spinning', async () => {
    await expectInputError(() => writeLayout('/proc/meshferry-x', [vs('a', 'x')]), '/proc/meshferry-x', /no such file|not permitted|permission denied/);
    await expectInputError(() => writeLayout('/proc/meshferry-x/deeper/still', [vs('a', 'x')]), '/proc/meshferry-x/deeper/still', /no such file|not permitted|permission denied/);
    await expectInputError(() => writeFileAtomic('/proc/meshferry-x/report.json', '{}'), '/proc/meshferry-x/report.json', /no such file|not permitted/);
  });

  it('an unwritable folder (EACCES) is an input error', async () => {
    const ro = unwritableFolder();
    await expectInputError(() => writeLayout(path.join(ro, 'out'), [vs('a', 'x')]), path.join(ro, 'out'), /permission denied|not permitted/);
    await expectInputError(() => writeFileAtomic(path.join(ro, 'r.json'), '{}'), path.join(ro, 'r.json'), /permission denied|not permitted/);
  });

  it('a dangling symbolic link as the output folder is an input error, and the link stays', async () => {
    const parent = tempParent();
    const link = path.join(parent, 'out');
    symlinkSync(path.join(parent, 'missing'), link);
    await expectInputError(() => writeLayout(link, [vs('a', 'x')]), link, /symbolic link to a missing/);
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it('a symbolic link to an output folder replaces the folder it points to, not the link', async () => {
    const parent = tempParent();
    mkdirSync(path.join(parent, 'real'));
    symlinkSync(path.join(parent, 'real'), path.join(parent, 'out'));
    await writeLayout(path.join(parent, 'out'), [vs('a', 'x')]);
    expect(existsSync(path.join(parent, 'real/a/virtualservices/x.yaml'))).toBe(true);
    expect(readFileSync(path.join(parent, 'out/a/virtualservices/x.yaml'), 'utf8')).toContain('name: x');
  });

  it('a file where a parent folder should be is an input error', async () => {
    const parent = tempParent();
    writeFileSync(path.join(parent, 'file'), 'x');
    await expectInputError(() => writeLayout(path.join(parent, 'file/out'), [vs('a', 'x')]), path.join(parent, 'file/out'), /not a folder/);
    await expectInputError(() => makeDirs(path.join(parent, 'file/a/b')), path.join(parent, 'file/a/b'), /not a folder/);
  });
});

describe('containedPath', () => {
  it.each(['../x', 'a/../../x', '/etc/passwd', '.', ''])('refuses %j', (rel) => {
    expect(() => containedPath('/tmp/staging', rel)).toThrow(/outside the output folder/);
  });
  it('accepts paths below the root', () => {
    expect(containedPath('/tmp/staging', 'a/b.yaml')).toBe('/tmp/staging/a/b.yaml');
  });
  it('is used by every staged write', async () => {
    const folder = await StagingFolder.open(path.join(tempParent(), 'out'));
    try {
      await expect(folder.writeFiles([{ rel: '../escape.yaml', data: 'x' }])).rejects.toThrow(/outside the output folder/);
    } finally {
      folder.abort();
    }
  });
});

describe('writeFolderAtomic', () => {
  it('swaps in what fill wrote, with the marker, and nothing beside it', async () => {
    const parent = tempParent();
    await writeFolderAtomic(path.join(parent, 'plan'), async (staging) => {
      writeFileSync(path.join(staging, 'a.txt'), 'a');
    });
    expect(readdirSync(path.join(parent, 'plan')).sort()).toEqual([OUTPUT_MARKER, 'a.txt']);
    expect(readdirSync(parent)).toEqual(['plan']);
  });
});

describe('writeFileAtomic', () => {
  it('creates parents, writes 0600 by default and leaves no temp file', async () => {
    const dir = tempParent();
    const f = path.join(dir, 'deep/er/report.json');
    await writeFileAtomic(f, '{}\n');
    expect(statSync(f).mode & 0o777).toBe(FILE_MODE);
    expect(readdirSync(path.dirname(f))).toEqual(['report.json']);
  });
});

describe('pathExists', () => {
  it('follows links: a dangling link does not exist', async () => {
    const dir = tempParent();
    symlinkSync(path.join(dir, 'nothing'), path.join(dir, 'link'));
    expect(await pathExists(dir)).toBe(true);
    expect(await pathExists(path.join(dir, 'link'))).toBe(false);
  });
});

describe('cleanStaleStaging', () => {
  it('removes staging folders of dead processes, keeps live ones and unrelated folders', async () => {
    const parent = tempParent();
    const dir = path.join(parent, 'out');
    mkdirSync(dir);
    const dead = path.join(parent, `.out.staging-${DEAD_PID}-abcd1234`);
    const live = path.join(parent, `.out.staging-${process.ppid}-abcd1234`);
    const own = path.join(parent, `.out.staging-${process.pid}-abcd1234`);
    const other = path.join(parent, `.other.staging-${DEAD_PID}-abcd1234`);
    for (const d of [dead, live, own, other]) mkdirSync(d);
    expect((await cleanStaleStaging(dir)).removed).toEqual([dead]);
    expect((await cleanStaleStaging(dir, { includeOwn: true })).removed).toEqual([own]);
    expect(readdirSync(parent).sort()).toEqual([path.basename(other), path.basename(live), 'out'].sort());
  });

  it('puts the previous output back when a run died between the two renames of the swap', async () => {
    const parent = tempParent();
    const dir = path.join(parent, 'out');
    const old = path.join(parent, `.out.staging-${DEAD_PID}-abcd1234.old`);
    mkdirSync(old);
    writeFileSync(path.join(old, 'a.yaml'), 'previous');
    const res = await cleanStaleStaging(dir);
    expect(res.restored).toBe(old);
    expect(readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('previous');
  });

  it('is run by every folder writer: a killed run leaves nothing behind for long', async () => {
    const parent = tempParent();
    mkdirSync(path.join(parent, `.out.staging-${DEAD_PID}-abcd/ns`), { recursive: true });
    await writeLayout(path.join(parent, 'out'), [vs('a', 'x')]);
    expect(readdirSync(parent)).toEqual(['out']);
  });
});

describe('writeFileAtomic on what is not a regular file', () => {
  it('writes through a named pipe and leaves it a pipe', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-fifo-'));
    const fifo = path.join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = readFile(fifo, 'utf8');
    await writeFileAtomic(fifo, 'through the pipe\n');
    expect(await reader).toBe('through the pipe\n');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('writes through a device (/dev/null stays a character device)', async () => {
    await writeFileAtomic('/dev/null', 'discarded\n');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('follows a symbolic link: the link stays, its target gets the content', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-link-'));
    writeFileSync(path.join(dir, 'real.yaml'), 'old\n');
    symlinkSync('real.yaml', path.join(dir, 'link.yaml'));
    await writeFileAtomic(path.join(dir, 'link.yaml'), 'new\n');
    expect(lstatSync(path.join(dir, 'link.yaml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'real.yaml'), 'utf8')).toBe('new\n');
    expect(statSync(path.join(dir, 'real.yaml')).mode & 0o777).toBe(FILE_MODE);
  });

  it('refuses a dangling symbolic link and a folder, as input errors', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-link-'));
    symlinkSync('nowhere.yaml', path.join(dir, 'dangling.yaml'));
    await expect(writeFileAtomic(path.join(dir, 'dangling.yaml'), 'x')).rejects.toThrow(/symbolic link to nowhere\.yaml, which does not exist/);
    await expect(writeFileAtomic(dir, 'x')).rejects.toBeInstanceOf(InputError);
    expect(existsSync(path.join(dir, 'nowhere.yaml'))).toBe(false);
  });
});
