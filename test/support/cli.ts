// Runs the built CLI (dist/cli/main.js) as a user would, capturing exit code, stdout and stderr.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO_ROOT, 'dist/cli/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `meshferry ...args`. Fails loudly when the CLI has not been built (npm test builds it first). */
export function runCli(args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; nodeArgs?: string[] } = {}): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\`, or run the tests through vitest (its global setup builds dist/)`);
  const res = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), CLI, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    input: opts.input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  return { code: res.status ?? (res.signal ? 128 : -1), stdout: res.stdout, stderr: res.stderr };
}

/** True when stderr looks like a JavaScript stack trace, which users must never see. */
export function hasStackTrace(stderr: string): boolean {
  return /^\s+at .+\(.+:\d+:\d+\)$/m.test(stderr) || /^\s+at .+:\d+:\d+$/m.test(stderr);
}

/** Like runCli, without blocking the event loop: for tests whose fake API server lives in the test process. */
export async function runCliAsync(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

/** A CLI run in the background: its stderr so far, and its end (exit 137 after SIGKILL, 128 for another signal). */
export interface RunningCli {
  child: import('node:child_process').ChildProcess;
  stderr: () => string;
  done: Promise<CliResult>;
}

/** Starts `meshferry ...args` in the background, for tests that signal it or watch its progress mid-run. */
export function startCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningCli {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\`, or run the tests through vitest (its global setup builds dist/)`);
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr }));
  });
  return { child, stderr: () => stderr, done };
}
