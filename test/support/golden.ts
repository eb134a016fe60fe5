// Golden fixtures shared by tests: fixtures/input/N-name.yaml ↔ fixtures/output/N-name.yaml, compared semantically.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { KUBE_YAML } from '../../src/resources/yaml-options.js';

/** One golden case: the input file and the output file that must match what the code produces from it. */
export interface GoldenCase {
  /** `N-name`, the file name without `.yaml`; use it as the test name. */
  name: string;
  inputFile: string;
  outputFile: string;
}

/** True when the run should rewrite golden files instead of comparing (`UPDATE_GOLDEN=1`). */
export function updatingGolden(): boolean {
  const v = process.env.UPDATE_GOLDEN;
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/**
 * Lists `<fixturesDir>/input/N-name.yaml` in numeric order of N, each paired with `<fixturesDir>/output/N-name.yaml`.
 * Files that do not start with a number are ignored, so helpers (rules files, notes) may sit beside the cases.
 * An empty list is an error: a golden suite that finds nothing would pass without testing anything.
 */
export function goldenCases(fixturesDir: string): GoldenCase[] {
  const inputDir = path.join(fixturesDir, 'input');
  const names = readdirSync(inputDir)
    .filter((f) => /^\d+-.+\.ya?ml$/.test(f))
    .sort((a, b) => leadingNumber(a) - leadingNumber(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) throw new Error(`no golden cases (N-name.yaml) in ${inputDir}`);
  return names.map((f) => {
    const name = f.replace(/\.ya?ml$/, '');
    return { name, inputFile: path.join(inputDir, f), outputFile: path.join(fixturesDir, 'output', `${name}.yaml`) };
  });
}

function leadingNumber(file: string): number {
  return Number(/^\d+/.exec(file)?.[0] ?? Number.MAX_SAFE_INTEGER);
}

/**
 * Compares `got` with the golden file semantically (parsed YAML, key order ignored, documents in order).
 * On a mismatch it throws with a -want +got diff. With UPDATE_GOLDEN=1 it rewrites the file instead (only when
 * the meaning changed, so refreshing never churns formatting).
 */
export function expectGolden(outputFile: string, got: string): void {
  const exists = existsSync(outputFile);
  const want = exists ? readFileSync(outputFile, 'utf8') : undefined;
  const diff = want === undefined ? undefined : semanticDiff(want, got);
  if (updatingGolden()) {
    if (want === undefined || diff !== undefined) {
      mkdirSync(path.dirname(outputFile), { recursive: true });
      writeFileSync(outputFile, got);
    }
    return;
  }
  if (want === undefined) throw new Error(`golden file ${outputFile} does not exist; create it with UPDATE_GOLDEN=1 and review it`);
  if (diff !== undefined)
    throw new Error(`golden mismatch for ${outputFile} (-want +got); if the change is intended, refresh with UPDATE_GOLDEN=1\n${diff}`);
}

/** Parses a YAML stream (YAML 1.1, as kubectl reads it) into one value per document; empty documents are skipped. */
export function parseYamlStream(text: string): unknown[] {
  const docs = parseAllDocuments(text, { ...KUBE_YAML, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const out: unknown[] = [];
  for (const doc of list) {
    if (doc.errors.length > 0) throw new Error(`golden YAML does not parse: ${doc.errors[0]?.message ?? 'unknown error'}`);
    const v: unknown = doc.toJS();
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

/** Undefined when both streams mean the same; otherwise a unified -want +got diff of their canonical forms. */
export function semanticDiff(want: string, got: string): string | undefined {
  const a = canonicalText(parseYamlStream(want));
  const b = canonicalText(parseYamlStream(got));
  return a === b ? undefined : lineDiff(a.split('\n'), b.split('\n'));
}

/** Documents with keys sorted at every level, so that key order never counts as a difference. */
function canonicalText(docs: unknown[]): string {
  return docs.map((d) => `---\n${stringify(sortDeep(d), { lineWidth: 0 })}`).join('');
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return Object.fromEntries(entries.map(([k, x]) => [k, sortDeep(x)]));
  }
  return v;
}

/** A unified diff with three lines of context around each change (LCS based; golden files are small). */
export function lineDiff(want: readonly string[], got: readonly string[], context = 3): string {
  const n = want.length;
  const m = got.length;
  // lcs[i][j] = length of the longest common subsequence of want[i..] and got[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = want[i] === got[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: { tag: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && want[i] === got[j]) {
      ops.push({ tag: ' ', text: want[i]! });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // On a tie the removal goes first, so a changed line reads "-old" then "+new".
      ops.push({ tag: '-', text: want[i]! });
      i++;
    } else {
      ops.push({ tag: '+', text: got[j]! });
      j++;
    }
  }
  const keep = ops.map(() => false);
  ops.forEach((op, k) => {
    if (op.tag === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(ops.length - 1, k + context); c++) keep[c] = true;
  });
  const lines: string[] = [];
  let skipped = false;
  ops.forEach((op, k) => {
    if (!keep[k]) {
      if (!skipped) lines.push('@@ ... @@');
      skipped = true;
      return;
    }
    skipped = false;
    lines.push(`${op.tag}${op.text}`);
  });
  return lines.join('\n');
}

/** A golden text file (markdown, a rendered plan) compared line by line; refreshed with UPDATE_GOLDEN=1. */
export function expectGoldenText(file: string, got: string): void {
  const want = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (updatingGolden()) {
    if (want !== got) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, got);
    }
    return;
  }
  if (want === undefined) throw new Error(`golden file ${file} does not exist; create it with UPDATE_GOLDEN=1 and review it`);
  if (want !== got) throw new Error(`golden mismatch for ${file} (-want +got); refresh with UPDATE_GOLDEN=1 if intended\n${lineDiff(want.split('\n'), got.split('\n'))}`);
}
