// Per-cluster istiod revisions (B1): issue 13's TCM layout, `tcm` on 1-18-5 and `primary` on 1-31-1, proved with the
// product's own control-plane discovery and dry-run injection proof, and seen by `lab status`, `lab istiod` and
// `lab down` (other processes reading lab.json). One two-cluster lab for the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { processesMentioning, type Lab } from '../../src/lab/index.js';
import { discoverControlPlanes } from '../../src/migrate/cluster/control-planes.js';
import { dryRunPod, podInjection, proveInjection } from '../../src/migrate/cluster/injection.js';
import type { KubeObject } from '../../src/resources/object.js';
import { runCli } from '../support/cli.js';
import { labPerFile } from './lab-per-file.js';
import { until } from '../support/poll.js';

const REVISION = { tcm: '1-18-5', primary: '1-31-1' } as const;
type Name = keyof typeof REVISION;
const NAMES = Object.keys(REVISION) as Name[];
const OTHER: Record<Name, Name> = { tcm: 'primary', primary: 'tcm' };

let lab: Lab;
const clusters = {} as Record<Name, Cluster>;
const { dir } = labPerFile('lab-revisions-test-', { clusters: NAMES, revisions: { tcm: [REVISION.tcm], primary: [REVISION.primary] } }, (l, c) => {
  lab = l;
  clusters.tcm = c;
});

beforeAll(async () => {
  clusters.primary = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'primary' });
  for (const name of NAMES) await clusters[name].client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, { force: true });
});
afterAll(() => clusters.primary?.close());

interface StatusJson {
  running: boolean;
  components: { cluster: string; component: string; running: boolean; health: string }[];
}
function status(): { code: number; json: StatusJson } {
  const r = runCli(['lab', 'status', '--dir', dir, '-o', 'json']);
  return { code: r.code, json: JSON.parse(r.stdout) as StatusJson };
}
const istiodRows = (s: StatusJson) => s.components.filter((c) => c.component.startsWith('istiod-')).map((c) => [c.cluster, c.component, c.running, c.health]);

describe('lab with per-cluster revisions (tcm=1-18-5, primary=1-31-1)', () => {
  it('records one istiod per cluster, holding the default tag there', () => {
    expect(lab.clusters.map((c) => [c.name, c.istiods.map((i) => [i.revision, i.isDefault])])).toEqual([
      ['tcm', [['1-18-5', true]]],
      ['primary', [['1-31-1', true]]],
    ]);
  });

  it.each(NAMES)('discoverControlPlanes finds only its own revision in %s, serving istio-injection=enabled through its webhook URL', async (name) => {
    const found = await discoverControlPlanes(clusters[name].client);
    expect(found.controlPlanes.map((c) => c.revision)).toEqual([REVISION[name]]);
    const [cp] = found.controlPlanes;
    expect(cp).toMatchObject({ injectorConfigs: [`istio-sidecar-injector-${REVISION[name]}`], tags: ['default'], servesIstioInjection: true, isDefault: true });
    expect(cp?.injectorTargets).toEqual([lab.cluster(name).istiods[0]?.injectionUrl]);
    expect(found.validators.map((v) => v.revision)).not.toEqual([]);
    expect(found.validators.map((v) => v.revision).every((r) => r === REVISION[name])).toBe(true);
  });

  it.each(NAMES)('proveInjection: %s injects its own revision (by istio.io/rev and by istio-injection=enabled) and never the other', async (name) => {
    const client = clusters[name].client;
    const own = REVISION[name];
    const other = REVISION[OTHER[name]];
    const byRev = await proveInjection(client, { namespace: 'shop', namespaceLabels: { 'istio.io/rev': own }, expectRevision: own });
    expect(byRev, JSON.stringify(byRev)).toMatchObject({ ok: true, revision: own });
    const legacy = await proveInjection(client, { namespace: 'shop', namespaceLabels: { 'istio-injection': 'enabled' }, expectRevision: own });
    expect(legacy, JSON.stringify(legacy)).toMatchObject({ ok: true, revision: own });
    const foreign = await proveInjection(client, { namespace: 'shop', namespaceLabels: { 'istio.io/rev': other }, expectRevision: other });
    expect(foreign).toMatchObject({ ok: false, reason: 'not-injected' });

    // The server itself: a dry-run Pod asking for the other revision comes back without a sidecar, one asking for
    // its own comes back injected by it.
    const asked = async (revision: string) => {
      const r = await dryRunPod(client, 'shop', { app: 'probe', 'istio.io/rev': revision });
      if ('webhookError' in r) throw new Error(r.webhookError);
      return podInjection(r.pod);
    };
    expect(await asked(own)).toMatchObject({ injected: true, revision: own });
    expect((await asked(other)).injected).toBe(false);
  });

  it('lab status shows istiod-1-18-5 only in tcm and istiod-1-31-1 only in primary, all healthy (exit 0)', () => {
    const s = status();
    expect(s.code).toBe(0);
    expect(s.json.running).toBe(true);
    expect(istiodRows(s.json)).toEqual([
      ['tcm', 'istiod-1-18-5', true, 'ok'],
      ['primary', 'istiod-1-31-1', true, 'ok'],
    ]);
    const table = runCli(['lab', 'status', '--dir', dir]);
    expect(table.stdout).toMatch(/^tcm\s+istiod-1-18-5\s+\d+\s+Running\s+ok\s+https:\/\/localhost:\d+$/m);
    expect(table.stdout).toMatch(/^primary\s+istiod-1-31-1\s+\d+\s+Running\s+ok\s+https:\/\/localhost:\d+$/m);
  });

  it('lab istiod refuses a revision a cluster does not run, naming which cluster runs what (exit 2)', () => {
    const r = runCli(['lab', 'istiod', 'stop', '--dir', dir, '--revision', '1-31-1', '--cluster', 'tcm']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('cluster tcm does not run istiod revision "1-31-1" (revisions: 1-18-5 in tcm; 1-31-1 in primary)');
    expect(istiodRows(status().json).every(([, , running]) => running)).toBe(true);
  });

  it('lab istiod stop|start without --cluster touches only the cluster that runs the revision', async () => {
    const stop = runCli(['lab', 'istiod', 'stop', '--dir', dir, '--revision', '1-18-5']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toMatch(/lab: tcm: istiod 1-18-5 stopped/);
    expect(stop.stderr).not.toMatch(/primary/);
    const down = status();
    expect(down.code).toBe(1);
    expect(istiodRows(down.json)).toEqual([
      ['tcm', 'istiod-1-18-5', false, 'failing: not running'],
      ['primary', 'istiod-1-31-1', true, 'ok'],
    ]);
    // tcm's injector is down (failurePolicy Fail); primary's still injects.
    expect(await dryRunPod(clusters.tcm.client, 'shop', { 'istio.io/rev': REVISION.tcm })).toHaveProperty('webhookError');
    expect(await proveInjection(clusters.primary.client, { namespace: 'shop', namespaceLabels: { 'istio.io/rev': REVISION.primary }, expectRevision: REVISION.primary })).toMatchObject({ ok: true });

    const start = runCli(['lab', 'istiod', 'start', '--dir', dir, '--revision', '1-18-5']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stderr).toMatch(/lab: tcm: istiod 1-18-5 serving again/);
    expect(status().code).toBe(0);
    expect(await proveInjection(clusters.tcm.client, { namespace: 'shop', namespaceLabels: { 'istio.io/rev': REVISION.tcm }, expectRevision: REVISION.tcm })).toMatchObject({ ok: true });
  });

  // plan-cross-cluster.md, "What the lab cannot do": no storage provisioner. A StatefulSet whose volumeClaimTemplates
  // no container mounts still gets its claim (the controller adds it to every pod), so its pod stays Pending.
  it('has no storage provisioner: a StatefulSet with an unused volumeClaimTemplate stays Pending on an unbound claim', async () => {
    const sts: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'cache', namespace: 'shop' },
      spec: {
        serviceName: 'cache',
        replicas: 1,
        selector: { matchLabels: { app: 'cache' } },
        template: {
          metadata: { labels: { app: 'cache' } },
          spec: { containers: [{ name: 'cache', image: 'registry.k8s.io/pause:3.10', volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] }], volumes: [{ name: 'scratch', emptyDir: {} }] },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    const client = clusters.primary.client;
    await client.apply(sts, { force: true });
    const pods = client.discovery.resourceFor('', 'Pod')!;
    const claims = client.discovery.resourceFor('', 'PersistentVolumeClaim')!;
    const pod = await until(async () => {
      const p = await client.get(pods, 'shop', 'cache-0');
      const conditions = ((p?.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined)?.conditions ?? []);
      return conditions.some((c) => c.type === 'PodScheduled' && c.status === 'False') ? p : undefined;
    });
    const scheduled = (pod.status as { phase: string; conditions: { type: string; status: string; reason?: string; message?: string }[] });
    expect(scheduled.phase).toBe('Pending');
    expect(scheduled.conditions.find((c) => c.type === 'PodScheduled')).toMatchObject({ reason: 'Unschedulable', message: expect.stringMatching(/unbound immediate PersistentVolumeClaims/) });
    const claim = await client.get(claims, 'shop', 'data-cache-0');
    expect((claim?.status as { phase?: string } | undefined)?.phase).toBe('Pending');
  });

  it('lab down stops every process of both clusters (5 components each, one istiod each)', () => {
    const r = runCli(['lab', 'down', '--dir', dir, '--keep']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/lab: stopped 12 process group\(s\)/);
    expect(processesMentioning(dir)).toEqual([]);
  });
});
