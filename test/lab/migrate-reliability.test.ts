// MeshMigration under trouble on a real lab (revisions default and canary): the target istiod stops mid-wave, the
// ASM-style path with required proxy metadata, Ctrl-C, and SIGKILL at random points followed by resume.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Cluster } from '../../src/kube/cluster.js';
import type { Lab } from '../../src/lab/index.js';
import { startLabIstiod, stopLabIstiod } from '../../src/lab/istiod-control.js';
import { Journal } from '../../src/journal/index.js';
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

    // Rollback: the ProxyConfig meshferry created is deleted, labels and templates are back, pods run default again.
    ok(kubectl('lab', ['-n', 'asm', 'scale', 'deployment', 'stock', '--replicas=1']));
    const back = cli('migrate', 'rollback', 'asm');
    expect(back.code, back.stderr).toBe(0);
    await settled(cluster, ['asm']);
    expect(await worldView(cluster, ['asm'])).toEqual(before);
    expect(await cluster.client.get(cluster.discovery.resourceFor('networking.istio.io', 'ProxyConfig')!, 'istio-system', 'meshferry-asm')).toBeUndefined();
    for (const p of await revisionsOf('asm')) expect(p.proxyEnv.PROXY_CONFIG_XDS_AGENT).toBeUndefined();
  });

  it('Ctrl-C mid-wave exits 130 with a consistent journal; SIGKILL at random points then resume ends where an uninterrupted run ends', async () => {
    const shape = (prefix: string) => {
      seedNamespace(kubectl, `${prefix}-a`, ['one', 'two']);
      seedNamespace(kubectl, `${prefix}-b`, ['three']);
      seedGateway(kubectl, `${prefix}-gw`, 'edge');
    };
    const spec = (prefix: string) => ({
      mode: 'InPlace',
      source: { revision: 'default' },
      target: { revision: 'canary' },
      waves: [
        { name: 'a', namespaces: [`${prefix}-a`] },
        { name: 'b', namespaces: [`${prefix}-b`] },
        { name: 'gw', gateways: [`${prefix}-gw/edge`] },
      ],
      verify: { timeout: '5m' },
    });
    const scope = (prefix: string) => [`${prefix}-a`, `${prefix}-b`, `${prefix}-gw`];
    const normal = (v: Awaited<ReturnType<typeof worldView>>, prefix: string) =>
      JSON.parse(JSON.stringify(v).replaceAll(`${prefix}-`, 'X-').replace(/"kubectl\.kubernetes\.io\/restartedAt":"[^"]+"/g, '"kubectl.kubernetes.io/restartedAt":"T"')) as unknown;

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
    const open = async (n: string) => Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'kill', uid }, { localDir: path.join(parent, n) });
    expect((await open('k0')).pending()).toEqual([]);

    // SIGKILL at random points (seeded), resuming after each, until it finishes.
    let seed = 20261129;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let kills = 0;
    // Delays shorter than a resume's own run on a fast machine (it starts, connects and finishes a step in about a
    // second), so kills keep landing mid-work whatever the machine's speed; some land before any work, as they may.
    for (let i = 0; i < 40 && kills < 20; i++) {
      const delay = 150 + Math.floor(random() * 1050);
      const out = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        const child = spawn(process.execPath, args('migrate', 'resume', 'kill'), { env: { ...process.env, ...env }, stdio: 'ignore' });
        const t = setTimeout(() => child.kill('SIGKILL'), delay);
        child.on('close', (code, signal) => {
          clearTimeout(t);
          resolve({ code, signal });
        });
      });
      if (out.signal === 'SIGKILL') kills++;
      else {
        expect(out.code).toBe(0);
        break;
      }
      await sleep(50);
    }
    process.stderr.write(`migrate SIGKILL test: ${kills} kill(s) before the run finished\n`);
    expect(kills).toBeGreaterThanOrEqual(3);
    const final = cli('migrate', 'resume', 'kill');
    expect(final.code, final.stderr).toBe(0);
    await settled(cluster, scope('kill'));
    expect(normal(await worldView(cluster, scope('kill')), 'kill')).toEqual(normal(await worldView(cluster, scope('calm')), 'calm'));
    const j = await open('k1');
    expect(j.pending()).toEqual([]);
    // The journal's final entries match the uninterrupted run's: the same steps on the same targets.
    const calmUid = String((await cluster.client.get(res, undefined, 'calm'))!.metadata.uid);
    const calmJ = await Journal.open(cluster.client, { apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', name: 'calm', uid: calmUid }, { localDir: path.join(parent, 'c1') });
    const doneSteps = (entries: readonly { step: string; state: string; target?: { kind: string; namespace?: string; name: string } }[], prefix: string) =>
      [...new Set(entries.filter((e) => e.state === 'done').map((e) => `${e.step} ${e.target?.kind} ${(e.target?.namespace ?? '').replace(`${prefix}-`, 'X-')}/${e.target?.name.replace(`${prefix}-`, 'X-')}`))].sort();
    expect(doneSteps(j.entries(), 'kill')).toEqual(doneSteps(calmJ.entries(), 'calm'));
    expect(JSON.parse(cli('migrate', 'status', 'kill', '-o', 'json').stdout).phase).toBe('Finished');
  });
});
