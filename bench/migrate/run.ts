// bench/migrate: a revision swap (default → canary) of N Deployments in M namespaces on a kwok lab, `meshferry migrate
// apply` side by side with the runbook's kubectl script, in one lab cluster (each tool gets its own, equal namespaces).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, kubectlRequests, loadBuilt, mustSucceed, printTable, seconds, timeWithPeakRss, type Timed } from '../export/harness.js';
import { revisionCounts } from './pods.js';

const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 1000);
const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 20);
const HERE = path.join(ROOT, 'bench', 'migrate');
// dist/ itself, not the harness's snapshot: the snapshot folder has no schemas/ beside it, and migrate loads one.
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

interface Measured extends Timed {
  peakRssMiB: number;
  requests: number;
}


/** The generated cluster: `prefix-0..M-1` namespaces on istio-injection=enabled, N/M one-replica Deployments each. */
function objectsFor(prefix: string): Record<string, unknown>[] {
  const perNs = Math.ceil(DEPLOYMENTS / NAMESPACES);
  const out: Record<string, unknown>[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `${prefix}-${n}`;
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } });
    for (let d = 0; d < perNs && n * perNs + d < DEPLOYMENTS; d++) {
      const name = `svc-${d}`;
      out.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name, version: 'v1' } }, spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] } },
        },
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { lab: labApi, lib } = await loadBuilt();
  const kube = (await import(path.join(ROOT, 'dist/kube/index.js'))) as typeof import('../../src/kube/index.js');
  const cluster = (await import(path.join(ROOT, 'dist/migrate/cluster/index.js'))) as typeof import('../../src/migrate/cluster/index.js');
  void lib;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-bench-migrate-'));
  const nodes = Math.ceil((2 * DEPLOYMENTS) / 100) + 1;
  console.log(`bench/migrate: ${DEPLOYMENTS} Deployments in ${NAMESPACES} namespaces per tool, revisions default → canary, ${nodes} kwok nodes (work dir ${tmp})`);
  const lab = await labApi.startLab({ dir: path.join(tmp, 'lab'), revisions: ['default', 'canary'], nodes, log: (m) => process.stderr.write(`${m}\n`) });
  const admin = await kube.openCluster({ kubeconfig: lab.kubeconfigPath, context: 'lab' });
  try {
    const pods = admin.client.discovery.resourceFor('', 'Pod');
    if (!pods) throw new Error('no Pod resource');
    const prefixes = ['viascript', 'viamf'];
    const all = prefixes.flatMap(objectsFor);
    const t0 = Date.now();
    // Namespaces first (Deployments need them), then everything else at the client's write concurrency.
    await kube.mapLimit(all.filter((o) => o.kind === 'Namespace'), 16, (o) => admin.client.apply(o as never, { force: true }));
    await kube.mapLimit(all.filter((o) => o.kind !== 'Namespace'), 16, (o) => admin.client.apply(o as never, { force: true }));
    /** Running pods of the namespaces of `prefix`, by injecting revision. */
    const revisions = async (prefix: string): Promise<Map<string, number>> => revisionCounts(await admin.client.list(pods), prefix, cluster.podInjection);
    const settled = async (prefix: string, revision: string) => {
      for (;;) {
        const c = await revisions(prefix);
        if (c.get(revision) === DEPLOYMENTS && c.size === 1) return;
        await sleep(2000);
      }
    };
    for (const p of prefixes) await settled(p, 'default');
    console.log(`seeded ${2 * DEPLOYMENTS} Deployments, every pod Running and injected by default, in ${seconds(Date.now() - t0)}`);

    const kubectl = (await labApi.ensureLabBinaries({ build: false })).paths.kubectl;
    const scriptNs = Array.from({ length: NAMESPACES }, (_, i) => `viascript-${i}`);
    const script = await timeWithPeakRss('bash', [path.join(HERE, 'runbook.sh'), kubectl, lab.kubeconfigPath, 'lab', 'canary', ...scriptNs]);
    mustSucceed('runbook script', script);
    const scriptRequests = kubectlRequests(script.stderr);
    const scriptResult = await revisions('viascript');

    const file = path.join(tmp, 'migration.yaml');
    const mfNs = Array.from({ length: NAMESPACES }, (_, i) => `viamf-${i}`);
    await writeFile(
      file,
      [
        'apiVersion: meshferry.dev/v1alpha1',
        'kind: MeshMigration',
        'metadata: {name: bench}',
        'spec:',
        '  mode: InPlace',
        '  source: {revision: default}',
        '  target: {revision: canary}',
        '  waves:',
        // One wave with every workload restarting at once: what `kubectl rollout restart deploy -n` does per namespace.
        `  - {name: all, namespaces: [${mfNs.join(', ')}], maxUnavailable: ${DEPLOYMENTS}}`,
        '',
      ].join('\n'),
    );
    const requestsFile = path.join(tmp, 'requests');
    const mf = await timeWithPeakRss(process.execPath, ['--require', path.join(HERE, 'count-requests.cjs'), CLI, 'migrate', 'apply', file, '--kubeconfig', lab.kubeconfigPath, '--context', 'lab'], {
      MESHFERRY_BENCH_REQUESTS_FILE: requestsFile,
    });
    mustSucceed('meshferry migrate apply', mf);
    const mfRequests = Number(await readFile(requestsFile, 'utf8'));
    const mfResult = await revisions('viamf');
    const show = (m: Map<string, number>) => [...m].map(([k, v]) => `${v} ${k}`).join(', ');

    const results: [string, Measured][] = [
      ['runbook script (kubectl label + rollout restart + rollout status)', { ...script, requests: scriptRequests }],
      ['meshferry migrate apply (verifies every pod, journal)', { ...mf, requests: mfRequests }],
    ];
    console.log('');
    printTable([
      ['', 'wall time', 'peak RSS', 'API requests', 'requests / workload', 'pods after'],
      ...results.map(([name, m], i) => [name, seconds(m.ms), `${m.peakRssMiB.toFixed(0)} MiB`, String(m.requests), (m.requests / DEPLOYMENTS).toFixed(2), show(i === 0 ? scriptResult : mfResult)]),
    ]);
    console.log('');
    console.log(`ratio meshferry / script = ${(mf.ms / script.ms).toFixed(2)}x   goal <= 1.10x`);
    console.log(`meshferry's last lines: ${mf.stderr.trim().split('\n').filter((l) => l.startsWith('migrate') || l.includes('Finished')).slice(-2).join(' | ')}`);
  } finally {
    admin.close();
    await lab.stop({ purge: true });
    await rm(tmp, { recursive: true, force: true });
  }
}

// `npm run bench:migrate -- cross` (or BENCH_CASE=cross) runs the cross-cluster case (cross.ts) instead.
if (process.argv[2] === 'cross' || process.env.BENCH_CASE === 'cross') await (await import('./cross.js')).crossCase();
else await main();
