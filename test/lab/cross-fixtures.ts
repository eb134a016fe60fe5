// Shared set-up for CrossCluster lab tests on a tcm/primary/remote lab: one run's world under a prefix (namespaces, gateway Services, shift, config export), and a normalized view of what it left in the three clusters.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectClient } from '../../src/kube/object-client.js';
import { podInjection } from '../../src/migrate/cluster/injection.js';
import { isPlainObject, type KubeObject } from '../../src/resources/object.js';
import type { RouterSpec } from '../../src/traffic/routers/index.js';
import { SHIFT_API_VERSION } from '../../src/traffic/shift/store.js';

const ACK = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';
export const LB_WEIGHT = `${ACK}weight`;

export interface CrossClients {
  tcm: ObjectClient;
  primary: ObjectClient;
  remote: ObjectClient;
}

/** The names of one run: its two namespaces, its gateway Services (old in tcm, new in remote), its shift and migration. */
export function runNames(prefix: string) {
  return {
    shop: `${prefix}-shop`,
    payments: `${prefix}-pay`,
    oldGateway: `${prefix}-gw`,
    newGateway: `${prefix}-gw-new`,
    shift: `${prefix}-exit`,
    migration: `${prefix}-exit`,
    config: `${prefix}-payments`,
  };
}

/** The lbWeight router of a run's shift: tcm's gateway Service to remote's (config in primary). */
export function runRouter(prefix: string): RouterSpec {
  const n = runNames(prefix);
  return { lbWeight: { provider: 'ack', from: { context: 'tcm', service: `istio-system/${n.oldGateway}` }, to: { context: 'remote', configContext: 'primary', service: `istio-system/${n.newGateway}` } } };
}

/** A one-container Deployment labelled app=<name>. */
export function deployment(ns: string, name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'registry.k8s.io/pause:3.10' }] } } },
  };
}
/** A Service selecting app=<name> on port 80. */
export const service = (ns: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
const gatewayService = (lb: string, name: string, weight: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'istio-system', annotations: { [`${ACK}id`]: lb, [`${ACK}vgroup-port`]: `rsp-${name}:80`, [`${ACK}force-override-listeners`]: 'false', [LB_WEIGHT]: String(weight) } },
  spec: { type: 'LoadBalancer', selector: { istio: name }, ports: [{ name: 'http2', port: 80 }] },
});
const write = (c: ObjectClient, o: KubeObject) => c.apply(o, { fieldManager: 'kubectl', force: true });

/** Seeds one run's source in tcm (shop with frontend ×2, payments ×1, both on 1-18-5) and its two gateway Services (istio-system must exist in tcm and remote). */
export async function seedRun(c: CrossClients, prefix: string): Promise<void> {
  const n = runNames(prefix);
  for (const ns of [n.shop, n.payments]) await write(c.tcm, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio.io/rev': '1-18-5' } } });
  for (const o of [deployment(n.shop, 'frontend', 2), service(n.shop, 'frontend'), deployment(n.payments, 'payments', 1), service(n.payments, 'payments')]) await write(c.tcm, o);
  // The two Services of a shift share one load balancer (the ACK router refuses two).
  await write(c.tcm, gatewayService(`${prefix}-lb`, n.oldGateway, 100));
  await write(c.remote, gatewayService(`${prefix}-lb`, n.newGateway, 0));
}

/**
 * Writes the run's files beside its MeshMigration file in `dir`: the shift (50 then 100 under a success-rate gate) and
 * a config export with one DestinationRule for primary's istio-system. Returns the spec for migrationFile.
 */
export async function runFiles(dir: string, prefix: string, promUrl: string): Promise<Record<string, unknown>> {
  const n = runNames(prefix);
  const shiftFile = `${n.shift}-shift.yaml`;
  await writeFile(
    path.join(dir, shiftFile),
    JSON.stringify({
      apiVersion: SHIFT_API_VERSION,
      kind: 'TrafficShift',
      metadata: { name: n.shift, namespace: 'istio-system' },
      spec: {
        router: runRouter(prefix),
        steps: [50, 100],
        interval: '3s',
        gates: { prometheus: { address: promUrl }, checks: [{ metric: 'request-success-rate', min: 99 }], window: '4s' },
        rollback: { mode: 'gradual', steps: [50, 0], interval: '1s' },
      },
    }),
  );
  const exportDir = path.join(dir, `${prefix}-export`, 'istio-system');
  await mkdir(exportDir, { recursive: true });
  await writeFile(
    path.join(exportDir, `${n.config}.yaml`),
    `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ${n.config}, namespace: istio-system}\nspec:\n  host: payments.${n.payments}.svc.cluster.local\n  trafficPolicy:\n    connectionPool:\n      http: {http1MaxPendingRequests: 64}\n`,
  );
  return {
    mode: 'CrossCluster',
    source: { context: 'tcm', revision: '1-18-5', managed: 'tcm' },
    target: { context: 'primary', revision: '1-31-1', clusters: ['primary', 'remote'] },
    config: { from: `./${prefix}-export` },
    workloads: { copy: true },
    prometheus: { address: promUrl },
    callGraph: { window: '2m' },
    finish: { window: '6s', oldGateways: [{ context: 'tcm', workload: `istio-system/${n.oldGateway}` }] },
    waves: [{ name: 'move', namespaces: [n.shop, n.payments], cluster: 'remote', shifts: [`./${shiftFile}`], scaleDownSource: { window: '5s' } }],
    verify: { timeout: '5m' },
  };
}

const UID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const STAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;

/** Any value with the run's prefix, uids and time stamps replaced: what two runs may differ in and still be equal. */
export function normalized<T>(v: T, prefix: string): T {
  return JSON.parse(JSON.stringify(v).replaceAll(`${prefix}-`, 'X-').replace(UID, 'UID').replace(STAMP, 'T')) as T;
}

/** An object as a run left it: no server bookkeeping (uid, resourceVersion, stamps, managers, allocated IPs), status kept only where named. */
function exported(o: KubeObject | undefined): unknown {
  if (!o) return null;
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, generation: _g, ...metadata } = o.metadata as KubeObject['metadata'] & Record<string, unknown>;
  const spec = isPlainObject(o.spec) ? { ...o.spec } : o.spec;
  if (isPlainObject(spec)) for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy', 'sessionAffinity']) delete spec[k];
  if (isPlainObject(spec) && Array.isArray(spec.ports)) spec.ports = spec.ports.map((p) => (isPlainObject(p) ? (({ nodePort: _n, ...rest }) => rest)(p) : p));
  return { apiVersion: o.apiVersion, kind: o.kind, metadata, ...(spec !== undefined ? { spec } : {}) };
}

async function listIn(c: ObjectClient, group: string, kind: string, ns: string): Promise<KubeObject[]> {
  const res = c.discovery.resourceFor(group, kind);
  return res ? (await c.list(res, { namespace: ns })).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)) : [];
}
async function getIn(c: ObjectClient, group: string, kind: string, ns: string | undefined, name: string): Promise<KubeObject | undefined> {
  const res = c.discovery.resourceFor(group, kind) ?? (await c.refreshDiscovery()).resourceFor(group, kind);
  return res ? c.get(res, ns, name) : undefined;
}

/** Workloads of a namespace: each Deployment exported, with its replicas, ready replicas and its live pods' revisions. */
async function workloadsOf(c: ObjectClient, ns: string) {
  const pods = (await listIn(c, '', 'Pod', ns)).filter((p) => p.metadata.deletionTimestamp === undefined);
  return Promise.all(
    (await listIn(c, 'apps', 'Deployment', ns)).map(async (d) => {
      const sel = (d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      const st = (d.status ?? {}) as { replicas?: number; readyReplicas?: number };
      return {
        object: exported(d),
        status: { replicas: st.replicas ?? 0, ready: st.readyReplicas ?? 0 },
        podRevisions: pods.filter((p) => Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v)).map((p) => podInjection(p).revision ?? 'none').sort(),
      };
    }),
  );
}

/**
 * What one run left in the three clusters, normalized for its prefix: in tcm its namespaces, workloads (scaled
 * down) and old gateway Service; in remote the namespaces, copies and their pods, and the new gateway Service; in
 * primary the imported DestinationRule, the TrafficShift (spec, phase, weight, history steps without their times)
 * and the remote secret's labels and data keys (never its values).
 */
export async function runWorld(c: CrossClients, prefix: string) {
  const n = runNames(prefix);
  const side = async (client: ObjectClient, gateway: string) => {
    const namespaces: Record<string, unknown> = {};
    for (const ns of [n.shop, n.payments])
      namespaces[ns] = {
        namespace: exported(await getIn(client, '', 'Namespace', undefined, ns)),
        workloads: await workloadsOf(client, ns),
        services: (await listIn(client, '', 'Service', ns)).map(exported),
        configMaps: (await listIn(client, '', 'ConfigMap', ns)).filter((m) => m.metadata.name !== 'kube-root-ca.crt').map(exported),
      };
    return { namespaces, gateway: exported(await getIn(client, '', 'Service', 'istio-system', gateway)) };
  };
  const shift = await getIn(c.primary, 'meshferry.dev', 'TrafficShift', 'istio-system', n.shift);
  const st = (shift?.status ?? {}) as { phase?: string; weight?: number; history?: { weight: number; why: string }[] };
  const secret = await getIn(c.primary, '', 'Secret', 'istio-system', 'istio-remote-secret-remote');
  return normalized(
    {
      tcm: await side(c.tcm, n.oldGateway),
      remote: await side(c.remote, n.newGateway),
      primary: {
        config: exported(await getIn(c.primary, 'networking.istio.io', 'DestinationRule', 'istio-system', n.config)),
        shift: shift ? { object: exported(shift), phase: st.phase, weight: st.weight, history: (st.history ?? []).map((h) => `${h.weight} ${h.why}`) } : null,
        remoteSecret: secret ? { labels: secret.metadata.labels, annotations: secret.metadata.annotations, keys: Object.keys(isPlainObject(secret.data) ? secret.data : {}).sort() } : null,
      },
    },
    prefix,
  );
}
