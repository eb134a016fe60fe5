// CrossCluster under SIGKILL (issue 13, plan "Reliability"): a TCM exit killed at 10 seeded points across every kind of
// write (remote secret, config import, namespaces and copies in remote, shift ticks, scale-down in tcm), resumed
// after each, ends where an uninterrupted run of the same shape ends, in all three clusters, its status and journal.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labTrafficTargetsDir, startLabPrometheus, type Lab } from '../../src/lab/index.js';
import { JOURNAL_NAMESPACE, JOURNAL_OF_LABEL } from '../../src/journal/index.js';
import type { JournalEntry } from '../../src/journal/journal.js';
import type { ObjectClient } from '../../src/kube/object-client.js';
import type { KubeObject } from '../../src/resources/object.js';
import { startLabTraffic, type LabTraffic } from '../../src/traffic/dataplane/lab-traffic.js';
import { KubeconfigClusterSet, createRouter } from '../../src/traffic/routers/index.js';
import { hasStackTrace, runCliAsync, startCli } from '../support/cli.js';
import { until } from '../support/poll.js';
import { normalized, runFiles, runNames, runRouter, runWorld, seedRun, type CrossClients } from './cross-fixtures.js';
import { labPerFile } from './lab-per-file.js';
import { migrationFile } from './migrate-fixtures.js';

let lab: Lab;
const { parent, dir } = labPerFile('migrate-cross-rel-', { clusters: ['tcm', 'primary', 'remote'], revisions: { tcm: ['1-18-5'], primary: ['1-31-1'], remote: ['1-31-1'] }, istiodCa: 'per-cluster' }, (l) => (lab = l));

let set: KubeconfigClusterSet;
let c: CrossClients;
let promUrl: string;
const traffic: LabTraffic[] = [];
const env = { MESHFERRY_STATE_DIR: path.join(parent, 'state') };
const kube = () => ['--kubeconfig', lab.kubeconfigPath];
const home = () => [...kube(), '--context', 'primary'];
const calm = runNames('calm');
const kill = runNames('kill');

async function promHas(query: string): Promise<boolean> {
  const url = new URL('/api/v1/query', promUrl);
  url.searchParams.set('query', query);
  const body = (await (await fetch(url)).json().catch(() => ({}))) as { data?: { result?: unknown[] } };
  return (body.data?.result?.length ?? 0) > 0;
}

async function get(client: ObjectClient, group: string, kind: string, ns: string | undefined, name: string): Promise<KubeObject | undefined> {
  const res = client.discovery.resourceFor(group, kind) ?? (await client.refreshDiscovery()).resourceFor(group, kind);
  return res ? client.get(res, ns, name) : undefined;
}

/** The journal of a migration as its ConfigMaps in primary hold it now (empty before the MeshMigration exists). */
const uids = new Map<string, string>();
async function journalOf(name: string): Promise<JournalEntry[]> {
  // The uid is read once: the watcher polls this fast, and each read it saves narrows the gap between two looks.
  if (!uids.has(name)) {
    const uid = (await get(c.primary, 'meshferry.dev', 'MeshMigration', undefined, name))?.metadata.uid;
    if (!uid) return [];
    uids.set(name, String(uid));
  }
  const shards = await c.primary.list(c.primary.discovery.resourceFor('', 'ConfigMap')!, { namespace: JOURNAL_NAMESPACE, labelSelector: `${JOURNAL_OF_LABEL}=${uids.get(name)}` });
  return shards
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name, undefined, { numeric: true }))
    .flatMap((cm) => JSON.parse(String((cm.data as Record<string, string> | undefined)?.['entries.json'] ?? '[]')) as JournalEntry[]);
}

const statusOf = async (name: string) => {
  const r = await runCliAsync(['migrate', 'status', name, '-o', 'json', ...home()], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { phase: string; waves: { name: string; state: string; stage?: string; counts?: unknown; copied?: number; scaledDown?: number; leftAlone?: string[] }[] };
};

/** The done steps of a journal, one line each (step, kind, namespace/name, cluster), normalized for the run's prefix. */
const doneSteps = (entries: readonly JournalEntry[], prefix: string) =>
  normalized(
    entries.filter((e) => e.state === 'done').map((e) => `${e.step} ${e.target?.kind ?? ''} ${e.target?.namespace ?? ''}/${e.target?.name ?? ''} @${e.target?.context ?? 'home'}`),
    prefix,
  );

/** Lines of `-want +got`, for a failure a person can read. */
function diffLines(want: unknown, got: unknown): string {
  const a = JSON.stringify(want, null, 1).split('\n');
  const b = JSON.stringify(got, null, 1).split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(`line ${i + 1}: -${a[i] ?? ''}\n         +${b[i] ?? ''}`);
  return out.slice(0, 40).join('\n');
}

beforeAll(async () => {
  set = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  c = { tcm: await set.client('tcm'), primary: await set.client('primary'), remote: await set.client('remote') };
  for (const client of [c.tcm, c.remote]) await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }, { fieldManager: 'kubectl', force: true });
  for (const p of ['calm', 'kill']) await seedRun(c, p);
  promUrl = (await startLabPrometheus(dir)).url;
  // One `lab traffic` per run, following its own shift's weights: the gates, the quiet check and the finish check read them.
  for (const p of ['calm', 'kill']) {
    const n = runNames(p);
    traffic.push(
      await startLabTraffic({
        targetsDir: labTrafficTargetsDir(dir),
        shift: { name: n.shift, namespace: 'istio-system' },
        router: runRouter(p),
        reader: createRouter(runRouter(p), set, { namespace: 'istio-system' }),
        rps: 20,
        upstream: `${n.shop}/frontend`,
        cluster: { from: 'tcm', to: 'remote' },
        calls: [{ caller: { namespace: n.shop, workload: 'frontend' }, callee: { namespace: n.payments, workload: 'payments', service: 'payments' } }],
        pollMs: 250,
      }),
    );
  }
  // The plan reads who calls whom: wait until Prometheus has scraped both runs' calls.
  for (const n of [calm, kill]) await until(async () => ((await promHas(`increase(istio_requests_total{destination_workload_namespace="${n.payments}",source_workload_namespace="${n.shop}"}[2m]) > 0`)) ? true : undefined));
}, 300_000);

afterAll(async () => {
  for (const t of traffic) await t.stop();
  set?.close();
});

/** The kinds of write the kill points cover, in the order a run makes them (the journal steps of each, act.ts STEP). */
const KINDS = ['remoteSecret', 'import', 'namespace', 'copy', 'shift', 'scale'] as const;
type Kind = (typeof KINDS)[number];
const kindOf = (step: string): Kind | undefined =>
  step === 'xc.created' || step === 'xc.remoteSecret' ? 'remoteSecret' : step === 'config.import' ? 'import' : step === 'xc.namespace' || step === 'optIn.namespace' ? 'namespace' : step === 'xc.copy' || step === 'xc.secret' ? 'copy' : step === 'xc.shift' ? 'shift' : step === 'xc.scale' ? 'scale' : undefined;

/** One write of a run, in order: a journal entry (its step and target, prefix-normalized) or the n-th weight a shift tick writes. */
interface Work {
  key: string;
  kind: Kind;
}

interface KillPoint {
  /** The position in the calm run's work list it aims at. */
  at: number;
  /** intent: as soon as that write (or a later one) is pending; after: on the first progress line after it is done, plus a delay. */
  moment: 'intent' | 'after';
  delayMs: number;
}

const entryKey = (e: JournalEntry, prefix: string) => normalized(`${e.step} ${e.target?.kind ?? ''} ${e.target?.namespace ?? ''}/${e.target?.name ?? ''} @${e.target?.context ?? 'home'}`, prefix);
const tickKey = (n: number) => `tick ${n}`;

describe('CrossCluster SIGKILL (lab: tcm 1-18-5 → primary + remote 1-31-1)', () => {
  it('killed at 10 seeded points across every kind of write and resumed after each, a TCM exit ends where an uninterrupted one ends', async () => {
    // The uninterrupted run, then its world, status and journal; then rollback, so the kill run starts from the same
    // shared state (the remote secret and the remote's reader objects exist once per remote, not once per run).
    const calmFile = await migrationFile(parent, calm.migration, await runFiles(parent, 'calm', promUrl));
    const calmStarted = Date.now();
    const calmRun = await runCliAsync(['migrate', 'apply', calmFile, ...kube()], { env });
    process.stderr.write(`migrate-cross-reliability: the calm run took ${Date.now() - calmStarted} ms\n`);
    expect(calmRun.code, calmRun.stderr).toBe(0);
    expect(hasStackTrace(calmRun.stderr)).toBe(false);
    const calmWorld = await runWorld(c, 'calm');
    const calmStatus = await statusOf(calm.migration);
    const calmJournal = await journalOf(calm.migration);
    // The uninterrupted run did what a TCM exit does, so equality below means something.
    expect(calmStatus.phase).toBe('Finished');
    expect(calmWorld.primary.shift).toMatchObject({ phase: 'Succeeded', weight: 100 });
    expect(calmWorld.primary.remoteSecret?.keys).toEqual(['remote']);
    expect(calmWorld.primary.config).not.toBeNull();
    for (const k of KINDS) expect(calmJournal.some((e) => e.state === 'done' && kindOf(e.step) === k), `calm journal has a done ${k} write`).toBe(true);
    const back = await runCliAsync(['migrate', 'rollback', calm.migration, ...home()], { env });
    expect(back.code, back.stderr).toBe(0);
    expect(await get(c.primary, '', 'Secret', 'istio-system', 'istio-remote-secret-remote')).toBeUndefined();

    // The work list: the calm run's writes in order, each shift tick after the TrafficShift's own entry.
    const work: Work[] = [];
    for (const e of calmJournal.filter((x) => x.state === 'done' && kindOf(x.step) !== undefined)) {
      work.push({ key: entryKey(e, 'calm'), kind: kindOf(e.step)! });
      if (e.step === 'xc.shift') for (let n = 1; n <= (calmWorld.primary.shift?.history.length ?? 0); n++) work.push({ key: tickKey(n), kind: 'shift' });
    }
    expect(new Set(work.map((w) => w.key)).size, 'each write of the calm run once').toBe(work.length);
    const position = new Map(work.map((w, i) => [w.key, i]));

    // Kill points (seeded, printed so a failure can be replayed): one write of every kind, four more at random, in run
    // order; each anchored to work, never to the clock. A point whose write was already made (a batch) fires at the
    // next write the run makes, so every child is killed mid-run.
    const seedText = process.env.MESHFERRY_KILL_SEED ?? String(Date.now() % 2 ** 31);
    let seed = Number(seedText);
    process.stderr.write(`migrate-cross-reliability: kill seed ${seedText} (replay with MESHFERRY_KILL_SEED=${seedText})\n`);
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    // A slot is a write and a moment: 2 × position + (0 intent, 1 after).
    const pick = (from: number[]) => from[Math.floor(random() * from.length)]!;
    const chosen = new Set<number>();
    for (const k of KINDS) chosen.add(2 * pick(work.flatMap((w, i) => (w.kind === k ? [i] : []))) + (random() < 0.5 ? 0 : 1));
    while (chosen.size < 10) chosen.add(Math.floor(random() * 2 * work.length));
    const points: KillPoint[] = [...chosen].sort((x, y) => x - y).map((slot) => ({ at: Math.floor(slot / 2), moment: slot % 2 === 0 ? 'intent' : 'after', delayMs: Math.floor(random() * 300) }));
    process.stderr.write(`migrate-cross-reliability: work ${work.map((w, i) => `${i}:${w.key}`).join(', ')}\n`);
    process.stderr.write(`migrate-cross-reliability: points ${points.map((p) => `${p.at}/${p.moment}${p.moment === 'after' ? `+${p.delayMs}ms` : ''}`).join(', ')}\n`);

    const killFile = await migrationFile(parent, kill.migration, await runFiles(parent, 'kill', promUrl));
    const shiftState = async () => {
      const s = (await get(c.primary, 'meshferry.dev', 'TrafficShift', 'istio-system', kill.shift))?.status as { pendingWeight?: number; history?: unknown[] } | undefined;
      return { pending: s?.pendingWeight !== undefined, steps: s?.history?.length ?? 0 };
    };
    const shiftAt = position.get(tickKey(1)) ?? work.length;
    const lastTick = shiftAt + (calmWorld.primary.shift?.history.length ?? 0) - 1;
    type ShiftSeen = Awaited<ReturnType<typeof shiftState>>;
    /**
     * How far the kill run has come: the furthest position done, and the furthest pending or done, among journal
     * writes newer than `baseline` and shift ticks made since `since` (the TrafficShift's status when the child started).
     */
    const progress = async (baseline: number, since: ShiftSeen = { pending: false, steps: 0 }) => {
      const fresh = (await journalOf(kill.migration)).filter((e) => e.seq > baseline && position.has(entryKey(e, 'kill')));
      const pos = (e: JournalEntry) => position.get(entryKey(e, 'kill'))!;
      const shift = await shiftState();
      // A tick past the calm run's last (never expected) stays on the ticks' positions, not the scale-down's after them.
      const tickDone = shift.steps > since.steps ? Math.min(shiftAt + shift.steps - 1, lastTick) : -1;
      const tickPending = shift.pending && (!since.pending || shift.steps !== since.steps) ? Math.min(shiftAt + shift.steps, lastTick) : -1;
      const done = Math.max(-1, tickDone, ...fresh.filter((e) => e.state === 'done').map(pos));
      return { done, pending: Math.max(done, tickPending, ...fresh.filter((e) => e.state === 'pending').map(pos)), shift };
    };
    const landed: string[] = [];
    const started = Date.now();
    for (const [i, point] of points.entries()) {
      const baseline = Math.max(0, ...(await journalOf(kill.migration)).map((e) => e.seq));
      const start = await progress(0);
      // Never wait for a write already made: aim at the next one instead.
      const target = Math.max(point.at, start.done + 1);
      const shiftBefore = start.shift;
      const args = i === 0 ? ['migrate', 'apply', killFile, ...kube()] : ['migrate', 'resume', kill.migration, ...home()];
      const t0 = Date.now();
      const run = startCli(args, { env });
      let alive = true;
      void run.done.then(() => (alive = false));
      let why = '';
      /** The write at a position; past the end, the last one. */
      const workAt = (at: number) => work[Math.min(at, work.length - 1)]!;
      const name = (at: number) => workAt(at).key;
      // The scale-down is the run's last action: after it only the finish checks remain, which may end the run within
      // a few hundred ms. A kill anchored on a scale write gets no added delay (a CI run's 13/after+241ms waited for the
      // progress line after the last scale-down, then slept past the run's end).
      const lastAction = (at: number) => workAt(at).kind === 'scale';
      const watch = (async () => {
        const progressLines = () => run.stderr().split('\n').filter((l) => /^(Init|Prepare|Migrating|Finished): /.test(l));
        const lines = () => progressLines().length;
        // The run's Finished line comes just before it exits: no delay then either.
        const finishing = () => /^Finished: /.test(progressLines().at(-1) ?? '');
        // Earlier kills used up every write (they land late when a batch or a short pending window gets past a poll):
        // this one falls on the finish, at the run's first progress line. So does one whose write an earlier kill left
        // pending: this run settles it by looking, writes nothing new for it, and may have nothing else to write.
        const leftPending = start.pending >= target && start.done < target;
        let armedAtLines: number | undefined = target >= work.length || leftPending ? 0 : undefined;
        if (armedAtLines === 0) why = leftPending ? `${name(target)} left pending by the kill before: the run's first progress line${lastAction(target) ? '' : ` + ${point.delayMs} ms`}` : 'no write left: the first progress line of the finish';
        while (alive) {
          if (armedAtLines !== undefined) {
            if (lines() > armedAtLines) {
              if (target < work.length && !lastAction(target) && !finishing()) await sleep(point.delayMs);
              break;
            }
          } else {
            const { done, pending } = await progress(baseline, shiftBefore);
            if (point.moment === 'intent' && pending >= target) {
              // The pending window may close between two polls: the write done then kills at once (still mid-run).
              why = `${name(pending)} ${done >= target ? 'done (its pending window was missed)' : 'pending'}`;
              break;
            }
            if (point.moment === 'after' && done >= target) {
              if (lastAction(done)) {
                why = `${name(done)} done (the last action: killed at once)`;
                break;
              }
              why = `${name(done)} done, then a progress line + ${point.delayMs} ms`;
              armedAtLines = lines();
            }
          }
          await sleep(10);
        }
        if (alive) run.child.kill('SIGKILL');
      })();
      const out = await run.done;
      await watch;
      expect(out.code, `point ${i + 1} (${point.at}/${point.moment}): the run was to be killed mid-run, it ended: ${out.stderr}`).toBe(137);
      expect(run.child.signalCode).toBe('SIGKILL');
      expect(hasStackTrace(out.stderr)).toBe(false);
      const pending = (await journalOf(kill.migration)).filter((e) => e.state === 'pending').length;
      landed.push(`${i + 1}. ${point.at}/${point.moment} (aimed at ${target}): ${why}${pending ? ` (${pending} entry pending)` : ''}; killed after ${Date.now() - t0} ms`);
      process.stderr.write(`migrate-cross-reliability: kill ${landed.at(-1)}\n`);
    }
    process.stderr.write(`migrate-cross-reliability: ${landed.length} kills in ${Date.now() - started} ms\n`);

    const last = await runCliAsync(['migrate', 'resume', kill.migration, ...home()], { env });
    expect(last.code, last.stderr).toBe(0);
    expect(hasStackTrace(last.stderr)).toBe(false);

    // The end states match: every cluster, the status and the journal's done steps.
    const killJournal = await journalOf(kill.migration);
    expect(killJournal.filter((e) => e.state === 'pending')).toEqual([]);
    const killWorld = await runWorld(c, 'kill');
    expect(isDeepStrictEqual(killWorld, calmWorld), `the killed run's clusters differ from the calm run's (-calm +kill):\n${diffLines(calmWorld, killWorld)}`).toBe(true);
    // The status: phase, and each wave's state, stage, counts, and what it copied, scaled down and left alone.
    const waves = (s: Awaited<ReturnType<typeof statusOf>>, prefix: string) =>
      normalized({ phase: s.phase, waves: s.waves.map((w) => ({ name: w.name, state: w.state, stage: w.stage, counts: w.counts, copied: w.copied, scaledDown: w.scaledDown, leftAlone: w.leftAlone })) }, prefix);
    expect(waves(await statusOf(kill.migration), 'kill')).toEqual(waves(calmStatus, 'calm'));
    const calmSteps = doneSteps(calmJournal, 'calm');
    const killSteps = doneSteps(killJournal, 'kill');
    expect(new Set(calmSteps).size, 'each calm step once').toBe(calmSteps.length);
    expect([...killSteps].sort(), `done steps (-calm +kill):\n${diffLines([...calmSteps].sort(), [...killSteps].sort())}`).toEqual([...calmSteps].sort());
  }, 600_000);
});
