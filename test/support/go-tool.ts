// The repository's Go test tools (test/tools/<name>: yamlref, kubectl-neat): each built once with Go, then run.
// Used by the tests and by the benchmarks (bench/migrate compiles this file into dist-bench/, so it finds the
// sources by looking upwards rather than at a fixed distance from itself).
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const built = new Map<string, string>();

/** test/tools/<dirName> of the repository this file belongs to, from its source or a compiled copy inside it. */
function toolSourceDir(dirName: string): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; ) {
    const candidate = path.join(dir, 'test', 'tools', dirName);
    if (existsSync(path.join(candidate, 'go.mod'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find test/tools/${dirName}/go.mod above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/**
 * The path of test/tools/<dirName>'s binary, built on first use into
 * `${MESHFERRY_CACHE:-~/.cache/meshferry}/tools/<hash of its sources>/<binName>` with the `go` on PATH (the lab's
 * toolchain). The build goes to a temporary name and is renamed into place, so parallel test workers never run a
 * half-written binary. Without Go this throws: tests that rely on a reference tool must not pass by skipping.
 */
export function goToolBinary(dirName: string, binName: string): string {
  const key = `${dirName}\0${binName}`;
  const cached = built.get(key);
  if (cached) return cached;
  const sourceDir = toolSourceDir(dirName);
  const hash = createHash('sha256');
  for (const f of readdirSync(sourceDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort())
    hash.update(`${f}\0`).update(readFileSync(path.join(sourceDir, f))).update('\0');
  const cacheRoot = process.env.MESHFERRY_CACHE || path.join(os.homedir(), '.cache', 'meshferry');
  const dir = path.join(cacheRoot, 'tools', hash.digest('hex').slice(0, 16));
  const bin = path.join(dir, binName);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${binName}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const res = spawnSync('go', ['build', '-trimpath', '-o', tmp, '.'], {
      cwd: sourceDir,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' ') },
      encoding: 'utf8',
    });
    if (res.error || res.status !== 0) {
      rmSync(tmp, { force: true });
      const why = res.error ? String(res.error.message) : res.stderr;
      throw new Error(
        `cannot build test/tools/${dirName} with Go: ${why}\n` +
          'This needs the Go toolchain the lab uses (Go >= 1.24 on PATH, and its module proxy); tests that use it never skip.',
      );
    }
    renameSync(tmp, bin);
  }
  built.set(key, bin);
  return bin;
}
