// The observe half of the engine: reads the cluster into an Observation for reconcile (checks, waves, pods, pending journal steps).
import { JOURNAL_NAMESPACE } from '../journal/journal.js';
import type { ObjectClient } from '../kube/object-client.js';
import type { Journal, JournalEntry } from '../journal/journal.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { checkAccess, describeAccess, type AccessCheck } from './cluster/access.js';
import { discoverControlPlanes, type ControlPlaneDiscovery } from './cluster/control-planes.js';
import { dryRunPod, podInjection, proveInjection } from './cluster/injection.js';
import { compareRoots, controlPlaneRoots } from './cluster/roots.js';
import { selectorMatches } from './cluster/webhook-selectors.js';
import { listWorkloads, rolloutVerdict, workloadResource, RESTARTED_AT, type Untouchable, type Workload, type WorkloadKind } from './cluster/workloads.js';
import { parseWorkloadRef, workloadRef, type ClusterSnapshot } from './observed.js';
import { waveOptIn, waveWorkloads, type LabelChange } from './opt-in.js';
import type { Observation, ObservedPending, ObservedWorkload, PodProblem } from './reconcile.js';
import { effectiveOptIn, type MeshMigrationSpec, type MigrationStatus } from './spec.js';
import { stateHolds, type StateAccess, type TargetState } from './target-state.js';
import type { SecretDigest } from '../journal/secret-digest.js';
import { describeEntry, type MigrationClusters } from './clusters.js';
import { analyzeConfig, compareConfig, copyable, type ConfigLoader } from './config.js';
import { crossFinishChecks, crossInitChecks, crossPrepareView, crossWaveView, type CrossHooks } from './cross/observe-cross.js';

/** What observe needs besides the cluster. */
export interface ObserveContext {
  /** The home cluster: the MeshMigration, its journal, and (InPlace) everything else. */
  client: ObjectClient;
  /** The client of each journal target's cluster (InPlace: home only). */
  clusters: MigrationClusters;
  /** The migration's Secret digest key, for Secrets journaled by digest. */
  secretDigest?: SecretDigest;
  name: string;
  spec: MeshMigrationSpec;
  generation: number;
  journal: Journal;
  now?: () => Date;
  /** Reads spec.config (files, then rules); set when the spec has one. */
  config?: ConfigLoader;
  /** CrossCluster: the config as the source says it now (ConfigParity); default `config`. */
  configNow?: ConfigLoader;
  /** The MeshMigration's annotations (CrossCluster: --accept-unknown-calls is recorded there). */
  annotations?: Record<string, string> | undefined;
  /** CrossCluster: the wave shifts of this process (their runners keep state between ticks). */
  cross?: CrossHooks;
}

/** The ProxyConfig meshferry creates for requiredProxyMetadata: in the root namespace, so it applies mesh-wide. */
export function proxyConfigName(migration: string): string {
  return `meshferry-${migration}`;
}
export const ROOT_NAMESPACE = 'istio-system';

/** Reads what the next reconcile needs for the migration's current phase. */
export async function observe(ctx: ObserveContext, status: MigrationStatus): Promise<Observation> {
  const now = (ctx.now ?? (() => new Date()))().toISOString();
  const pending = await observePending(ctx, ctx.journal.pending());
  const obs: Observation = { generation: ctx.generation, now, pending };
  if (pending.length > 0 || status.phase === 'Finished' || status.phase === 'RolledBack') return obs;
  const failedUnbumped = status.failedCheck && (ctx.spec.retryCounter ?? 0) <= status.failedCheck.retryCounter;
  if (failedUnbumped) return obs;
  if (ctx.spec.mode === 'CrossCluster') return observeCross(ctx, status, obs);
  const source = status.sourceRevision ?? ctx.spec.source?.revision ?? 'default';
  if (status.phase === 'Init') obs.init = await initChecks(ctx, source);
  else if (status.phase === 'Prepare') {
    if (ctx.spec.requiredProxyMetadata || ctx.spec.config) obs.prepare = await prepareView(ctx, status, source);
  } else if (status.phase === 'Migrating') {
    const index = status.waves.findIndex((w) => w.state !== 'Verified');
    if (index < 0) obs.finish = await finishView(ctx, source);
    else obs.wave = await waveView(ctx, status, index);
  }
  return obs;
}

/** The CrossCluster reads of a phase: Init across the clusters, Prepare's remote secrets and config, a wave at its stage, the finish checks. */
async function observeCross(ctx: ObserveContext, status: MigrationStatus, obs: Observation): Promise<Observation> {
  if (status.phase === 'Init') obs.init = await crossInitChecks(ctx);
  else if (status.phase === 'Prepare') {
    obs.prepareCross = await crossPrepareView(ctx);
    if (ctx.spec.config && obs.prepareCross.remoteSecretsMissing.length === 0) obs.prepare = await prepareView(ctx, status, status.sourceRevision ?? 'default');
  } else if (status.phase === 'Migrating') {
    const index = status.waves.findIndex((w) => w.state !== 'Verified');
    if (index >= 0) obs.cross = await crossWaveView(ctx, status, index);
    else obs.finishChecks = await crossFinishChecks(ctx, status.sourceRevision);
  }
  return obs;
}

/**
 * Settles what each pending step intended against the cluster its target names: applied, or not (then it is
 * redone if still needed). An entry naming a context the migration does not use is refused (exit 1), not settled.
 */
export async function observePending(access: StateAccess, entries: readonly JournalEntry[]): Promise<ObservedPending[]> {
  const out: ObservedPending[] = [];
  for (const e of entries) {
    if (e.target) await access.clusters.clientFor(e.target.context, describeEntry(e));
    const state = intendedState(e);
    const applied = e.target && state ? await stateHolds(access, e.target, state) : false;
    out.push({ seq: e.seq, step: e.step, applied });
  }
  return out;
}

/** The state a journal entry's intent describes (every engine step records one). */
export function intendedState(e: JournalEntry): TargetState | undefined {
  const intent = e.intent;
  if (!isPlainObject(intent) || !isPlainObject(intent.state)) return undefined;
  return intent.state as unknown as TargetState;
}

/** Source revision: the file's, else what the waves' namespaces and pods show (istio.io/rev, istio-injection, injected pods). */
export async function discoverSourceRevision(client: ObjectClient, spec: MeshMigrationSpec, found: ControlPlaneDiscovery): Promise<string> {
  if (spec.source?.revision) return spec.source.revision;
  const nsRes = client.discovery.resourceFor('', 'Namespace');
  const votes = new Map<string, number>();
  const vote = (r: string | undefined) => r && r !== spec.target.revision && votes.set(r, (votes.get(r) ?? 0) + 1);
  for (const w of spec.waves)
    for (const ns of w.namespaces ?? []) {
      const obj = nsRes ? await client.get(nsRes, undefined, ns) : undefined;
      const labels = obj?.metadata.labels ?? {};
      const rev = labels['istio.io/rev'];
      const tagged = found.controlPlanes.find((cp) => cp.tags.includes(rev ?? ''));
      if (labels['istio-injection'] === 'enabled') vote(found.controlPlanes.find((cp) => cp.servesIstioInjection)?.revision ?? 'default');
      else vote(tagged?.revision ?? rev);
    }
  const best = [...votes.entries()].sort((a, b) => b[1] - a[1])[0];
  return best?.[0] ?? 'default';
}

/** Reads the snapshot plan and the waves work from: namespaces, workloads, untouchables, gateways. */
export async function snapshot(client: ObjectClient, spec: MeshMigrationSpec, sourceRevision: string): Promise<ClusterSnapshot> {
  const nsRes = client.discovery.resourceFor('', 'Namespace');
  const names = spec.waves.flatMap((w) => w.namespaces ?? []);
  const namespaces: ClusterSnapshot['namespaces'] = {};
  for (const ns of names) {
    const obj = nsRes ? await client.get(nsRes, undefined, ns) : undefined;
    namespaces[ns] = obj ? (obj.metadata.labels ?? {}) : null;
  }
  const existing = names.filter((n) => namespaces[n] !== null);
  const gatewayRefs = spec.waves.flatMap((w) => w.gateways ?? []);
  const gwNamespaces = [...new Set(gatewayRefs.map((g) => g.split('/')[0]!))].filter((n) => !existing.includes(n));
  const inv = await listWorkloads(client, existing);
  const gwInv = gwNamespaces.length ? await listWorkloads(client, gwNamespaces) : { workloads: [], untouchable: [] };
  const gateways: ClusterSnapshot['gateways'] = {};
  for (const g of gatewayRefs) {
    const [ns, name] = g.split('/') as [string, string];
    gateways[g] = [...inv.workloads, ...gwInv.workloads].find((w) => w.namespace === ns && w.name === name && w.kind === 'Deployment') ?? null;
  }
  return { sourceRevision, namespaces, workloads: inv.workloads, untouchable: inv.untouchable, gateways };
}

/** Every permission the plan uses, in the namespaces it uses them. */
function accessChecks(spec: MeshMigrationSpec): AccessCheck[] {
  const checks: AccessCheck[] = [
    { verb: 'patch', group: '', resource: 'namespaces' },
    { verb: 'list', group: '', resource: 'pods' },
    // The journal: ConfigMaps in its namespace (a cluster-scoped MeshMigration journals in meshferry-system).
    { verb: 'create', group: '', resource: 'configmaps', namespace: JOURNAL_NAMESPACE },
    { verb: 'update', group: '', resource: 'configmaps', namespace: JOURNAL_NAMESPACE },
  ];
  const namespaces = new Set([...spec.waves.flatMap((w) => w.namespaces ?? []), ...spec.waves.flatMap((w) => (w.gateways ?? []).map((g) => g.split('/')[0]!))]);
  for (const ns of namespaces) {
    checks.push({ verb: 'create', group: '', resource: 'pods', namespace: ns }, { verb: 'delete', group: '', resource: 'pods', namespace: ns });
    for (const r of ['deployments', 'statefulsets', 'daemonsets']) checks.push({ verb: 'patch', group: 'apps', resource: r, namespace: ns });
  }
  const optIn = effectiveOptIn(spec);
  if (optIn.tag) checks.push({ verb: 'patch', group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' });
  if (spec.requiredProxyMetadata) checks.push({ verb: 'create', group: 'networking.istio.io', resource: 'proxyconfigs', namespace: ROOT_NAMESPACE });
  return checks;
}

/** The config Prepare imports, read through the loader; a spec.config without one is a caller's mistake. */
function configLoader(ctx: { config?: ConfigLoader | undefined }): ConfigLoader {
  if (!ctx.config) throw new TypeError('spec.config is set but no config loader was given');
  return ctx.config;
}

/**
 * Init's prechecks; read-only (SelfSubjectAccessReviews persist nothing), so `migrate plan` runs them too, with
 * `analyze` false: plan analyzes the config itself, beside the import it shows.
 */
export async function initChecks(ctx: Pick<ObserveContext, 'client' | 'spec'> & { config?: ConfigLoader | undefined }, source: string, analyze = true): Promise<NonNullable<Observation['init']>> {
  const { client, spec } = ctx;
  const failures: string[] = [];
  const warnings: string[] = [];
  const denied = (await checkAccess(client, accessChecks(spec))).filter((a) => !a.allowed);
  if (denied.length) failures.push(`missing permissions: ${denied.map((a) => describeAccess(a)).join(', ')} (ask a cluster admin to grant them)`);
  const nsRes = client.discovery.resourceFor('', 'Namespace');
  const missing: string[] = [];
  for (const ns of spec.waves.flatMap((w) => w.namespaces ?? [])) if (!(nsRes && (await client.get(nsRes, undefined, ns)))) missing.push(ns);
  if (missing.length) failures.push(`namespace${missing.length > 1 ? 's' : ''} ${missing.join(', ')} named in the waves ${missing.length > 1 ? 'do' : 'does'} not exist (create ${missing.length > 1 ? 'them' : 'it'} or remove ${missing.length > 1 ? 'them' : 'it'} from the waves)`);
  for (const g of spec.waves.flatMap((w) => w.gateways ?? [])) {
    const [ns, name] = g.split('/') as [string, string];
    const res = workloadResource(client, 'Deployment');
    if (!(res && (await client.get(res, ns, name)))) failures.push(`gateway Deployment ${g} does not exist`);
  }
  const found = await discoverControlPlanes(client);
  const target = found.controlPlanes.find((cp) => cp.revision === spec.target.revision);
  const src = found.controlPlanes.find((cp) => cp.revision === source);
  if (!target) failures.push(`no injector webhook of target revision ${spec.target.revision} is installed (found revisions: ${found.controlPlanes.map((c) => c.revision).join(', ') || 'none'}); install it first`);
  if (!src) failures.push(`no injector webhook of source revision ${source} is installed (found revisions: ${found.controlPlanes.map((c) => c.revision).join(', ') || 'none'}); name spec.source.revision`);
  if (target && src) {
    const cmp = compareRoots(await controlPlaneRoots(client, src), await controlPlaneRoots(client, target));
    if (!cmp.trusted) failures.push(cmp.message);
    if (src.isDefault) warnings.push(`the default revision tag (istio-injection=enabled) still points at the source revision ${source}: removing the source later would stop injection there; move it with \`istioctl tag set default --revision ${spec.target.revision} --overwrite\``);
    for (const v of src.validators) warnings.push(`validating webhook ${v.configName} still sends Istio config to the source revision ${source}: removing the source later would break every Istio config write (failurePolicy ${v.failurePolicies.join('/')})`);
  }
  const optIn = effectiveOptIn(spec);
  if (optIn.tag && !found.webhooks.some((w) => w.tag === optIn.tag!.name)) failures.push(`revision tag ${optIn.tag.name} does not exist (no MutatingWebhookConfiguration istio-revision-tag-${optIn.tag.name})`);
  if (!spec.config || !analyze) return { failures, warnings };
  const failOn = spec.config.analyze?.failOn ?? 'Error';
  const findings = await analyzeConfig(client, await configLoader(ctx)(), found, failOn);
  return { failures, warnings, analyze: { failOn, findings } };
}

/** The pods of some namespaces, with each pod's owning workload when one of `workloads` selects it. */
async function podsOf(client: ObjectClient, namespaces: readonly string[]): Promise<KubeObject[]> {
  const podRes = client.discovery.resourceFor('', 'Pod');
  if (!podRes) return [];
  const out: KubeObject[] = [];
  for (const ns of namespaces) out.push(...(await client.list(podRes, { namespace: ns })));
  return out;
}

function owns(w: Workload, pod: KubeObject): boolean {
  return pod.metadata.namespace === w.namespace && Object.keys(w.selector.matchLabels ?? {}).length + (w.selector.matchExpressions?.length ?? 0) > 0 && selectorMatches(w.selector, pod.metadata.labels ?? {});
}

function lacksMetadata(pod: KubeObject, required: Record<string, string>): boolean {
  const inj = podInjection(pod);
  const meta = isPlainObject(inj.proxyConfig?.proxyMetadata) ? (inj.proxyConfig.proxyMetadata as Record<string, unknown>) : {};
  return Object.entries(required).some(([k, v]) => inj.proxyEnv[k] !== v && meta[k] !== v);
}

/** Live workload objects of namespaces by ref, for restart stamps and rollout verdicts. */
async function workloadObjects(client: ObjectClient, refs: readonly string[]): Promise<Map<string, KubeObject>> {
  const byNsKind = new Map<string, Set<string>>();
  for (const r of refs) {
    const p = parseWorkloadRef(r);
    const k = `${p.kind}\0${p.namespace}`;
    byNsKind.set(k, (byNsKind.get(k) ?? new Set()).add(p.name));
  }
  const out = new Map<string, KubeObject>();
  for (const [k, names] of byNsKind) {
    const [kind, namespace] = k.split('\0') as [WorkloadKind, string];
    const res = workloadResource(client, kind);
    if (!res) continue;
    for (const o of await client.list(res, { namespace })) if (names.has(o.metadata.name)) out.set(workloadRef({ kind, namespace, name: o.metadata.name }), o);
  }
  return out;
}

function restartStamp(kind: string, obj: KubeObject | undefined): string | undefined {
  if (!obj || !isPlainObject(obj.spec)) return undefined;
  if (kind === 'Rollout') return typeof obj.spec.restartAt === 'string' ? obj.spec.restartAt : undefined;
  const t = isPlainObject(obj.spec.template) && isPlainObject(obj.spec.template.metadata) ? obj.spec.template.metadata : {};
  const a = isPlainObject(t.annotations) ? t.annotations[RESTARTED_AT] : undefined;
  return typeof a === 'string' ? a : undefined;
}

function observedWorkloads(refs: readonly Workload[], objects: Map<string, KubeObject>, stamp: string | undefined): ObservedWorkload[] {
  return refs.map((w) => {
    const ref = workloadRef(w);
    const obj = objects.get(ref);
    const restarted = stamp !== undefined && restartStamp(w.kind, obj) === stamp;
    const rolledOut = obj ? rolloutVerdict(w, obj).done : true;
    return { ref, restarted, rolledOut, ...(w.kind === 'StatefulSet' && w.strategy === 'OnDelete' ? { onDelete: true } : {}) };
  });
}

function movedByWave(spec: ObserveContext['spec'], o: KubeObject): boolean {
  if (spec.mode !== 'CrossCluster' || !copyable(o.apiVersion, o.kind)) return false;
  return spec.waves.some((w) => (w.namespaces ?? []).includes(o.metadata.namespace ?? ''));
}

async function prepareView(ctx: ObserveContext, status: MigrationStatus, source: string): Promise<NonNullable<Observation['prepare']>> {
  const { client, spec } = ctx;
  let config: NonNullable<Observation['prepare']>['config'];
  if (spec.config) {
    const items = await compareConfig(client, await configLoader(ctx)());
    config = {
      toImport: items.filter((i): i is typeof i & { change: 'create' | 'change' } => i.change === 'create' || i.change === 'change').map((i) => ({ ref: i.ref, change: i.change })),
      // CrossCluster: a workload, Service or ConfigMap of a wave's namespace is the wave's to copy (or await), not the
      // user's to create, so the export's copy of it is no "not imported" warning.
      skipped: items.filter((i) => i.change === 'skip' && !movedByWave(spec, i.object)).map((i) => i.ref),
    };
  }
  // Import first: the proxy metadata is looked at once the config is in.
  if (!spec.requiredProxyMetadata || (config && config.toImport.length > 0)) return { ...(config ? { config } : {}), proxyConfigReady: true, lacking: [], outside: [] };
  const required = spec.requiredProxyMetadata;
  const pcState: TargetState = { proxyConfig: proxyConfigSpec(required) };
  const proxyConfigReady = await stateHolds(ctx, { apiVersion: 'networking.istio.io/v1beta1', kind: 'ProxyConfig', namespace: ROOT_NAMESPACE, name: proxyConfigName(ctx.name) }, pcState);
  const snap = await snapshot(client, spec, source);
  const all = spec.waves.flatMap((w) => waveWorkloads(w, snap.workloads, snap.gateways));
  const inWave = new Set([...spec.waves.flatMap((w) => w.namespaces ?? []), ...all.map((w) => w.namespace)]);
  const podRes = client.discovery.resourceFor('', 'Pod');
  const pods = podRes ? await client.list(podRes) : [];
  const sourcePods = pods.filter((p) => {
    const inj = podInjection(p);
    return inj.injected && inj.running && inj.revision === source;
  });
  const objects = await workloadObjects(client, all.map(workloadRef));
  const lackingRefs = all.filter((w) => {
    const mine = sourcePods.filter((p) => owns(w, p));
    const obj = objects.get(workloadRef(w));
    const stamped = restartStamp(w.kind, obj) === status.prepareRestartAt;
    // A restarted workload stays in the list until its rollout is done and its pods carry the metadata.
    return mine.some((p) => lacksMetadata(p, required)) || (stamped && !(obj && rolloutVerdict(w, obj).done));
  });
  const outside = sourcePods.filter((p) => !inWave.has(p.metadata.namespace ?? '') && lacksMetadata(p, required)).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  const lacking = observedWorkloads(lackingRefs, objects, status.prepareRestartAt);
  // The ProxyConfig existing is not istiod applying it: before restarting, a dry-run Pod must come back with the metadata.
  const toRestart = lackingRefs.find((_w, i) => !lacking[i]!.restarted);
  const proxyConfigServed = proxyConfigReady && toRestart ? await metadataServed(client, toRestart, objects.get(workloadRef(toRestart)), sourcePods.find((p) => owns(toRestart, p)), required, proxyConfigName(ctx.name)) : undefined;
  return { ...(config ? { config } : {}), proxyConfigReady, ...(proxyConfigServed !== undefined ? { proxyConfigServed } : {}), lacking, outside };
}

/**
 * Whether the injector answering for a workload's pods today puts the required metadata into a new pod: a
 * dry-run Pod with the workload's pod template labels and annotations (or, without a template, a live pod's labels)
 * is injected, and its istio-proxy must carry every key. true, or why not in words.
 */
async function metadataServed(client: ObjectClient, w: Workload, obj: KubeObject | undefined, pod: KubeObject | undefined, required: Record<string, string>, pcName: string): Promise<true | string> {
  const spec = obj && isPlainObject(obj.spec) ? obj.spec : {};
  const meta = isPlainObject(spec.template) && isPlainObject(spec.template.metadata) ? spec.template.metadata : undefined;
  const strings = (v: unknown): Record<string, string> => (isPlainObject(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {});
  const labels = meta ? strings(meta.labels) : (pod?.metadata.labels ?? {});
  const annotations = meta ? strings(meta.annotations) : {};
  const tried = await dryRunPod(client, w.namespace, labels, annotations);
  const what = `a dry-run Pod like ${workloadRef(w)}'s`;
  if ('webhookError' in tried) return `${what} was refused by the injector: ${tried.webhookError}`;
  if (!podInjection(tried.pod).injected) return `${what} came back without a sidecar`;
  if (lacksMetadata(tried.pod, required)) return `${what} is injected without ${Object.keys(required).join(', ')}: istiod has not applied ProxyConfig ${ROOT_NAMESPACE}/${pcName} yet`;
  return true;
}

/** Each label of `change` that `labels` do not show, in words. */
function driftOf(what: string, labels: Record<string, string>, change: LabelChange): string[] {
  return Object.entries(change)
    .filter(([k, v]) => (v === null ? k in labels : labels[k] !== v))
    .map(([k, v]) => `${what}: ${k} is ${k in labels ? `"${labels[k]}"` : 'unset'}, the opt-in ${v === null ? 'removes it' : `sets "${v}"`}`);
}

/** The ProxyConfig spec that carries required metadata (ProxyConfig.environmentVariables becomes proxyMetadata). */
export function proxyConfigSpec(required: Record<string, string>): Record<string, unknown> {
  return { environmentVariables: { ...required } };
}

async function waveView(ctx: ObserveContext, status: MigrationStatus, index: number): Promise<NonNullable<Observation['wave']>> {
  const { client, spec } = ctx;
  const wave = spec.waves[index]!;
  const ws = status.waves[index]!;
  const source = status.sourceRevision ?? 'default';
  const snap = await snapshot(client, spec, source);
  const workloads = waveWorkloads(wave, snap.workloads, snap.gateways);
  const plan = waveOptIn(spec, wave, snap.workloads, snap.gateways);
  const optIn = effectiveOptIn(spec);
  const optedInState = ws.state === 'OptedIn' || ws.state === 'Failed';
  // Serving: before the opt-in, what the opt-in would make; after it, what the namespace says now.
  let serving: true | string = true;
  const probeNamespaces = wave.namespaces?.length ? wave.namespaces : [...new Set((wave.gateways ?? []).map((g) => g.split('/')[0]!))];
  for (const ns of probeNamespaces) {
    if (snap.namespaces[ns] === null) {
      serving = `namespace ${ns} does not exist`;
      break;
    }
    const change: LabelChange | undefined = optedInState ? undefined : (plan.namespaces.find((n) => n.name === ns)?.change ?? (wave.namespaces?.includes(ns) ? { 'istio-injection': null, 'istio.io/rev': spec.target.revision } : undefined));
    const podLabels = optIn.podTemplateLabels ?? (wave.namespaces?.includes(ns) ? {} : { 'istio.io/rev': spec.target.revision });
    const proof = await proveInjection(client, { namespace: ns, ...(change ? { namespaceLabels: optIn.tag ? { 'istio-injection': null, 'istio.io/rev': spec.target.revision } : change } : {}), podLabels, expectRevision: spec.target.revision });
    if (!proof.ok) {
      serving = proof.message;
      break;
    }
  }
  const objects = await workloadObjects(client, workloads.map(workloadRef));
  const nsLabels = (ns: string) => snap.namespaces[ns] ?? {};
  const drift: string[] = [];
  for (const n of plan.namespaces) drift.push(...driftOf(`namespace ${n.name}`, nsLabels(n.name), n.change));
  for (const t of plan.templates) {
    const w = workloads.find((x) => workloadRef(x) === t.ref);
    if (w) drift.push(...driftOf(`pod template of ${t.ref}`, w.podLabels, t.change));
  }
  if (plan.tag) {
    const found = await discoverControlPlanes(client);
    const now = found.webhooks.find((w) => w.tag === plan.tag!.name);
    if (!found.webhooks.some((w) => w.tag === plan.tag!.name && w.revision === plan.tag!.revision)) drift.push(`revision tag ${plan.tag.name}: now ${now ? `on ${now.revision}` : 'missing'}, the opt-in moves it to ${plan.tag.revision}`);
  }
  const optedIn = drift.length === 0;
  const observed = observedWorkloads(workloads, objects, ws.restartAt);
  const problems: PodProblem[] = [];
  let verifiedPods = 0;
  const untouchable: Untouchable[] = snap.untouchable.filter((u) => wave.namespaces?.includes(u.namespace));
  if (observed.every((w) => w.restarted && w.rolledOut)) {
    const pods = await podsOf(client, [...new Set(workloads.map((w) => w.namespace))]);
    const skip = new Set(untouchable.filter((u) => u.kind === 'Pod').map((u) => `${u.namespace}/${u.name}`));
    for (const pod of pods) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (skip.has(key) || !workloads.some((w) => owns(w, pod))) continue;
      const inj = podInjection(pod);
      if (!inj.running) continue;
      if (!inj.injected) problems.push({ pod: key, reason: 'no sidecar' });
      else if (inj.revision !== spec.target.revision) problems.push({ pod: key, reason: `injected by revision ${inj.revision ?? 'unknown'}, not ${spec.target.revision}` });
      else if (spec.requiredProxyMetadata && lacksMetadata(pod, spec.requiredProxyMetadata)) problems.push({ pod: key, reason: `lacks required proxy metadata ${Object.keys(spec.requiredProxyMetadata).join(', ')}` });
      else verifiedPods++;
    }
  }
  return { index, serving, optedIn, ...(drift.length ? { drift } : {}), workloads: observed, problems, verifiedPods, untouchable };
}

async function finishView(ctx: ObserveContext, source: string): Promise<NonNullable<Observation['finish']>> {
  const { client, spec } = ctx;
  const snap = await snapshot(client, spec, source);
  const workloads = spec.waves.flatMap((w) => waveWorkloads(w, snap.workloads, snap.gateways));
  const scopeNs = new Set(spec.waves.flatMap((w) => w.namespaces ?? []));
  const podRes = client.discovery.resourceFor('', 'Pod');
  const pods = podRes ? await client.list(podRes) : [];
  const sourcePods: string[] = [];
  const outside = new Map<string, number>();
  const untouchable = new Set(snap.untouchable.filter((u) => u.kind === 'Pod').map((u) => `${u.namespace}/${u.name}`));
  const residue: string[] = [];
  for (const pod of pods) {
    const inj = podInjection(pod);
    if (!inj.running || !inj.injected || inj.revision !== source) continue;
    const ns = pod.metadata.namespace ?? '';
    const key = `${ns}/${pod.metadata.name}`;
    // Never touched by design (bare Pods, Jobs' pods): named as residue, not a failure.
    if (untouchable.has(key)) residue.push(`pod ${key} still runs ${source} (not touched: no controller restarts it)`);
    else if (scopeNs.has(ns) || workloads.some((w) => owns(w, pod))) sourcePods.push(key);
    else outside.set(ns, (outside.get(ns) ?? 0) + 1);
  }
  for (const [ns, n] of [...outside].sort()) residue.push(`namespace ${ns}: ${n} pod(s) still injected by ${source}`);
  const nsRes = client.discovery.resourceFor('', 'Namespace');
  const found = await discoverControlPlanes(client);
  const src = found.controlPlanes.find((cp) => cp.revision === source);
  for (const ns of nsRes ? await client.list(nsRes, { metadataOnly: true }) : []) {
    if (scopeNs.has(ns.metadata.name)) continue;
    const l = ns.metadata.labels ?? {};
    if (l['istio.io/rev'] === source || (src?.tags ?? []).includes(l['istio.io/rev'] ?? '') || (l['istio-injection'] === 'enabled' && src?.servesIstioInjection)) residue.push(`namespace ${ns.metadata.name} is labelled for the source (${l['istio.io/rev'] ? `istio.io/rev=${l['istio.io/rev']}` : 'istio-injection=enabled'})`);
  }
  if (src) {
    for (const c of src.injectorConfigs) residue.push(`injector webhook ${c} (source revision ${source}; meshferry never uninstalls it)`);
    for (const t of src.tags) residue.push(`revision tag ${t} points at the source revision ${source}`);
  }
  return { sourcePods, residue };
}
