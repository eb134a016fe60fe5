// `meshferry version`: meshferry's own version, the Istio releases it ships schemas for, the lab's pins and Node.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { DEFAULT_TARGET_VERSION, shippedVersions } from '../analyze/index.js';
import { LAB_SOURCE_DIR } from '../lab/binaries.js';
import { formatOption } from './output-flags.js';
import { renderTable, writeStdout } from './io.js';
import { VERSION } from './version-number.js';

export { VERSION };

/** The lab's pinned releases, parsed from lab/versions.env (what lab/build.sh sources); empty when absent. */
export function labVersions(file = path.join(LAB_SOURCE_DIR, 'versions.env')): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)_VERSION=([^\s#]+)/.exec(line.trim());
    if (m) out[m[1]!.toLowerCase()] = m[2]!;
  }
  return out;
}

export interface VersionInfo {
  meshferry: string;
  istio: { defaultTarget: string; schemas: string[] };
  lab: Record<string, string>;
  node: string;
}

/** Everything `meshferry version` reports. */
export function versionInfo(): VersionInfo {
  return {
    meshferry: VERSION,
    istio: { defaultTarget: DEFAULT_TARGET_VERSION, schemas: shippedVersions() },
    lab: labVersions(),
    node: process.version,
  };
}

function renderVersion(v: VersionInfo): string {
  const lab = Object.entries(v.lab).map(([k, ver]) => `${k === 'k8s' ? 'kubernetes' : k} ${ver}`).join(', ');
  return renderTable(
    ['component', 'version'],
    [
      ['meshferry', v.meshferry],
      ['istio', `${v.istio.defaultTarget} (default --target-version; schemas shipped for ${v.istio.schemas.join(', ') || 'none'})`],
      ['lab', lab || '-'],
      ['node', v.node],
    ],
  );
}

/** Registers `meshferry version`. */
export function registerVersion(program: Command): void {
  program
    .command('version')
    .summary('print the meshferry version, the Istio releases it knows and the Node version')
    .description(
      "Print meshferry's version (package.json), the Istio release analyze targets by default and every release " +
        'whose CRD schemas ship with meshferry (data/istio-schemas/), the releases the lab builds (lab/versions.env), ' +
        'and the Node.js version. Include it when you report a bug.',
    )
    .addOption(formatOption(['table', 'json', 'yaml']))
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry version
  $ meshferry version -o json | jq -r .istio.defaultTarget`,
    )
    .action(async (flags: { output: string }) => {
      const v = versionInfo();
      if (flags.output === 'json') await writeStdout(`${JSON.stringify(v, null, 2)}\n`);
      else if (flags.output === 'yaml') await writeStdout(stringify(v));
      else await writeStdout(renderVersion(v));
    });
}
