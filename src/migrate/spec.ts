// The MeshMigration file and object: spec and status types, names, and the defaults the engine applies.
import type { KubeObject } from '../resources/object.js';
import type { FinishCheck } from './finish/check-types.js';

export const MIGRATION_KIND = 'MeshMigration';
export const MIGRATION_GROUP = 'meshferry.dev';
export const MIGRATION_VERSION = 'v1alpha1';
export const MIGRATION_API_VERSION = `${MIGRATION_GROUP}/${MIGRATION_VERSION}`;
export const MIGRATION_PLURAL = 'meshmigrations';

export interface WaveSpec {
  name: string;
  namespaces?: string[];
  /** `namespace/name` of gateway Deployments (InPlace). */
  gateways?: string[];
  maxUnavailable?: number;
  pauseBefore?: boolean;
  /** CrossCluster: the target cluster (a kubeconfig context of target.clusters); see `waveCluster`. */
  cluster?: string;
  /** CrossCluster: TrafficShift files, relative to the MeshMigration file's folder, run to 100 once the wave is ready. */
  shifts?: string[];
  /** CrossCluster: scale the source workloads to 0 after a quiet window (`true`: the default window). */
  scaleDownSource?: boolean | { window: string };
  /** CrossCluster: how copied Services change. */
  services?: { loadBalancer?: 'clusterIP' | 'keep'; keepNodePorts?: boolean };
}

/** The migration's kind: InPlace (one cluster, two revisions) or CrossCluster (source cluster → target clusters). */
export type MigrationMode = 'InPlace' | 'CrossCluster';

/** Managed meshes a CrossCluster source can be: Tencent Cloud Mesh, Alibaba ASM, Google CSM. */
export type ManagedMesh = 'tcm' | 'asm' | 'csm';

/** CrossCluster: how the waves' workloads reach the target. */
export interface WorkloadsSpec {
  copy?: boolean;
  secrets?: boolean;
  statefulSets?: { allowEmptyVolumes?: boolean };
}

/** CrossCluster: a call allowed across the two meshes because it takes a declared gateway. */
export interface CrossMeshPathSpec {
  /** Namespace names. */
  from: string;
  to: string;
  /** `namespace/name` of the gateway. */
  via: string;
}

/** CrossCluster: the proof Finished demands. */
export interface FinishSpec {
  window?: string;
  oldGateways?: { context: string; workload: string }[];
}

export interface OptInSpec {
  namespaceLabels?: Record<string, string>;
  tag?: { name: string };
  podTemplateLabels?: Record<string, string>;
}

export interface MeshMigrationSpec {
  mode: MigrationMode;
  source?: { context?: string; revision?: string; managed?: ManagedMesh; clusterName?: string };
  /** `clusters`: CrossCluster only. */
  target: { context?: string; revision: string; clusters?: string[] };
  optIn?: OptInSpec;
  /** `from` is required in InPlace (the loader says so); in CrossCluster its absence means a live export of the source. */
  config?: { from?: string; rules?: string; analyze?: { failOn?: 'Error' | 'Warning' | 'Info' } };
  workloads?: WorkloadsSpec;
  crossMeshPaths?: CrossMeshPathSpec[];
  callGraph?: { window?: string };
  finish?: FinishSpec;
  requiredProxyMetadata?: Record<string, string>;
  prometheus?: { address: string };
  waves: WaveSpec[];
  verify?: { timeout?: string };
  retryCounter?: number;
}

export interface MeshMigration {
  apiVersion: typeof MIGRATION_API_VERSION;
  kind: typeof MIGRATION_KIND;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; uid?: string; generation?: number; resourceVersion?: string };
  spec: MeshMigrationSpec;
  status?: MigrationStatus;
}

/** Phases move only forward, in this order; RolledBack is reachable from any of them. */
export const PHASES = ['Init', 'Prepare', 'Migrating', 'Finished'] as const;
export type Phase = (typeof PHASES)[number] | 'RolledBack';

export type WaveState = 'Pending' | 'Paused' | 'OptedIn' | 'Verified' | 'Reverted' | 'Failed';

export interface WaveCounts {
  workloads: number;
  restarted: number;
  verifiedPods: number;
  untouched: number;
}

export interface WaveStatus {
  name: string;
  state: WaveState;
  counts: WaveCounts;
  /** `migrate resume` released this wave's pauseBefore. */
  released?: boolean;
  /** The time stamp this wave's restarts carry (fixed once, so a redone restart is the same restart). */
  restartAt?: string;
  /** Why the wave is Reverted or Failed. */
  reason?: string;
  /** Workloads the wave never touches (paused Deployment, bare Pod, Job), each with why. */
  untouchable?: { ref: string; reason: string }[];
  /** CrossCluster: how far the wave got; stages only move forward (see CROSS_STAGES). */
  stage?: CrossStage;
  /** CrossCluster: objects the wave did not write, each with why (another field manager owns it, a Secret exists); the first 20. */
  leftAlone?: string[];
  /** CrossCluster: objects the wave copied into its cluster, and source workloads it scaled to 0. */
  copied?: number;
  scaledDown?: number;
}

/**
 * The stages of a CrossCluster wave, in order: create its namespaces in the target cluster; copy (or await) its
 * workloads; wait until they are ready and injected by the target; run its TrafficShifts to 100; scale the source
 * down after a quiet window.
 */
export const CROSS_STAGES = ['Namespaces', 'Workloads', 'Ready', 'Shifting', 'ScalingDown'] as const;
export type CrossStage = (typeof CROSS_STAGES)[number];

/** Set by `migrate apply --accept-unknown-calls` on a CrossCluster object: Init goes on without a call graph. */
export const ACCEPT_UNKNOWN_CALLS_ANNOTATION = 'meshferry.dev/accept-unknown-calls';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface MigrationStatus {
  phase: Phase;
  message: string;
  retryCounter: number;
  observedGeneration: number;
  conditions: Condition[];
  waves: WaveStatus[];
  /** The revision the source was discovered to be (spec.source.revision or discovery). */
  sourceRevision?: string;
  /** The check that failed last and the retryCounter it failed at; a bumped counter re-runs it. */
  failedCheck?: { name: string; retryCounter: number };
  /** What still uses the source after Finished (listed, never removed). */
  residue?: string[];
  /** Set while rolling back, so a crash mid-rollback continues it. */
  rollingBack?: boolean;
  /** The stamp of Prepare's restarts (pods lacking the required proxy metadata). */
  prepareRestartAt?: string;
  /** Findings that do not stop the migration (a default tag still on the source, say). */
  warnings?: string[];
  /** CrossCluster: the finish checks of the last time the migration tried to finish, each with its evidence. */
  finishChecks?: FinishCheck[];
}

/** The opt-in the engine applies: the file's, or labels istio.io/rev=<target> on namespaces. */
export function effectiveOptIn(spec: MeshMigrationSpec): OptInSpec {
  return spec.optIn ?? { namespaceLabels: { 'istio.io/rev': spec.target.revision } };
}

/** The target cluster of a CrossCluster wave: its `cluster`, else the one entry of target.clusters (the loader ensures one of them). */
export function waveCluster(spec: MeshMigrationSpec, wave: WaveSpec): string | undefined {
  if (wave.cluster) return wave.cluster;
  return spec.target.clusters?.length === 1 ? spec.target.clusters[0] : undefined;
}

/**
 * Every kubeconfig context the file names, each once, in this order: source, target, target.clusters, waves[].cluster,
 * finish.oldGateways[].context. The CLI checks each against the kubeconfig; the apply record keeps them.
 */
export function contextsOf(spec: MeshMigrationSpec): string[] {
  return contextFields(spec).map((f) => f.context);
}

/** Where the file names each context (first occurrence of each), for messages that point at the field. */
export function contextFields(spec: MeshMigrationSpec): { context: string; path: (string | number)[] }[] {
  const out: { context: string; path: (string | number)[] }[] = [];
  const seen = new Set<string>();
  const add = (context: string | undefined, path: (string | number)[]) => {
    if (context === undefined || seen.has(context)) return;
    seen.add(context);
    out.push({ context, path });
  };
  add(spec.source?.context, ['spec', 'source', 'context']);
  add(spec.target.context, ['spec', 'target', 'context']);
  (spec.target.clusters ?? []).forEach((c, i) => add(c, ['spec', 'target', 'clusters', i]));
  spec.waves.forEach((w, i) => add(w.cluster, ['spec', 'waves', i, 'cluster']));
  (spec.finish?.oldGateways ?? []).forEach((g, i) => add(g.context, ['spec', 'finish', 'oldGateways', i, 'context']));
  return out;
}

/** Default maximum number of workloads restarting at once. */
export const DEFAULT_MAX_UNAVAILABLE = 1;
/** Default verify timeout. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 10 * 60_000;

/** Parses a duration like `90s`, `10m`, `1h30m`, `500ms` into milliseconds. */
export function parseDuration(s: string): number {
  let total = 0;
  for (const m of s.matchAll(/([0-9]+)(ms|s|m|h)/g)) total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return total;
}

/** A fresh status for a migration that has not started. */
export function initialStatus(spec: MeshMigrationSpec): MigrationStatus {
  return {
    phase: 'Init',
    message: '',
    retryCounter: spec.retryCounter ?? 0,
    observedGeneration: 0,
    conditions: [],
    waves: spec.waves.map((w) => ({ name: w.name, state: 'Pending', counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 } })),
  };
}

/** The object meshferry applies for a file: apiVersion, kind, name and spec (status is written separately). */
export function migrationObject(m: Pick<MeshMigration, 'metadata' | 'spec'>): KubeObject {
  const md = m.metadata;
  return { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, metadata: { name: md.name, ...(md.labels ? { labels: md.labels } : {}), ...(md.annotations ? { annotations: md.annotations } : {}) }, spec: m.spec };
}
