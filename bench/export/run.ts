// bench/export: the kubedump script vs one `kubectl get -A -o json` vs `meshferry export`, on one seeded lab cluster.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { seedCluster, seedMesh } from '../../test/lab/export-import-fixtures.js';
import { CLI, ROOT, loadBuilt, median, mustSucceed, printTable, seconds, timeCommand } from './harness.js';

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 100);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** For quick reruns of (b) and (c) only: the kubedump script takes tens of minutes. */
const SKIP_KUBEDUMP = process.env.BENCH_SKIP_KUBEDUMP === '1';
/** A tmpfs, to show how much of (c) is the disk creating one file per object. */
const SHM = existsSync('/dev/shm') ? '/dev/shm' : undefined;

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith('.yaml')) n++;
  return n;
}

async function main(): Promise<void> {
  const { lib, lab: labApi } = await loadBuilt();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-bench-export-'));
  console.log(`bench/export: ${OBJECTS} Istio objects over ${NAMESPACES} namespaces, one lab cluster (work dir ${tmp})`);
  const lab = await labApi.startLab({ dir: path.join(tmp, 'lab'), clusters: ['bench'], revisions: [] });
  try {
    const cluster = await lib.openCluster({ kubeconfig: lab.kubeconfigPath, context: 'bench' });
    const t0 = performance.now();
    await seedCluster(cluster, seedMesh({ namespaces: NAMESPACES, objects: OBJECTS }));
    console.log(`seeded in ${seconds(performance.now() - t0)}`);
    const kinds = lib.ISTIO_KINDS.map((k) => cluster.discovery.resourceFor(k.group, k.kind))
      .filter((r) => r !== undefined)
      .map((r) => lib.resourceName(r))
      .join(',');
    cluster.close();

    const binaries = await labApi.ensureLabBinaries({ build: false });
    const kubectl = binaries.paths.kubectl;
    // kubectl caches discovery under --cache-dir; warm both tools once so neither pays a cold start in the timings.
    const cacheDir = path.join(tmp, 'kubectl-cache');
    const kc = ['--kubeconfig', lab.kubeconfigPath, '--cache-dir', cacheDir];
    const getAll = () => timeCommand(kubectl, [...kc, 'get', kinds, '-A', '-o', 'json']);
    const exportTo = (dir: string) => timeCommand(process.execPath, [CLI, 'export', '--kubeconfig', lab.kubeconfigPath, '-A', '--output-dir', dir]);
    mustSucceed('kubectl get (warm-up)', await getAll());
    mustSucceed('meshferry export (warm-up)', await exportTo(path.join(tmp, 'warm')));

    const b: number[] = [];
    const c: number[] = [];
    const cShm: number[] = [];
    const shmDir = SHM ? await mkdtemp(path.join(SHM, 'meshferry-bench-')) : undefined;
    let objectsInJson = 0;
    // Interleaved, so that load from other processes falls on both alike; each export replaces the previous one.
    for (let i = 0; i < RUNS; i++) {
      const got = mustSucceed('kubectl get', await getAll());
      objectsInJson = (JSON.parse(got.stdout) as { items: unknown[] }).items.length;
      b.push(got.ms);
      c.push(mustSucceed('meshferry export', await exportTo(path.join(tmp, 'meshferry-export'))).ms);
      if (shmDir) cShm.push(mustSucceed('meshferry export (tmpfs)', await exportTo(path.join(shmDir, 'export'))).ms);
    }
    if (shmDir) await rm(shmDir, { recursive: true, force: true });
    const exported = await countFiles(path.join(tmp, 'meshferry-export'));

    // (a) once: it takes many minutes. kubectl-neat is not available from the Go module proxy here, so each object
    // is piped through `meshferry neat -`, a per-object process like kubectl-neat (see docs/benchmarks.md). (a0) is
    // the same script with `cat` in place of neat: the floor for any neat, however fast its process starts.
    const script = path.join(ROOT, 'bench/export/kubedump.sh');
    const wrapper = path.join(tmp, 'kubectl-with-cache');
    await writeFile(wrapper, `#!/bin/sh\nexec ${kubectl} --cache-dir ${cacheDir} "$@"\n`, { mode: 0o755 });
    const kubedump = async (what: string, neat: string, out: string) => {
      console.log(`running the kubedump script with ${what} (one kubectl per namespace × kind, one kubectl get | neat per object)...`);
      const t = mustSucceed(`kubedump script (${what})`, await timeCommand('bash', [script, lab.kubeconfigPath, out], { env: { KUBECTL: wrapper, NEAT: neat } }));
      return { ms: t.ms, files: await countFiles(out) };
    };
    const skipped = { ms: Number.NaN, files: 0 };
    const a0 = SKIP_KUBEDUMP ? skipped : await kubedump('cat as neat', 'cat', path.join(tmp, 'kubedump-cat'));
    const a = SKIP_KUBEDUMP ? skipped : await kubedump('meshferry neat', `${process.execPath} ${CLI} neat -`, path.join(tmp, 'kubedump'));

    const mb = median(b);
    const mc = median(c);
    console.log('');
    printTable([
      ['run', 'what', 'objects', 'time'],
      ['(a)', 'kubedump script: kubectl per namespace×kind, kubectl get | meshferry neat per object (11 kinds)', String(a.files), seconds(a.ms)],
      ['(a0)', 'the same script with cat as neat (floor for any neat)', String(a0.files), seconds(a0.ms)],
      ['(b)', `kubectl get <${lib.ISTIO_KINDS.length} Istio kinds> -A -o json (median of ${RUNS})`, String(objectsInJson), seconds(mb)],
      ['(c)', `meshferry export -A --output-dir DIR (median of ${RUNS}; neat files, ${lib.ISTIO_KINDS.length} kinds)`, String(exported), seconds(mc)],
      ...(cShm.length ? [['(c-shm)', `the same, DIR on tmpfs (${SHM ?? ''}): without the disk's cost per file`, String(exported), seconds(median(cShm))]] : []),
    ]);
    console.log('');
    console.log(`(a)/(c) = ${(a.ms / mc).toFixed(1)}   goal >= 50   ((a0)/(c) = ${(a0.ms / mc).toFixed(1)})`);
    console.log(`(c)/(b) = ${(mc / mb).toFixed(2)}   goal <= 1.5`);
    if (cShm.length) console.log(`(c-shm)/(b) = ${(median(cShm) / mb).toFixed(2)}`);
    console.log(`runs: (b) ${b.map(seconds).join(', ')}; (c) ${c.map(seconds).join(', ')}${cShm.length ? `; (c-shm) ${cShm.map(seconds).join(', ')}` : ''}`);
  } finally {
    await lab.stop({ purge: true });
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
