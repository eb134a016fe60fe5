// Renders findings as a table, JSON (istioctl's shape) or SARIF 2.1.0, streamed in chunks so a million rows never become one string.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sanitizeTerminalText } from '../terminal-text.js';
import type { Level } from './message.js';
import { CATALOG } from './messages.gen.js';
import type { Finding } from './run.js';

export type OutputFormat = 'table' | 'json' | 'sarif';

/** Chunks are cut at about this many characters: large enough to be cheap to write, small enough to stream. */
const CHUNK = 64 * 1024;

/** Collects small strings and hands them out in chunks of about CHUNK characters. */
class ChunkBuffer {
  #parts: string[] = [];
  #size = 0;
  /** Adds text; returns a chunk when enough has gathered. */
  add(text: string): string | undefined {
    this.#parts.push(text);
    this.#size += text.length;
    return this.#size >= CHUNK ? this.flush() : undefined;
  }
  flush(): string | undefined {
    if (this.#size === 0) return undefined;
    const out = this.#parts.join('');
    this.#parts = [];
    this.#size = 0;
    return out;
  }
}

/** Yields `head`, each item's text, then `tail`, batched into chunks. */
function* batched<T>(head: string, items: Iterable<T>, render: (item: T, index: number) => string, tail: string): Generator<string> {
  const buf = new ChunkBuffer();
  let chunk = buf.add(head);
  if (chunk) yield chunk;
  let i = 0;
  for (const item of items) {
    chunk = buf.add(render(item, i++));
    if (chunk) yield chunk;
  }
  chunk = buf.add(tail);
  if (chunk) yield chunk;
  chunk = buf.flush();
  if (chunk) yield chunk;
}

/** Indents every line after the first (JSON.stringify's nested layout, for a value placed at `indent`). */
function indented(json: string, indent: string): string {
  return json.replace(/\n/g, `\n${indent}`);
}

const jsonRow = ({ code, name, level, origin, reference, message }: Finding) => ({ code, name, level, origin, reference, message });

/** The JSON array (exactly code, name, level, origin, reference, message per finding), in chunks; the same text as `JSON.stringify(rows, null, 2)`. */
export function* jsonChunks(findings: Iterable<Finding>): Generator<string> {
  let count = 0;
  yield* batched(
    '[',
    findings,
    (f, i) => {
      count++;
      return `${i ? ',' : ''}\n  ${indented(JSON.stringify(jsonRow(f), null, 2), '  ')}`;
    },
    '',
  );
  yield count ? '\n]\n' : ']\n';
}

/** The JSON array as one string (small outputs and tests; the CLI streams `jsonChunks`). */
export function renderJson(findings: readonly Finding[]): string {
  return [...jsonChunks(findings)].join('');
}

export const TABLE_HEADERS = ['level', 'code', 'name', 'origin', 'reference', 'message'] as const;

/** Table rows: LEVEL, CODE, NAME, ORIGIN, REFERENCE, MESSAGE. */
export function tableRows(findings: readonly Finding[]): string[][] {
  return findings.map(tableRow);
}

function tableRow(f: Finding): string[] {
  // Names and messages quote the input files: never let them steer the terminal.
  return [f.level, f.code, f.name, sanitizeTerminalText(f.origin || '-', { oneLine: true }), sanitizeTerminalText(f.reference || '-', { oneLine: true }), sanitizeTerminalText(f.message, { oneLine: true })];
}

/** The table (upper-case headers, columns padded to the widest cell, the last column unpadded), in chunks; empty for no findings. */
export function* tableChunks(findings: readonly Finding[]): Generator<string> {
  if (findings.length === 0) return;
  // Two passes, so no array of a million rows is ever spread into a call (Math.max(...rows) overflows the stack).
  const widths: number[] = TABLE_HEADERS.map((h) => h.length);
  for (const f of findings) {
    const row = tableRow(f);
    for (let i = 0; i < row.length - 1; i++) if (row[i]!.length > widths[i]!) widths[i] = row[i]!.length;
  }
  const line = (cells: readonly string[]) => `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd()}\n`;
  yield* batched(line(TABLE_HEADERS.map((h) => h.toUpperCase())), findings, (f) => line(tableRow(f)), '');
}

const SARIF_LEVEL: Record<Level, 'error' | 'warning' | 'note'> = { Error: 'error', Warning: 'warning', Info: 'note' };
const DOCS = 'https://github.com/meshferry/meshferry/blob/main/docs/analyzers.md';

export interface SarifOptions {
  toolVersion: string;
  /** File URIs are made relative to this folder when they are inside it (code-scanning UIs want repo-relative paths). */
  baseDir?: string;
}

/** A relative path as an RFC 3986 relative reference: each segment percent-encoded (a `:` too, so no segment reads as a scheme). */
function relativeUri(rel: string): string {
  return rel.split(path.sep).map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

/** A SARIF 2.1.0 log with one run (every catalog message is a rule, every finding a result), in chunks. */
export function* sarifChunks(findings: Iterable<Finding>, opts: SarifOptions): Generator<string> {
  const messages = Object.values(CATALOG);
  const ruleIndex = new Map<string, number>(messages.map((m, i) => [m.code, i]));
  const base = path.resolve(opts.baseDir ?? process.cwd());
  const uriOf = (file: string) => {
    const abs = path.resolve(file);
    const rel = path.relative(base, abs);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? { uri: relativeUri(rel), uriBaseId: '%SRCROOT%' } : { uri: pathToFileURL(abs).href };
  };
  const baseUri = pathToFileURL(base).href;
  // The results array is streamed between the rest of the log, which is rendered once around a marker.
  const marker = '\u0000results\u0000';
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
        originalUriBaseIds: { '%SRCROOT%': { uri: baseUri.endsWith('/') ? baseUri : `${baseUri}/` } },
        results: marker,
      },
    ],
  };
  const whole = JSON.stringify(log, null, 2);
  const quoted = JSON.stringify(marker);
  const at = whole.indexOf(quoted);
  const lineStart = whole.lastIndexOf('\n', at) + 1;
  const indent = whole.slice(lineStart, whole.indexOf('"', lineStart));
  const result = (f: Finding) => {
    const location =
      f.position?.file && f.position.file !== '<stdin>'
        ? [
            {
              physicalLocation: {
                artifactLocation: uriOf(f.position.file),
                region: { startLine: f.position.line ?? 1, ...(f.position.column !== undefined ? { startColumn: f.position.column } : {}) },
              },
              ...(f.origin ? { logicalLocations: [{ fullyQualifiedName: f.origin, kind: 'resource' }] } : {}),
            },
          ]
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
  };
  let count = 0;
  const items = `${indent}  `;
  // One compact result per line: a pretty-printed result is three times the size, and a run can hold a million.
  yield* batched(
    `${whole.slice(0, at)}[`,
    findings,
    (f, i) => {
      count++;
      return `${i ? ',' : ''}\n${items}${JSON.stringify(result(f))}`;
    },
    '',
  );
  yield `${count ? `\n${indent}]` : ']'}${whole.slice(at + quoted.length)}\n`;
}

/** The SARIF log as one string (small outputs and tests; the CLI streams `sarifChunks`). */
export function renderSarif(findings: readonly Finding[], opts: SarifOptions): string {
  return [...sarifChunks(findings, opts)].join('');
}

/** The rendering of findings in `format`, as chunks of about 64 KiB to write one after another. */
export function outputChunks(format: OutputFormat, findings: readonly Finding[], opts: SarifOptions): Iterable<string> {
  if (format === 'json') return jsonChunks(findings);
  if (format === 'sarif') return sarifChunks(findings, opts);
  return tableChunks(findings);
}
