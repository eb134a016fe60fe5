// The MeshMigration file and object: spec and status types, names, and the defaults the engine applies.
import type { KubeObject } from '../resources/object.js';

export const MIGRATION_KIND = 'MeshMigration';
export const MIGRATION_GROUP = 'meshferry.dev';
export const MIGRATION_VERSION = 'v1alpha1';
export const MIGRATION_API_VERSION = `${MIGRATION_GROUP}/${MIGRATION_VERSION}`;
export const MIGRATION_PLURAL = 'meshmigrations';

export interface WaveSpec {
  name: string;
  namespaces?: string[];
  /** `namespace/name` of gateway Deployments. */
  gateways?: string[];
  maxUnavailable?: number;
  pauseBefore?: boolean;
}

export interface OptInSpec {
  namespaceLabels?: Record<string, string>;
  tag?: { name: string };
  podTemplateLabels?: Record<string, string>;
}

export interface MeshMigrationSpec {
  mode: 'InPlace';
  source?: { context?: string; revision?: string };
  target: { context?: string; revision: string };
  optIn?: OptInSpec;
  config?: { from: string; rules?: string; analyze?: { failOn?: 'Error' | 'Warning' | 'Info' } };
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
}

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
}

/** The opt-in the engine applies: the file's, or labels istio.io/rev=<target> on namespaces. */
export function effectiveOptIn(spec: MeshMigrationSpec): OptInSpec {
  return spec.optIn ?? { namespaceLabels: { 'istio.io/rev': spec.target.revision } };
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
