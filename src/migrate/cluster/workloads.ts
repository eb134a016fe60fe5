// The workloads of namespaces (Deployments, StatefulSets, DaemonSets, Argo Rollouts), what must not be touched, restarts and rollout status.
import type { ServedResource } from '../../kube/discovery.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { ClusterError } from '../../errors.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { mapLimit } from '../../concurrency.js';
import { parseLabelSelector, selectorString, type LabelSelector } from './webhook-selectors.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Rollout';

/** Names one workload. */
export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

/** A workload meshferry can restart, with what a migration records about its pod template. */
export interface Workload extends WorkloadRef {
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  /** `RollingUpdate`, `Recreate`, `OnDelete` (StatefulSet, DaemonSet), `Canary`/`BlueGreen` (Rollout). */
  strategy: string;
  /** Desired replicas (DaemonSets: pods desired by status). */
  replicas: number;
  selector: LabelSelector;
  /** An Istio gateway: injected with the gateway template (`inject.istio.io/templates: gateway`), or labelled `istio=…` with `sidecar.istio.io/inject=true`. */
  gateway: boolean;
  generation: number;
  resourceVersion: string;
}

/** Something in scope that a migration never touches, and why. */
export interface Untouchable {
  kind: string;
  namespace: string;
  name: string;
  reason: string;
}

export interface WorkloadInventory {
  workloads: Workload[];
  untouchable: Untouchable[];
}

const APPS = 'apps';
const ARGO = 'argoproj.io';
/** The annotation `kubectl rollout restart` sets (kubectl `polymorphichelpers/objectrestarter.go`). */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** The served resource of a workload kind; Rollout only when Argo Rollouts' CRD is installed. */
export function workloadResource(client: ObjectClient, kind: WorkloadKind): ServedResource | undefined {
  return kind === 'Rollout' ? client.discovery.resourceFor(ARGO, 'Rollout') : client.discovery.resourceFor(APPS, kind);
}

/**
 * Lists the workloads of `namespaces` and what must stay untouched: paused Deployments, bare Pods and pods of Jobs
 * (CronJobs run Jobs). Pods of a workload are not listed; Argo Rollouts only when the cluster serves them.
 */
export async function listWorkloads(client: ObjectClient, namespaces: readonly string[]): Promise<WorkloadInventory> {
  const kinds: WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'];
  const podRes = client.discovery.resourceFor('', 'Pod');
  const workloads: Workload[] = [];
  const untouchable: Untouchable[] = [];
  await mapLimit([...namespaces], 8, async (namespace) => {
    const lists = await Promise.all(
      kinds.map(async (kind) => {
        const res = workloadResource(client, kind);
        return res ? (await client.list(res, { namespace })).map((o) => ({ kind, o })) : [];
      }),
    );
    for (const { kind, o } of lists.flat()) {
      const w = toWorkload(kind, o);
      if (kind === 'Deployment' && isPlainObject(o.spec) && o.spec.paused === true)
        untouchable.push({ kind, namespace, name: w.name, reason: 'paused Deployment: `kubectl rollout restart` refuses it; resume it or restart it yourself' });
      else workloads.push(w);
    }
    if (!podRes) return;
    for (const pod of await client.list(podRes, { namespace })) {
      const owners = Array.isArray(pod.metadata.ownerReferences) ? pod.metadata.ownerReferences.filter(isPlainObject) : [];
      const controller = owners.find((r) => r.controller === true) ?? owners[0];
      const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
      if (!controller) untouchable.push({ kind: 'Pod', namespace, name: pod.metadata.name, reason: 'bare Pod (no controller): it cannot be restarted, only deleted; recreate it yourself' });
      else if (controller.kind === 'Job')
        untouchable.push({ kind: 'Pod', namespace, name: pod.metadata.name, reason: `pod of Job ${String(controller.name)}${phase === 'Succeeded' || phase === 'Failed' ? ' (completed)' : ''}: its next run is injected by whatever the namespace says then` });
    }
  });
  const order = (a: { namespace: string; kind: string; name: string }, b: typeof a) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
  return { workloads: workloads.sort(order), untouchable: untouchable.sort(order) };
}

function toWorkload(kind: WorkloadKind, o: KubeObject): Workload {
  const spec = isPlainObject(o.spec) ? o.spec : {};
  const status = isPlainObject(o.status) ? o.status : {};
  const template = isPlainObject(spec.template) ? spec.template : {};
  const meta = isPlainObject(template.metadata) ? template.metadata : {};
  const podLabels = stringMap(meta.labels);
  const podAnnotations = stringMap(meta.annotations);
  const templates = (podAnnotations['inject.istio.io/templates'] ?? '').split(',').map((s) => s.trim());
  return {
    kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    podLabels,
    podAnnotations,
    strategy: strategyOf(kind, spec),
    replicas: kind === 'DaemonSet' ? Number(status.desiredNumberScheduled ?? 0) : typeof spec.replicas === 'number' ? spec.replicas : 1,
    selector: parseLabelSelector(spec.selector) ?? {},
    gateway: templates.includes('gateway') || (podLabels.istio !== undefined && podLabels['sidecar.istio.io/inject'] === 'true'),
    generation: Number(o.metadata.generation ?? 0),
    resourceVersion: String(o.metadata.resourceVersion ?? ''),
  };
}

function strategyOf(kind: WorkloadKind, spec: Record<string, unknown>): string {
  if (kind === 'Rollout') {
    const s = isPlainObject(spec.strategy) ? spec.strategy : {};
    return s.blueGreen ? 'BlueGreen' : 'Canary';
  }
  const s = kind === 'Deployment' ? spec.strategy : spec.updateStrategy;
  return isPlainObject(s) && typeof s.type === 'string' ? s.type : kind === 'Deployment' ? 'RollingUpdate' : 'RollingUpdate';
}

function stringMap(v: unknown): Record<string, string> {
  return isPlainObject(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
}

/** What one restart call did. */
export interface RestartResult {
  /** The workload changed (false: it already carried this restart). */
  changed: boolean;
  /** OnDelete StatefulSets: pods at an old revision remain; call again once the deleted pod is back and ready. */
  more: boolean;
  /** Pods deleted by this call (OnDelete StatefulSets only). */
  deletedPods: string[];
}

/**
 * Restarts a workload as `kubectl rollout restart` does: sets the pod-template annotation
 * `kubectl.kubernetes.io/restartedAt=<at>` (Deployments, DaemonSets, RollingUpdate StatefulSets), so the workload's
 * own strategy paces it. Argo Rollouts get `spec.restartAt=<at>` (its controller evicts older pods). An OnDelete
 * StatefulSet gets the annotation too, then its pods still at an old revision are deleted one per call, highest
 * ordinal first, and only while every pod is ready. Idempotent for the same `at`. A paused Deployment is refused.
 */
export async function restartWorkload(client: ObjectClient, ref: WorkloadRef, at: string): Promise<RestartResult> {
  const res = workloadResource(client, ref.kind);
  if (!res) throw new ClusterError('NotServed', `the cluster does not serve ${ref.kind}`, { context: client.transport.contextName });
  const obj = await client.get(res, ref.namespace, ref.name);
  if (!obj) throw new ClusterError('WorkloadGone', `${ref.kind} ${ref.namespace}/${ref.name} does not exist any more`, { context: client.transport.contextName });
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  if (ref.kind === 'Deployment' && spec.paused === true)
    throw new ClusterError('WorkloadPaused', `Deployment ${ref.namespace}/${ref.name} is paused; a paused Deployment cannot be restarted (resume it first)`, { context: client.transport.contextName });
  let changed = false;
  if (ref.kind === 'Rollout') {
    if (spec.restartAt !== at) {
      await client.patch(res, ref.namespace, ref.name, { spec: { restartAt: at } }, 'merge');
      changed = true;
    }
    return { changed, more: false, deletedPods: [] };
  }
  const template = isPlainObject(spec.template) ? spec.template : {};
  const annotations = isPlainObject(template.metadata) && isPlainObject(template.metadata.annotations) ? template.metadata.annotations : {};
  if (annotations[RESTARTED_AT] !== at) {
    await client.patch(res, ref.namespace, ref.name, { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } }, 'merge');
    changed = true;
  }
  if (ref.kind !== 'StatefulSet' || strategyOf('StatefulSet', spec) !== 'OnDelete') return { changed, more: false, deletedPods: [] };
  return { changed, ...(await deleteNextOutdatedPod(client, ref, res, changed)) };
}

/**
 * Moves an OnDelete StatefulSet one pod further towards its current template, whatever put the template there (a
 * rollback that restored a template without a restart stamp, say): deletes its highest-ordinal outdated pod when all are ready.
 */
export async function advanceOnDelete(client: ObjectClient, ref: WorkloadRef): Promise<Omit<RestartResult, 'changed'>> {
  const res = workloadResource(client, 'StatefulSet');
  if (!res) throw new ClusterError('NotServed', 'the cluster does not serve StatefulSets', { context: client.transport.contextName });
  return deleteNextOutdatedPod(client, ref, res, false);
}

/** OnDelete: deletes the highest-ordinal pod not at the update revision, when every pod is ready and none is going. */
async function deleteNextOutdatedPod(client: ObjectClient, ref: WorkloadRef, res: ServedResource, justChanged: boolean): Promise<Omit<RestartResult, 'changed'>> {
  // Right after the template change the controller has not computed the new updateRevision yet: look next call.
  if (justChanged) return { more: true, deletedPods: [] };
  const sts = await client.get(res, ref.namespace, ref.name);
  const status = isPlainObject(sts?.status) ? sts.status : {};
  const generation = Number(sts?.metadata.generation ?? 0);
  if (Number(status.observedGeneration ?? 0) < generation || typeof status.updateRevision !== 'string') return { more: true, deletedPods: [] };
  // Only the StatefulSet's own pods: a bare Pod that happens to match its selector is never deleted.
  const uid = sts?.metadata.uid;
  const pods = (await workloadPods(client, ref, sts as KubeObject)).filter((p) =>
    (Array.isArray(p.metadata.ownerReferences) ? p.metadata.ownerReferences : []).some((o) => isPlainObject(o) && o.controller === true && o.uid === uid),
  );
  const outdated = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] !== status.updateRevision);
  if (outdated.length === 0) return { more: false, deletedPods: [] };
  const replicas = Number((isPlainObject(sts?.spec) ? sts.spec.replicas : undefined) ?? 1);
  const settled = pods.length >= replicas && pods.every((p) => p.metadata.deletionTimestamp === undefined && podReady(p));
  if (!settled) return { more: true, deletedPods: [] };
  const ordinal = (p: KubeObject) => Number(/-(\d+)$/.exec(p.metadata.name)?.[1] ?? -1);
  const next = outdated.sort((a, b) => ordinal(b) - ordinal(a))[0] as KubeObject;
  const podRes = client.discovery.resourceFor('', 'Pod');
  if (podRes) await client.delete(podRes, ref.namespace, next.metadata.name, { preconditions: { ...(typeof next.metadata.uid === 'string' ? { uid: next.metadata.uid } : {}) } });
  // Whether it was the last one shows on the next call, once the pod is back at the new revision.
  return { more: true, deletedPods: [next.metadata.name] };
}

/** Rollout progress with `kubectl rollout status` semantics, and the workload's current pods. */
export interface RolloutStatus {
  done: boolean;
  /** kubectl's words: `Waiting for deployment "x" rollout to finish: 1 out of 3 new replicas have been updated...`. */
  message: string;
  /** The rollout cannot finish by waiting (progress deadline exceeded). */
  failed: boolean;
  /** Pods the workload's selector picks, not being deleted. */
  pods: KubeObject[];
  /** Of those, pods created before `since` (second resolution, as creationTimestamp): not restarted yet. */
  podsBefore: string[];
}

/**
 * Reads a rollout's progress as `kubectl rollout status` does (`polymorphichelpers/rollout_status.go`): the
 * controller observed the latest generation, then updated, ready/available replicas; OnDelete StatefulSets are
 * done when every pod is at the update revision (updatedReplicas; currentRevision never moves for them). Rollouts: observed generation and phase Healthy.
 */
export async function rolloutStatus(client: ObjectClient, ref: WorkloadRef, since?: string): Promise<RolloutStatus> {
  const res = workloadResource(client, ref.kind);
  if (!res) throw new ClusterError('NotServed', `the cluster does not serve ${ref.kind}`, { context: client.transport.contextName });
  const obj = await client.get(res, ref.namespace, ref.name);
  if (!obj) throw new ClusterError('WorkloadGone', `${ref.kind} ${ref.namespace}/${ref.name} does not exist any more`, { context: client.transport.contextName });
  const verdict = rolloutVerdict(ref, obj);
  const pods = (await workloadPods(client, ref, obj)).filter((p) => p.metadata.deletionTimestamp === undefined);
  const cutoff = since ? Math.floor(Date.parse(since) / 1000) * 1000 : undefined;
  const podsBefore = cutoff === undefined ? [] : pods.filter((p) => Date.parse(String(p.metadata.creationTimestamp ?? '')) < cutoff).map((p) => p.metadata.name);
  return { ...verdict, pods, podsBefore };
}

/** The pure half of rolloutStatus: the workload object in, kubectl's verdict out. */
export function rolloutVerdict(ref: WorkloadRef, obj: KubeObject): { done: boolean; failed: boolean; message: string } {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const status = isPlainObject(obj.status) ? obj.status : {};
  const n = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));
  const generation = n(obj.metadata.generation);
  const observed = n(status.observedGeneration);
  const name = `${ref.kind.toLowerCase()} "${ref.name}"`;
  const waiting = (why: string) => ({ done: false, failed: false, message: `Waiting for ${name} rollout to finish: ${why}...` });
  if (observed < generation) return { done: false, failed: false, message: `Waiting for ${name} spec update to be observed...` };
  switch (ref.kind) {
    case 'Deployment': {
      const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isPlainObject) : [];
      const progressing = conditions.find((c) => c.type === 'Progressing');
      if (progressing?.reason === 'ProgressDeadlineExceeded') return { done: false, failed: true, message: `${name} exceeded its progress deadline` };
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const updated = n(status.updatedReplicas);
      if (updated < replicas) return waiting(`${updated} out of ${replicas} new replicas have been updated`);
      if (n(status.replicas) > updated) return waiting(`${n(status.replicas) - updated} old replicas are pending termination`);
      if (n(status.availableReplicas) < updated) return waiting(`${n(status.availableReplicas)} of ${updated} updated replicas are available`);
      return { done: true, failed: false, message: `${name} successfully rolled out` };
    }
    case 'DaemonSet': {
      const desired = n(status.desiredNumberScheduled);
      if (n(status.updatedNumberScheduled) < desired) return waiting(`${n(status.updatedNumberScheduled)} out of ${desired} new pods have been updated`);
      if (n(status.numberAvailable) < desired) return waiting(`${n(status.numberAvailable)} of ${desired} updated pods are available`);
      return { done: true, failed: false, message: `daemon set "${ref.name}" successfully rolled out` };
    }
    case 'StatefulSet': {
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      if (n(status.readyReplicas) < replicas) return waiting(`${n(status.readyReplicas)} of ${replicas} pods are ready`);
      const us = isPlainObject(spec.updateStrategy) ? spec.updateStrategy : {};
      const partition = isPlainObject(us.rollingUpdate) ? n(us.rollingUpdate.partition) : 0;
      if (us.type !== 'OnDelete' && partition > 0) {
        if (n(status.updatedReplicas) < replicas - partition) return waiting(`${n(status.updatedReplicas)} out of ${replicas - partition} new pods have been updated`);
        return { done: true, failed: false, message: `partitioned roll out complete: ${n(status.updatedReplicas)} new pods have been updated...` };
      }
      if (n(status.updatedReplicas) < replicas) return waiting(`${n(status.updatedReplicas)} out of ${replicas} new pods have been updated`);
      // The controller moves currentRevision only for RollingUpdate (completeRollingUpdate); OnDelete never does.
      if (us.type !== 'OnDelete' && status.updateRevision !== status.currentRevision) return waiting(`pods at revision ${String(status.currentRevision)} remain`);
      return { done: true, failed: false, message: `statefulset rolling update complete ${replicas} pods at revision ${String(status.updateRevision)}...` };
    }
    case 'Rollout': {
      const phase = typeof status.phase === 'string' ? status.phase : '';
      if (phase === 'Degraded') return { done: false, failed: true, message: `rollout "${ref.name}" is Degraded: ${String(status.message ?? '')}` };
      if (phase !== 'Healthy') return waiting(`phase ${phase || 'unknown'}`);
      return { done: true, failed: false, message: `rollout "${ref.name}" is Healthy` };
    }
  }
}

async function workloadPods(client: ObjectClient, ref: WorkloadRef, obj: KubeObject): Promise<KubeObject[]> {
  const podRes = client.discovery.resourceFor('', 'Pod');
  const selector = parseLabelSelector(isPlainObject(obj.spec) ? obj.spec.selector : undefined);
  if (!podRes || !selector) return [];
  return client.list(podRes, { namespace: ref.namespace, labelSelector: selectorString(selector) });
}

function podReady(pod: KubeObject): boolean {
  const status = isPlainObject(pod.status) ? pod.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isPlainObject) : [];
  return status.phase === 'Running' && conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
