// Secret data never leaves meshferry: neat, transform and analyze on a Secret with known data, as a user runs them.
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli, type CliResult } from '../support/cli.js';

/** The secret; it must appear nowhere meshferry writes, in any encoding a reader could undo. */
const SECRET = 'hunter2-s3cr3t-value';
const B64 = Buffer.from(SECRET).toString('base64');
const OTHER = 'second-Secret-payload-42';

function leakForms(): string[] {
  const forms = [SECRET, B64, OTHER, Buffer.from(OTHER).toString('base64')];
  // JSON inside a YAML or JSON string escapes quotes, not the value; a base64 of base64 is what a careless
  // writer of `data` would produce.
  forms.push(Buffer.from(B64).toString('base64'));
  return forms;
}

const lastApplied = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'shop', annotations: {} },
  data: { password: B64 },
  stringData: { extra: OTHER },
  type: 'Opaque',
});

const INPUT = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '${lastApplied.replace(/'/g, "''")}'
    example.com/copy-of-password: "${SECRET}"
    example.com/owner: team-a
  labels:
    app: db
type: Opaque
data:
  password: ${B64}
stringData:
  extra: ${OTHER}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: db
  namespace: shop
spec:
  host: db.shop.svc.cluster.local
  trafficPolicy:
    tls:
      mode: SIMPLE
      credentialName: db
`;

/** Every file under `dir`, read as text. */
function filesUnder(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full));
    else out.push({ file: full, text: readFileSync(full, 'utf8') });
  }
  return out;
}

function expectNoLeak(where: string, text: string): void {
  for (const form of leakForms()) expect(text.includes(form), `${where} holds ${form}:\n${text}`).toBe(false);
}

function expectCleanRun(res: CliResult, codes: number[] = [0]): void {
  expect(hasStackTrace(res.stderr), res.stderr).toBe(false);
  expect(codes, res.stderr).toContain(res.code);
  expectNoLeak('stdout', res.stdout);
  expectNoLeak('stderr', res.stderr);
}

/** `--output-dir` once the CLI has it (the shared decision), `-o` before. */
function outputDirFlag(command: string): string {
  return runCli([command, '--help']).stdout.includes('--output-dir') ? '--output-dir' : '-o';
}

describe('Secret data never leaves meshferry', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshferry-secret-'));
  const input = path.join(dir, 'in.yaml');
  writeFileSync(input, INPUT);
  const rules = path.join(dir, 'rules.yaml');
  writeFileSync(
    rules,
    'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata:\n  name: r\nrules:\n- removeLabels: {keys: [app]}\n- mapNamespace: {from: shop, to: store}\n',
  );

  it('the input really holds the value (the test can fail)', () => {
    expect(readFileSync(input, 'utf8')).toContain(B64);
    expect(readFileSync(input, 'utf8')).toContain(SECRET);
  });

  it('neat to stdout: no data, one notice naming the Secret and its file', () => {
    const res = runCli(['neat', input]);
    expectCleanRun(res);
    expect(res.stdout).toContain('kind: Secret');
    expect(res.stdout).toContain('example.com/owner: team-a'); // annotations that hold no data stay
    const notices = res.stderr.split('\n').filter((l) => /Secret shop\/db/.test(l));
    expect(notices, res.stderr).toHaveLength(1);
    expect(notices[0]).toContain(input);
    expect(notices[0]).toMatch(/data .*not kept|not kept/);
  });

  it('neat to a folder: no file holds the data', () => {
    const out = path.join(dir, 'neat-out');
    const res = runCli(['neat', input, outputDirFlag('neat'), out]);
    expectCleanRun(res);
    const files = filesUnder(out);
    expect(files.some((f) => f.file.includes('secrets'))).toBe(true);
    for (const f of files) expectNoLeak(f.file, f.text);
  });

  it('transform: not in stdout, the change report, the --report JSON or the output folder', () => {
    const report = path.join(dir, 'report.json');
    const res = runCli(['transform', input, '--rules', rules, '--report', report]);
    expectCleanRun(res);
    expect(res.stdout).toContain('kind: Secret');
    expectNoLeak(report, readFileSync(report, 'utf8'));
    const out = path.join(dir, 'transform-out');
    const res2 = runCli(['transform', input, '--rules', rules, outputDirFlag('transform'), out]);
    expectCleanRun(res2);
    for (const f of filesUnder(out)) expectNoLeak(f.file, f.text);
  });

  it('analyze: not in any output format', () => {
    for (const format of ['table', 'json', 'sarif', 'yaml']) {
      const res = runCli(['analyze', input, '-o', format]);
      if (res.code === 2 && /output|format|choices|argument/i.test(res.stderr) && !res.stderr.includes(input)) continue; // a format analyze does not offer
      expectCleanRun(res, [0, 1]);
    }
  });

  it('the same Secret as JSON on stdin (kubectl get -o json | meshferry neat -)', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'db', namespace: 'shop', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
          data: { password: B64 },
        },
      ],
    };
    const res = runCli(['neat', '-'], { input: JSON.stringify(obj) });
    expectCleanRun(res);
    expect(res.stderr).toMatch(/Secret shop\/db/);
  });
});
