// Finds the lab's real binaries (prebuilt folders or the versioned cache) and builds them when missing.
import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LabError } from '../errors.js';
import { pathExists } from './lab-dir.js';

const execFileAsync = promisify(execFile);

export const LAB_BINARIES = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'etcd',
  'kwok',
  'istioctl',
  'pilot-discovery',
] as const;
export type LabBinary = (typeof LAB_BINARIES)[number];

/** The repository's lab/ folder (build script, versions, Go wrapper modules); works from src/ and dist/. */
export const LAB_SOURCE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../lab');

export interface LabBinaries {
  /** Absolute path of each binary. */
  paths: Record<LabBinary, string>;
  /** The Istio CRD file of the pinned release. */
  istioCrds: string;
  /** kwok's Stage configs (node and pod lifecycle), taken from the pinned kwok module by lab/build.sh. */
  kwokStages: string;
  /** The versioned cache folder (even when some binaries come from MESHFERRY_LAB_BIN or KUBEBUILDER_ASSETS). */
  cacheDir: string;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The versioned cache folder that lab/build.sh writes (`~/.cache/meshferry/lab/<versions>`). */
export async function labCacheDir(): Promise<string> {
  const { stdout } = await execFileAsync('bash', [path.join(LAB_SOURCE_DIR, 'build.sh'), '--print-dir']);
  return stdout.trim();
}

/**
 * Resolves every lab binary. Search order per binary: MESHFERRY_LAB_BIN, KUBEBUILDER_ASSETS (etcd,
 * kube-apiserver, kubectl), then the cache. Returns the missing names instead of throwing.
 */
export async function findLabBinaries(): Promise<{ found: Partial<Record<LabBinary, string>>; missing: LabBinary[]; cacheDir: string }> {
  const cacheDir = await labCacheDir();
  const dirs = [process.env.MESHFERRY_LAB_BIN, process.env.KUBEBUILDER_ASSETS, path.join(cacheDir, 'bin')].filter(
    (d): d is string => Boolean(d),
  );
  const found: Partial<Record<LabBinary, string>> = {};
  const missing: LabBinary[] = [];
  for (const name of LAB_BINARIES) {
    let hit: string | undefined;
    for (const d of dirs) {
      if (await isExecutable(path.join(d, name))) {
        hit = path.join(d, name);
        break;
      }
    }
    if (hit) found[name] = hit;
    else missing.push(name);
  }
  return { found, missing, cacheDir };
}

/**
 * Returns every lab binary, running lab/build.sh first when any is missing (a cold build takes tens of
 * minutes on two cores; warm, it returns at once). Fails loudly, never silently: tests must not skip.
 */
export async function ensureLabBinaries(opts: { build?: boolean; onLog?: (line: string) => void } = {}): Promise<LabBinaries> {
  let res = await findLabBinaries();
  // Data files sit beside bin/ in a cache folder; a copied cache named by MESHFERRY_LAB_BIN (its bin/) brings its own.
  const dataDirs = () => [...(process.env.MESHFERRY_LAB_BIN ? [path.dirname(path.resolve(process.env.MESHFERRY_LAB_BIN))] : []), res.cacheDir];
  let crdsFile = '';
  let stagesFile = '';
  const missing = async () => {
    crdsFile = (await firstExisting(dataDirs().map((d) => path.join(d, 'istio', 'crd-all.gen.yaml')))) ?? '';
    stagesFile = (await firstExisting(dataDirs().map((d) => path.join(d, 'kwok', 'stages.yaml')))) ?? '';
    return [...res.missing, ...(crdsFile ? [] : ['Istio CRDs']), ...(stagesFile ? [] : ['kwok stages'])];
  };
  if ((await missing()).length > 0) {
    if (opts.build === false)
      throw new LabError(`lab binaries missing: ${(await missing()).join(', ')}; run \`npm run lab:build\` (or set MESHFERRY_LAB_BIN)`);
    await runBuild(opts.onLog);
    res = await findLabBinaries();
    const still = await missing();
    if (still.length > 0) throw new LabError(`lab/build.sh finished but these are still missing: ${still.join(', ')}`);
  }
  return { paths: res.found as Record<LabBinary, string>, istioCrds: crdsFile, kwokStages: stagesFile, cacheDir: res.cacheDir };
}

async function firstExisting(files: readonly string[]): Promise<string | undefined> {
  for (const f of files) if (await pathExists(f)) return f;
  return undefined;
}

function runBuild(onLog: ((line: string) => void) | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(LAB_SOURCE_DIR, 'build.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (buf: Buffer) => {
      for (const line of buf.toString().split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        (onLog ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(new LabError(`cannot run lab/build.sh: ${err.message}`, err)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new LabError(`lab/build.sh failed (exit ${code}); last lines:\n${tail.join('\n')}`)),
    );
  });
}
