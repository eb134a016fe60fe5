// Benchmark: `meshferry analyze` against its anchor `istioctl analyze` on the same 10,000 generated objects, in one run.
// Prints both wall times, the ratio (goal: meshferry <= 0.5x istioctl) and both peak RSS. Never asserts times.
//
// Usage: npm run bench:analyze            (builds first)
//        node bench/analyze/run.mjs [--objects N] [--runs N]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const OBJECTS = flag('--objects', 10_000);
const RUNS = flag('--runs', 3);

const cli = path.join(repo, 'dist/cli/main.js');
if (!existsSync(cli)) {
  process.stderr.write('bench: dist/cli/main.js is missing; run `npm run build` (npm run bench:analyze does)\n');
  process.exit(2);
}
const { ensureLabBinaries } = await import(path.join(repo, 'dist/lab/binaries.js'));
const istioctl = (await ensureLabBinaries()).paths.istioctl;

const dir = path.join(os.tmpdir(), 'meshferry-bench-analyze');
const { files, kinds, count } = generate(dir, OBJECTS);
process.stderr.write(`generated ${count} objects in ${files.length} files under ${dir}\n  ${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);

const haveTime = existsSync('/usr/bin/time');

/** Runs one command; wall time from here, peak RSS from /usr/bin/time -v, else sampled from /proc. */
function measure(cmd, cmdArgs) {
  const argv = haveTime ? ['/usr/bin/time', ['-v', cmd, ...cmdArgs]] : [cmd, cmdArgs];
  const t0 = performance.now();
  const res = spawnSync(argv[0], argv[1], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (res.error) throw res.error;
  const rssKb = haveTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr)?.[1] ?? NaN) : NaN;
  let findings = NaN;
  try {
    findings = JSON.parse(res.stdout).length;
  } catch {
    process.stderr.write(`bench: ${path.basename(cmd)} did not print JSON (exit ${res.status}):\n${res.stderr.slice(-2000)}\n`);
  }
  return { ms, rssMb: rssKb / 1024, findings, status: res.status };
}

const tools = {
  istioctl: () => measure(istioctl, ['analyze', '--use-kube=false', '-A', '-o', 'json', ...files]),
  meshferry: () => measure(process.execPath, [cli, 'analyze', '-o', 'json', ...files]),
};
const results = { istioctl: [], meshferry: [] };
for (let i = 0; i < RUNS; i++)
  for (const [name, run] of Object.entries(tools)) {
    const r = run();
    results[name].push(r);
    process.stderr.write(`  run ${i + 1} ${name.padEnd(9)} ${(r.ms / 1000).toFixed(2)} s, peak RSS ${r.rssMb.toFixed(0)} MiB, ${r.findings} findings (exit ${r.status})\n`);
  }

// Where meshferry's time goes, measured in-process on the same files (reading YAML vs analyzing).
const { readResources } = await import(path.join(repo, 'dist/resources/yaml-read.js'));
const { analyzeResources } = await import(path.join(repo, 'dist/analyze/index.js'));
const phases = { read: [], analyze: [] };
for (let i = 0; i < RUNS; i++) {
  let t = performance.now();
  const set = await readResources(files);
  phases.read.push(performance.now() - t);
  t = performance.now();
  analyzeResources(set);
  phases.analyze.push(performance.now() - t);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = Object.fromEntries(
  Object.entries(results).map(([k, rs]) => [k, { ms: median(rs.map((r) => r.ms)), rssMb: median(rs.map((r) => r.rssMb)), findings: rs[0].findings }]),
);
const ratio = summary.meshferry.ms / summary.istioctl.ms;
const fmt = (s) => `${(s.ms / 1000).toFixed(2)} s`;
process.stdout.write(
  [
    `analyze benchmark: ${count} objects, ${files.length} files, median of ${RUNS} runs (node ${process.version}, ${os.cpus().length} CPUs)`,
    `  istioctl analyze   ${fmt(summary.istioctl).padStart(8)}   peak RSS ${summary.istioctl.rssMb.toFixed(0).padStart(5)} MiB   ${summary.istioctl.findings} findings`,
    `  meshferry analyze  ${fmt(summary.meshferry).padStart(8)}   peak RSS ${summary.meshferry.rssMb.toFixed(0).padStart(5)} MiB   ${summary.meshferry.findings} findings`,
    `  ratio meshferry/istioctl: ${ratio.toFixed(2)}x (goal <= 0.50x)`,
    `  meshferry in-process: read YAML ${(median(phases.read) / 1000).toFixed(2)} s, analyze ${(median(phases.analyze) / 1000).toFixed(2)} s`,
    '',
  ].join('\n'),
);
