// The observe half of the CrossCluster engine: Init's checks across the clusters, and what a wave's current stage needs from the source and the wave's cluster.
import { mapLimit } from '../../concurrency.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { readLiveState } from '../../kube/live.js';
import { keyOf, keyString, isPlainObject, type KubeObject } from '../../resources/object.js';
import { isSecret } from '../../resources/secrets.js';
import { discoverControlPlanes } from '../cluster/control-planes.js';
import { podInjection, proveInjection } from '../cluster/injection.js';
import { compareRoots, controlPlaneRoots } from '../cluster/roots.js';
import { selectorMatches, parseLabelSelector } from '../cluster/webhook-selectors.js';
import { rolloutVerdict, type WorkloadKind } from '../cluster/workloads.js';
import { analyzeConfig, showsObject, type ConfigLoader } from '../config.js';
import type { Observation } from '../reconcile.js';
import { ACCEPT_UNKNOWN_CALLS_ANNOTATION, effectiveOptIn, parseDuration, waveCluster, type MeshMigrationSpec, type MigrationStatus, type WaveSpec } from '../spec.js';
import type { MigrationClusters } from '../clusters.js';
import type { Journal } from '../../journal/journal.js';
import { PrometheusGate } from '../../traffic/gates/prometheus.js';
import { queryCallGraph, prometheusRange } from './call-graph-query.js';
import { callGraphBlocks, callGraphSection, DEFAULT_CALL_GRAPH_WINDOW, violationLine } from './call-graph-section.js';
import { COPIED_ANNOTATION, planCopy, type CopyPlan, type PlannedCopy } from './copy-plan.js';
import { scaleDownWindow, type CrossPrepareObservation, type CrossWaveObservation, type ObservedShift } from './reconcile-cross.js';
import type { FinishCheck } from '../finish/check-types.js';
import { oldGatewayTrafficOf } from '../finish/checks.js';
import { readCrossClusterSourcePods } from '../finish/source-pods.js';
import { readConfigParity, readTargetObjects, vendorTracesAcross, type TargetObjects } from '../finish/config-checks.js';
import { STEP } from '../act.js';
import { observeRemoteSecrets } from './remote-secrets.js';
import { checkQuiet, hpasTargeting } from './quiet.js';

/**
 * What the CrossCluster engine keeps per process beside the cluster: the wave shifts, whose runners hold state between
 * ticks (landed weights, finalized steps), so the CLI (and later a controller) makes one per run.
 */
export interface CrossHooks {
  /** Where a wave's shift file stands (its TrafficShift in home), and one tick of it. */
  shifts?: {
    /** The TrafficShift meshferry applies for the file (journaled xc.shift before the first tick). */
    planned(file: string): Promise<{ namespace: string; name: string; object: KubeObject }>;
    observe(file: string): Promise<ObservedShift>;
    /** One tick when due; what the shift says now (its phase and message), when known. */
    tick(file: string, signal?: AbortSignal): Promise<{ ref: string; phase: string; message: string } | undefined>;
  };
}

/** What the CrossCluster observe reads through. */
export interface CrossObserveContext {
  clusters: MigrationClusters;
  spec: MeshMigrationSpec;
  annotations?: Record<string, string> | undefined;
  journal: Journal;
  config?: ConfigLoader | undefined;
  /** The config as the source says it now, for ConfigParity (a fresh live export without spec.config.from); default `config`. */
  configNow?: ConfigLoader | undefined;
  cross?: CrossHooks | undefined;
}

/** The kinds a wave reads from the source, in the copy plan's terms (group, kind). Secrets only when they are copied. */
const SOURCE_KINDS: readonly [string, string][] = [
  ['', 'ServiceAccount'],
  ['', 'ConfigMap'],
  ['rbac.authorization.k8s.io', 'Role'],
  ['rbac.authorization.k8s.io', 'RoleBinding'],
  ['', 'Service'],
  ['networking.k8s.io', 'NetworkPolicy'],
  ['policy', 'PodDisruptionBudget'],
  ['apps', 'Deployment'],
  ['apps', 'DaemonSet'],
  ['apps', 'StatefulSet'],
  ['autoscaling', 'HorizontalPodAutoscaler'],
];

const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

/** The workload kinds of SOURCE_KINDS: whether a workload is copied depends on the workload alone (planCopy's skipReason). */
const SOURCE_WORKLOAD_KINDS = SOURCE_KINDS.filter(([, kind]) => WORKLOAD_KINDS.has(kind));

/** Field managers whose fields never make an object "someone else's": the API server's own controllers writing status. */
const SYSTEM_MANAGERS = new Set(['kube-controller-manager', 'kube-scheduler', 'kube-apiserver']);

/** The source cluster's client. */
export async function sourceClient(ctx: Pick<CrossObserveContext, 'clusters' | 'spec'>): Promise<ObjectClient> {
  return ctx.clusters.clientFor(ctx.spec.source?.context, 'the source cluster (spec.source.context)');
}

/** The client of a wave's target cluster. */
export async function waveClient(ctx: Pick<CrossObserveContext, 'clusters' | 'spec'>, wave: WaveSpec): Promise<{ cluster: string; client: ObjectClient }> {
  const cluster = waveCluster(ctx.spec, wave) ?? ctx.spec.target.context!;
  return { cluster, client: await ctx.clusters.clientFor(cluster, `the cluster of wave ${wave.name}`) };
}

/** A wave reads only its own namespaces, on every poll: never the whole cluster. */
const BY_NAMESPACE = { byNamespace: true } as const;

/** LISTs of the source in flight at once while reading a wave's objects. */
const SOURCE_READS = 8;

/** Every object of the wave's namespaces the copy plan looks at, read from the source. Secrets (with data) only when copied. */
export async function readSourceObjects(source: ObjectClient, namespaces: readonly string[], withSecrets: boolean, only: readonly [string, string][] = SOURCE_KINDS): Promise<KubeObject[]> {
  const kinds = withSecrets ? [['', 'Secret'] as [string, string], ...only] : only;
  const reads = namespaces.flatMap((ns) => kinds.map(([group, kind]) => ({ ns, group, kind, res: source.discovery.resourceFor(group, kind) })));
  // The LISTs at once, a few at a time (bench/migrate cross: one after the other they were a wave step's longest wait);
  // mapLimit keeps their order, so the plan stays the same for the same objects.
  const lists = await mapLimit(reads, SOURCE_READS, async ({ ns, group, kind, res }) =>
    res ? (await source.list(res, { namespace: ns })).map((o) => ({ ...o, apiVersion: group ? `${group}/${res.version}` : res.version, kind })) : [],
  );
  return lists.flat();
}

/** The copy plan of a wave from the live source. */
export async function waveCopyPlan(ctx: Pick<CrossObserveContext, 'clusters' | 'spec'>, wave: WaveSpec, secrets = ctx.spec.workloads?.secrets === true): Promise<CopyPlan> {
  const objects = await readSourceObjects(await sourceClient(ctx), wave.namespaces ?? [], secrets);
  const allow = ctx.spec.workloads?.statefulSets?.allowEmptyVolumes === true;
  return planCopy(objects, { secrets, statefulSets: { allowEmptyVolumes: allow }, keepLoadBalancer: wave.services?.loadBalancer === 'keep' });
}

/**
 * The workloads a wave copies (what must run in the target), as the source holds them now: only the workload kinds are
 * read, since whether a workload is copied depends on it alone. What Ready, ScalingDown and copy: false poll.
 */
export async function waveWorkloads(ctx: Pick<CrossObserveContext, 'clusters' | 'spec'>, wave: WaveSpec): Promise<{ planned: PlannedCopy[]; source: Map<string, KubeObject> }> {
  const objects = await readSourceObjects(await sourceClient(ctx), wave.namespaces ?? [], false, SOURCE_WORKLOAD_KINDS);
  const allow = ctx.spec.workloads?.statefulSets?.allowEmptyVolumes === true;
  const plan = planCopy(objects, { secrets: false, statefulSets: { allowEmptyVolumes: allow } });
  return { planned: plannedWorkloads(plan), source: new Map(objects.map((o) => [keyString(keyOf(o)), o])) };
}

/** The Services and workloads every wave copies (or its pipeline deploys), cleaned as copied, from the live source. */
async function wavesServicesAndWorkloads(ctx: Pick<CrossObserveContext, 'clusters' | 'spec'>): Promise<KubeObject[]> {
  const objects = await readSourceObjects(await sourceClient(ctx), ctx.spec.waves.flatMap((w) => w.namespaces ?? []), false, [['', 'Service'], ...SOURCE_WORKLOAD_KINDS]);
  const allow = ctx.spec.workloads?.statefulSets?.allowEmptyVolumes === true;
  return planCopy(objects, { secrets: false, statefulSets: { allowEmptyVolumes: allow } }).copy.map((c) => c.object);
}

/** The managers of a live object that are neither meshferry nor the cluster's own controllers (status writers). */
export function foreignManagers(live: KubeObject): string[] {
  const entries = Array.isArray(live.metadata.managedFields) ? live.metadata.managedFields.filter(isPlainObject) : [];
  const out = new Set<string>();
  for (const e of entries) {
    const manager = typeof e.manager === 'string' ? e.manager : '';
    if (manager === 'meshferry' || SYSTEM_MANAGERS.has(manager) || e.subresource === 'status') continue;
    out.add(manager || 'an unnamed manager');
  }
  return [...out];
}

/** The labels a wave's namespace carries in the target: the target's opt-in, and no istio-injection. */
export function targetNamespaceLabels(spec: MeshMigrationSpec): Record<string, string | null> {
  return { 'istio-injection': null, ...(effectiveOptIn(spec).namespaceLabels ?? { 'istio.io/rev': spec.target.revision }) };
}

function showsLabels(labels: Record<string, string>, want: Record<string, string | null>): boolean {
  return Object.entries(want).every(([k, v]) => (v === null ? !(k in labels) : labels[k] === v));
}

/** Init across the clusters: namespaces in the source, both control planes, their roots, the call graph, the config. */
export async function crossInitChecks(ctx: CrossObserveContext, analyze = true): Promise<NonNullable<Observation['init']>> {
  const { spec } = ctx;
  const failures: string[] = [];
  const warnings: string[] = [];
  const source = await sourceClient(ctx);
  const sourceCtx = spec.source?.context ?? '';
  const nsRes = source.discovery.resourceFor('', 'Namespace');
  const missing: string[] = [];
  for (const ns of spec.waves.flatMap((w) => w.namespaces ?? [])) if (!(nsRes && (await source.get(nsRes, undefined, ns)))) missing.push(ns);
  if (missing.length) failures.push(`namespace${missing.length > 1 ? 's' : ''} ${missing.join(', ')} named in the waves ${missing.length > 1 ? 'do' : 'does'} not exist in the source cluster ${sourceCtx}`);
  const srcFound = await discoverControlPlanes(source);
  const srcRevision = spec.source?.revision ?? srcFound.controlPlanes[0]?.revision;
  const src = srcFound.controlPlanes.find((cp) => cp.revision === srcRevision);
  if (!src) failures.push(`no injector webhook of source revision ${srcRevision ?? '(none found)'} is installed in ${sourceCtx} (found revisions: ${srcFound.controlPlanes.map((c) => c.revision).join(', ') || 'none'}); name spec.source.revision`);
  const home = ctx.clusters.home;
  const targetClusters = [...new Set([ctx.clusters.homeContext, ...spec.waves.map((w) => waveCluster(spec, w)).filter((c): c is string => c !== undefined)])];
  let target: Awaited<ReturnType<typeof discoverControlPlanes>>['controlPlanes'][number] | undefined;
  let homeFound: Awaited<ReturnType<typeof discoverControlPlanes>> | undefined;
  for (const c of targetClusters) {
    const client = await ctx.clusters.clientFor(c, `target cluster ${c}`);
    const found = await discoverControlPlanes(client);
    if (c === ctx.clusters.homeContext) homeFound = found;
    const cp = found.controlPlanes.find((x) => x.revision === spec.target.revision);
    if (!cp) failures.push(`no injector webhook of target revision ${spec.target.revision} is installed in ${c} (found revisions: ${found.controlPlanes.map((x) => x.revision).join(', ') || 'none'}); install it first`);
    else if (c === ctx.clusters.homeContext || !target) target = cp;
  }
  const waveNsIn = spec.waves.flatMap((w) => w.namespaces ?? []);
  if (src && target) {
    const cmp = compareRoots(await controlPlaneRoots(source, src), await controlPlaneRoots(home, target));
    const graph = await callGraphCheck(spec, ctx.annotations);
    if (!cmp.trusted) {
      warnings.push(`the two meshes' roots differ (${cmp.message}): a service in one cannot call one in the other over mTLS, so calls between waves must move together or take a declared path (spec.crossMeshPaths)`);
      failures.push(...graph.blocking);
    } else warnings.push(...graph.blocking.map((b) => `${b} (the roots are the same, so these calls still work: only warned)`));
    warnings.push(...graph.notes);
  }
  if (waveNsIn.length === 0) failures.push('no wave names a namespace: a CrossCluster wave moves namespaces');
  const scaling = spec.waves.filter((w) => scaleDownWindow(w) !== undefined).map((w) => w.name);
  if (scaling.length && !spec.prometheus) failures.push(`wave${scaling.length > 1 ? 's' : ''} ${scaling.join(', ')} scale${scaling.length > 1 ? '' : 's'} the source down only once Prometheus proves it receives no requests, but spec.prometheus is not set: set it, or drop scaleDownSource`);
  if (!spec.config || !analyze || !homeFound) return { failures, warnings };
  const failOn = spec.config.analyze?.failOn ?? 'Error';
  if (!ctx.config) throw new TypeError('spec.config is set but no config loader was given');
  // The target mesh spans its clusters: a Gateway's selector and credentialName Secret live where the gateway runs.
  const others = [...new Set([...(spec.target.clusters ?? []), ...targetClusters])].filter((c) => c !== ctx.clusters.homeContext);
  // What the waves bring (copied, or deployed by the user's pipeline): the config routes to their Services and selects
  // their pods before any wave ran, so they join as the target's own would, where the target lacks them. Only the
  // Services and workloads are read: whether the plan copies one depends on it alone, and only they join.
  const [config, moved, otherClients] = await Promise.all([ctx.config(), wavesServicesAndWorkloads(ctx), Promise.all(others.map((c) => ctx.clusters.clientFor(c, `target cluster ${c}`)))]);
  const findings = await analyzeConfig(home, config, homeFound, failOn, otherClients, moved);
  return { failures, warnings, analyze: { failOn, findings } };
}

/** The call-graph check of Init: what blocks (when the roots differ) and notes. */
async function callGraphCheck(spec: MeshMigrationSpec, annotations: Record<string, string> | undefined): Promise<{ blocking: string[]; notes: string[] }> {
  const accepted = annotations?.[ACCEPT_UNKNOWN_CALLS_ANNOTATION] === 'true';
  const window = spec.callGraph?.window ?? DEFAULT_CALL_GRAPH_WINDOW;
  const windowMs = parseDuration(window);
  const graph = spec.prometheus
    ? await queryCallGraph(new PrometheusGate(spec.prometheus.address), prometheusRange(windowMs))
    : ({ known: false, reason: 'spec.prometheus is not set, so meshferry cannot see which namespaces call which' } as const);
  const section = callGraphSection(spec, graph, { windowSeconds: windowMs / 1000, acceptUnknownCalls: accepted });
  if (!section.known) {
    if (accepted) return { blocking: [], notes: [`the call graph is unknown (${section.reason}); going on because --accept-unknown-calls was given`] };
    return { blocking: [`the call graph is unknown (${section.reason}): meshferry cannot tell whether a wave splits services that call each other; run \`meshferry migrate apply FILE --accept-unknown-calls\` to go on without it`], notes: [] };
  }
  if (!callGraphBlocks(section)) return { blocking: [], notes: [] };
  return { blocking: section.violations.map((v) => `a wave would split a call across the meshes: ${violationLine(v)}`), notes: [] };
}

/** Prepare's CrossCluster part: is every remote (target.clusters other than home) known to the primary? */
export async function crossPrepareView(ctx: CrossObserveContext): Promise<CrossPrepareObservation> {
  const seen = await observeRemoteSecrets(ctx);
  return { remoteSecretsMissing: seen.filter((r) => r.state === 'missing').map((r) => r.cluster), remoteSecretsForeign: seen.filter((r) => r.state === 'differs').map((r) => `${r.cluster}: ${r.detail}`) };
}

/**
 * The finish checks of a CrossCluster migration: nothing left running in the source (SourcePods), no traffic through
 * its old gateways (OldGatewayTraffic), the imported config still equal to the source's (ConfigParity), and no
 * trace of the source mesh in the target (VendorTraces). `sourceRevision` is the one Init recorded.
 */
export async function crossFinishChecks(ctx: CrossObserveContext, sourceRevision?: string): Promise<FinishCheck[]> {
  // Four reads of different clusters and Prometheus, none needing another: at once.
  const [sourcePods, traffic, config] = await Promise.all([readCrossClusterSourcePods(await sourceClient(ctx), ctx.spec), oldGatewayTrafficOf(ctx.spec), crossConfigChecks(ctx, sourceRevision)]);
  return [sourcePods, traffic, ...config];
}

/** ConfigParity and VendorTraces of a CrossCluster migration (also what `migrate finish --execute` re-reads). */
export async function crossConfigChecks(ctx: Omit<CrossObserveContext, 'journal'>, sourceRevision?: string): Promise<FinishCheck[]> {
  const { spec } = ctx;
  const routers: KubeObject[] = [];
  const hooks = ctx.cross?.shifts;
  for (const file of spec.waves.flatMap((w) => w.shifts ?? [])) {
    if (!hooks) throw new TypeError('the waves have shifts, but no shift hook was given');
    routers.push((await hooks.planned(file)).object);
  }
  const parity = await readConfigParity(spec, ctx.clusters.home, ctx.configNow ?? ctx.config, routers);
  // The target: home (its Istio config) and each wave's cluster (the waves' namespaces and what was copied there).
  const byCluster = new Map<string, string[]>([[ctx.clusters.homeContext, []]]);
  for (const w of spec.waves) {
    const c = waveCluster(spec, w) ?? ctx.clusters.homeContext;
    byCluster.set(c, [...(byCluster.get(c) ?? []), ...(w.namespaces ?? [])]);
  }
  const targets: TargetObjects[] = [];
  for (const [context, namespaces] of byCluster) {
    const client = await ctx.clusters.clientFor(context, `target cluster ${context}`);
    targets.push({ context, objects: await readTargetObjects(client, [...new Set(namespaces)], context === ctx.clusters.homeContext, (c, ns) => readSourceObjects(c, ns, false)) });
  }
  const revision = sourceRevision ?? spec.source?.revision;
  const traces = vendorTracesAcross(targets, { ...(spec.source?.managed ? { managed: spec.source.managed } : {}), ...(revision ? { sourceRevision: revision } : {}), targetRevisions: [spec.target.revision] });
  return [parity, traces];
}

/** The workload objects of a copy plan (what must run in the target). */
function plannedWorkloads(plan: CopyPlan): PlannedCopy[] {
  return plan.copy.filter((c) => WORKLOAD_KINDS.has(c.object.kind));
}

/** Reads what wave `index` needs at its recorded stage. */
export async function crossWaveView(ctx: CrossObserveContext, status: MigrationStatus, index: number): Promise<CrossWaveObservation> {
  const { spec } = ctx;
  const wave = spec.waves[index]!;
  const ws = status.waves[index]!;
  const stage = ws.stage ?? 'Namespaces';
  const { cluster, client } = await waveClient(ctx, wave);
  const out: CrossWaveObservation = { index, stage, cluster };
  const namespaces = wave.namespaces ?? [];
  switch (stage) {
    case 'Namespaces': {
      if (spec.workloads?.secrets !== true) out.secretsMissing = await secretsMissing(ctx, wave, client);
      const nsRes = client.discovery.resourceFor('', 'Namespace');
      const want = targetNamespaceLabels(spec);
      const toWrite: string[] = [];
      for (const ns of namespaces) {
        const live = nsRes ? await client.get(nsRes, undefined, ns) : undefined;
        if (!live || !showsLabels(live.metadata.labels ?? {}, want)) toWrite.push(ns);
      }
      out.namespacesToWrite = toWrite;
      if (toWrite.length === 0) {
        out.serving = true;
        for (const ns of namespaces) {
          const proof = await proveInjection(client, { namespace: ns, podLabels: {}, expectRevision: spec.target.revision });
          if (!proof.ok) {
            out.serving = proof.message;
            break;
          }
        }
      }
      return out;
    }
    case 'Workloads': {
      if (spec.workloads?.copy === false) {
        const { planned } = await waveWorkloads(ctx, wave);
        const live = await readLiveState(client, planned.map((c) => c.object), BY_NAMESPACE);
        out.awaited = planned.filter((c) => !live.get(keyOf(c.object))).map((c) => c.ref);
        return out;
      }
      const { toCopy, leftAlone } = await copyDiff(ctx, client, cluster, await waveCopyPlan(ctx, wave));
      out.toCopy = toCopy.map((c) => c.ref);
      out.leftAlone = leftAlone;
      return out;
    }
    case 'Ready':
      return { ...out, ...(await readiness(ctx, wave, client)) };
    case 'Shifting': {
      const hooks = ctx.cross?.shifts;
      if ((wave.shifts ?? []).length > 0 && !hooks) throw new TypeError(`wave ${wave.name} has shifts, but no shift hook was given`);
      out.shifts = [];
      for (const file of wave.shifts ?? []) out.shifts.push(await hooks!.observe(file));
      return out;
    }
    case 'ScalingDown': {
      const window = scaleDownWindow(wave);
      if (window === undefined) return { ...out, toScale: [] };
      const source = await sourceClient(ctx);
      const { planned, source: live } = await waveWorkloads(ctx, wave);
      const refs = planned.filter((c) => c.object.kind !== 'DaemonSet');
      const up = refs.filter((c) => {
        const l = live.get(keyString(keyOf(c.object)));
        return l && isPlainObject(l.spec) && (typeof l.spec.replicas === 'number' ? l.spec.replicas : 1) > 0;
      });
      out.toScale = up.map((c) => c.ref);
      if (up.length === 0) return out;
      const targets = up.map((c) => ({ kind: c.object.kind, namespace: c.object.metadata.namespace ?? '', name: c.object.metadata.name }));
      out.autoscalers = await hpasTargeting(source, targets);
      const sourceCluster = spec.source?.clusterName ?? spec.source?.context ?? '';
      out.quiet = spec.prometheus
        ? await checkQuiet(new PrometheusGate(spec.prometheus.address), { namespaces, sourceCluster, window: prometheusRange(parseDuration(window)) })
        : { verdict: 'noData', evidence: ['spec.prometheus is not set: meshferry cannot prove the source receives no requests'] };
      return out;
    }
  }
}

/** The objects of a copy plan still to write in the target, and those left alone (another manager owns them; a Secret exists). */
export async function copyDiff(ctx: Pick<CrossObserveContext, 'journal' | 'clusters'>, client: ObjectClient, cluster: string, plan: CopyPlan): Promise<{ toCopy: PlannedCopy[]; leftAlone: string[] }> {
  const live = await readLiveState(client, plan.copy.map((c) => c.object), BY_NAMESPACE);
  const homeCluster = ctx.clusters.homeContext;
  const toCopy: PlannedCopy[] = [];
  const leftAlone: string[] = [];
  // Objects this migration wrote there (done entries): written once, never diffed again, so a field the server
  // defaults or drops cannot make the wave write the same object on every pass.
  const ours = new Set(
    ctx.journal
      .entries()
      .filter((e) => (e.step === STEP.secret || e.step === STEP.copy) && e.state === 'done' && e.target && (e.target.context ?? homeCluster) === cluster)
      .map((e) => `${e.target!.kind} ${e.target!.namespace ?? ''}/${e.target!.name}`),
  );
  const mine = (o: KubeObject) => ours.has(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  for (const c of plan.copy) {
    const l = live.get(keyOf(c.object));
    if (!l) {
      toCopy.push(c);
      continue;
    }
    if (isSecret(c.object)) {
      if (!mine(c.object)) leftAlone.push(`${c.ref}: exists in ${cluster}; a Secret is never overwritten`);
      continue;
    }
    const foreign = foreignManagers(l);
    if (foreign.length) {
      leftAlone.push(`${c.ref}: written in ${cluster} by ${foreign.join(', ')}; meshferry never fights another owner`);
      continue;
    }
    if (!mine(c.object) && !showsObject(unmarked(c.object), l)) toCopy.push(c);
  }
  return { toCopy, leftAlone };
}

/** A bare copy as it was before `markIfBare` gave it meshferry's annotation: an equal object already there is not written. */
function unmarked(o: KubeObject): KubeObject {
  const a = o.metadata.annotations;
  if (!a || !(COPIED_ANNOTATION in a)) return o;
  const { [COPIED_ANNOTATION]: _mark, ...rest } = a;
  const metadata = { ...o.metadata };
  if (Object.keys(rest).length) metadata.annotations = rest;
  else delete metadata.annotations;
  return { ...o, metadata };
}

/** Secrets the wave's workloads reference that the target lacks (`ns/name (referrer)`). */
async function secretsMissing(ctx: CrossObserveContext, wave: WaveSpec, target: ObjectClient): Promise<string[]> {
  const plan = await waveCopyPlan(ctx, wave, false);
  const res = target.discovery.resourceFor('', 'Secret');
  const have = new Set<string>();
  if (res)
    for (const ns of new Set(plan.requiredSecrets.map((r) => r.secret.split('/')[0]!)))
      for (const s of await target.list(res, { namespace: ns, metadataOnly: true })) have.add(`${ns}/${s.metadata.name}`);
  return plan.requiredSecrets.filter((r) => !have.has(r.secret)).map((r) => `${r.secret} (${r.referencedBy.slice(0, 2).join('; ')})`);
}

/** The Ready stage: each workload rolled out in the target, with at least the source's ready replicas, its pods injected by the target. */
async function readiness(ctx: CrossObserveContext, wave: WaveSpec, target: ObjectClient): Promise<Partial<CrossWaveObservation>> {
  const { spec } = ctx;
  const { planned: workloads, source: srcLive } = await waveWorkloads(ctx, wave);
  const live = await readLiveState(target, workloads.map((c) => c.object), BY_NAMESPACE);
  const notReady: string[] = [];
  const problems: { pod: string; reason: string }[] = [];
  let verifiedPods = 0;
  // The workloads rolled out with the source's ready replicas; only their namespaces' pods are read (at once) to verify.
  const rolledOut: { ns: string; obj: KubeObject }[] = [];
  for (const c of workloads) {
    const ns = c.object.metadata.namespace ?? '';
    const ref = { kind: c.object.kind as WorkloadKind, namespace: ns, name: c.object.metadata.name };
    const obj = live.get(keyOf(c.object));
    if (!obj) {
      notReady.push(`${c.ref}: not in the target`);
      continue;
    }
    const verdict = rolloutVerdict(ref, obj);
    if (verdict.failed) problems.push({ pod: c.ref, reason: verdict.message });
    if (!verdict.done) {
      notReady.push(`${c.ref}: ${verdict.message}`);
      continue;
    }
    const srcObj = srcLive.get(keyString(keyOf(c.object)));
    const ready = (o: KubeObject | undefined) => (o && isPlainObject(o.status) ? Number(o.kind === 'DaemonSet' ? (o.status.numberReady ?? 0) : (o.status.readyReplicas ?? 0)) : 0);
    if (ready(obj) < ready(srcObj)) {
      notReady.push(`${c.ref}: ${ready(obj)} ready replica(s), the source has ${ready(srcObj)}`);
      continue;
    }
    rolledOut.push({ ns, obj });
  }
  const podRes = target.discovery.resourceFor('', 'Pod');
  const podNamespaces = [...new Set(rolledOut.map((r) => r.ns))];
  const podLists = await mapLimit(podNamespaces, SOURCE_READS, async (ns) => (podRes ? await target.list(podRes, { namespace: ns }) : []));
  const pods = new Map(podNamespaces.map((ns, i) => [ns, podLists[i]!]));
  for (const { ns, obj } of rolledOut) {
    const selector = parseLabelSelector(isPlainObject(obj.spec) ? obj.spec.selector : undefined);
    for (const pod of pods.get(ns)!) {
      if (!selector || !selectorMatches(selector, pod.metadata.labels ?? {})) continue;
      const inj = podInjection(pod);
      if (!inj.running) continue;
      const key = `${ns}/${pod.metadata.name}`;
      if (!inj.injected) problems.push({ pod: key, reason: 'no sidecar' });
      else if (inj.revision !== spec.target.revision) problems.push({ pod: key, reason: `injected by revision ${inj.revision ?? 'unknown'}, not ${spec.target.revision}` });
      else verifiedPods++;
    }
  }
  return { notReady, problems, workloads: workloads.length, verifiedPods };
}
