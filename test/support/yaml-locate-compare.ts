// Test inputs from YAML folders, and holds the indentation locator (src/resources/yaml-locate.ts) to the precise parser, field by field; shared by the unit and corpus tests.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { isPlainObject } from '../../src/resources/object.js';
import type { PathSegment } from '../../src/resources/resource-set.js';
import { locateByLines } from '../../src/resources/yaml-locate.js';
import { KUBE_YAML } from '../../src/resources/yaml-options.js';
import { findOffset } from '../../src/resources/yaml-read.js';

/** Every path to a node of a value, plus paths that leave it (a missing key, an index past the end). */
export function pathsOf(value: unknown, prefix: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
    out.push([...prefix, value.length], [...prefix, 'missing']);
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
    out.push([...prefix, 'missing-key'], [...prefix, 0]);
  } else out.push([...prefix, 'below-a-scalar']);
  return out;
}

export function precise(text: string, p: readonly PathSegment[]): { line: number; col: number } | undefined {
  const lineCounter = new LineCounter();
  const root = parseDocument(text, { ...KUBE_YAML, lineCounter }).contents;
  const offset = findOffset(root, p);
  return offset === undefined ? undefined : lineCounter.linePos(offset);
}

export interface Tally {
  paths: number;
  located: number;
  mismatches: string[];
}

export function compareDocument(text: string, value: unknown, where: string, t: Tally): void {
  for (const p of pathsOf(value)) {
    const quick = locateByLines(text, p);
    t.paths++;
    if (!quick) continue;
    t.located++;
    const want = precise(text, p);
    if (!want || want.line !== quick.line || want.col !== quick.col)
      t.mismatches.push(`${where} [${p.join('.')}]: lines say ${quick.line}:${quick.col}, the parser says ${want ? `${want.line}:${want.col}` : 'nothing'}`);
  }
}

/** Every .yaml/.yml (and, with `json`, .json) file below `dir`, skipping node_modules, dist and hidden entries. */
export function yamlFilesUnder(dir: string, opts: { json?: boolean } = {}): string[] {
  const out: string[] = [];
  const wanted = opts.json ? /\.(ya?ml|json)$/ : /\.ya?ml$/;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFilesUnder(full, opts));
    else if (wanted.test(e.name)) out.push(full);
  }
  return out;
}
