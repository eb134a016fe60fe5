// The reference YAML reader (test/tools/yamlref, sigs.k8s.io/yaml as kubectl uses it): built once with Go, then run.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

const SOURCE_DIR = path.join(REPO_ROOT, 'test/tools/yamlref');
const SOURCE_FILES = ['go.mod', 'go.sum', 'main.go'];

/**
 * What the reference reader made of one input: the documents it could read, as JSON values (empty ones left
 * out), and, when some could not be read, the first error (kubectl would refuse the whole input) and one entry
 * per unreadable document (1-based among all documents, empty ones included).
 */
export interface ReferenceRead {
  docs: unknown[];
  error?: string;
  docErrors?: { doc: number; error: string }[];
}

let built: string | undefined;

/**
 * The path of the reference reader's binary, built on first use into
 * `${MESHFERRY_CACHE:-~/.cache/meshferry}/tools/<hash of its sources>/yamlref` with the `go` on PATH (the lab's
 * toolchain). The build goes to a temporary name and is renamed into place, so parallel test workers never run
 * a half-written binary. Without Go this throws: tests that judge YAML semantics must not pass by skipping.
 */
export function yamlReferenceBinary(): string {
  if (built) return built;
  const hash = createHash('sha256');
  for (const f of SOURCE_FILES) hash.update(`${f}\0`).update(readFileSync(path.join(SOURCE_DIR, f))).update('\0');
  const cacheRoot = process.env.MESHFERRY_CACHE || path.join(os.homedir(), '.cache', 'meshferry');
  const dir = path.join(cacheRoot, 'tools', hash.digest('hex').slice(0, 16));
  const bin = path.join(dir, 'yamlref');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.yamlref.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const res = spawnSync('go', ['build', '-trimpath', '-o', tmp, '.'], {
      cwd: SOURCE_DIR,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' ') },
      encoding: 'utf8',
    });
    if (res.error || res.status !== 0) {
      rmSync(tmp, { force: true });
      const why = res.error ? String(res.error.message) : res.stderr;
      throw new Error(
        `cannot build the reference YAML reader (test/tools/yamlref) with Go: ${why}\n` +
          'These tests need the Go toolchain the lab uses (Go >= 1.24 on PATH, and its module proxy); they never skip.',
      );
    }
    renameSync(tmp, bin);
  }
  built = bin;
  return bin;
}

/** Reads files with the reference reader, as kubectl would read them; one result per file. */
export function referenceReadFiles(files: readonly string[]): Map<string, ReferenceRead> {
  const out = new Map<string, ReferenceRead>();
  // Keep command lines well under the kernel's limit.
  for (let i = 0; i < files.length; i += 200) {
    const batch = files.slice(i, i + 200);
    const parsed = runReference(batch);
    for (const f of batch) {
      const r = parsed[f];
      if (!r) throw new Error(`the reference YAML reader returned nothing for ${f}`);
      out.set(f, r);
    }
  }
  return out;
}

/** Reads one YAML stream given as text with the reference reader. */
export function referenceReadText(text: string): ReferenceRead {
  const r = runReference(['-'], text)['-'];
  if (!r) throw new Error('the reference YAML reader returned nothing for stdin');
  return r;
}

function runReference(args: readonly string[], input = ''): Record<string, ReferenceRead> {
  const res = spawnSync(yamlReferenceBinary(), args, { input, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (res.error || res.status !== 0) throw new Error(`the reference YAML reader failed: ${res.error?.message ?? res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, ReferenceRead>;
}
