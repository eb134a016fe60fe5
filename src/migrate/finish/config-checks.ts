// ConfigParity and VendorTraces of a CrossCluster migration against its clusters: what they read (exports of the source, home and the wave clusters) and what they leave out.
import { exportObjects } from '../../kube/export.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { exposeIstiod, exposeServices } from '../../install/expose.js';
import { GATEWAY_API_KINDS, ISTIO_KINDS } from '../../resources/kinds.js';
import { isPlainObject, keyOf, type KubeObject } from '../../resources/object.js';
import { isSecret } from '../../resources/secrets.js';
import type { ConfigLoader } from '../config.js';
import type { MeshMigrationSpec } from '../spec.js';
import { sourceExportNamespaces } from '../cross/source-export.js';
import type { FinishCheck } from './check-types.js';
import { configParity, vendorTraces } from './checks.js';

/** `Kind namespace/name` keys (group aside: v1 and v1beta1 of a kind are one object). */
const keyOfRef = (kind: string, namespace: string | undefined, name: string) => `${kind} ${namespace ?? ''}/${name}`;
const refOf = (o: KubeObject) => keyOfRef(o.kind, o.metadata.namespace, o.metadata.name);

/** The Istio and Gateway API kinds an export reads: the only kinds parity compares. */
function exportedKind(o: KubeObject): boolean {
  const k = keyOf(o);
  return [...ISTIO_KINDS, ...GATEWAY_API_KINDS].some((i) => i.group === k.group && i.kind === k.kind);
}

/**
 * The objects parity leaves out besides those labelled install.operator.istio.io/owning-resource: the install
 * plan's expose objects (src/install/expose.ts: istiod-gateway, istiod-vs[-<rev>], cross-network-gateway, which the
 * target has and the source need not), and the objects the waves' TrafficShift routers move weights in (their
 * weights differ from the source's by design once a shift ran). `routers` are the TrafficShift objects of the waves.
 */
export function parityExclusions(spec: MeshMigrationSpec, routers: readonly KubeObject[]): (o: KubeObject) => boolean {
  const out = new Set<string>();
  for (const o of [...exposeIstiod('1.31', spec.target.revision), ...exposeIstiod('1.31', undefined), ...exposeServices('1.31')]) out.add(refOf(o));
  for (const shift of routers) {
    const router = isPlainObject(shift.spec) && isPlainObject(shift.spec.router) ? shift.spec.router : {};
    for (const [field, kind] of [['virtualService', 'VirtualService'], ['httpRoute', 'HTTPRoute']] as const) {
      const r = router[field];
      const targets = isPlainObject(r) && Array.isArray(r.targets) ? r.targets.filter(isPlainObject) : [];
      for (const t of targets) if (typeof t.name === 'string') out.add(keyOfRef(kind, typeof t.namespace === 'string' ? t.namespace : shift.metadata.namespace, t.name));
    }
  }
  return (o) => out.has(refOf(o));
}

/**
 * ConfigParity read live: what the migration imported, as the source says it now (`configNow`: spec.config.from
 * after the rules, or a fresh live export of the source after the rules), against home's export of the same kinds
 * in the same namespaces. Skipped without spec.config (nothing was imported).
 */
export async function readConfigParity(spec: MeshMigrationSpec, home: ObjectClient, configNow: ConfigLoader | undefined, routers: readonly KubeObject[]): Promise<FinishCheck> {
  if (!spec.config) return { name: 'ConfigParity', verdict: 'skipped', evidence: ['spec.config is not set: the migration imported no config'] };
  if (!configNow) throw new TypeError('spec.config is set but no config loader was given');
  const input = await configNow();
  const expected = input.set.list().map((r) => r.object).filter((o) => exportedKind(o) && !isSecret(o));
  const namespaces = [...new Set([...sourceExportNamespaces(spec), ...expected.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined)])];
  const actual = (await exportObjects({ client: home, discovery: home.discovery }, { namespaces })).objects;
  const check = configParity(expected, actual, parityExclusions(spec, routers));
  return { ...check, evidence: [`${check.evidence[0]} (source: ${input.from}${input.rules ? `, through ${input.rules}` : ''}; target: ${home.transport.contextName})`, ...check.evidence.slice(1)] };
}

/** A cluster of the target and the objects of it VendorTraces looks at. */
export interface TargetObjects {
  context: string;
  objects: KubeObject[];
}

/**
 * VendorTraces over each target cluster (home's Istio config; the waves' namespaces and what was copied into them):
 * the pure check per cluster, its lines prefixed with the cluster's context. Secrets are never among the objects.
 */
export function vendorTracesAcross(targets: readonly TargetObjects[], opts: Parameters<typeof vendorTraces>[1]): FinishCheck {
  const checks = targets.map((t) => ({ context: t.context, check: vendorTraces(t.objects.filter((o) => !isSecret(o)), opts) }));
  const skipped = checks.find((c) => c.check.verdict === 'skipped');
  if (skipped || checks.length === 0) return skipped?.check ?? { name: 'VendorTraces', verdict: 'skipped', evidence: ['no target cluster to look in'] };
  const verdict = checks.some((c) => c.check.verdict === 'fail') ? 'fail' : 'pass';
  return { name: 'VendorTraces', verdict, evidence: checks.flatMap((c) => c.check.evidence.map((e) => `${c.context}: ${e}`)) };
}

/** What VendorTraces reads in one target cluster: Istio and Gateway API config (home), and the waves' namespaces with their objects. */
export async function readTargetObjects(client: ObjectClient, namespaces: readonly string[], withConfig: boolean, readNamespaced: (client: ObjectClient, namespaces: readonly string[]) => Promise<KubeObject[]>): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  if (withConfig) out.push(...(await exportObjects({ client, discovery: client.discovery })).objects);
  const nsRes = client.discovery.resourceFor('', 'Namespace');
  for (const ns of namespaces) {
    const live = nsRes ? await client.get(nsRes, undefined, ns) : undefined;
    if (live) out.push({ ...live, apiVersion: 'v1', kind: 'Namespace' });
  }
  if (namespaces.length) out.push(...(await readNamespaced(client, namespaces)));
  return out;
}
