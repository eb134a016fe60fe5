// The --report file: the same JSON as JSON.stringify, written 0600 and atomically; lines written in chunks.
import { chmodSync, createReadStream, lstatSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { MeshferryError } from '../errors.js';
import { buildReport, formatTransformChange } from './report.js';
import { transformReportJson, writeLines, writeTransformReportFile } from './report-file.js';
import type { Change, TransformRules } from './types.js';

const RULES: TransformRules = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TransformRules', metadata: { name: 't' }, rules: [] };

function report(changes: Change[]) {
  return buildReport({
    rules: RULES,
    rulesFile: 'r.yaml',
    inputs: ['a', 'b'],
    objectsIn: 2,
    objectsOut: 1,
    changes,
    notes: [{ level: 'WARNING', rule: 1, type: 'mapHost', object: 'X a/b', message: 'm "quoted"\nline' }],
    changedObjects: 1,
  });
}

const change = (i: number): Change => ({ rule: 1, type: 'patch', object: `VirtualService a/v${i}`, path: 'spec.x', action: 'set', from: { nested: [1, 'two'] }, to: `é ${i}` });

describe('the --report file', () => {
  test('is byte for byte what JSON.stringify(report, null, 2) prints, for empty and full lists', () => {
    for (const r of [report([]), report([change(0)]), report([change(0), change(1), change(2)])])
      expect([...transformReportJson(r)].join('')).toBe(`${JSON.stringify(r, null, 2)}\n`);
  });

  test('is written with mode 0600, replacing a 0644 file, leaving no temp file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-report-'));
    const file = path.join(dir, 'report.json');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644);
    await writeTransformReportFile(file, report([change(0)]));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report([change(0)]))));
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  test('a symlink named as the report is followed, not replaced (the one atomic writer)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-report-'));
    writeFileSync(path.join(dir, 'real.json'), 'old');
    symlinkSync('real.json', path.join(dir, 'report.json'));
    await writeTransformReportFile(path.join(dir, 'report.json'), report([change(0)]));
    expect(lstatSync(path.join(dir, 'report.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'real.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(report([change(0)]))));
  });

  test('a folder it cannot write to is an input error naming the file', async () => {
    const err = await writeTransformReportFile('/proc/meshferry-report.json', report([])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshferryError);
    expect((err as MeshferryError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/^cannot write the change report \/proc\/meshferry-report\.json: E[A-Z]+/);
  });
});

describe('writeLines', () => {
  test('writes every line in order, in a few large chunks, waiting for a full stream to drain', async () => {
    const stream = new PassThrough({ highWaterMark: 1024 });
    const chunks: string[] = [];
    const done = writeLines(stream, Array.from({ length: 200_000 }, (_, i) => i), (i) => `line ${i}`);
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    await done;
    const text = chunks.join('');
    expect(text.split('\n').length - 1).toBe(200_000);
    expect(text.startsWith('line 0\nline 1\n')).toBe(true);
    expect(text.endsWith('line 199999\n')).toBe(true);
    expect(chunks.length).toBeLessThan(10);
  });
});

describe('a million changes', () => {
  // The CLI writes its change lines and --report through exactly these two functions (src/cli/transform/index.ts).
  test('go to a stream and to the --report file whole, without one giant string or call', async () => {
    const changes = Array.from({ length: 1_000_000 }, (_, i): Change => ({ rule: 1, type: 'mapHost', object: `ServiceEntry ns/se${i >> 11}`, path: `spec.hosts[${i & 2047}]`, action: 'set', from: `h${i}.global`, to: `h${i}.example.com` }));
    let lines = 0;
    let writes = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        writes++;
        for (const byte of chunk) if (byte === 10) lines++;
        done();
      },
    });
    await writeLines(sink, changes, formatTransformChange);
    expect(lines).toBe(1_000_000);
    expect(writes).toBeLessThan(200);

    const file = path.join(mkdtempSync(path.join(tmpdir(), 'meshferry-report-')), 'report.json');
    await writeTransformReportFile(file, report(changes));
    let rules = 0; // one `"action": "set"` line per change (the notification has none)
    let last = '';
    for await (const line of createInterface({ input: createReadStream(file) })) {
      if (line === '      "action": "set",') rules++;
      if (line.startsWith('      "to": ')) last = line;
    }
    expect(rules).toBe(1_000_000);
    expect(last).toBe('      "to": "h999999.example.com"');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 900_000); // a safety net on a loaded 2-core machine, not a speed claim: nothing here asserts time
});
