// bench/import: `meshferry import` vs `kubectl apply --server-side -R -f` on the same folder, into two fresh lab clusters.
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { seedMesh } from '../../test/lab/export-import-fixtures.js';
import { CLI, loadBuilt, mustSucceed, printTable, seconds, timeCommand } from '../export/harness.js';

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 100);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 2000);

/** Every file below `dir` as relative path → content. */
async function tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, full), await readFile(full, 'utf8'));
  }
  return out;
}

async function main(): Promise<void> {
  const { lib, lab: labApi } = await loadBuilt();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-bench-import-'));
  console.log(`bench/import: ${OBJECTS} Istio objects + ${NAMESPACES} Namespaces, two fresh lab clusters (work dir ${tmp})`);
  const lab = await labApi.startLab({ dir: path.join(tmp, 'lab'), clusters: ['viamf', 'viakubectl'], revisions: [] });
  try {
    // The folder both tools read: the kubedump layout meshferry export writes (Namespaces under _cluster/, first).
    const folder = path.join(tmp, 'folder');
    await lib.writeLayout(folder, seedMesh({ namespaces: NAMESPACES, objects: OBJECTS }));
    const kubectlFolder = path.join(tmp, 'folder-for-kubectl');
    await cp(folder, kubectlFolder, { recursive: true });
    await rm(path.join(kubectlFolder, lib.OUTPUT_MARKER));
    const kubectl = (await labApi.ensureLabBinaries({ build: false })).paths.kubectl;
    const kc = (context: string) => ['--kubeconfig', lab.kubeconfigPath, '--context', context];
    const cacheDir = path.join(tmp, 'kubectl-cache');
    // Warm kubectl's discovery cache, so it is not charged for a cold start meshferry does not have either.
    mustSucceed('kubectl api-resources', await timeCommand(kubectl, [...kc('viakubectl'), '--cache-dir', cacheDir, 'api-resources']));

    const mf = () => timeCommand(process.execPath, [CLI, 'import', folder, ...kc('viamf')]);
    const kubectlApply = () => timeCommand(kubectl, [...kc('viakubectl'), '--cache-dir', cacheDir, 'apply', '--server-side', '--field-manager', 'meshferry', '-R', '-f', kubectlFolder]);

    const mf1 = mustSucceed('meshferry import', await mf());
    const k1 = mustSucceed('kubectl apply --server-side', await kubectlApply());
    // The re-run: nothing to change; both tools still read and check every object.
    const mf2 = mustSucceed('meshferry import (again)', await mf());
    const k2 = mustSucceed('kubectl apply --server-side (again)', await kubectlApply());

    // Same resulting state: both clusters exported by meshferry give the same files.
    const outA = path.join(tmp, 'state-viamf');
    const outB = path.join(tmp, 'state-viakubectl');
    mustSucceed('export viamf', await timeCommand(process.execPath, [CLI, 'export', ...kc('viamf'), '-A', '--with-context', '--output-dir', outA]));
    mustSucceed('export viakubectl', await timeCommand(process.execPath, [CLI, 'export', ...kc('viakubectl'), '-A', '--with-context', '--output-dir', outB]));
    const [a, b] = [await tree(outA), await tree(outB)];
    const differing = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));

    console.log('');
    printTable([
      ['run', 'meshferry import', 'kubectl apply --server-side -R -f', 'kubectl / meshferry'],
      ['into an empty cluster', seconds(mf1.ms), seconds(k1.ms), `${(k1.ms / mf1.ms).toFixed(1)}x`],
      ['again (nothing changes)', seconds(mf2.ms), seconds(k2.ms), `${(k2.ms / mf2.ms).toFixed(1)}x`],
    ]);
    console.log('');
    console.log(`meshferry: ${mf1.stdout.trim().split('\n').at(-1) ?? ''} | again: ${mf2.stdout.trim().split('\n').at(-1) ?? ''}`);
    console.log(`speed-up into an empty cluster = ${(k1.ms / mf1.ms).toFixed(1)}x   goal >= 3`);
    console.log(`same resulting state: ${differing.length === 0 ? `yes (${a.size} files identical)` : `NO, ${differing.length} files differ, e.g. ${differing.slice(0, 3).join(', ')}`}`);
  } finally {
    await lab.stop({ purge: true });
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
