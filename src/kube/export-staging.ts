// Cleans the staging folders that writeLayout leaves behind when a process dies before swapping them in.
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isErrnoException } from '../errors.js';

/** Whether a process id is alive (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return isErrnoException(err) && err.code === 'EPERM';
  }
}

export interface StagingCleanup {
  removed: string[];
  /** A previous output folder put back after a run died between the two renames of the swap. */
  restored?: string;
}

/**
 * Removes `.<dir>.staging-<pid>-<hex>` folders (and their `.old` twins) next to `dir` whose process is gone,
 * or that belong to this process when `includeOwn` is set (an interrupt handler). If `dir` itself is missing
 * and a dead run left the previous content in a `.old` folder, that folder is renamed back to `dir`.
 */
export async function cleanStaleStaging(dir: string, opts: { includeOwn?: boolean } = {}): Promise<StagingCleanup> {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  const pattern = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.staging-(\\d+)-[0-9a-f]+(\\.old)?$`);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') return { removed: [] };
    throw err;
  }
  const out: StagingCleanup = { removed: [] };
  for (const name of entries.sort()) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const own = pid === process.pid;
    if (own ? !opts.includeOwn : processAlive(pid)) continue;
    const full = path.join(parent, name);
    if (m[2] && !out.restored && !(await exists(abs))) {
      await rename(full, abs);
      out.restored = full;
      continue;
    }
    await rm(full, { recursive: true, force: true });
    out.removed.push(full);
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
