// Self-tests of the registry: every analyzer is registered once, sorted, described, and reads exactly the kinds it declares.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../resources/kinds.js';
import { readResources } from '../resources/yaml-read.js';
import type { Analyzer } from './analyzer.js';
import { kindRef } from './kinds.js';
import { allAnalyzers } from './registry.js';
import { analyzeResources } from './run.js';

const analyzersDir = fileURLToPath(new URL('./analyzers/', import.meta.url));
const corpus = ['test/fixtures/analyze/bookinfo', 'test/fixtures/analyze/broken'];

function isAnalyzer(v: unknown): v is Analyzer {
  return typeof v === 'object' && v !== null && 'metadata' in v && 'analyze' in v && typeof (v as Analyzer).analyze === 'function';
}

async function exportedAnalyzers(): Promise<Analyzer[]> {
  const found: Analyzer[] = [];
  for (const area of readdirSync(analyzersDir)) {
    for (const file of readdirSync(path.join(analyzersDir, area))) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const mod = (await import(path.join(analyzersDir, area, file))) as Record<string, unknown>;
      found.push(...Object.values(mod).filter(isAnalyzer));
    }
  }
  return found;
}

describe('analyzer registry', () => {
  const registered = allAnalyzers();

  it('registers every analyzer exported under analyzers/, once', async () => {
    const exported = await exportedAnalyzers();
    expect(exported.length).toBeGreaterThan(15);
    for (const a of exported) expect(registered, `${a.metadata.name} is exported but not registered`).toContain(a);
    expect(new Set(registered).size).toBe(registered.length);
    expect(registered.length).toBe(exported.length);
  });

  it('has unique names of the form area.Name, sorted', () => {
    const names = registered.map((a) => a.metadata.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z]+\.[A-Z][A-Za-z]+$/);
    expect(names).toEqual([...names].sort());
  });

  it('gives every analyzer a description and known input kinds', () => {
    const known = new Set(KINDS.map((k) => kindRef(k.group, k.kind)));
    for (const a of registered) {
      expect(a.metadata.description.length, a.metadata.name).toBeGreaterThan(20);
      expect(a.metadata.inputs.length, a.metadata.name).toBeGreaterThan(0);
      for (const k of a.metadata.inputs) expect(known.has(k), `${a.metadata.name} declares unknown kind ${k}`).toBe(true);
    }
  });

  it('runs every analyzer over a rich corpus without reading undeclared kinds', async () => {
    const set = await readResources(corpus);
    const result = analyzeResources(set, { target: { revisions: ['default'] } });
    expect(result.findings.filter((f) => f.name === 'AnalyzerFailed')).toEqual([]);
    // the corpus exercises most analyzers: a self-test over an empty run would prove nothing
    expect(new Set(result.findings.map((f) => f.analyzer)).size).toBeGreaterThan(15);
  });

  it('declares exactly what it reads: dropping any declared kind makes the analyzer fail', async () => {
    const set = await readResources(corpus);
    for (const a of registered) {
      for (const dropped of new Set(a.metadata.inputs)) {
        const crippled: Analyzer = { metadata: { ...a.metadata, inputs: a.metadata.inputs.filter((k) => k !== dropped) }, analyze: (ctx) => a.analyze(ctx) };
        const result = analyzeResources(set, { analyzers: [crippled] });
        const failed = result.findings.filter((f) => f.name === 'AnalyzerFailed');
        expect(failed.length, `${a.metadata.name} still runs without ${dropped}: it declares a kind it never reads`).toBe(1);
        expect(failed[0]?.message).toContain(`does not declare ${dropped}`);
      }
    }
  });
});
