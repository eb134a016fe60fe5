// The SourcePods finish check: no pod in the migration's scope still runs on the source mesh (InPlace: injected by the source revision; CrossCluster: running in the source cluster).
import { mapLimit } from '../../concurrency.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { podInjection } from '../cluster/injection.js';
import { selectorMatches } from '../cluster/webhook-selectors.js';
import type { Untouchable, Workload } from '../cluster/workloads.js';
import { snapshot } from '../observe.js';
import { waveWorkloads } from '../opt-in.js';
import type { MeshMigrationSpec } from '../spec.js';
import type { FinishCheck } from './check-types.js';

/** Evidence lines beyond this are counted, not listed: the check's message must stay readable. */
export const MAX_EVIDENCE = 20;

export interface InPlaceSourcePodsInput {
  /** The source revision (status.sourceRevision). */
  source: string;
  /** The kube context the pods were read in (named in the evidence). */
  context: string;
  /** The waves' namespaces. */
  namespaces: readonly string[];
  /** The waves' workloads, gateways included (their pods count wherever they run). */
  workloads: readonly Workload[];
  /** Pods of the namespaces and of the gateways' namespaces. */
  pods: readonly KubeObject[];
  /** What the migration never touches (bare Pods, Jobs' pods). */
  untouchable: readonly Untouchable[];
  /**
   * `residue` (the engine's rule, observe.ts finishView): a pod nothing restarts is named but does not fail the check.
   * `fail` (before decommission): it fails too, since its sidecar loses its control plane when the source goes.
   */
  untouched: 'residue' | 'fail';
}

function owns(w: Workload, pod: KubeObject): boolean {
  const sel = w.selector;
  return pod.metadata.namespace === w.namespace && Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) > 0 && selectorMatches(sel, pod.metadata.labels ?? {});
}

function capped(lines: string[]): string[] {
  return lines.length <= MAX_EVIDENCE ? lines : [...lines.slice(0, MAX_EVIDENCE), `... and ${lines.length - MAX_EVIDENCE} more`];
}

/** InPlace SourcePods from read objects: fail while a running pod of the scope is injected by the source revision. */
export function inPlaceSourcePods(input: InPlaceSourcePodsInput): FinishCheck {
  const scope = new Set(input.namespaces);
  const untouchable = new Set(input.untouchable.filter((u) => u.kind === 'Pod').map((u) => `${u.namespace}/${u.name}`));
  const failing: string[] = [];
  const residue: string[] = [];
  for (const pod of [...input.pods].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))) {
    const inj = podInjection(pod);
    if (!inj.running || !inj.injected || inj.revision !== input.source) continue;
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
    if (!scope.has(pod.metadata.namespace ?? '') && !input.workloads.some((w) => owns(w, pod))) continue;
    const line = `pod ${key} in context ${input.context} runs a sidecar injected by the source revision ${input.source}`;
    if (untouchable.has(key)) (input.untouched === 'fail' ? failing : residue).push(`${line} (no controller restarts it: restart or delete it yourself)`);
    else failing.push(line);
  }
  const where = [...scope].sort().join(', ') || '(no namespace)';
  if (failing.length) return { name: 'SourcePods', verdict: 'fail', evidence: capped([...failing, ...residue]) };
  return { name: 'SourcePods', verdict: 'pass', evidence: [`no running pod of ${where}${input.workloads.some((w) => !scope.has(w.namespace)) ? ' or of the waves\' gateways' : ''} in context ${input.context} is injected by ${input.source}`, ...capped(residue)] };
}

/** Reads the waves' workloads and pods in the home cluster and runs inPlaceSourcePods. */
export async function readInPlaceSourcePods(client: ObjectClient, spec: MeshMigrationSpec, source: string, untouched: 'residue' | 'fail'): Promise<FinishCheck> {
  const snap = await snapshot(client, spec, source);
  const workloads = spec.waves.flatMap((w) => waveWorkloads(w, snap.workloads, snap.gateways));
  const namespaces = [...new Set(spec.waves.flatMap((w) => w.namespaces ?? []))];
  const podRes = client.discovery.resourceFor('', 'Pod');
  const podNamespaces = [...new Set([...namespaces, ...workloads.map((w) => w.namespace)])].filter((n) => snap.namespaces[n] !== null);
  const pods: KubeObject[] = [];
  if (podRes) for (const ns of podNamespaces) pods.push(...(await client.list(podRes, { namespace: ns })));
  return inPlaceSourcePods({ source, context: client.transport.contextName, namespaces, workloads, pods, untouchable: snap.untouchable, untouched });
}

export interface CrossClusterSourcePodsInput {
  /** spec.source.context. */
  context: string;
  /** The waves' namespaces. */
  namespaces: readonly string[];
  /** Deployments, StatefulSets and DaemonSets of those namespaces in the source cluster. */
  workloads: readonly KubeObject[];
  /** Pods of those namespaces in the source cluster. */
  pods: readonly KubeObject[];
}

/**
 * CrossCluster SourcePods from read objects: fail while, in the source cluster, a wave namespace holds a Deployment
 * or StatefulSet with spec.replicas > 0 (absent means 1, the API's default), a DaemonSet with a scheduled pod, or a
 * running (or starting) pod.
 */
export function crossClusterSourcePods(input: CrossClusterSourcePodsInput): FinishCheck {
  const scope = new Set(input.namespaces);
  const failing: string[] = [];
  const order = (a: KubeObject, b: KubeObject) => `${a.metadata.namespace}/${a.kind}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.kind}/${b.metadata.name}`);
  for (const w of [...input.workloads].sort(order)) {
    if (!scope.has(w.metadata.namespace ?? '')) continue;
    const spec = isPlainObject(w.spec) ? w.spec : {};
    const status = isPlainObject(w.status) ? w.status : {};
    const ref = `${w.kind} ${w.metadata.namespace}/${w.metadata.name} in context ${input.context}`;
    if (w.kind === 'DaemonSet') {
      const scheduled = Number(status.currentNumberScheduled ?? 0) + Number(status.numberMisscheduled ?? 0);
      const desired = Number(status.desiredNumberScheduled ?? 0);
      if (scheduled > 0 || desired > 0) failing.push(`${ref} still schedules pods (${scheduled} scheduled, ${desired} desired)`);
    } else {
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      if (replicas > 0) failing.push(`${ref} has spec.replicas ${replicas}`);
    }
  }
  let stays = failing.length;
  for (const p of [...input.pods].sort(order)) {
    if (!scope.has(p.metadata.namespace ?? '')) continue;
    const phase = isPlainObject(p.status) && typeof p.status.phase === 'string' ? p.status.phase : 'Unknown';
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    failing.push(`pod ${p.metadata.namespace}/${p.metadata.name} in context ${input.context} is ${phase}`);
    // A pod being deleted, or kept by a controller (its workload is at 0), goes by itself; a bare pod stays.
    const owned = Array.isArray(p.metadata.ownerReferences) && p.metadata.ownerReferences.some((r) => isPlainObject(r) && r.controller === true);
    if (p.metadata.deletionTimestamp === undefined && !owned) stays++;
  }
  const where = [...scope].sort().join(', ') || '(no namespace)';
  // Only pods that are going (a scale-down's pods terminating), no workload keeping replicas: waiting tells.
  if (failing.length) return { name: 'SourcePods', verdict: 'fail', evidence: capped(failing), ...(stays === 0 ? { transient: true } : {}) };
  return { name: 'SourcePods', verdict: 'pass', evidence: [`no workload of ${where} in context ${input.context} has replicas, and no pod there runs`] };
}

/** Reads the waves' namespaces in the source cluster (`client` is spec.source.context's) and runs crossClusterSourcePods. */
export async function readCrossClusterSourcePods(client: ObjectClient, spec: MeshMigrationSpec): Promise<FinishCheck> {
  const namespaces = [...new Set(spec.waves.flatMap((w) => w.namespaces ?? []))];
  const d = client.discovery;
  const kinds = ['Deployment', 'StatefulSet', 'DaemonSet'].map((k) => d.resourceFor('apps', k)).filter((r) => r !== undefined);
  const podRes = d.resourceFor('', 'Pod');
  // Every LIST at once (the client bounds them); mapLimit keeps their order, so the evidence stays the same.
  const reads = namespaces.flatMap((ns) => [...kinds.map((res) => ({ ns, res, pods: false })), ...(podRes ? [{ ns, res: podRes, pods: true }] : [])]);
  const lists = await mapLimit(reads, 8, async ({ ns, res }) => (await client.list(res, { namespace: ns })).map((o) => ({ ...o, kind: o.kind || res.kind })));
  const workloads = lists.flatMap((l, i) => (reads[i]!.pods ? [] : l));
  const pods = lists.flatMap((l, i) => (reads[i]!.pods ? l : []));
  return crossClusterSourcePods({ context: client.transport.contextName, namespaces, workloads, pods });
}

/**
 * Running pods anywhere in the cluster whose sidecar a source revision injected (`all`: any revision), outside
 * `skipNamespaces`, one line each. Decommission's wider rule: removing the source's webhooks and istiod strands
 * every such sidecar, in the waves' namespaces or not (a namespace or gateway no wave moved).
 */
export function sidecarsOnSource(pods: readonly KubeObject[], revisions: readonly string[] | 'all', context: string, skipNamespaces: ReadonlySet<string> = new Set()): string[] {
  const lines: string[] = [];
  for (const pod of [...pods].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))) {
    if (skipNamespaces.has(pod.metadata.namespace ?? '')) continue;
    const inj = podInjection(pod);
    if (!inj.running || !inj.injected) continue;
    if (revisions !== 'all' && (inj.revision === undefined || !revisions.includes(inj.revision))) continue;
    lines.push(`pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name} in context ${context} runs a sidecar injected by the source revision ${inj.revision ?? 'unknown'}`);
  }
  return lines;
}

/**
 * SourcePods as `migrate finish --execute` needs it before removing anything. InPlace: no running pod of the cluster
 * is injected by the source revision (the waves' scope and beyond). CrossCluster: crossClusterSourcePods in the
 * source cluster, plus no running pod of its other namespaces carrying a sidecar of its mesh.
 */
export async function readDecommissionSourcePods(source: ObjectClient, spec: MeshMigrationSpec, sourceRevision: string): Promise<FinishCheck> {
  const podRes = source.discovery.resourceFor('', 'Pod');
  const pods = podRes ? await source.list(podRes) : [];
  const context = source.transport.contextName;
  if (spec.mode !== 'CrossCluster') {
    const lines = sidecarsOnSource(pods, [sourceRevision], context);
    if (lines.length) return { name: 'SourcePods', verdict: 'fail', evidence: capped(lines) };
    return { name: 'SourcePods', verdict: 'pass', evidence: [`no running pod in context ${context} is injected by the source revision ${sourceRevision}`] };
  }
  const waves = await readCrossClusterSourcePods(source, spec);
  const elsewhere = sidecarsOnSource(pods, 'all', context, new Set(spec.waves.flatMap((w) => w.namespaces ?? [])));
  if (waves.verdict === 'pass' && elsewhere.length === 0) return { ...waves, evidence: [...waves.evidence, `no running pod elsewhere in context ${context} carries a sidecar`] };
  return { name: 'SourcePods', verdict: 'fail', evidence: capped([...(waves.verdict === 'fail' ? waves.evidence : []), ...elsewhere]) };
}
