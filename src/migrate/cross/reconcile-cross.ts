// The CrossCluster branch of the step function: (spec, status, observation) → the one next action for Prepare's remote secrets and a wave's stages. Pure; observe-cross.ts reads, act-cross.ts writes.
import type { FinishCheck } from '../finish/check-types.js';
import { finishChecksPass } from '../finish/check-types.js';
import type { CrossStage, MeshMigrationSpec, MigrationStatus, WaveSpec } from '../spec.js';
import { CROSS_STAGES } from '../spec.js';
import { DEFAULT_SCALE_DOWN_WINDOW } from './outline.js';

/** A pod of a copied workload that failed verification in the target. */
export interface CrossPodProblem {
  pod: string;
  reason: string;
}

/** One TrafficShift of the wave, as the engine last ticked it. */
export interface ObservedShift {
  file: string;
  /** `namespace/name` of its TrafficShift in home, once applied. */
  ref?: string;
  done: boolean;
  /** Why it ended without reaching 100 (rolled back, failed, aborted). */
  failed?: string;
}

/** The quiet check before a wave scales its source down. */
export interface ObservedQuiet {
  verdict: 'quiet' | 'busy' | 'noData' | 'error';
  evidence: string[];
}

/** What observe-cross.ts read for the current wave; only the part its stage needs is filled. */
export interface CrossWaveObservation {
  index: number;
  stage: CrossStage;
  /** The wave's target cluster (a kubeconfig context). */
  cluster: string;
  /** Namespaces: Secrets the wave's workloads reference that are missing in the target (secrets: false), each `ns/name (referrer)`. */
  secretsMissing?: string[];
  /** Namespaces: the wave's namespaces still to create or label in the target. */
  namespacesToWrite?: string[];
  /** Namespaces (once they exist): a dry-run Pod in every wave namespace comes back injected by the target, else why not. */
  serving?: true | string;
  /** Workloads (copy: true): objects still to copy (refs), and those left alone with why. */
  toCopy?: string[];
  leftAlone?: string[];
  /** Workloads (copy: false): workloads the target does not have yet. */
  awaited?: string[];
  /** Ready: copied or awaited workloads not ready yet in the target (each with why), and pods that failed verification. */
  notReady?: string[];
  problems?: CrossPodProblem[];
  workloads?: number;
  verifiedPods?: number;
  /** Shifting: each shift file of the wave. */
  shifts?: ObservedShift[];
  /** ScalingDown: source workloads still above 0 replicas, HPAs that target them (named, not refused), and the quiet check. */
  toScale?: string[];
  autoscalers?: string[];
  quiet?: ObservedQuiet;
}

/** What observe-cross.ts read for Prepare. */
export interface CrossPrepareObservation {
  /** Remotes (target.clusters other than home) whose remote secret is not in home yet. */
  remoteSecretsMissing: string[];
  /** Remote secrets someone else made that differ from what meshferry would make: named, never overwritten. */
  remoteSecretsForeign: string[];
}

export type CrossAction =
  | { kind: 'ensureRemoteSecret'; cluster: string }
  | { kind: 'crossStage'; wave: number; stage: CrossStage; message: string; counts?: { workloads: number; verifiedPods: number } }
  | { kind: 'createNamespaces'; wave: number; namespaces: string[] }
  | { kind: 'copyObjects'; wave: number; refs: string[] }
  | { kind: 'shiftTick'; wave: number; file: string }
  | { kind: 'scaleDown'; wave: number; refs: string[]; autoscalers?: string[] }
  | { kind: 'crossVerified'; wave: number };

/** The decisions this module returns are either its own actions or the engine's common ones. */
export type CommonAction =
  | { kind: 'wait'; message: string }
  | { kind: 'fail'; check: string; message: string; wave?: number }
  | { kind: 'pause'; wave: number; message: string }
  | { kind: 'finishCross'; checks: FinishCheck[] };

const list = (items: readonly string[], n = 10) => `${items.slice(0, n).join(', ')}${items.length > n ? `, ... (${items.length} in all)` : ''}`;

/** The stage after `stage`, or undefined after the last. */
export function nextStage(stage: CrossStage): CrossStage | undefined {
  return CROSS_STAGES[CROSS_STAGES.indexOf(stage) + 1];
}

/** Prepare's CrossCluster part, decided before the config import: every remote is known to the primary. */
export function prepareCross(prep: CrossPrepareObservation | undefined): CrossAction | CommonAction | undefined {
  if (!prep) return { kind: 'wait', message: 'the remote secrets have not been observed' };
  if (prep.remoteSecretsForeign.length > 0)
    return {
      kind: 'fail',
      check: 'RemoteSecret',
      message: `a remote secret in the primary was made by someone else and differs from what meshferry would make; meshferry never overwrites it: ${list(prep.remoteSecretsForeign)}. Check it points at the right cluster (or delete it), then run \`meshferry migrate retry\``,
    };
  const missing = prep.remoteSecretsMissing[0];
  return missing === undefined ? undefined : { kind: 'ensureRemoteSecret', cluster: missing };
}

/** The scale-down window of a wave (`true`: the default, 5m), or undefined when its source keeps running. */
export function scaleDownWindow(wave: WaveSpec): string | undefined {
  if (wave.scaleDownSource === true) return DEFAULT_SCALE_DOWN_WINDOW;
  return typeof wave.scaleDownSource === 'object' ? wave.scaleDownSource.window : undefined;
}

/** Decides the next action of CrossCluster wave `index` at its recorded stage. */
export function crossWave(spec: MeshMigrationSpec, status: MigrationStatus, index: number, seen: CrossWaveObservation | undefined): CrossAction | CommonAction {
  const wave = spec.waves[index]!;
  const ws = status.waves[index]!;
  const stage = ws.stage ?? 'Namespaces';
  if (ws.state === 'Pending' || ws.state === 'Paused') {
    if (wave.pauseBefore && !ws.released) return { kind: 'pause', wave: index, message: `paused before wave ${wave.name}, as asked; run \`meshferry migrate resume\` to continue` };
  }
  if (!seen || seen.index !== index || seen.stage !== stage) return { kind: 'wait', message: `wave ${wave.name} has not been observed` };
  const advance = (message: string, counts?: { workloads: number; verifiedPods: number }): CrossAction => {
    const to = nextStage(stage);
    return to ? { kind: 'crossStage', wave: index, stage: to, message, ...(counts ? { counts } : {}) } : { kind: 'crossVerified', wave: index };
  };
  switch (stage) {
    case 'Namespaces':
      // Before any write of the wave: a workload whose Secret is missing in the target would never start there.
      if (seen.secretsMissing?.length)
        return {
          kind: 'fail',
          check: 'SecretsMissing',
          wave: index,
          message: `wave ${wave.name}: ${seen.secretsMissing.length} Secret(s) its workloads use do not exist in ${seen.cluster} (workloads.secrets is false, so meshferry does not copy them): ${list(seen.secretsMissing)}. Create them there (or set workloads.secrets: true), then run \`meshferry migrate retry\``,
        };
      if (seen.namespacesToWrite?.length) return { kind: 'createNamespaces', wave: index, namespaces: seen.namespacesToWrite };
      if (seen.serving !== true)
        return { kind: 'fail', check: 'TargetServing', wave: index, message: `the target injector in ${seen.cluster} does not serve wave ${wave.name}: ${seen.serving ?? 'not probed'}` };
      return advance(`wave ${wave.name}: namespaces ready in ${seen.cluster}, injected by ${spec.target.revision}`);
    case 'Workloads':
      if (seen.toCopy?.length) return { kind: 'copyObjects', wave: index, refs: seen.toCopy };
      if (seen.awaited?.length) return { kind: 'wait', message: `wave ${wave.name}: waiting for ${seen.awaited.length} workload(s) to appear in ${seen.cluster} (workloads.copy is false: your pipeline deploys them): ${list(seen.awaited)}` };
      return advance(`wave ${wave.name}: workloads in ${seen.cluster}`);
    case 'Ready':
      if (seen.problems?.length)
        return { kind: 'fail', check: 'Verify', wave: index, message: `wave ${wave.name}: ${seen.problems.length} pod(s) in ${seen.cluster} failed verification: ${list(seen.problems.map((p) => `${p.pod} (${p.reason})`), 5)}` };
      if (seen.notReady?.length) return { kind: 'wait', message: `wave ${wave.name}: ${seen.notReady.length} workload(s) not ready in ${seen.cluster}: ${list(seen.notReady, 5)}` };
      return advance(`wave ${wave.name}: ${seen.verifiedPods ?? 0} pod(s) ready in ${seen.cluster}, injected by ${spec.target.revision}`, { workloads: seen.workloads ?? 0, verifiedPods: seen.verifiedPods ?? 0 });
    case 'Shifting': {
      const failed = seen.shifts?.find((s) => s.failed);
      if (failed) return { kind: 'fail', check: 'Shift', wave: index, message: `wave ${wave.name}: TrafficShift ${failed.ref ?? failed.file} did not reach 100: ${failed.failed}` };
      const open = seen.shifts?.find((s) => !s.done);
      if (open) return { kind: 'shiftTick', wave: index, file: open.file };
      return advance(`wave ${wave.name}: ${seen.shifts?.length ? `traffic shifted (${list(seen.shifts.map((s) => s.ref ?? s.file))})` : 'no TrafficShift to run'}`);
    }
    case 'ScalingDown': {
      if (!seen.toScale?.length) return advance(`wave ${wave.name}: the source keeps no replicas`);
      const q = seen.quiet;
      if (!q) return { kind: 'wait', message: `wave ${wave.name}: the quiet check has not run` };
      if (q.verdict === 'quiet') return { kind: 'scaleDown', wave: index, refs: seen.toScale, ...(seen.autoscalers?.length ? { autoscalers: seen.autoscalers } : {}) };
      const what = q.verdict === 'busy' ? 'still receive requests' : q.verdict === 'noData' ? 'not proven quiet (no data: meshferry never takes that for quiet)' : 'not proven quiet (Prometheus failed)';
      return { kind: 'wait', message: `wave ${wave.name}: the source workloads ${what}: ${list(q.evidence, 3)}` };
    }
  }
}

/** Decides how a CrossCluster migration ends once every wave is verified: only when every finish check passes. */
export function crossFinish(checks: readonly FinishCheck[] | undefined): CommonAction {
  if (!checks) return { kind: 'wait', message: 'finish checks have not run' };
  if (finishChecksPass(checks)) return { kind: 'finishCross', checks: [...checks] };
  const bad = checks.filter((c) => c.verdict === 'fail' || c.verdict === 'notProven');
  const words = bad.map((c) => `${c.name} ${c.verdict === 'fail' ? 'failed' : 'not proven'}: ${list(c.evidence, 3)}`).join('; ');
  // What passes by waiting (pods terminating, the old gateway's last requests inside the window) is waited for.
  if (bad.every((c) => c.transient)) return { kind: 'wait', message: `waiting for the finish checks: ${words}` };
  return {
    kind: 'fail',
    check: 'Finish',
    message: `finish check${bad.length > 1 ? 's' : ''} ${bad.map((c) => `${c.name} ${c.verdict === 'fail' ? 'failed' : 'not proven'}: ${list(c.evidence, 3)}`).join('; ')}`,
  };
}
