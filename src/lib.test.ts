// The public surface: an explicit list, nothing test-only or build-time in dist/, no import cycle in the CLI.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../test/support/cli.js';
import * as lib from './lib.js';

const SRC = path.join(REPO_ROOT, 'src');

/** Relative imports of every .ts file under `dir` (tests left out), as resolved .ts paths. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    if (!rel.endsWith('.ts') || rel.endsWith('.test.ts')) continue;
    const file = path.join(dir, rel);
    const text = readFileSync(file, 'utf8');
    // `import type` is erased at runtime and cannot make a cycle at load time.
    const deps = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)\.js'/gms)].map((m) => path.resolve(path.dirname(file), `${m[1]}.ts`));
    graph.set(file, deps.filter((d) => existsSync(d)));
  }
  return graph;
}

function cyclesThrough(graph: Map<string, string[]>, inside: (f: string) => boolean): string[][] {
  const cycles: string[][] = [];
  const visit = (node: string, stack: string[]) => {
    for (const dep of graph.get(node) ?? []) {
      const at = stack.indexOf(dep);
      if (at >= 0) {
        const cycle = stack.slice(at);
        if (cycle.some(inside)) cycles.push(cycle.map((f) => path.relative(SRC, f)));
      } else if (stack.length < 40) visit(dep, [...stack, dep]);
    }
  };
  for (const f of graph.keys()) if (inside(f)) visit(f, [f]);
  return cycles;
}

describe('the library surface', () => {
  it('src/lib.ts lists its names: no export *', () => {
    expect(readFileSync(path.join(SRC, 'lib.ts'), 'utf8')).not.toMatch(/export \*/);
  });

  it('every name it lists is defined, and the basics a library user needs are there', () => {
    for (const [name, value] of Object.entries(lib)) expect(value, name).toBeDefined();
    for (const name of ['readResources', 'serializeObject', 'neatObject', 'applyRules', 'loadTransformRules', 'analyzeResources', 'planInstall', 'openCluster', 'exportObjects', 'importObjects', 'ResourceSet', 'KINDS', 'ExitCode', 'InputError', 'UsageError', 'ClusterError'])
      expect(Object.keys(lib), name).toContain(name);
    // Internals stay internal: the folder writers, staging clean-up and the fast readers are not public.
    for (const name of ['writeFolderAtomic', 'cleanStaleStaging', 'readObjectFolder', 'writeExportLayout', 'processesMentioning'])
      expect(Object.keys(lib), name).not.toContain(name);
  });
});

describe('the build', () => {
  it('dist/ (built by the test setup from tsconfig.build.json) holds no test helpers and no code generator', () => {
    const files = readdirSync(path.join(REPO_ROOT, 'dist'), { recursive: true }) as string[];
    expect(files.filter((f) => f.split(path.sep).includes('testing'))).toEqual([]);
    expect(files.filter((f) => /catalog-codegen/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.test\.(js|d\.ts)$/.test(f))).toEqual([]);
    expect(files).toContain(path.join('cli', 'main.js'));
  });

  it('no import cycle runs through src/cli (program.ts ↔ analyze/index.ts was one)', () => {
    const graph = importGraph(SRC);
    expect(cyclesThrough(graph, (f) => f.startsWith(path.join(SRC, 'cli') + path.sep))).toEqual([]);
  });
});
