// The meshferry command tree and the one place where errors become exit codes and messages.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, MeshferryError, isErrnoException } from '../errors.js';
import { sanitizeTerminalText } from '../terminal-text.js';
import { style } from './io.js';
import { VERSION } from './version-number.js';

type Register = (program: Command) => void;

/**
 * Every command, in pipeline order: its name and how to load the module that registers it. A run loads only
 * the command it was asked for (a command's module pulls in its whole library: the cluster client, the analyzers,
 * the lab), so `meshferry analyze` does not pay for loading `install` or `lab`. Help and unknown commands load all.
 */
const COMMANDS: readonly { name: string; load: () => Promise<Register> }[] = [
  { name: 'export', load: async () => (await import('./export/index.js')).registerExport },
  { name: 'neat', load: async () => (await import('./neat/index.js')).registerNeat },
  { name: 'transform', load: async () => (await import('./transform/index.js')).registerTransform },
  { name: 'analyze', load: async () => (await import('./analyze/index.js')).registerAnalyze },
  { name: 'diff', load: async () => (await import('./diff/index.js')).registerDiff },
  { name: 'import', load: async () => (await import('./import/index.js')).registerImport },
  { name: 'install', load: async () => (await import('./install/index.js')).registerInstall },
  { name: 'migrate', load: async () => (await import('./migrate/index.js')).registerMigrate },
  { name: 'vm', load: async () => (await import('./vm/index.js')).registerVm },
  { name: 'shift', load: async () => (await import('./shift/index.js')).registerShift },
  { name: 'lab', load: async () => (await import('./lab/index.js')).registerLab },
  { name: 'version', load: async () => (await import('./version.js')).registerVersion },
];

/** The command a command line names: its first word that is not an option, when that is a command. */
function commandNamed(argv: readonly string[]): string | undefined {
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  return COMMANDS.some((c) => c.name === word) ? word : undefined;
}

/**
 * Builds the program; each command lives in its own folder and registers itself here. With `argv`, only the
 * command it names is loaded (all of them when it names none, for help and "did you mean").
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const only = argv ? commandNamed(argv) : undefined;
  // `meshferry --version` alone needs no command at all.
  const none = argv !== undefined && argv.length === 3 && argv[2] === '--version';
  const registers = none ? [] : await Promise.all(COMMANDS.filter((c) => !only || c.name === only).map((c) => c.load()));
  const program = new Command('meshferry')
    .description('Move an Istio service mesh from one control plane to another: its config, its workloads and its traffic.')
    .version(VERSION, '--version', 'print the version (meshferry version says more)')
    .addOption(new Option('--debug', 'on an unexpected failure (a bug), print the stack trace too; MESHFERRY_DEBUG=1 does the same'))
    .showSuggestionAfterError(true)
    // Commander's own errors quote what was typed; they pass through the same sanitizer as every other error.
    .configureOutput({ outputError: (text, write) => write(sanitizeTerminalText(text)) })
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      'after',
      `
A migration, step by step:
  $ meshferry lab up --clusters old,new                        # rehearse on real local control planes first
  $ meshferry export --context old -A --with-context --output-dir export/
  $ meshferry neat raw-dump.yaml --output-dir clean/            # (export already writes neat YAML)
  $ meshferry transform export/ --rules tcm-to-istio.yaml --output-dir rewritten/
  $ meshferry analyze rewritten/ --target-revision 1-31-1
  $ meshferry install plan topology.yaml --output-dir plan/     # then follow plan/RUNBOOK.md
  $ meshferry diff rewritten/ --context new
  $ meshferry import rewritten/ --context new

Flags as in kubectl: -o/--output is always a format (yaml|json for objects, table|json|sarif for analyze);
--output-dir DIR writes one file per object, --output-file FILE writes one file; -n/--namespace and
-A/--all-namespaces select namespaces; --kubeconfig and --context pick the cluster.

Data goes to stdout; logs and progress go to stderr. Exit codes: 0 ok, 1 problems found (findings, a
failed check, something would change), 2 bad usage or input (the message names file:line),
3 cluster or API failure, 70 a bug in meshferry, 130 interrupted. Run "meshferry <command> --help" for
flags and examples. Also installed as kubectl-meshferry, so "kubectl meshferry ..." works as a kubectl plugin.`,
    );
  for (const register of registers) register(program);
  return program;
}

/** Runs the CLI and returns the exit code. Never lets a stack trace reach the user unless asked for with --debug. */
export async function run(argv: readonly string[]): Promise<number> {
  let program: Command;
  try {
    program = await buildProgram(argv);
  } catch (err) {
    return reportError(err);
  }
  program.exitOverride();
  for (const cmd of allCommands(program)) cmd.exitOverride();
  // --debug is read from argv as well as parsed: a bug can happen before commander has parsed it.
  const debug = argv.slice(2).includes('--debug') || isTruthy(process.env.MESHFERRY_DEBUG);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    return reportError(err, { debug });
  }
}

function isTruthy(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Where and how to report a bug: the one line users see, naming the version so the report can be placed. */
export function bugNotice(): string {
  return (
    `This is a bug in meshferry ${VERSION} (Node ${process.version}), not a problem with your input or cluster. ` +
    'Please report it with the command you ran and the output of "meshferry version"; ' +
    'run again with --debug (or MESHFERRY_DEBUG=1) to add the stack trace.'
  );
}

/** Why a file system call failed, in words, for the errno codes that mean "this path cannot be used". */
const FILESYSTEM_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  ENOTEMPTY: 'folder is not empty',
  EXDEV: 'cannot rename across file systems',
  EBUSY: 'resource busy',
};

/** `path: reason (CODE)` for an errno error about a path, else undefined. */
export function filesystemProblem(err: unknown): string | undefined {
  if (!isErrnoException(err) || typeof err.path !== 'string' || err.code === undefined) return undefined;
  const reason = FILESYSTEM_REASONS[err.code];
  if (!reason) return undefined;
  // rename, link and copy failures also name their destination (not in @types/node's ErrnoException).
  const destination = (err as { dest?: unknown }).dest;
  const dest = typeof destination === 'string' ? ` → ${destination}` : '';
  return `${err.path}${dest}: ${reason} (${err.code}${err.syscall ? ` in ${err.syscall}` : ''})`;
}

/**
 * The one place errors are printed: one paragraph for a known error, a one-line bug notice (exit 70) for
 * anything else. Every message is sanitized: it may quote a file, a server or a plugin. Returns the exit code.
 */
export function reportError(err: unknown, opts: { debug?: boolean } = {}): number {
  const debug = opts.debug ?? isTruthy(process.env.MESHFERRY_DEBUG);
  const print = (text: string) => process.stderr.write(`${sanitizeTerminalText(text)}\n`);
  if (err instanceof CommanderError) {
    // --help and --version end with code 0; commander has already printed them.
    if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
    return ExitCode.usage; // commander printed "error: ..." with a suggestion, or the help of a bare group command
  }
  if (err instanceof MeshferryError) {
    process.stderr.write(`${style.red('error:')} `);
    print(err.message);
    const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? err.cause.message : undefined;
    if (cause && debug) print(`  caused by: ${cause}`);
    return err.exitCode;
  }
  const fs = filesystemProblem(err);
  if (fs) {
    // A folder or file the user named that cannot be read or written is their input, not a bug (issue 9, point 4);
    // this catches what a reader or writer did not wrap itself.
    process.stderr.write(`${style.red('error:')} `);
    print(fs);
    return ExitCode.usage;
  }
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stderr.write(`${style.red('error:')} `);
  print(`unexpected failure: ${msg}`);
  print(bugNotice());
  if (debug && err instanceof Error && err.stack) print(err.stack);
  return ExitCode.bug;
}
