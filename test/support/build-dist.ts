// Vitest global setup: build dist/ from the sources under test, once per run, so CLI tests never spawn a stale build.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './cli.js';

const execFileAsync = promisify(execFile);
const BUILT = Symbol.for('meshferry.test.distBuilt');

/**
 * Compiles src/ with tsconfig.build.json into a cache folder (incremental, so an unchanged tree takes seconds),
 * then swaps a copy in as dist/ with renames: a CLI test never sees a half-written dist/. Runs once per vitest
 * run even when several projects list it.
 */
export async function buildDist(root = REPO_ROOT): Promise<void> {
  const cache = path.join(root, 'node_modules', '.cache', 'meshferry-dist');
  const out = path.join(cache, 'dist');
  // A changed build config (an exclude, say) starts the cache afresh: tsc never deletes what it emitted before.
  const config = createHash('sha256').update(await readFile(path.join(root, 'tsconfig.build.json'))).update(await readFile(path.join(root, 'tsconfig.json'))).digest('hex');
  const stamp = path.join(cache, 'config.sha256');
  if ((await readFile(stamp, 'utf8').catch(() => '')) !== config) await rm(cache, { recursive: true, force: true });
  await mkdir(cache, { recursive: true });
  await writeFile(stamp, config);
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await execFileAsync(
      process.execPath,
      [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', path.join(cache, 'build.tsbuildinfo'), '--outDir', out],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`building dist/ for the CLI tests failed:\n${e.stdout ?? ''}${e.stderr ?? ''}` || e.message);
  }
  await pruneOrphans(out, path.join(root, 'src'));
  const dist = path.join(root, 'dist');
  const staging = path.join(root, `dist.tmp-${process.pid}`);
  const old = path.join(root, `dist.old-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await cp(out, staging, { recursive: true });
  await chmod(path.join(staging, 'cli', 'main.js'), 0o755); // as scripts/postbuild.mjs does for npm's bin links
  await rename(dist, old).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rename(staging, dist);
  await rm(old, { recursive: true, force: true });
}

/** Removes outputs whose source file is gone (moved or deleted since the cache was filled). */
async function pruneOrphans(out: string, src: string): Promise<void> {
  for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const base = path.relative(out, file).replace(/(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/, '');
    const exists = await stat(path.join(src, `${base}.ts`)).then(
      () => true,
      () => false,
    );
    if (!exists) await rm(file);
  }
}

export default async function setup(): Promise<void> {
  const g = globalThis as { [BUILT]?: Promise<void> };
  const started = Date.now();
  g[BUILT] ??= buildDist();
  await g[BUILT];
  process.stderr.write(`dist/ built from src/ for the CLI tests in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}
