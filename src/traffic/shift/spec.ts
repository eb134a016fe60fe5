// The TrafficShift file: its types, its loader (schema + the rules a schema cannot say) and the plan the loop runs.
import { parseGoDuration } from '../../analyze/schema/cel.js';
import { loadMeshferryFile, parseMeshferryFile } from '../../resources/meshferry-file.js';
import type { FileProblem, LoadOptions, MeshferryFile } from '../../resources/meshferry-file.js';
import type { PathSegment } from '../../resources/resource-set.js';
import { parsePrometheusAddress } from '../gates/prometheus.js';
import type { CheckSpec } from '../gates/templates.js';
import type { RouterSpec } from '../routers/spec.js';

export const TRAFFIC_SHIFT_KIND = 'TrafficShift';

/** `gates:` as written. */
export interface GatesSpec {
  prometheus: { address: string };
  checks: CheckSpec[];
  workload?: { namespace: string; name: string };
  window?: string;
  failureThreshold?: number;
  consecutiveErrorLimit?: number;
  noData?: { verdict?: 'hold' | 'fail'; maxHold?: string };
}

export type RollbackSpec = { mode: 'instant'; interval?: string } | { mode: 'gradual'; steps: number[]; interval?: string };

export interface RetireSpec {
  kind: 'ServiceEntry' | 'WorkloadEntry' | 'WorkloadGroup';
  name: string;
  namespace?: string;
  context?: string;
}

/** `spec:` of a TrafficShift as written in the file (and stored in the cluster). */
export interface TrafficShiftSpec {
  router: RouterSpec;
  steps?: number[];
  stepWeight?: number;
  maxWeight?: number;
  interval: string;
  gates?: GatesSpec;
  rollback?: RollbackSpec;
  retire?: RetireSpec[];
}

/** A whole TrafficShift document. */
export interface TrafficShiftDocument {
  apiVersion: string;
  kind: 'TrafficShift';
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: TrafficShiftSpec;
}

/** What the decision function needs of a spec, with defaults filled in and durations in milliseconds. */
export interface ShiftPlan {
  /** Weights of "to", strictly ascending; the last one is where the shift ends. */
  steps: number[];
  intervalMs: number;
  /** Intervals with a failed check at one step before rollback. */
  failureThreshold: number;
  /** Prometheus errors in a row tolerated while holding; one more fails the shift. */
  consecutiveErrorLimit: number;
  noData: { verdict: 'hold' | 'fail'; maxHoldMs: number };
  rollback: { mode: 'instant' } | { mode: 'gradual'; steps: number[] };
  rollbackIntervalMs: number;
  /** False when the shift has no gates: each step only waits its interval. */
  gated: boolean;
}

export const DEFAULT_FAILURE_THRESHOLD = 2;
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
export const DEFAULT_MAX_HOLD = '10m';

/** A duration the schema already matched (`1m30s`), in milliseconds. */
export function durationMs(text: string): number {
  return parseGoDuration(text) / 1e6;
}

/** The weights of "to" a spec walks through: `steps`, or `stepWeight` up to `maxWeight` (default 100). */
export function stepsOf(spec: Pick<TrafficShiftSpec, 'steps' | 'stepWeight' | 'maxWeight'>): number[] {
  if (spec.steps) return [...spec.steps];
  const step = spec.stepWeight ?? 0;
  const max = spec.maxWeight ?? 100;
  if (step <= 0) return [];
  const out: number[] = [];
  for (let i = 1; i * step < max; i++) out.push(i * step);
  out.push(max);
  return out;
}

/** The decision-relevant view of a spec. */
export function planOf(spec: TrafficShiftSpec): ShiftPlan {
  const intervalMs = durationMs(spec.interval);
  const rollback = spec.rollback ?? { mode: 'instant' as const };
  return {
    steps: stepsOf(spec),
    intervalMs,
    failureThreshold: spec.gates?.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
    consecutiveErrorLimit: spec.gates?.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT,
    noData: { verdict: spec.gates?.noData?.verdict ?? 'hold', maxHoldMs: durationMs(spec.gates?.noData?.maxHold ?? DEFAULT_MAX_HOLD) },
    rollback: rollback.mode === 'gradual' ? { mode: 'gradual', steps: [...rollback.steps] } : { mode: 'instant' },
    rollbackIntervalMs: rollback.interval ? durationMs(rollback.interval) : intervalMs,
    gated: spec.gates !== undefined,
  };
}

/** The rules of a TrafficShift that JSON Schema cannot say, each at the field it is about. */
export function checkTrafficShift(doc: TrafficShiftDocument): FileProblem[] {
  const out: FileProblem[] = [];
  const spec = doc.spec;
  const at = (...path: PathSegment[]): PathSegment[] => ['spec', ...path];
  if (spec.steps) {
    const sum = spec.steps.reduce((a, b) => a + b, 0);
    if (sum === 0) out.push({ path: at('steps'), message: 'the sum of the step weights is 0: this shift would never send traffic to "to"' });
    else
      spec.steps.forEach((w, i) => {
        if (i > 0 && w <= spec.steps![i - 1]!) out.push({ path: at('steps', i), message: `steps must ascend: ${w} follows ${spec.steps![i - 1]}` });
      });
  } else if (spec.stepWeight !== undefined) {
    if (spec.stepWeight === 0) out.push({ path: at('stepWeight'), message: 'stepWeight is 0 (the sum of weights is 0): this shift would never send traffic to "to"' });
    if (spec.maxWeight === 0) out.push({ path: at('maxWeight'), message: 'maxWeight is 0 (the sum of weights is 0): this shift would never send traffic to "to"' });
    else if (spec.maxWeight !== undefined && spec.stepWeight > spec.maxWeight) out.push({ path: at('stepWeight'), message: `stepWeight ${spec.stepWeight} is above maxWeight ${spec.maxWeight}` });
  }
  const positive = (text: string | undefined, path: PathSegment[]): void => {
    if (text !== undefined && durationMs(text) <= 0) out.push({ path, message: `must be longer than 0, not ${JSON.stringify(text)}` });
  };
  positive(spec.interval, at('interval'));
  positive(spec.gates?.window, at('gates', 'window'));
  positive(spec.gates?.noData?.maxHold, at('gates', 'noData', 'maxHold'));
  positive(spec.rollback?.interval, at('rollback', 'interval'));
  if (spec.gates) {
    try {
      parsePrometheusAddress(spec.gates.prometheus.address);
    } catch (err) {
      out.push({ path: at('gates', 'prometheus', 'address'), message: err instanceof Error ? err.message.replace(/ \(at gates\.prometheus\.address\)$/, '') : String(err) });
    }
    spec.gates.checks.forEach((c, i) => {
      if (c.min !== undefined && c.max !== undefined && c.min > c.max) out.push({ path: at('gates', 'checks', i, 'min'), message: `"min" (${c.min}) is above "max" (${c.max})` });
    });
    const names = new Map<string, number>();
    spec.gates.checks.forEach((c, i) => {
      const name = c.name ?? ('metric' in c ? c.metric : '');
      const first = names.get(name);
      if (first !== undefined) out.push({ path: at('gates', 'checks', i), message: `a second check named "${name}" (the first is checks[${first}]); give one a "name"` });
      else names.set(name, i);
    });
  }
  // One object named twice would be written twice per step and read as two pairs that must agree: a typo, refused.
  const ns = doc.metadata.namespace ?? 'default';
  const objects = (kind: 'virtualService' | 'httpRoute', targets: readonly { context?: string; namespace?: string; name: string }[], what: string): void => {
    const seen = new Map<string, number>();
    targets.forEach((t, i) => {
      const key = JSON.stringify([t.context ?? null, t.namespace ?? ns, t.name]);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else
        out.push({
          path: at('router', kind, 'targets', i),
          message: `a second target for ${what} ${t.namespace ?? ns}/${t.name}${t.context ? ` in context ${t.context}` : ''} (the first is targets[${first}]); name each object once`,
        });
    });
  };
  if (spec.router.virtualService) objects('virtualService', spec.router.virtualService.targets, 'VirtualService');
  if (spec.router.httpRoute) objects('httpRoute', spec.router.httpRoute.targets, 'HTTPRoute');
  if (spec.router.lbWeight?.targets) {
    const seen = new Map<string, number>();
    spec.router.lbWeight.targets.forEach((pair, i) => {
      for (const side of ['from', 'to'] as const) {
        const svc = pair[side];
        const key = JSON.stringify([svc.context ?? null, svc.service]);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else
          out.push({
            path: at('router', 'lbWeight', 'targets', i, side),
            message: `Service ${svc.service}${svc.context ? ` in context ${svc.context}` : ''} is already in targets[${first}]; name each Service once`,
          });
      }
    });
  }
  if (spec.rollback?.mode === 'gradual') {
    const steps = spec.rollback.steps;
    steps.forEach((w, i) => {
      if (i > 0 && w >= steps[i - 1]!) out.push({ path: at('rollback', 'steps', i), message: `rollback steps must descend: ${w} follows ${steps[i - 1]}` });
    });
    if (steps[steps.length - 1] !== 0) out.push({ path: at('rollback', 'steps', steps.length - 1), message: 'the last rollback step must be 0 (all traffic back on "from")' });
  }
  return out;
}

/** A loaded TrafficShift: the document, the plan, and the way back to file:line. */
export interface LoadedTrafficShift extends MeshferryFile<TrafficShiftDocument> {
  plan: ShiftPlan;
  /** The namespace of the TrafficShift object: metadata.namespace or `default`. */
  namespace: string;
}

function loaded(file: MeshferryFile<TrafficShiftDocument>): LoadedTrafficShift {
  return { ...file, plan: planOf(file.value.spec), namespace: file.value.metadata.namespace ?? 'default' };
}

/** Reads and validates a TrafficShift file (`-` for stdin); bad input is an InputError with file:line (exit 2). */
export async function loadTrafficShift(file: string, opts: Pick<LoadOptions<TrafficShiftDocument>, 'stdin'> = {}): Promise<LoadedTrafficShift> {
  return loaded(await loadMeshferryFile<TrafficShiftDocument>(file, TRAFFIC_SHIFT_KIND, { ...opts, check: checkTrafficShift }));
}

/** Validates the text of a TrafficShift file. */
export function parseTrafficShift(text: string, file: string): LoadedTrafficShift {
  return loaded(parseMeshferryFile<TrafficShiftDocument>(text, file, TRAFFIC_SHIFT_KIND, { check: checkTrafficShift }));
}
