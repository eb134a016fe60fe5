// Lab tests need the real binaries: build them when missing (never skip), and afterwards kill anything left behind.
import { mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureLabBinaries } from '../../src/lab/binaries.js';
import { processesMentioning } from '../../src/lab/process.js';

/**
 * Builds the lab (tens of minutes cold, instant warm) or fails the run with the build's own message. Lab tests
 * make their folders under one root (TMPDIR points there for the workers), so the teardown can find and kill
 * any process a crashed test file left running; folders of failed runs stay for their logs.
 */
export default async function setup(): Promise<() => void> {
  const started = Date.now();
  const bins = await ensureLabBinaries({ onLog: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`lab binaries ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${bins.cacheDir})\n`);

  const root = mkdtempSync(path.join(os.tmpdir(), 'meshferry-lab-tests-'));
  process.env.MESHFERRY_LAB_TEST_ROOT = root;
  process.env.TMPDIR = root;

  // Ctrl-C kills the test workers before their own exit handlers run, and lab processes live in their own
  // sessions: the main process sweeps once more when it exits, however it exits.
  process.once('exit', () => {
    for (const p of processesMentioning(root)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  return () => {
    const leftovers = processesMentioning(root);
    for (const p of leftovers) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (leftovers.length > 0)
      process.stderr.write(`lab teardown: killed ${leftovers.length} process(es) a test left running:\n${leftovers.map((p) => `  ${p.pid} ${p.cmdline.slice(0, 160)}`).join('\n')}\n`);
    try {
      if (readdirSync(root).length === 0) rmdirSync(root);
      else process.stderr.write(`lab teardown: folders kept for their logs under ${root}\n`);
    } catch {
      // Nothing to clean.
    }
  };
}
