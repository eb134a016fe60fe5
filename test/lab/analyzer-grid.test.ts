// Analyzer recall on Istio's own analyzer test grid: on the inputs of pkg/config/analysis/analyzers/analyzers_test.go
// (the pinned release, read at test time from the Go module cache), meshferry must find at least 95% of the
// findings Istio expects that name a check meshferry also has, on the same object.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeResources, kindRef, type Finding, type KindRef } from '../../src/analyze/index.js';
import type { MessageName } from '../../src/analyze/messages.gen.js';
import { KINDS } from '../../src/resources/kinds.js';
import type { KubeObject } from '../../src/resources/object.js';
import { ResourceSet, type Resource } from '../../src/resources/resource-set.js';
import { parseResources } from '../../src/resources/yaml-read.js';
import { REPO_ROOT } from '../support/cli.js';
import { CODE_MAP, istioCodes, istioModuleDir } from './analyze-istio-codes.js';

const GOAL = 0.95;

/** One row of Istio's testGrid, as test/tools/istio-analyzer-grid prints it. */
interface GridRow {
  name: string;
  inputFiles: string[];
  meshConfigFile?: string;
  analyzer: string;
  expected: { message: string; origin: string }[];
}

/**
 * What Istio's harness adds to every case (setupAnalyzerForCase → AddDefaultResources): a dummy ingress gateway
 * Pod and Service in istio-system (pkg/config/analysis/local/defaults.go). Built here, not copied.
 */
const DEFAULT_RESOURCES: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'istio-ingressgateway-dummypod', namespace: 'istio-system', labels: { istio: 'ingressgateway' } }, spec: { containers: [{ name: 'istio-proxy' }] } },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
    spec: { selector: { istio: 'ingressgateway' }, ports: [{ name: 'http2', port: 80 }, { name: 'https', port: 443 }, { name: 'tcp', port: 31400 }, { name: 'tls', port: 15443 }] },
  },
];

let moduleDir: string;
let grid: GridRow[];
let codes: ReadonlyMap<string, string>;

beforeAll(() => {
  moduleDir = istioModuleDir();
  const testFile = path.join(moduleDir, 'pkg/config/analysis/analyzers/analyzers_test.go');
  const out = execFileSync('go', ['run', '.', testFile], { cwd: path.join(REPO_ROOT, 'test/tools/istio-analyzer-grid'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  grid = JSON.parse(out) as GridRow[];
  codes = istioCodes(moduleDir);
});

/**
 * Istio's harness takes each input as the whole cluster (a Service or Pod absent from it does not exist). meshferry
 * is told the same the way a live read tells it: every kind is complete. As plain files, meshferry instead skips
 * reference checks into namespaces the input holds nothing of; that recall is printed too.
 */
const EVERY_KIND: KindRef[] = KINDS.map((k) => kindRef(k.group, k.kind));

/** meshferry's findings on one row's input files (plus Istio's default resources), and what the reader refused. */
function analyzeRow(row: GridRow, complete: boolean): { findings: Finding[]; unread: string[] } {
  const dir = path.join(moduleDir, 'pkg/config/analysis/analyzers');
  const set = new ResourceSet();
  const unread: string[] = [];
  const add = (r: Resource) => set.add(r, 'replace');
  for (const f of row.inputFiles) {
    const parsed = parseResources(readFileSync(path.join(dir, f), 'utf8'), f);
    parsed.resources.forEach(add);
    for (const p of parsed.problems) unread.push(`${p.position?.file ?? f}:${p.position?.line ?? '?'} ${p.message}`);
  }
  for (const obj of DEFAULT_RESOURCES) if (!set.list().some((r) => r.object.kind === obj.kind && r.object.metadata.name === obj.metadata.name)) add({ object: obj });
  return { findings: analyzeResources(set, complete ? { completeKinds: EVERY_KIND } : {}).findings, unread };
}

describe("analyzer recall on Istio's analyzer test grid", () => {
  it("reads Istio's table: rows with inputs and expected findings", () => {
    expect(grid.length).toBeGreaterThan(50);
    expect(grid.filter((r) => r.expected.length > 0).length).toBeGreaterThan(30);
    for (const r of grid) for (const e of r.expected) expect(codes.has(e.message), `${r.name}: Istio has no message ${e.message}`).toBe(true);
  });

  /** Matches Istio's expected findings on shared checks against meshferry's, one for one, on the same object. */
  function recall(complete: boolean): { wanted: number; found: number; misses: string[] } {
    let wanted = 0;
    let found = 0;
    const misses: string[] = [];
    for (const row of grid) {
      const shared = row.expected.filter((e) => CODE_MAP[codes.get(e.message) ?? '']);
      if (shared.length === 0) continue;
      const { findings, unread } = analyzeRow(row, complete);
      // Each meshferry finding answers at most one expected finding.
      const pool = new Map<string, Finding[]>();
      for (const f of findings) pool.set(f.origin, [...(pool.get(f.origin) ?? []), f]);
      for (const e of shared) {
        wanted++;
        const code = codes.get(e.message)!;
        const names = CODE_MAP[code]!;
        const mine = pool.get(e.origin) ?? [];
        const i = mine.findIndex((f) => names.includes(f.name as MessageName));
        if (i >= 0) {
          found++;
          mine.splice(i, 1);
          continue;
        }
        const said = findings.filter((f) => f.origin === e.origin).map((f) => `${f.name}: ${f.message}`);
        misses.push(
          `- ${row.name} (${row.inputFiles.join(', ')}): ${code} ${e.message} on ${e.origin}; meshferry said ${said.length ? said.join(' | ') : 'nothing about it'}` +
            (unread.length ? `; not read: ${unread.join('; ')}` : ''),
        );
      }
    }
    return { wanted, found, misses };
  }

  it(`finds at least ${GOAL * 100}% of Istio's expected findings on the checks both have, on the same object`, () => {
    const asFiles = recall(false);
    process.stderr.write(`analyzer grid, inputs as plain files: ${asFiles.found}/${asFiles.wanted} = ${((asFiles.found / asFiles.wanted) * 100).toFixed(1)}%\n${asFiles.misses.join('\n')}\n`);
    const { wanted, found, misses } = recall(true);
    const rate = found / wanted;
    process.stderr.write(`analyzer grid, inputs as the whole cluster (Istio's assumption): ${found}/${wanted} = ${(rate * 100).toFixed(1)}%\n${misses.join('\n')}\n`);
    expect(wanted).toBeGreaterThan(50);
    expect(rate, `recall ${(rate * 100).toFixed(1)}% < ${GOAL * 100}%; misses:\n${misses.join('\n')}`).toBeGreaterThanOrEqual(GOAL);
  });
});
