// The router interface every traffic router implements (Flagger's shape: validate, read, write, finalize), and its errors.
import { ExitCode, MeshferryError } from '../../errors.js';
import type { ObjectClient } from '../../kube/object-client.js';

/** The clusters a router may touch: one ObjectClient per kubeconfig context (undefined: the current context). */
export interface ClusterSet {
  client(context: string | undefined): Promise<ObjectClient>;
}

/** The live weights of one pair of destinations in one object. */
export interface TargetWeights {
  /** `<context>/<Kind> <namespace>/<name>`: the object holding the weights. */
  target: string;
  /** The field holding this pair, e.g. `spec.http[0] (route "main")` or the weight annotation. */
  field: string;
  /** Percent of the pair's traffic going to "to", 0..100 (weights are relative: raw 80/30 is 27.27). */
  to: number;
  /** The weights as written in the object. */
  raw: { from: number; to: number };
  /** The object's resourceVersion when read (for lb-weight: `<from rv>,<to rv>`). */
  resourceVersion: string;
}

/** Every pair of every target, read together. */
export interface LiveWeights {
  targets: TargetWeights[];
}

/** A problem found before the first write. `code` lets the loop act on a kind of problem (`SharedOwner`). */
export interface RouterProblem {
  severity: 'error' | 'warning';
  target: string;
  field?: string;
  message: string;
  /**
   * `SharedOwner`: another field manager (a GitOps controller, say) owns the object; its next sync undoes the
   * weights, so `shift run` refuses without `--allow-shared-owner`. `owner` names the manager.
   */
  code?: 'SharedOwner' | 'NotFound' | 'NoRoute' | 'Ambiguous' | 'GatewayMismatch' | 'LoadBalancerMismatch' | 'Weights' | 'Disagree';
  owner?: string;
}

/** How a shift ended, for `finalize`. */
export type ShiftOutcome = 'promoted' | 'rolledBack' | 'aborted';

/** A traffic router: one kind of object that holds a split's weights, in one or more clusters. */
export interface Router {
  readonly kind: 'virtualService' | 'lbWeight' | 'httpRoute' | 'noop';
  /** Which Istio metrics reporter sees this traffic: sidecars of the destination, or gateways (`source`). */
  readonly reporter: 'source' | 'destination';
  /** Checks before the first write: objects exist, both sides are in the routes, other owners, gateways alike. */
  validate(): Promise<RouterProblem[]>;
  /** The live weights of every target, read now from the clusters (never from memory). */
  read(): Promise<LiveWeights>;
  /**
   * Moves every target to `to` percent for "to" (and 100 - `to` for "from"). Refuses with WeightsChangedError when
   * any target's weights differ from `expected` (someone else's edit); a change to other fields is retried
   * around, never overwritten. Returns the weights read back after the write.
   */
  write(to: number, expected: LiveWeights): Promise<LiveWeights>;
  /** Called once when the shift ends. */
  finalize(outcome: ShiftOutcome): Promise<void>;
}

/** One weight someone else changed since the shift last read it. */
export interface WeightChange {
  target: string;
  field: string;
  expected: { from: number; to: number } | undefined;
  actual: { from: number; to: number } | undefined;
}

/** The live weights are not what the shift last read: someone else edited them. Exit 1 (the shift pauses). */
export class WeightsChangedError extends MeshferryError {
  readonly changes: readonly WeightChange[];
  constructor(changes: readonly WeightChange[]) {
    const show = (w: { from: number; to: number } | undefined) => (w ? `from ${w.from} / to ${w.to}` : 'nothing (the pair is gone)');
    const lines = changes.map((c) => `  ${c.target} ${c.field}: expected ${show(c.expected)}, found ${show(c.actual)}`);
    super('WeightsChanged', `someone else changed the weights since the shift read them; nothing was overwritten:\n${lines.join('\n')}`, {
      exitCode: ExitCode.findings,
    });
    this.changes = changes;
  }
}

/** Percent of a pair's traffic that goes to "to" (weights are relative); 0 when both are 0. */
export function percentTo(raw: { from: number; to: number }): number {
  const total = raw.from + raw.to;
  if (total <= 0) return 0;
  return Math.round((raw.to / total) * 10000) / 100;
}

/** The raw weights meshferry writes for `to` percent: "to" gets `to`, "from" 100 - `to` (never both 0). */
export function rawWeightsFor(to: number): { from: number; to: number } {
  if (!Number.isInteger(to) || to < 0 || to > 100) throw new RangeError(`a weight must be a whole number from 0 to 100, got ${to}`);
  return { from: 100 - to, to };
}

/** `<context>/<Kind> <namespace>/<name>`. */
export function targetName(context: string, kind: string, namespace: string, name: string): string {
  return `${context}/${kind} ${namespace}/${name}`;
}

/** Compares the live weights with the expected ones, pair by pair (by target and field). */
export function weightChanges(expected: LiveWeights, live: LiveWeights): WeightChange[] {
  const key = (t: TargetWeights) => `${t.target}\u0000${t.field}`;
  const liveByKey = new Map(live.targets.map((t) => [key(t), t]));
  const expectedKeys = new Set(expected.targets.map(key));
  const out: WeightChange[] = [];
  for (const e of expected.targets) {
    const l = liveByKey.get(key(e));
    if (!l || l.raw.from !== e.raw.from || l.raw.to !== e.raw.to)
      out.push({ target: e.target, field: e.field, expected: e.raw, actual: l?.raw });
  }
  for (const l of live.targets) if (!expectedKeys.has(key(l))) out.push({ target: l.target, field: l.field, expected: undefined, actual: l.raw });
  return out;
}

/** A warning when the pairs do not all send the same percent to "to" now: the first write brings them together. */
export function disagreement(weights: readonly TargetWeights[]): RouterProblem | undefined {
  const percents = new Set(weights.map((w) => w.to));
  if (percents.size <= 1) return undefined;
  const list = weights
    .map((w) => `${w.target} ${w.field}: ${w.to}%`)
    .sort()
    .join('; ');
  return {
    severity: 'warning',
    code: 'Disagree',
    target: weights[0]?.target ?? '',
    message: `the targets do not send the same share to "to" now (${list}); the first step writes them all to the same weight`,
  };
}
