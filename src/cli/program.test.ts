// The one place errors are printed: exit codes (70 for a bug), --debug, sanitized messages, flag suggestions, help.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { hasStackTrace, runCli } from '../../test/support/cli.js';
import { ClusterError, ExitCode } from '../errors.js';
import { buildProgram, reportError } from './program.js';
import { VERSION } from './version.js';

// A preload that makes JSON.stringify throw: `version -o json` then fails the way a real bug would (a TypeError
// from deep inside a command), with no test hook in meshferry itself.
const BREAK_JSON = ['--import', `data:text/javascript,JSON.stringify=()=>{throw new TypeError("boom \\x1b[31mred\\x1b[0m")}`];

describe('an unexpected failure is a bug: exit 70', () => {
  it('prints one error line and one line on how to report it, with the version; no stack trace', () => {
    const res = runCli(['version', '-o', 'json'], { nodeArgs: BREAK_JSON, env: { MESHFERRY_DEBUG: '' } });
    expect(res.code, res.stderr).toBe(ExitCode.bug);
    expect(res.code).toBe(70);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: unexpected failure: TypeError: boom /);
    expect(lines[1]).toContain(`This is a bug in meshferry ${VERSION} (Node ${process.version})`);
    expect(lines[1]).toContain('meshferry version');
    expect(lines[1]).toContain('--debug');
    expect(hasStackTrace(res.stderr)).toBe(false);
  });

  it.each([
    { how: '--debug', args: ['--debug', 'version', '-o', 'json'], env: { MESHFERRY_DEBUG: '' } },
    { how: '--debug after the command', args: ['version', '-o', 'json', '--debug'], env: { MESHFERRY_DEBUG: '' } },
    { how: 'MESHFERRY_DEBUG=1', args: ['version', '-o', 'json'], env: { MESHFERRY_DEBUG: '1' } },
  ])('prints the stack with $how', ({ args, env }) => {
    const res = runCli(args, { nodeArgs: BREAK_JSON, env });
    expect(res.code, res.stderr).toBe(70);
    expect(hasStackTrace(res.stderr), res.stderr).toBe(true);
  });

  it('sanitizes what it prints: an escape sequence in the message reaches the terminal as text', () => {
    const res = runCli(['version', '-o', 'json'], { nodeArgs: BREAK_JSON, env: { MESHFERRY_DEBUG: '1' } });
    expect(res.stderr).not.toContain('\x1b');
    expect(res.stderr).toContain('boom \\x1b[31mred\\x1b[0m');
  });
});

/** Runs reportError in-process and returns its exit code and what it wrote to stderr. */
function reported(err: unknown, debug = false): { code: number; stderr: string } {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: reportError(err, { debug }), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('reportError', () => {
  it('a raw file system error about a path is bad input (exit 2) naming the path, never a bug', () => {
    const err = Object.assign(new Error("EACCES: permission denied, open '/srv/out/x.yaml'"), { code: 'EACCES', errno: -13, syscall: 'open', path: '/srv/out/x.yaml' });
    const r = reported(err);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: /srv/out/x.yaml: permission denied (EACCES in open)\n');
  });

  it('an errno error without a path, or with a code that is no path problem, is still a bug', () => {
    expect(reported(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).code).toBe(70);
    expect(reported(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE', path: '/x' })).code).toBe(70);
  });

  it('a known error keeps its exit code; its cause is shown only with debug', () => {
    const err = new ClusterError('Unreachable', 'cannot reach the API server', { cause: new Error('ECONNREFUSED 127.0.0.1:1') });
    expect(reported(err)).toEqual({ code: 3, stderr: 'error: cannot reach the API server\n' });
    expect(reported(err, true).stderr).toContain('caused by: ECONNREFUSED 127.0.0.1:1');
  });
});

describe('known errors', () => {
  it('a file name with control characters is printed sanitized (exit 2)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-esc-'));
    const evil = path.join(dir, 'x\x1b]0;pwned\x07\x1b[2J.yaml');
    const res = runCli(['neat', evil]);
    expect(res.code).toBe(2);
    expect(res.stderr).not.toMatch(/[\x07\x1b]/);
    expect(res.stderr).toContain('x\\x1b]0;pwned\\x07\\x1b[2J.yaml');
    expect(hasStackTrace(res.stderr)).toBe(false);
  });

  it.each([
    { args: ['neat', '-', '--outptu', 'json'], says: "unknown option '--outptu'\n(Did you mean --output?)" },
    { args: ['analyze', '-', '--namepsace', 'shop'], says: '(Did you mean --namespace?)' },
    { args: ['neat', '-', '--output-dri', 'x'], says: '(Did you mean --output-dir?)' },
    { args: ['anlyze'], says: "unknown command 'anlyze'\n(Did you mean analyze?)" },
  ])('a wrong flag or command suggests the right one: $says', ({ args, says }) => {
    const res = runCli(args, { input: '' });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(says);
  });

  it('unknown flags of a command that takes no file are usage errors too (kubectl-like -o on version)', () => {
    const res = runCli(['version', '-o', 'xml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('-o/--output is the output format, one of table, json, yaml; got "xml"');
  });
});

function everyCommand(cmd: Command, trail: string[] = []): { name: string; cmd: Command }[] {
  return cmd.commands.flatMap((c) => [{ name: [...trail, c.name()].join(' '), cmd: c }, ...everyCommand(c, [...trail, c.name()])]);
}

function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

const fullProgram = await buildProgram();

describe('--help teaches', () => {
  const commands = everyCommand(fullProgram);

  it('lists the commands a user expects', () => {
    expect(commands.map((c) => c.name)).toEqual(
      expect.arrayContaining(['export', 'neat', 'transform', 'analyze', 'diff', 'import', 'install plan', 'install remote-secret', 'lab up', 'version']),
    );
  });

  it.each(commands.map((c) => ({ name: c.name, cmd: c.cmd })))('meshferry $name --help has examples', ({ name, cmd }) => {
    const help = helpOf(cmd);
    expect(help).toContain('Examples:');
    expect(help).toMatch(new RegExp(`\\$ meshferry ${name}\\b`));
    // -o is always a format: no help text may still describe it as a folder or a file.
    for (const line of help.split('\n').filter((l) => /-o, --output/.test(l))) expect(line).toMatch(/output format: /);
    expect(help).not.toMatch(/ -o [\w./-]+\//);
    expect(help, 'a default shown twice').not.toMatch(/\(default: [^)]*\)\s*\(default:/);
    expect(help, 'an empty default').not.toContain('(default: [])');
  });

  it('the top-level help states the flag conventions and exit code 70', () => {
    const help = helpOf(fullProgram);
    expect(help).toContain('--output-dir DIR');
    expect(help).toContain('70 a bug in meshferry');
  });

  it('spawned: --help exits 0 and prints to stdout only', () => {
    const res = runCli(['neat', '--help']);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('--output-dir <dir>');
    expect(res.stdout).toContain('-n, --namespace <ns>');
  });
});

describe('a run loads only the command it names', () => {
  it.each([
    { argv: ['analyze', 'x.yaml'], want: ['analyze'] },
    { argv: ['--debug', 'neat', '-'], want: ['neat'] },
    { argv: ['--version'], want: [] },
  ])('$argv → $want', async ({ argv, want }) => {
    const program = await buildProgram(['node', 'meshferry', ...argv]);
    expect(program.commands.map((c) => c.name())).toEqual(want);
  });

  it('help, an unknown command or no command load every command (for the list and "did you mean")', async () => {
    for (const argv of [['--help'], ['analyse'], []]) {
      const program = await buildProgram(['node', 'meshferry', ...argv]);
      expect(program.commands.map((c) => c.name())).toEqual(fullProgram.commands.map((c) => c.name()));
    }
  });
});
