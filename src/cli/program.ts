// The meshferry command tree and the one place where errors become exit codes and messages.
import { Command, CommanderError } from 'commander';
import { ExitCode, MeshferryError } from '../errors.js';
import { style } from './io.js';
import { registerNeat } from './neat/index.js';
import { registerAnalyze } from './analyze/index.js';
import { registerTransform } from './transform/index.js';
import { registerExport } from './export/index.js';
import { registerDiff } from './diff/index.js';
import { registerImport } from './import/index.js';
import { registerInstall } from './install/index.js';
import { registerLab } from './lab/index.js';

export const VERSION = '0.1.0';

/** Builds the program; each command lives in its own folder and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('meshferry')
    .description('Move an Istio service mesh from one control plane to another: its config, its workloads and its traffic.')
    .version(VERSION, '--version', 'print the version')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      'after',
      `
A migration, step by step:
  $ meshferry lab up --clusters old,new                 # rehearse on real local control planes first
  $ meshferry export --context old -A --with-context -o export/
  $ meshferry neat export/ -o clean/                     # (export already writes neat YAML)
  $ meshferry transform clean/ --rules tcm-to-istio.yaml -o rewritten/
  $ meshferry analyze rewritten/ --target-revision 1-31-1
  $ meshferry install plan topology.yaml -o plan/        # then follow plan/RUNBOOK.md
  $ meshferry diff rewritten/ --context new
  $ meshferry import rewritten/ --context new

Data goes to stdout; logs and progress go to stderr. Exit codes: 0 ok, 1 problems found (findings, a
failed check, something would change), 2 bad usage or input (the message names file:line),
3 cluster or API failure, 130 interrupted. Run "meshferry <command> --help" for flags and examples.
Also installed as kubectl-meshferry, so "kubectl meshferry ..." works as a kubectl plugin.`,
    );
  // Register commands here, one line each (keep the list in pipeline order).
  registerExport(program);
  registerNeat(program);
  registerTransform(program);
  registerAnalyze(program);
  registerDiff(program);
  registerImport(program);
  registerInstall(program);
  registerLab(program);
  return program;
}

/** Runs the CLI and returns the exit code. Never lets a stack trace reach the user for bad input. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  for (const cmd of allCommands(program)) cmd.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    return reportError(err);
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Prints one paragraph for a known error; a short bug notice for anything else. Returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end with code 0; commander has already printed them.
    if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
    if (err.code === 'commander.help') return ExitCode.usage;
    return ExitCode.usage; // commander printed "error: ..." with a suggestion
  }
  if (err instanceof MeshferryError) {
    process.stderr.write(`${style.red('error:')} ${err.message}\n`);
    const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? err.cause.message : undefined;
    if (cause && process.env.MESHFERRY_DEBUG) process.stderr.write(`  caused by: ${cause}\n`);
    return err.exitCode;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    `${style.red('error:')} unexpected failure: ${msg}\n` +
      `This is a bug in meshferry. Run again with MESHFERRY_DEBUG=1 for details and report it.\n`,
  );
  if (process.env.MESHFERRY_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return ExitCode.cluster;
}
