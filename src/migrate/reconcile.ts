// The migration's step function: (spec, recorded status, observed cluster) → the one next action. Pure; observe.ts reads, act.ts writes.
import type { MeshMigrationSpec, MigrationStatus, Phase, WaveCounts } from './spec.js';
import { DEFAULT_MAX_UNAVAILABLE } from './spec.js';
import type { Untouchable } from './cluster/workloads.js';
import { describeFindings, type ConfigFinding } from './config-findings.js';
import type { FinishCheck } from './finish/check-types.js';
import { crossFinish, crossWave, prepareCross, type CrossAction, type CrossPrepareObservation, type CrossWaveObservation } from './cross/reconcile-cross.js';

/** A journal entry still pending, and whether the cluster already shows its intent. */
export interface ObservedPending {
  seq: number;
  step: string;
  applied: boolean;
}

/** One workload of the current wave (or of Prepare). */
export interface ObservedWorkload {
  ref: string;
  /** Its template carries this wave's (or Prepare's) restart stamp. */
  restarted: boolean;
  /** Its rollout is complete (no old pods, all ready). */
  rolledOut: boolean;
  /** An OnDelete StatefulSet: its pods are deleted one by one (reverse ordinal) while it rolls. */
  onDelete?: boolean;
}

/** A running pod that failed verification. */
export interface PodProblem {
  pod: string;
  reason: string;
}

/** What observe.ts saw this tick; only the part the current phase needs is filled. */
export interface Observation {
  /** metadata.generation of the MeshMigration. */
  generation: number;
  /** RFC 3339, for stamps the action fixes. */
  now: string;
  pending: ObservedPending[];
  init?: {
    failures: string[];
    warnings: string[];
    /** spec.config analyzed with the live cluster: findings on the config's objects at or above failOn. */
    analyze?: { failOn: 'Error' | 'Warning' | 'Info'; findings: ConfigFinding[] };
  };
  prepare?: {
    /** spec.config compared with the cluster: objects still to create or change, and what is never written. */
    config?: { toImport: { ref: string; change: 'create' | 'change' }[]; skipped: string[] };
    proxyConfigReady: boolean;
    /** With workloads still to restart: true when a dry-run Pod comes back with the metadata (istiod applied the ProxyConfig), else why not. */
    proxyConfigServed?: true | string;
    /** Workloads in the waves whose pods lack the required metadata. */
    lacking: ObservedWorkload[];
    /** Pods outside the waves that lack it (reported, not restarted). */
    outside: string[];
  };
  wave?: {
    index: number;
    /** true when a dry-run Pod in every namespace of the wave comes back injected by the target; else why not. */
    serving: true | string;
    /** The cluster shows the wave's opt-in (labels, tag, pod templates). */
    optedIn: boolean;
    /** Where it does not: each differing label or tag, as `what: now X, the opt-in sets Y`. */
    drift?: string[];
    workloads: ObservedWorkload[];
    problems: PodProblem[];
    verifiedPods: number;
    untouchable: Untouchable[];
  };
  finish?: { sourcePods: string[]; residue: string[] };
  /** CrossCluster Prepare: the remote secrets. */
  prepareCross?: CrossPrepareObservation;
  /** CrossCluster Migrating: the current wave at its stage. */
  cross?: CrossWaveObservation;
  /** CrossCluster, every wave verified: the finish checks. */
  finishChecks?: FinishCheck[];
}

export type Action =
  | { kind: 'settle'; seq: number; applied: boolean }
  | { kind: 'stopFailed'; message: string }
  | { kind: 'fail'; check: string; message: string; wave?: number }
  | { kind: 'advance'; to: Phase; message: string; warnings?: string[] }
  | { kind: 'ensureProxyConfig' }
  | { kind: 'importConfig'; objects: string[] }
  | { kind: 'restart'; purpose: 'prepare' | 'wave'; wave?: number; workloads: string[] }
  | { kind: 'wait'; message: string; nudge?: string[] }
  | { kind: 'pause'; wave: number; message: string; drift?: boolean }
  | { kind: 'optIn'; wave: number; reapply: boolean }
  | { kind: 'revertOptIn'; wave: number; reason: string }
  | { kind: 'blocked'; wave: number; message: string }
  | { kind: 'waveVerified'; wave: number; counts: WaveCounts; untouchable: Untouchable[] }
  | { kind: 'finish'; residue: string[] }
  | { kind: 'finishCross'; checks: FinishCheck[] }
  | CrossAction
  | { kind: 'done'; message: string };

/** Actions after which the CLI loop stops, with their exit: 0 finished or paused, 1 a check failed. */
export function terminal(a: Action): 0 | 1 | undefined {
  // A pause as asked (pauseBefore) is a success; a pause because someone else changed the opt-in is a finding.
  if (a.kind === 'pause') return a.drift ? 1 : 0;
  if (a.kind === 'done') return 0;
  if (a.kind === 'fail' || a.kind === 'stopFailed' || a.kind === 'blocked') return 1;
  return undefined;
}

function maxUnavailable(spec: MeshMigrationSpec, wave: number | undefined): number {
  return (wave === undefined ? undefined : spec.waves[wave]?.maxUnavailable) ?? DEFAULT_MAX_UNAVAILABLE;
}

/** The next restart batch: workloads not yet restarted, as many as fit beside those still rolling out. */
function nextBatch(workloads: readonly ObservedWorkload[], limit: number): { restart: string[]; rolling: number; nudge: string[] } {
  const rollingOnes = workloads.filter((w) => w.restarted && !w.rolledOut);
  const room = Math.max(0, limit - rollingOnes.length);
  const nudge = rollingOnes.filter((w) => w.onDelete).map((w) => w.ref);
  return { restart: workloads.filter((w) => !w.restarted).slice(0, room).map((w) => w.ref), rolling: rollingOnes.length, nudge };
}

/**
 * Decides the one next action. Pending journal entries are settled first (look before redoing); a check that
 * failed stays failed until spec.retryCounter moves past the counter it failed at; phases only move forward.
 */
export function reconcile(spec: MeshMigrationSpec, status: MigrationStatus, obs: Observation): Action {
  if (status.phase === 'RolledBack') return { kind: 'done', message: 'rolled back' };
  const pending = obs.pending[0];
  if (pending) return { kind: 'settle', seq: pending.seq, applied: pending.applied };
  const retry = spec.retryCounter ?? 0;
  if (status.failedCheck && retry <= status.failedCheck.retryCounter)
    return { kind: 'stopFailed', message: `${status.message} (check ${status.failedCheck.name} failed at retryCounter ${status.failedCheck.retryCounter}; fix it, then run \`meshferry migrate retry\`)` };

  switch (status.phase) {
    case 'Init': {
      const init = obs.init;
      if (!init) return { kind: 'wait', message: 'Init checks have not run' };
      if (spec.config && !init.analyze) return { kind: 'wait', message: 'the config has not been analyzed' };
      const failures = [...init.failures];
      if (spec.config && init.analyze && init.analyze.findings.length > 0) failures.push(describeFindings(init.analyze.findings, init.analyze.failOn, spec.config));
      if (failures.length > 0) return { kind: 'fail', check: 'Init', message: `Init check failed: ${failures.join('; ')}` };
      return { kind: 'advance', to: 'Prepare', message: 'Init checks passed', warnings: init.warnings };
    }
    case 'Prepare': {
      // CrossCluster: the remotes are known to the primary before the config (which may name their services) is imported.
      if (spec.mode === 'CrossCluster') {
        const x = prepareCross(obs.prepareCross);
        if (x) return x;
      }
      if (!spec.requiredProxyMetadata && !spec.config) return { kind: 'advance', to: 'Migrating', message: 'Prepare done (no config to import, no required proxy metadata)' };
      const prep = obs.prepare;
      if (!prep) return { kind: 'wait', message: 'Prepare checks have not run' };
      // The config first: workloads restart (here and in the waves) into a mesh that already has it.
      if (spec.config && !prep.config) return { kind: 'wait', message: 'the config has not been compared with the cluster' };
      if (prep.config && prep.config.toImport.length > 0) return { kind: 'importConfig', objects: prep.config.toImport.map((o) => o.ref) };
      const skipped = prep.config?.skipped.length ? [`not imported (create them in the target yourself): ${prep.config.skipped.join(', ')}`] : [];
      if (!spec.requiredProxyMetadata) return { kind: 'advance', to: 'Migrating', message: 'Prepare done: the config is imported', warnings: skipped };
      if (!prep.proxyConfigReady) return { kind: 'ensureProxyConfig' };
      const { restart, rolling, nudge } = nextBatch(prep.lacking, maxUnavailable(spec, 0));
      if (restart.length > 0 && prep.proxyConfigServed !== true)
        return { kind: 'wait', message: `waiting for istiod to apply the ProxyConfig before restarting: ${prep.proxyConfigServed ?? 'not probed yet'}` };
      if (restart.length > 0) return { kind: 'restart', purpose: 'prepare', workloads: restart };
      if (rolling > 0) return { kind: 'wait', message: `${rolling} workload(s) restarting to pick up the required proxy metadata`, ...(nudge.length ? { nudge } : {}) };
      if (prep.lacking.length > 0)
        return { kind: 'fail', check: 'ProxyMetadata', message: `restarted pods still lack the required proxy metadata: ${prep.lacking.map((w) => w.ref).join(', ')}` };
      const warnings = [...skipped, ...(prep.outside.length ? [`pods outside the waves lack the required proxy metadata (not restarted): ${prep.outside.slice(0, 10).join(', ')}${prep.outside.length > 10 ? ', ...' : ''}`] : [])];
      return { kind: 'advance', to: 'Migrating', message: 'every proxy in the waves carries the required proxy metadata', warnings };
    }
    case 'Migrating':
      return migrating(spec, status, obs);
    case 'Finished':
      return { kind: 'done', message: status.message || 'finished' };
  }
}

function migrating(spec: MeshMigrationSpec, status: MigrationStatus, obs: Observation): Action {
  const index = status.waves.findIndex((w) => w.state !== 'Verified');
  if (spec.mode === 'CrossCluster') {
    if (index < 0) return crossFinish(obs.finishChecks);
    // Paused on drift is InPlace's; a CrossCluster wave pauses only as asked (pauseBefore).
    return crossWave(spec, status, index, obs.cross);
  }
  if (index < 0) {
    const fin = obs.finish;
    if (!fin) return { kind: 'wait', message: 'finish checks have not run' };
    if (fin.sourcePods.length > 0)
      return { kind: 'fail', check: 'Finish', message: `pods in scope still run the source revision: ${fin.sourcePods.slice(0, 10).join(', ')}${fin.sourcePods.length > 10 ? ', ...' : ''}` };
    return { kind: 'finish', residue: fin.residue };
  }
  const ws = status.waves[index]!;
  const wave = spec.waves[index]!;
  const seen = obs.wave;
  if (!seen || seen.index !== index) return { kind: 'wait', message: `wave ${wave.name} has not been observed` };
  switch (ws.state) {
    case 'Pending':
    case 'Paused':
      // Paused on drift: only `migrate resume` releases it (a second `apply` does not).
      if (ws.state === 'Paused' && ws.reason && !ws.released) return { kind: 'pause', wave: index, drift: true, message: ws.reason };
      if (wave.pauseBefore && !ws.released) return { kind: 'pause', wave: index, message: `paused before wave ${wave.name}, as asked; run \`meshferry migrate resume\` to continue` };
      if (seen.serving !== true) return { kind: 'fail', check: 'TargetServing', wave: index, message: `the target injector does not serve wave ${wave.name}: ${seen.serving}` };
      // A wave that opted in before (paused on drift, then released) restarts its workloads again with a new stamp.
      return { kind: 'optIn', wave: index, reapply: ws.restartAt !== undefined };
    case 'Reverted':
      if (seen.serving !== true)
        return { kind: 'blocked', wave: index, message: `wave ${wave.name} is reverted because the target injector stopped serving (${seen.serving}); bring it back, then run \`meshferry migrate resume\`` };
      return { kind: 'optIn', wave: index, reapply: true };
    case 'OptedIn':
    case 'Failed': {
      // Someone else changed what the opt-in set: never put it back silently; pause and name the change.
      if (!seen.optedIn)
        return {
          kind: 'pause',
          wave: index,
          drift: true,
          message: `wave ${wave.name}: its opt-in was changed outside meshferry (${(seen.drift ?? []).join('; ') || 'the cluster no longer shows it'}); nothing was put back. Find out who changed it; then \`meshferry migrate resume\` applies the opt-in again and restarts the wave`,
        };
      // Checked after the drift: a namespace relabelled by hand probes as "not the target" without anything being down.
      if (seen.serving !== true) return { kind: 'revertOptIn', wave: index, reason: `the target injector stopped serving: ${seen.serving}` };
      const { restart, rolling, nudge } = nextBatch(seen.workloads, maxUnavailable(spec, index));
      if (restart.length > 0) return { kind: 'restart', purpose: 'wave', wave: index, workloads: restart };
      if (rolling > 0) return { kind: 'wait', message: `wave ${wave.name}: ${rolling} workload(s) rolling out`, ...(nudge.length ? { nudge } : {}) };
      if (seen.problems.length > 0)
        return {
          kind: 'fail',
          check: 'Verify',
          wave: index,
          message: `wave ${wave.name}: ${seen.problems.length} pod(s) failed verification: ${seen.problems.slice(0, 5).map((p) => `${p.pod} (${p.reason})`).join(', ')}${seen.problems.length > 5 ? ', ...' : ''}`,
        };
      return {
        kind: 'waveVerified',
        wave: index,
        counts: { workloads: seen.workloads.length, restarted: seen.workloads.filter((w) => w.restarted).length, verifiedPods: seen.verifiedPods, untouched: seen.untouchable.length },
        untouchable: seen.untouchable,
      };
    }
    case 'Verified':
      return { kind: 'wait', message: 'unreachable' };
  }
}
