// Every output format streams a million findings: no spread of the rows into a call, no single string of the whole output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../../test/support/cli.js';
import { outputChunks, type OutputFormat } from './output.js';
import type { Finding } from './run.js';

const MILLION = 1_000_000;

/** A million findings, generated here; the strings that repeat are shared so the array stays small. */
function manyFindings(n: number): Finding[] {
  const out: Finding[] = new Array<Finding>(n);
  for (let i = 0; i < n; i++) {
    const ns = `team-${i % 100}`;
    out[i] = {
      code: 'MF0022',
      name: 'PortNameIsNotUnderNamingConvention',
      level: 'Info',
      origin: `Service ${ns}/svc-${i % 1000}`,
      reference: `config/${ns}.yaml:${i + 1}`,
      message: `Port name p${i} (port ${i % 65535}) does not follow Istio's naming`,
      analyzer: 'service.PortNameAnalyzer',
      position: { file: `config/${ns}.yaml`, line: i + 1 },
    };
  }
  return out;
}

/** Consumes the chunks without joining them: counts occurrences of `needle` across chunk boundaries. */
function consume(chunks: Iterable<string>, needle: string): { count: number; largest: number; first: string; last: string } {
  let count = 0;
  let largest = 0;
  let first = '';
  let last = '';
  let carry = '';
  for (const chunk of chunks) {
    if (!first) first = chunk.slice(0, 200);
    last = (last + chunk).slice(-200);
    largest = Math.max(largest, chunk.length);
    const text = carry + chunk;
    let at = text.indexOf(needle);
    let end = 0;
    while (at >= 0) {
      count++;
      end = at + needle.length;
      at = text.indexOf(needle, end);
    }
    carry = text.slice(Math.max(end, text.length - needle.length + 1));
  }
  return { count, largest, first, last };
}

// No time limit (timeout 0): on the shared 2-core machine the time says nothing; the counts and chunk sizes do.
describe('output of a million findings', () => {
  const findings = manyFindings(MILLION);

  it.each<[OutputFormat, string, RegExp, RegExp]>([
    ['table', '\nInfo ', /^LEVEL +CODE +NAME +ORIGIN +REFERENCE +MESSAGE\n/, /p999999 \(port \d+\) does not follow Istio's naming\n$/],
    ['json', '"code": "MF0022"', /^\[\n  \{\n    "code": "MF0022"/, /"message": "Port name p999999 \(port \d+\) does not follow Istio's naming"\n  \}\n\]\n$/],
    ['sarif', '{"ruleId":"MF0022"', /^\{\n  "\$schema": "https:\/\/json\.schemastore\.org\/sarif-2\.1\.0\.json"/, /\n  \]\n\}\n$/],
  ])('%s streams every row in bounded chunks', { timeout: 0 }, (format, needle, head, tail) => {
    const got = consume(outputChunks(format, findings, { toolVersion: '0.0.0', baseDir: process.cwd() }), needle);
    expect(got.count).toBe(MILLION);
    expect(got.largest).toBeLessThan(1024 * 1024);
    expect(got.first).toMatch(head);
    expect(got.last).toMatch(tail);
  });
});

describe('meshferry analyze with 150,000 findings (the CLI, end to end)', () => {
  // 150 Services with 1,000 unnamed ports each: one PortNameIsNotUnderNamingConvention (Info) per port.
  const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-analyze-scale-'));
  const file = path.join(dir, 'services.yaml');
  const docs: string[] = [];
  for (let s = 0; s < 150; s++) {
    const ports = Array.from({ length: 1000 }, (_, p) => `{name: p${p}, port: ${p + 10000}}`).join(', ');
    docs.push(`apiVersion: v1\nkind: Service\nmetadata: {name: svc-${s}, namespace: scale}\nspec:\n  selector: {app: svc-${s}}\n  ports: [${ports}]\n`);
  }
  writeFileSync(file, docs.join('---\n'));

  // The table crashed here ("Maximum call stack size exceeded", exit 3); JSON and SARIF share its streaming path,
  // and the million-row cases above cover each format.
  it('-o table prints every finding and exits 0', { timeout: 0 }, () => {
    const res = runCli(['analyze', file, '-o', 'table']);
    expect(hasStackTrace(res.stderr), res.stderr).toBe(false);
    expect(res.code, res.stderr.slice(0, 2000)).toBe(0);
    expect(res.stdout.split('\n').filter((l) => l.startsWith('Info ')).length).toBe(150_000);
  });
});
