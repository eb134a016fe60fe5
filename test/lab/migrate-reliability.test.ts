// MeshMigration under trouble on a real lab (revisions default and canary): the target istiod stops mid-wave, the
// ASM-style path with required proxy metadata, Ctrl-C, and SIGKILL at random points followed by resume.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Cluster } from '../../src/kube/cluster.js';
import type { Lab } from '../../src/lab/index.js';
import { startLabIstiod, stopLabIstiod } from '../../src/lab/istiod-control.js';
import { Journal, JOURNAL_NAMESPACE, JOURNAL_OF_LABEL } from '../../src/journal/index.js';
import { podInjection } from '../../src/migrate/cluster/injection.js';
import { runMigration } from '../../src/migrate/runner.js';
import { applyMigration, ensureMigrations } from '../../src/migrate/store.js';
import type { MeshMigration } from '../../src/migrate/spec.js';
import { CLI, runCli } from '../support/cli.js';
import { eventually, kubectlFor } from './lab-kubectl.js';
import { migrationFile, ok, seedGateway, seedNamespace, settled, worldView, type Kubectl } from './migrate-fixtures.js';

import { labPerFile } from './lab-per-file.js';

let lab: Lab;
let cluster: Cluster;
let kubectl: Kubectl;
const { parent, dir } = labPerFile('migrate-reliability-test-', { revisions: ['default', 'canary'] }, (l, c) => {
  lab = l;
  cluster = c;
});
const env = { MESHFERRY_STATE_DIR: path.join(parent, 'state'), NO_COLOR: '1' };

beforeAll(async () => {
  kubectl = await kubectlFor(lab.kubeconfigPath);
});

const args = (...a: string[]) => [CLI, ...a, '--kubeconfig', lab.kubeconfigPath, '--context', 'lab'];
const cli = (...a: string[]) => runCli([...a, '--kubeconfig', lab.kubeconfigPath, '--context', 'lab'], { env });

function migration(name: string, spec: MeshMigration['spec']): MeshMigration {
  return { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', metadata: { name }, spec };
}

async function podsOf(ns: string) {
  return cluster.client.list(cluster.discovery.resourceFor('', 'Pod')!, { namespace: ns });
}

const revisionsOf = async (ns: string) => (await podsOf(ns)).filter((p) => p.metadata.deletionTimestamp === undefined).map((p) => podInjection(p));

describe('migrate under trouble (lab)', () => {
  it('reverts the opt-in when the target istiod stops mid-wave, new pods still start, and resume completes once it is back', async () => {
    seedNamespace(kubectl, 'down', ['api', 'web']);
    await settled(cluster, ['down']);
    const res = await ensureMigrations(cluster.client);
    await applyMigration(cluster.client, res, migration('injector-down', { mode: 'InPlace', source: { revision: 'default' }, target: { revision: 'canary' }, waves: [{ name: 'w', namespaces: ['down'] }], verify: { timeout: '5m' } }));
    let stopped = false;
    const first = await runMigration({
      client: cluster.client,
      resource: res,
      name: 'injector-down',
      journal: { localDir: path.join(parent, 'j1') },
      pollMs: 200,
      onAction: async (a) => {
        if (a.kind === 'restart' && !stopped) {
          stopped = true;
          await stopLabIstiod(dir, { revision: 'canary' });
        }
      },
    });
    expect(first.exit).toBe(1);
    expect(first.last.kind).toBe('blocked');
    expect(first.status.waves[0]).toMatchObject({ state: 'Reverted' });
    expect(first.status.message).toMatch(/target injector stopped serving/);
    // The opt-in is back as recorded: the namespace is on the source again, and a new pod can start.
    const ns = await cluster.client.get(cluster.discovery.resourceFor('', 'Namespace')!, undefined, 'down');
    expect(ns!.metadata.labels).toMatchObject({ 'istio-injection': 'enabled' });
    expect(ns!.metadata.labels!['istio.io/rev']).toBeUndefined();
    ok(kubectl('lab', ['-n', 'down', 'run', 'newcomer', '--image=registry.k8s.io/pause:3.10']));
    const newcomer = await eventually('pod newcomer created and injected', async () => {
      const p = (await podsOf('down')).find((x) => x.metadata.name === 'newcomer');
      return p ? podInjection(p) : undefined;
    });
    expect(newcomer.revision).toBe('default');
    // The revert is journaled: each revert entry undoes one opt-in entry.
    const mm = (await cluster.client.get(res, undefined, 'injector-down'))!;
    const journal = await Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'injector-down', uid: String(mm.metadata.uid) }, { localDir: path.join(parent, 'j1b') });
    expect(journal.entries().filter((e) => e.step === 'revert').length).toBe(journal.entries().filter((e) => e.step === 'optIn.namespace').length);
    // Still down: resume refuses to move on.
    expect(cli('migrate', 'resume', 'injector-down').code).toBe(1);

    await startLabIstiod(dir, { revision: 'canary' });
    const resumed = cli('migrate', 'resume', 'injector-down');
    expect(resumed.code, resumed.stderr).toBe(0);
    await settled(cluster, ['down']);
    const revs = (await revisionsOf('down')).filter((p) => p.running);
    // Every pod of the workloads moved; the bare pod is untouched, and named in the status.
    expect((await podsOf('down')).filter((p) => p.metadata.name !== 'newcomer').every((p) => podInjection(p).revision === 'canary')).toBe(true);
    expect(revs.length).toBe(5);
    const st = JSON.parse(cli('migrate', 'status', 'injector-down', '-o', 'json').stdout) as { phase: string; waves: { untouchable: { ref: string }[] }[] };
    expect(st.phase).toBe('Finished');
    expect(st.waves[0]!.untouchable.map((u) => u.ref)).toEqual(['Pod down/newcomer']);
  });

  it('pauses (exit 1) when someone else changes the opt-in label mid-wave, names the change, puts nothing back; resume applies it again', async () => {
    seedNamespace(kubectl, 'drift', ['api', 'web'], 1);
    await settled(cluster, ['drift']);
    const res = await ensureMigrations(cluster.client);
    await applyMigration(cluster.client, res, migration('drift', { mode: 'InPlace', source: { revision: 'default' }, target: { revision: 'canary' }, waves: [{ name: 'w', namespaces: ['drift'] }], verify: { timeout: '5m' } }));
    let changed = false;
    const first = await runMigration({
      client: cluster.client,
      resource: res,
      name: 'drift',
      journal: { localDir: path.join(parent, 'j3') },
      pollMs: 200,
      onAction: (a) => {
        // After the first restart of the wave, someone puts the namespace back on the source by hand.
        if (a.kind === 'restart' && a.purpose === 'wave' && !changed) {
          changed = true;
          ok(kubectl('lab', ['label', 'namespace', 'drift', 'istio.io/rev=default', '--overwrite']));
        }
      },
    });
    expect(changed).toBe(true);
    expect(first.exit).toBe(1);
    expect(first.last).toMatchObject({ kind: 'pause', drift: true });
    // Counts that add up mid-wave: the wave's workloads are known from its opt-in; one of them was restarted.
    expect(first.status.waves[0]).toMatchObject({ state: 'Paused', counts: { workloads: 2, restarted: 1, verifiedPods: 0 } });
    expect(first.status.message).toContain('wave w: its opt-in was changed outside meshferry (namespace drift: istio.io/rev is "default", the opt-in sets "canary"); nothing was put back');
    // Nothing was put back: the label is still the one set by hand, and the journal has one opt-in of the namespace.
    const nsRes = cluster.discovery.resourceFor('', 'Namespace')!;
    expect((await cluster.client.get(nsRes, undefined, 'drift'))!.metadata.labels!['istio.io/rev']).toBe('default');
    const uid = String((await cluster.client.get(res, undefined, 'drift'))!.metadata.uid);
    const optIns = async (dirName: string) =>
      (await Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'drift', uid }, { localDir: path.join(parent, dirName) })).entries().filter((e) => e.step === 'optIn.namespace').length;
    expect(await optIns('j3a')).toBe(1);
    // The table says why it paused; a second apply of the same object does not release it, resume does.
    const table = cli('migrate', 'status', 'drift');
    expect(table.stdout).toMatch(/^w +Paused .*its opt-in was changed outside meshferry/m);
    const again = await runMigration({ client: cluster.client, resource: res, name: 'drift', journal: { localDir: path.join(parent, 'j3b') }, pollMs: 200 });
    expect(again.exit).toBe(1);
    expect(again.last).toMatchObject({ kind: 'pause', drift: true });
    const resumed = cli('migrate', 'resume', 'drift');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await optIns('j3c')).toBe(2);
    await settled(cluster, ['drift']);
    expect((await cluster.client.get(nsRes, undefined, 'drift'))!.metadata.labels!['istio.io/rev']).toBe('canary');
    expect((await revisionsOf('drift')).map((p) => p.revision)).toEqual(['canary', 'canary']);
    const done = JSON.parse(cli('migrate', 'status', 'drift', '-o', 'json').stdout) as { phase: string; waves: { counts: unknown }[] };
    expect(done.phase).toBe('Finished');
    expect(done.waves[0]!.counts).toEqual({ workloads: 2, restarted: 2, verifiedPods: 2, untouched: 0 });
  });

  it('ASM style: podTemplateLabels opt-in, required proxy metadata set by Prepare, a workload scaled mid-wave still gets sidecars', async () => {
    seedNamespace(kubectl, 'asm', ['orders', 'stock'], 1);
    await settled(cluster, ['asm']);
    const before = await worldView(cluster, ['asm']);
    const lacking = (await revisionsOf('asm')).filter((p) => p.proxyEnv.PROXY_CONFIG_XDS_AGENT !== 'true');
    expect(lacking.length).toBe(2);
    const res = await ensureMigrations(cluster.client);
    await applyMigration(
      cluster.client,
      res,
      migration('asm', {
        mode: 'InPlace',
        source: { revision: 'default' },
        target: { revision: 'canary' },
        optIn: { podTemplateLabels: { 'istio.io/rev': 'canary' } },
        requiredProxyMetadata: { PROXY_CONFIG_XDS_AGENT: 'true' },
        waves: [{ name: 'asm', namespaces: ['asm'] }],
        verify: { timeout: '5m' },
      }),
    );
    let scaled = false;
    const phases: string[] = [];
    const r = await runMigration({
      client: cluster.client,
      resource: res,
      name: 'asm',
      journal: { localDir: path.join(parent, 'j2') },
      pollMs: 200,
      onAction: async (a, s) => {
        if (!phases.includes(s.phase)) phases.push(s.phase);
        // Mid-wave, before stock restarts: scale it up; its new pods must still get a sidecar.
        if (a.kind === 'restart' && a.purpose === 'wave' && !scaled) {
          scaled = true;
          ok(kubectl('lab', ['-n', 'asm', 'scale', 'deployment', 'stock', '--replicas=3']));
        }
      },
    });
    expect(r.exit, r.status.message).toBe(0);
    expect(phases).toEqual(['Prepare', 'Migrating', 'Finished']);
    await settled(cluster, ['asm']);
    const pods = await revisionsOf('asm');
    expect(pods.length).toBe(4);
    for (const p of pods) {
      expect(p.injected).toBe(true);
      expect(p.revision).toBe('canary');
      expect(p.proxyEnv.PROXY_CONFIG_XDS_AGENT).toBe('true');
    }
    const ns = await cluster.client.get(cluster.discovery.resourceFor('', 'Namespace')!, undefined, 'asm');
    expect(ns!.metadata.labels!['istio-injection']).toBeUndefined();
    const mm = (await cluster.client.get(res, undefined, 'asm'))!;
    const journal = await Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'asm', uid: String(mm.metadata.uid) }, { localDir: path.join(parent, 'j2b') });
    expect(journal.entries().map((e) => e.step)).toContain('proxyConfig');
    expect(journal.entries().filter((e) => e.step === 'optIn.template').length).toBe(2);

    // Someone edits the ProxyConfig meshferry created: rollback refuses before it changes anything, and says why (exit 1).
    const pcRes = cluster.discovery.resourceFor('networking.istio.io', 'ProxyConfig')!;
    ok(kubectl('lab', ['-n', 'istio-system', 'patch', 'proxyconfigs.networking.istio.io', 'meshferry-asm', '--type=merge', '-p', '{"spec":{"environmentVariables":{"THEIRS":"1"}}}']));
    ok(kubectl('lab', ['-n', 'asm', 'scale', 'deployment', 'stock', '--replicas=1']));
    const refused = cli('migrate', 'rollback', 'asm');
    expect(refused.code, refused.stderr).toBe(1);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/ProxyConfig istio-system\/meshferry-asm was changed by someone else after meshferry created it \(step \d+\); meshferry will not delete it, and changes nothing else while it stands/);
    expect(((await cluster.client.get(pcRes, 'istio-system', 'meshferry-asm'))!.spec as { environmentVariables: Record<string, string> }).environmentVariables.THEIRS).toBe('1');
    // Nothing else moved: every pod still runs the target.
    for (const p of await revisionsOf('asm')) expect(p.revision).toBe('canary');
    // Its owner deletes it; rollback then finishes: labels and templates are back, pods run default again.
    ok(kubectl('lab', ['-n', 'istio-system', 'delete', 'proxyconfigs.networking.istio.io', 'meshferry-asm']));
    const back = cli('migrate', 'rollback', 'asm');
    expect(back.code, back.stderr).toBe(0);
    await settled(cluster, ['asm']);
    expect(await worldView(cluster, ['asm'])).toEqual(before);
    expect(await cluster.client.get(cluster.discovery.resourceFor('networking.istio.io', 'ProxyConfig')!, 'istio-system', 'meshferry-asm')).toBeUndefined();
    for (const p of await revisionsOf('asm')) expect(p.proxyEnv.PROXY_CONFIG_XDS_AGENT).toBeUndefined();
  });

  it('Ctrl-C mid-wave exits 130 with a consistent journal; SIGKILL at up to 20 random points of 4 namespaces and a gateway, resuming after each, ends where an uninterrupted run ends', async () => {
    // The issue's shape: four namespaces and a gateway (two namespaces share the first wave, so one wave restarts
    // workloads of two namespaces side by side).
    const shape = (prefix: string) => {
      seedNamespace(kubectl, `${prefix}-a`, ['one', 'two']);
      seedNamespace(kubectl, `${prefix}-b`, ['three'], 1);
      seedNamespace(kubectl, `${prefix}-c`, ['four']);
      seedNamespace(kubectl, `${prefix}-d`, ['five', 'six'], 1);
      seedGateway(kubectl, `${prefix}-gw`, 'edge');
    };
    const spec = (prefix: string) => ({
      mode: 'InPlace',
      source: { revision: 'default' },
      target: { revision: 'canary' },
      waves: [
        { name: 'ab', namespaces: [`${prefix}-a`, `${prefix}-b`], maxUnavailable: 2 },
        { name: 'c', namespaces: [`${prefix}-c`] },
        { name: 'd', namespaces: [`${prefix}-d`] },
        { name: 'gw', gateways: [`${prefix}-gw/edge`] },
      ],
      verify: { timeout: '5m' },
    });
    const scope = (prefix: string) => ['a', 'b', 'c', 'd', 'gw'].map((s) => `${prefix}-${s}`);
    // Restart stamps are times and differ between any two runs; every other byte must match.
    const normal = (v: unknown, prefix: string) =>
      JSON.parse(JSON.stringify(v).replaceAll(`${prefix}-`, 'X-').replace(/"(kubectl\.kubernetes\.io\/restartedAt|restartAt)":"[^"]+"/g, '"$1":"T"')) as unknown;

    shape('calm');
    shape('kill');
    await settled(cluster, [...scope('calm'), ...scope('kill')]);
    const calm = cli('migrate', 'apply', await migrationFile(parent, 'calm', spec('calm')));
    expect(calm.code, calm.stderr).toBe(0);
    await settled(cluster, scope('calm'));

    // Ctrl-C once the first wave restarts: exit 130, nothing pending in the journal.
    const killFile = await migrationFile(parent, 'kill', spec('kill'));
    const interrupted = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args('migrate', 'apply', killFile), { env: { ...process.env, ...env } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/restarted/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toMatch(/journal is consistent/);
    const res = await ensureMigrations(cluster.client);
    const uid = String((await cluster.client.get(res, undefined, 'kill'))!.metadata.uid);
    let opened = 0;
    const open = async () => Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'kill', uid }, { localDir: path.join(parent, `k${opened++}`) });
    expect((await open()).pending()).toEqual([]);

    // SIGKILL at random points (seeded), resuming after each. The points are anchored to the work, never to the wall
    // clock, so kills land mid-work on a fast quiet machine and on a starved one alike:
    // - "line": 0-250 ms after the child's 1st or 2nd progress line (a line follows an action's status write; the
    //   next action is then under way);
    // - "intent": as soon as the journal in the cluster shows a new step pending (its intent written, its result
    //   not), so the kill falls between an intent and its result; a poll that misses the window catches a later
    //   one, and the 4th progress line kills anyway.
    // Every killed run has made at least one step, so the loop moves on; after 20 kills a last resume runs alone.
    let seed = 20261129;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const cmRes = cluster.discovery.resourceFor('', 'ConfigMap')!;
    const journalSeqs = async () => {
      const shards = await cluster.client.list(cmRes, { namespace: JOURNAL_NAMESPACE, labelSelector: `${JOURNAL_OF_LABEL}=${uid}` });
      const entries = shards.flatMap((cm) => JSON.parse(String((cm.data as Record<string, string> | undefined)?.['entries.json'] ?? '[]')) as { seq: number; state: string }[]);
      return { last: Math.max(0, ...entries.map((e) => e.seq)), pending: entries.filter((e) => e.state === 'pending').map((e) => e.seq) };
    };
    let kills = 0;
    let midWrite = 0;
    let finishedAlone = false;
    while (kills < 20) {
      const mode = random() < 0.5 ? 'line' : 'intent';
      const afterLines = mode === 'line' ? 1 + Math.floor(random() * 2) : 4;
      const delay = mode === 'line' ? Math.floor(random() * 250) : 0;
      const baseline = (await journalSeqs()).last;
      const out = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, args('migrate', 'resume', 'kill'), { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        let timer: NodeJS.Timeout | undefined;
        let alive = true;
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const lines = stderr.split('\n').filter((l) => /^(Init|Prepare|Migrating|Finished): /.test(l)).length;
          if (lines >= afterLines && timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), delay);
        });
        child.on('close', (code, signal) => {
          alive = false;
          clearTimeout(timer);
          resolve({ code, signal, stderr });
        });
        if (mode === 'intent')
          void (async () => {
            while (alive) {
              if ((await journalSeqs()).pending.some((seq) => seq > baseline)) {
                child.kill('SIGKILL');
                return;
              }
              await sleep(20);
            }
          })();
      });
      if (out.signal !== 'SIGKILL') {
        // It finished between its last line and the kill: a valid end too.
        expect(out.code, out.stderr).toBe(0);
        finishedAlone = true;
        break;
      }
      kills++;
      if ((await journalSeqs()).pending.length > 0) midWrite++;
    }
    process.stderr.write(`migrate SIGKILL test: ${kills} kill(s), ${midWrite} between a journal intent and its result${finishedAlone ? '; the last run finished before its kill' : ''}\n`);
    expect(kills).toBeGreaterThanOrEqual(3);
    const final = cli('migrate', 'resume', 'kill');
    expect(final.code, final.stderr).toBe(0);
    await settled(cluster, scope('kill'));

    // The end state equals the uninterrupted run's: namespace labels, pod templates, pods' revisions.
    const calmWorld = await worldView(cluster, scope('calm'));
    expect(Object.values(calmWorld.revisions).flat().every((r) => r === 'canary')).toBe(true);
    expect(normal(await worldView(cluster, scope('kill')), 'kill')).toEqual(normal(calmWorld, 'calm'));
    // The status too: phase, and each wave's state and counts.
    const statusOf = (name: string) => JSON.parse(cli('migrate', 'status', name, '-o', 'json').stdout) as { phase: string; waves: unknown[] };
    const [killStatus, calmStatus] = [statusOf('kill'), statusOf('calm')];
    expect(killStatus.phase).toBe('Finished');
    expect(normal(killStatus.waves, 'kill')).toEqual(normal(calmStatus.waves, 'calm'));
    // The journal's final entries: nothing pending, and the steps that took effect are the uninterrupted run's, in
    // the same order (a step redone after a kill counts once; a step found applied on resume counts as done).
    const j = await open();
    expect(j.pending()).toEqual([]);
    const calmUid = String((await cluster.client.get(res, undefined, 'calm'))!.metadata.uid);
    const calmJ = await Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'calm', uid: calmUid }, { localDir: path.join(parent, 'c1') });
    const doneSteps = (entries: readonly { step: string; state: string; target?: { kind: string; namespace?: string; name: string } }[], prefix: string) => [
      ...new Set(entries.filter((e) => e.state === 'done').map((e) => `${e.step} ${e.target?.kind} ${(e.target?.namespace ?? '').replace(`${prefix}-`, 'X-')}/${e.target?.name.replace(`${prefix}-`, 'X-')}`)),
    ];
    const calmSteps = doneSteps(calmJ.entries(), 'calm');
    expect(calmSteps.filter((s) => s.startsWith('restart ')).length).toBe(7);
    expect(doneSteps(j.entries(), 'kill')).toEqual(calmSteps);
  });
});
