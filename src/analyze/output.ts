// Renders findings as JSON (istioctl's shape), SARIF 2.1.0 (code-scanning UIs) or rows for a table.
import path from 'node:path';
import type { Level } from './message.js';
import { CATALOG } from './messages.gen.js';
import type { Finding } from './run.js';

/** The JSON array: exactly code, name, level, origin, reference, message per finding. */
export function renderJson(findings: readonly Finding[]): string {
  const rows = findings.map(({ code, name, level, origin, reference, message }) => ({ code, name, level, origin, reference, message }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** Table rows: LEVEL, CODE, NAME, ORIGIN, REFERENCE, MESSAGE. */
export function tableRows(findings: readonly Finding[]): string[][] {
  return findings.map((f) => [f.level, f.code, f.name, f.origin || '-', f.reference || '-', f.message]);
}

export const TABLE_HEADERS = ['level', 'code', 'name', 'origin', 'reference', 'message'] as const;

const SARIF_LEVEL: Record<Level, 'error' | 'warning' | 'note'> = { Error: 'error', Warning: 'warning', Info: 'note' };
const DOCS = 'https://github.com/meshferry/meshferry/blob/main/docs/analyzers.md';

export interface SarifOptions {
  toolVersion: string;
  /** File URIs are made relative to this folder when they are inside it (code-scanning UIs want repo-relative paths). */
  baseDir?: string;
}

/** A SARIF 2.1.0 log with one run: every catalog message is a rule, every finding a result. */
export function renderSarif(findings: readonly Finding[], opts: SarifOptions): string {
  const messages = Object.values(CATALOG);
  const ruleIndex = new Map<string, number>(messages.map((m, i) => [m.code, i]));
  const base = path.resolve(opts.baseDir ?? process.cwd());
  const uriOf = (file: string) => {
    const abs = path.resolve(file);
    const rel = path.relative(base, abs);
    return !rel.startsWith('..') && !path.isAbsolute(rel) ? { uri: rel.split(path.sep).join('/'), uriBaseId: '%SRCROOT%' } : { uri: `file://${abs.split(path.sep).join('/')}` };
  };
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'meshferry',
            semanticVersion: opts.toolVersion,
            informationUri: DOCS,
            rules: messages.map((m) => ({
              id: m.code,
              name: m.name,
              shortDescription: { text: m.name },
              fullDescription: { text: m.description },
              helpUri: `${DOCS}#${m.name.toLowerCase()}`,
              defaultConfiguration: { level: SARIF_LEVEL[m.level] },
            })),
          },
        },
        ...(base ? { originalUriBaseIds: { '%SRCROOT%': { uri: `file://${base.split(path.sep).join('/')}/` } } } : {}),
        results: findings.map((f) => {
          const location = f.position?.file && f.position.file !== '<stdin>'
            ? [{
                physicalLocation: {
                  artifactLocation: uriOf(f.position.file),
                  region: { startLine: f.position.line ?? 1, ...(f.position.column !== undefined ? { startColumn: f.position.column } : {}) },
                },
                ...(f.origin ? { logicalLocations: [{ fullyQualifiedName: f.origin, kind: 'resource' }] } : {}),
              }]
            : f.origin
              ? [{ logicalLocations: [{ fullyQualifiedName: f.origin, kind: 'resource' }] }]
              : [];
          return {
            ruleId: f.code,
            ruleIndex: ruleIndex.get(f.code) ?? -1,
            level: SARIF_LEVEL[f.level],
            message: { text: f.origin ? `${f.origin}: ${f.message}` : f.message },
            ...(location.length ? { locations: location } : {}),
            properties: { name: f.name, analyzer: f.analyzer, ...(f.reference ? { reference: f.reference } : {}) },
          };
        }),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
