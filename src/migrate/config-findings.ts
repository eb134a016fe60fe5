// Analyzer findings on a migration's config, and the Init message that names them and says how to fix them (pure).
import type { Level } from '../analyze/message.js';

/** One analyzer finding on an object of the config. */
export interface ConfigFinding {
  code: string;
  name: string;
  level: Level;
  /** `Kind namespace/name`. */
  object: string;
  /** `file:line`, relative to the MeshMigration file's folder. */
  reference: string;
  message: string;
}

/** The Init failure for findings: each finding (code, object, place, message), then how to fix it. */
export function describeFindings(findings: readonly ConfigFinding[], failOn: Level, config: { from?: string; rules?: string }): string {
  // CrossCluster may leave `from` out: the config is then the source cluster's live export.
  const from = config.from ?? 'the live export of the source';
  const shown = findings.slice(0, 10).map((f) => `${f.code} ${f.name} on ${f.object} (${f.reference}): ${f.message}`);
  const more = findings.length > 10 ? `; and ${findings.length - 10} more (\`meshferry analyze\` lists them all)` : '';
  return (
    `analyze found ${findings.length} finding(s) at or above ${failOn} in the config to import (${from}${config.rules ? ` through ${config.rules}` : ''}): ${shown.join('; ')}${more}. ` +
    `Fix the objects in ${from}${config.rules ? ` or add a rule to ${config.rules}` : ''}, or suppress a finding with the annotation meshferry.dev/suppress: "<code>" on the object, or raise spec.config.analyze.failOn`
  );
}
