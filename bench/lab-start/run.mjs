// Benchmark: warm start of a lab with two clusters, each with one istiod revision, against its anchor, a bare
// etcd + kube-apiserver (the envtest-like floor), both measured in this run. Prints times and the ratio; the goal
// (two clusters with istiod ready in <= 15 s) is printed, never asserted.
//
// Usage: npm run build && node bench/lab-start/run.mjs [--runs N]
//   "Warm" means the binaries are built and istioctl's rendering is cached: one untimed start fills the caches.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lib = path.join(repo, 'dist/lab/index.js');
if (!existsSync(lib)) {
  process.stderr.write('bench: dist/lab/index.js is missing; run `npm run build` first\n');
  process.exit(2);
}
const { ensureLabBinaries, killLabNow, startLab } = await import(lib);

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const GOAL_S = 15;

const root = mkdtempSync(path.join(os.tmpdir(), 'meshferry-bench-lab-'));
let current;
const cleanup = () => {
  if (current) killLabNow(current);
  rmSync(root, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const binaries = await ensureLabBinaries({ onLog: (l) => process.stderr.write(`${l}\n`) });

const shapes = {
  floor: { label: 'bare etcd + kube-apiserver, 1 cluster (anchor)', opts: { clusters: ['floor'], bare: true } },
  full: { label: '2 clusters x (etcd, apiserver, kcm, scheduler, kwok, CRDs, 1 node, istiod canary)', opts: { clusters: ['east', 'west'], revisions: ['canary'] } },
};

// Per-step profile of the full shape: `cluster: step` -> times (ms since start) over the timed runs.
const profile = new Map();

async function once(name, i) {
  current = path.join(root, `${name}-${i}`);
  const t0 = process.hrtime.bigint();
  const timed = name === 'full' && i !== 'warmup';
  const onStep = ({ cluster, step, atMs }) => {
    if (!timed) return;
    const key = `${cluster}: ${step}`;
    profile.set(key, [...(profile.get(key) ?? []), atMs]);
  };
  const lab = await startLab({ dir: current, binaries, onStep, ...shapes[name].opts });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await lab.stop({ purge: true });
  current = undefined;
  return seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  process.stderr.write('bench lab-start: warm-up (untimed) ...\n');
  await once('full', 'warmup');
  const times = { floor: [], full: [] };
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so a busy moment on the machine hits both shapes alike.
    for (const name of ['floor', 'full']) {
      const s = await once(name, i);
      times[name].push(s);
      process.stderr.write(`  run ${i + 1}/${RUNS} ${name}: ${s.toFixed(2)} s\n`);
    }
  }
  const f = median(times.floor);
  const m = median(times.full);
  const load = os.loadavg()[0].toFixed(2);
  const row = (label, xs, med) => `${label.padEnd(84)} ${med.toFixed(2).padStart(7)} s   [${xs.map((x) => x.toFixed(2)).join(', ')}]`;
  process.stdout.write(
    [
      `lab-start (warm, median of ${RUNS}; ${os.cpus().length} CPUs, load ${load})`,
      row(shapes.floor.label, times.floor, f),
      row(shapes.full.label, times.full, m),
      `ratio full / floor: ${(m / f).toFixed(2)}x    goal: full <= ${GOAL_S} s (${m <= GOAL_S ? 'met' : 'not met'} on this machine)`,
      '',
      'profile of the full shape (median seconds since start when each step ended):',
      ...[...profile.entries()]
        .map(([k, xs]) => [k, median(xs) / 1000])
        .sort((a, b) => a[1] - b[1])
        .map(([k, s]) => `  ${s.toFixed(2).padStart(6)} s  ${k}`),
      '',
    ].join('\n'),
  );
} finally {
  cleanup();
}
