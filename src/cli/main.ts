#!/usr/bin/env node
// Entry point of the meshferry / kubectl-meshferry binary.
import { ExitCode } from '../errors.js';
import { reportError, run } from './program.js';
import { runInterruptHandlers } from './lifecycle.js';

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(ExitCode.interrupted);
    interrupted = true;
    process.stderr.write(`\ninterrupted (${sig}); cleaning up...\n`);
    void runInterruptHandlers().finally(() => process.exit(ExitCode.interrupted));
  });
}
// A closed pipe (`meshferry ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(ExitCode.ok);
});

// A failure outside the command's promise (a stray callback) is still a bug with its notice, never a raw trace.
process.on('uncaughtException', (err) => {
  process.exit(reportError(err, { debug: process.argv.includes('--debug') }));
});

process.exitCode = await run(process.argv);
