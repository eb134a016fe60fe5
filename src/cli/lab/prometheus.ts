// `lab up --prometheus` pieces: fail fast when Prometheus is missing, and add a Prometheus to a lab that already runs.
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { stringify } from 'yaml';
import { ExitCode, UsageError } from '../../errors.js';
import { startLabPrometheus } from '../../lab/index.js';
import { isRunning } from '../../lab/process.js';
import { readLabState } from '../../lab/state.js';
import { DEBIAN_PROMETHEUS_BIN } from '../../traffic/prometheus-process.js';
import { log, style, writeStdout } from '../io.js';
import type { OutputFormat } from '../io.js';

/** Refuses before anything starts when Debian's prometheus is not installed (a lab start takes many seconds). */
export async function checkPrometheusInstalled(bin = DEBIAN_PROMETHEUS_BIN): Promise<void> {
  try {
    await access(bin, constants.X_OK);
  } catch {
    throw new UsageError(`--prometheus needs Prometheus at ${bin}; install Debian's "prometheus" package (bash scripts/install-system-deps.sh) or start the lab without --prometheus`);
  }
}

/**
 * When `dir` holds a lab that runs, starts (or finds) its Prometheus and prints it; returns the exit code. Returns
 * undefined when no lab runs there, so the caller starts a new one.
 */
export async function addLabPrometheus(dir: string, output: OutputFormat, port?: number): Promise<number | undefined> {
  const state = await readLabState(dir).catch(() => undefined);
  if (!state || !state.ready || !state.processes.some((p) => p.component !== 'prometheus' && isRunning(p))) return undefined;
  log.info(style.dim(`lab: a lab already runs in ${dir}; starting only its Prometheus`));
  const prom = await startLabPrometheus(dir, port ? { port } : {});
  const summary = { dir, prometheus: prom.url, targetsDir: prom.targetsDir };
  if (output === 'json') await writeStdout(`${JSON.stringify(summary, null, 2)}\n`);
  else if (output === 'yaml') await writeStdout(stringify(summary));
  else await writeStdout(`prometheus: ${prom.url} (scrapes every \`meshferry lab traffic\` of this lab each second)\n`);
  return ExitCode.ok;
}
