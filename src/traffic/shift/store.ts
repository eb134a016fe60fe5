// The TrafficShift object in the cluster: its CRD, the spec applied from the file, its status (the shift's state) and the control annotations.
import { readFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { ensureCrd } from '../../kube/crd.js';
import type { ServedResource } from '../../kube/discovery.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { crdFromSchema } from '../../resources/crd-from-schema.js';
import { schemaUrl } from '../../resources/meshferry-file.js';
import { isPlainObject } from '../../resources/object.js';
import type { KubeObject } from '../../resources/object.js';
import { initialState } from './decide.js';
import type { CheckRecord, ShiftPhase, ShiftRequests, ShiftState, WriteReason } from './decide.js';
import type { TrafficShiftDocument } from './spec.js';

export const SHIFT_GROUP = 'meshferry.dev';
export const SHIFT_VERSION = 'v1alpha1';
export const SHIFT_API_VERSION = `${SHIFT_GROUP}/${SHIFT_VERSION}`;

/**
 * The annotations other processes set to steer a running shift (`shift pause|resume|abort|promote` write them;
 * `kubectl annotate` works as well):
 * - `pause: "true"` pauses at the current weight until removed;
 * - `resume-at: <RFC 3339 time>` resumes a shift paused by someone else's edit, from the live weights;
 * - `abort: gradual|instant|default` rolls back (default: the file's rollback mode);
 * - `promote: "true"` writes the last step at once and ends the shift.
 */
export const CONTROL_ANNOTATIONS = {
  pause: 'shift.meshferry.dev/pause',
  resumeAt: 'shift.meshferry.dev/resume-at',
  abort: 'shift.meshferry.dev/abort',
  promote: 'shift.meshferry.dev/promote',
} as const;

/** The CustomResourceDefinition of TrafficShift, generated from the shipped JSON Schema. */
export function trafficShiftCrd(): KubeObject {
  const schema = JSON.parse(readFileSync(schemaUrl('TrafficShift'), 'utf8')) as unknown;
  return crdFromSchema(schema, {
    group: SHIFT_GROUP,
    version: SHIFT_VERSION,
    kind: 'TrafficShift',
    plural: 'trafficshifts',
    scope: 'Namespaced',
    shortNames: ['tshift'],
    printerColumns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Weight', type: 'integer', jsonPath: '.status.weight', description: 'weight of "to" (percent)' },
      { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

/** Installs the CRD when the cluster does not serve TrafficShift yet; returns the served resource. */
export async function ensureTrafficShiftCrd(client: ObjectClient): Promise<ServedResource> {
  const served = client.discovery.resourceAt(SHIFT_GROUP, SHIFT_VERSION, 'TrafficShift');
  if (served) return served;
  return ensureCrd(client, trafficShiftCrd());
}

// ---- status ⇄ state -------------------------------------------------------------------------------------------------

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const ms = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
};
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const PHASES: readonly ShiftPhase[] = ['Pending', 'Progressing', 'Holding', 'Paused', 'RollingBack', 'Succeeded', 'RolledBack', 'Failed', 'Aborted'];

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** The status object recorded for a state (times as RFC 3339). */
export function stateToStatus(state: ShiftState, extra: { observedGeneration?: number } = {}): Record<string, unknown> {
  return withoutUndefined({
    phase: state.phase,
    message: state.message,
    weight: state.weight,
    pendingWeight: state.pendingWeight,
    stepStartedAt: iso(state.stepStartedAt),
    nextCheckAt: iso(state.nextCheckAt),
    failedChecks: state.failedChecks,
    consecutiveErrors: state.consecutiveErrors,
    noDataSince: iso(state.noDataSince),
    paused: state.paused ? { by: state.paused.by, at: iso(state.paused.at), reason: state.paused.reason } : undefined,
    rollback: state.rollback ? { ...state.rollback, failed: state.rollback.failed.map((c) => withoutUndefined({ ...c })) } : undefined,
    checks: state.checks.map((c) => withoutUndefined({ ...c })),
    history: state.history.map((h) => ({ weight: h.weight, at: iso(h.at), why: h.why })),
    observedGeneration: extra.observedGeneration,
  });
}

function checkRecords(v: unknown): CheckRecord[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isPlainObject).map((c) =>
    withoutUndefined({ name: str(c.name) ?? '', verdict: str(c.verdict) ?? 'error', value: num(c.value), bound: str(c.bound), limit: num(c.limit), text: str(c.text) ?? '' }) as unknown as CheckRecord,
  );
}

/** The state a status object records; a missing or foreign status is a fresh state. */
export function statusToState(status: unknown): ShiftState {
  if (!isPlainObject(status) || !PHASES.includes(status.phase as ShiftPhase)) return initialState();
  const paused = isPlainObject(status.paused) ? status.paused : undefined;
  const rollback = isPlainObject(status.rollback) ? status.rollback : undefined;
  const state: ShiftState = {
    phase: status.phase as ShiftPhase,
    message: str(status.message) ?? '',
    failedChecks: num(status.failedChecks) ?? 0,
    consecutiveErrors: num(status.consecutiveErrors) ?? 0,
    checks: checkRecords(status.checks),
    history: (Array.isArray(status.history) ? status.history : [])
      .filter(isPlainObject)
      .map((h) => ({ weight: num(h.weight) ?? 0, at: ms(h.at) ?? 0, why: (str(h.why) ?? 'advance') as WriteReason })),
  };
  const weight = num(status.weight);
  if (weight !== undefined) state.weight = weight;
  const pending = num(status.pendingWeight);
  if (pending !== undefined) state.pendingWeight = pending;
  const started = ms(status.stepStartedAt);
  if (started !== undefined) state.stepStartedAt = started;
  const next = ms(status.nextCheckAt);
  if (next !== undefined) state.nextCheckAt = next;
  const noData = ms(status.noDataSince);
  if (noData !== undefined) state.noDataSince = noData;
  if (paused) state.paused = { by: paused.by === 'request' ? 'request' : 'edit', at: ms(paused.at) ?? 0, reason: str(paused.reason) ?? '' };
  if (rollback) {
    const outcome = rollback.outcome === 'Failed' || rollback.outcome === 'Aborted' ? rollback.outcome : 'RolledBack';
    state.rollback = {
      outcome,
      reason: str(rollback.reason) ?? '',
      remaining: (Array.isArray(rollback.remaining) ? rollback.remaining : []).filter((w): w is number => typeof w === 'number'),
      failed: checkRecords(rollback.failed),
    };
  }
  return state;
}

/** What the control annotations ask for. */
export function requestsOf(annotations: Record<string, string> | undefined): ShiftRequests {
  const a = annotations ?? {};
  const abort = a[CONTROL_ANNOTATIONS.abort];
  const resumeAt = ms(a[CONTROL_ANNOTATIONS.resumeAt]);
  return {
    pause: a[CONTROL_ANNOTATIONS.pause] === 'true',
    promote: a[CONTROL_ANNOTATIONS.promote] === 'true',
    ...(abort === 'gradual' || abort === 'instant' || abort === 'default' ? { abort } : {}),
    ...(resumeAt !== undefined ? { resumeAt } : {}),
  };
}

// ---- the object -----------------------------------------------------------------------------------------------------

/** The TrafficShift object `applySpec` applies for a file's document: its name, namespace, labels, annotations and spec. */
export function trafficShiftObject(doc: TrafficShiftDocument, namespace: string, name: string): KubeObject {
  const metadata = withoutUndefined({ name, namespace, labels: doc.metadata.labels, annotations: doc.metadata.annotations }) as KubeObject['metadata'];
  return { apiVersion: SHIFT_API_VERSION, kind: 'TrafficShift', metadata, spec: doc.spec as unknown as Record<string, unknown> };
}

/** The shift as the cluster holds it now. */
export interface StoredShift {
  object: KubeObject;
  state: ShiftState;
  requests: ShiftRequests;
  generation: number;
}

/** Reads and writes one TrafficShift object: its spec (from the file), status and control annotations. */
export class TrafficShiftStore {
  readonly client: ObjectClient;
  readonly resource: ServedResource;
  readonly namespace: string;
  readonly name: string;

  constructor(client: ObjectClient, resource: ServedResource, namespace: string, name: string) {
    this.client = client;
    this.resource = resource;
    this.namespace = namespace;
    this.name = name;
  }

  /** Opens the store, installing the CRD on first use. */
  static async open(client: ObjectClient, namespace: string, name: string): Promise<TrafficShiftStore> {
    return new TrafficShiftStore(client, await ensureTrafficShiftCrd(client), namespace, name);
  }

  get display(): string {
    return `TrafficShift ${this.namespace}/${this.name}`;
  }

  /** Server-side applies the file's document (spec and its labels/annotations); status is left alone. */
  async applySpec(doc: TrafficShiftDocument): Promise<StoredShift> {
    const res = await this.client.apply(trafficShiftObject(doc, this.namespace, this.name));
    return this.#stored(res.object);
  }

  /** The object now; an InputError (exit 2) when it does not exist. */
  async load(): Promise<StoredShift> {
    const obj = await this.client.get(this.resource, this.namespace, this.name);
    if (!obj) throw new InputError(`${this.display} does not exist in context ${this.client.transport.contextName}; start it with "meshferry shift run FILE"`, { code: 'ShiftNotFound' });
    return this.#stored(obj);
  }

  /** Records the state as the object's status (the whole status is replaced, so cleared fields go away). */
  async save(state: ShiftState, generation?: number): Promise<void> {
    await this.client.patch(this.resource, this.namespace, this.name, [{ op: 'add', path: '/status', value: stateToStatus(state, generation === undefined ? {} : { observedGeneration: generation }) }], 'json', {
      subresource: 'status',
    });
  }

  /** Sets (string) or removes (null) control annotations. */
  async annotate(changes: Partial<Record<keyof typeof CONTROL_ANNOTATIONS, string | null>>): Promise<void> {
    const annotations: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(changes)) annotations[CONTROL_ANNOTATIONS[k as keyof typeof CONTROL_ANNOTATIONS]] = v ?? null;
    await this.client.patch(this.resource, this.namespace, this.name, { metadata: { annotations } }, 'merge');
  }

  #stored(object: KubeObject): StoredShift {
    return {
      object,
      state: statusToState(object.status),
      requests: requestsOf(object.metadata.annotations),
      generation: typeof object.metadata.generation === 'number' ? object.metadata.generation : 0,
    };
  }
}
