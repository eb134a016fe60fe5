// Shared by the export and import benchmarks: the repository's built modules, a lab, and timing of child processes.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root: the nearest folder upwards whose package.json is meshferry's (benches run compiled elsewhere). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'meshferry') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the meshferry repository root');
    dir = up;
  }
}

export const ROOT = repoRoot();
const BUILT_CLI = path.join(ROOT, 'dist/cli/main.js');

/**
 * The CLI the benchmark runs: a private copy of dist/ taken at start (inside node_modules/.cache, so packages
 * still resolve), so that a rebuild of the working tree during a long run cannot change or break what is timed.
 */
export const CLI = path.join(ROOT, 'node_modules/.cache/meshferry-bench/dist-snapshot/cli/main.js');

export function snapshotCli(): void {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  const snapshot = path.dirname(path.dirname(CLI));
  rmSync(snapshot, { recursive: true, force: true });
  cpSync(path.join(ROOT, 'dist'), snapshot, { recursive: true });
}

/** The built library and lab (dist/), so paths inside them (lab/build.sh) resolve as in production. */
export async function loadBuilt(): Promise<{ lib: typeof import('../../src/lib.js'); lab: typeof import('../../src/lab/index.js') }> {
  snapshotCli();
  const lib = (await import(pathToFileURL(path.join(ROOT, 'dist/lib.js')).href)) as typeof import('../../src/lib.js');
  const lab = (await import(pathToFileURL(path.join(ROOT, 'dist/lab/index.js')).href)) as typeof import('../../src/lab/index.js');
  return { lib, lab };
}

export interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and measures its wall-clock time. */
export function timeCommand(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; stdoutFile?: boolean } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout, stderr }));
  });
}

/**
 * Runs a command under `/usr/bin/time -v`: its time, the peak RSS of the process and its children, and the CPU time
 * (user + system) of the process and the children it waited for.
 */
export async function timeWithPeakRss(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Timed & { peakRssMiB: number; cpuMs: number }> {
  const t = await timeCommand('/usr/bin/time', ['-v', cmd, ...args], { env });
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(t.stderr)?.[1] ?? 0);
  return { ...t, peakRssMiB: kb / 1024, cpuMs: timeVCpuMs(t.stderr) };
}

/** The user + system CPU ms `/usr/bin/time -v` reports for a command and the children it waited for. */
export function timeVCpuMs(stderr: string): number {
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
  if (user === undefined || sys === undefined) throw new Error('no "User time"/"System time" in /usr/bin/time -v output');
  return Math.round((Number(user) + Number(sys)) * 1000);
}

/** API requests in a kubectl `-v=6` log (one line per request). */
export const kubectlRequests = (stderr: string): number => stderr.split('\n').filter((l) => /round_trippers.*("Response"|(GET|POST|PATCH|PUT|DELETE) https?:\/\/)/.test(l)).length;

/** Fails the benchmark loudly when a measured command did not succeed: a fast failure is not a result. */
export function mustSucceed(what: string, t: Timed, okCodes: readonly number[] = [0]): Timed {
  if (t.code === null || !okCodes.includes(t.code)) throw new Error(`${what} exited ${t.code}:\n${t.stderr.slice(-2000)}`);
  return t;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Prints aligned rows. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}
