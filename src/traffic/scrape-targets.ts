// Scrape targets for Prometheus' file-based discovery: one JSON file per data plane, written atomically.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../resources/atomic-write.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const LOOPBACK_TARGET = /^(127\.0\.0\.1|\[::1\]):\d{1,5}$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The file a target with this id lives in; the id cannot leave the folder. */
export function scrapeTargetFile(targetsDir: string, id: string): string {
  if (!ID.test(id)) throw new InputError(`"${id}" is not a usable scrape target id (letters, digits, ".", "_", "-")`);
  return path.join(targetsDir, `${id}.json`);
}

/**
 * Writes (or replaces) the target file of one data plane with the one atomic writer: its temp file ends in `.tmp`,
 * which Prometheus' `*.json` glob does not match, and is renamed into place, so discovery never reads half a file.
 */
export async function writeScrapeTarget(targetsDir: string, id: string, target: { address: string; labels?: Record<string, string> }): Promise<string> {
  const file = scrapeTargetFile(targetsDir, id);
  // Only loopback is ever scraped (design.md, reliability rules).
  if (!LOOPBACK_TARGET.test(target.address)) throw new InputError(`scrape target "${target.address}" is not a loopback host:port`);
  for (const k of Object.keys(target.labels ?? {}))
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new InputError(`"${k}" is not a usable Prometheus label name`);
  await writeFileAtomic(file, `${JSON.stringify([{ targets: [target.address], labels: target.labels ?? {} }], null, 2)}\n`);
  return file;
}

/** Removes a data plane's target file; Prometheus drops the target at its next discovery refresh. */
export async function removeScrapeTarget(targetsDir: string, id: string): Promise<void> {
  await rm(scrapeTargetFile(targetsDir, id), { force: true });
}
