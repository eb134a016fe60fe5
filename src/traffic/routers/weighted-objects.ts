// The engine behind routers whose weights sit in lists inside one object (VirtualService, HTTPRoute): find the
// pairs, read them live, write them with an rv-guarded JSON patch that touches only the weight fields.
import { ClusterError } from '../../errors.js';
import type { ServedResource } from '../../kube/discovery.js';
import { KubeApiError } from '../../kube/errors.js';
import { FIELD_MANAGER, type JsonPatchOperation, type ObjectClient } from '../../kube/object-client.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import {
  disagreement,
  percentTo,
  rawWeightsFor,
  targetName,
  weightChanges,
  WeightsChangedError,
  type ClusterSet,
  type LiveWeights,
  type Router,
  type RouterProblem,
  type TargetWeights,
} from './router.js';

/** One pair of destinations inside an object: where each entry is and the weight it holds now. */
export interface WeightPair {
  /** For people: `spec.http[0] (route "main")`. */
  field: string;
  /** JSON pointers of the two list entries (the weight is `<pointer>/weight`). */
  fromPointer: string;
  toPointer: string;
  /** Weights in effect (a missing weight field resolved to the kind's default). */
  from: number;
  to: number;
}

/** What a target's search for its pairs found. */
export interface PairSearch {
  pairs: WeightPair[];
  problems: Omit<RouterProblem, 'target'>[];
}

/** One object (in one cluster) that holds one or more pairs. */
export interface WeightedObjectTarget {
  context: string | undefined;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** Finds the pairs in the live object; pure. */
  findPairs(obj: KubeObject): PairSearch;
}

/** Field managers of people's tools: owning a field through them is not a controller that will undo the weights. */
const HUMAN_MANAGER = /^(kubectl(-.*)?|k9s|Mozilla|OpenAPI-Generator|before-first-apply|meshferry(-.*)?|node-fetch|undici)$/;
const CONFLICT_ATTEMPTS = 6;

type Loaded = { obj: KubeObject; name: string; client: ObjectClient; resource: ServedResource };

/** Loads, reads and writes a list of weighted objects. */
export class WeightedObjects {
  readonly #clusters: ClusterSet;
  readonly targets: readonly WeightedObjectTarget[];
  /**
   * Each target as the last read or write got it from the server. Only a write uses it, and only for the one object
   * of a single-target router whose resourceVersion is the one `expected` was read at: the patch's `test` of that
   * resourceVersion is then the same check a fresh GET would make, done by the server at the moment of the write.
   */
  readonly #last = new Map<WeightedObjectTarget, Loaded>();

  constructor(clusters: ClusterSet, targets: readonly WeightedObjectTarget[]) {
    this.#clusters = clusters;
    this.targets = targets;
  }

  /** The client, served resource and printable name of a target. */
  async #open(t: WeightedObjectTarget): Promise<{ client: ObjectClient; resource: ServedResource | undefined; name: string }> {
    const client = await this.#clusters.client(t.context);
    const resource = client.discovery.resourceFor(t.group, t.kind);
    return { client, resource, name: targetName(t.context ?? client.transport.contextName, t.kind, t.namespace, t.name) };
  }

  async #get(t: WeightedObjectTarget): Promise<Loaded> {
    const { client, resource, name } = await this.#open(t);
    if (!resource) throw new ClusterError('RouterTargetNotServed', `${name}: the cluster does not serve ${t.kind} (${t.group}); install its CRD first`);
    const obj = await client.get(resource, t.namespace, t.name);
    if (!obj) {
      this.#last.delete(t);
      throw new ClusterError('RouterTargetNotFound', `${name} does not exist (a shift only changes weights; it never creates the object)`);
    }
    const got = { obj, name, client, resource };
    this.#last.set(t, got);
    return got;
  }

  /** Every problem before the first write: missing objects, pairs not found or ambiguous, other owners. */
  async validate(): Promise<RouterProblem[]> {
    const out: RouterProblem[] = [];
    const live: TargetWeights[] = [];
    await Promise.all(
      this.targets.map(async (t) => {
        const { client, resource, name } = await this.#open(t);
        if (!resource) {
          out.push({ severity: 'error', code: 'NotFound', target: name, message: `the cluster does not serve ${t.kind} (${t.group}); install its CRD first` });
          return;
        }
        const obj = await client.get(resource, t.namespace, t.name);
        if (!obj) {
          out.push({ severity: 'error', code: 'NotFound', target: name, message: `${t.kind} ${t.namespace}/${t.name} does not exist` });
          return;
        }
        const search = t.findPairs(obj);
        for (const p of search.problems) out.push({ ...p, target: name });
        live.push(...weightsOf(t, { obj, name }));
        for (const owner of sharedOwners(obj))
          out.push({
            severity: 'warning',
            code: 'SharedOwner',
            owner,
            target: name,
            field: 'metadata.managedFields',
            message: `field manager "${sanitizeTerminalText(owner, { oneLine: true })}" also owns this object's spec: if it is a controller (GitOps), its next sync undoes the weights (shift run needs --allow-shared-owner)`,
          });
      }),
    );
    const apart = disagreement(live);
    if (apart) out.push(apart);
    return out;
  }

  /** The live weights of every pair of every target. */
  async read(): Promise<LiveWeights> {
    const all = await Promise.all(this.targets.map(async (t) => weightsOf(t, await this.#get(t))));
    return { targets: all.flat() };
  }

  /**
   * Moves every pair of every target to `to` percent. With several targets, all are read and compared with
   * `expected` first, so a foreign edit on any of them stops the write before anything is written. One target
   * cannot be half-written: its patch tests the resourceVersion `expected` was read at, so the server itself refuses
   * it after any edit, and only then is the object read again (a moved weight stops the write, another field is
   * written around). The weights returned are those of the objects the server answered the patches with.
   */
  async write(to: number, expected: LiveWeights): Promise<LiveWeights> {
    const want = rawWeightsFor(to);
    const reuse = this.targets.length === 1 ? this.#unchangedSince(this.targets[0]!, expected) : undefined;
    const loaded = reuse ? [{ t: this.targets[0]!, got: reuse }] : await Promise.all(this.targets.map(async (t) => ({ t, got: await this.#get(t) })));
    if (!reuse) {
      const live: LiveWeights = { targets: loaded.flatMap(({ t, got }) => weightsOf(t, got)) };
      const changes = weightChanges(expected, live);
      if (changes.length > 0) throw new WeightsChangedError(changes);
    }
    const written = await Promise.all(loaded.map(({ t, got }) => this.#writeOne(t, got, want, expected)));
    return { targets: loaded.flatMap(({ t }, i) => weightsOf(t, written[i]!)) };
  }

  /** The target's last-read object when every pair `expected` holds for it was read at that object's resourceVersion. */
  #unchangedSince(t: WeightedObjectTarget, expected: LiveWeights): Loaded | undefined {
    const last = this.#last.get(t);
    if (!last) return undefined;
    const rv = last.obj.metadata.resourceVersion;
    const mine = expected.targets.filter((e) => e.target === last.name);
    if (typeof rv !== 'string' || mine.length === 0 || mine.length !== expected.targets.length || !mine.every((e) => e.resourceVersion === rv)) return undefined;
    // The pairs must be the ones this object holds: `expected` came from this very read.
    return weightChanges({ targets: mine }, { targets: weightsOf(t, last) }).length === 0 ? last : undefined;
  }

  /** Patches one object, re-reading on a conflict; another edit of the weights themselves stops it. Returns the object as written. */
  async #writeOne(t: WeightedObjectTarget, first: Loaded, want: { from: number; to: number }, expected: LiveWeights): Promise<Loaded> {
    let got = first;
    for (let attempt = 1; ; attempt++) {
      const ops = weightPatch(got.obj, t.findPairs(got.obj).pairs, want);
      if (ops.length === 0) return got; // already there (a resumed shift re-writing its step)
      try {
        const res = await got.client.patch(got.resource, t.namespace, t.name, ops, 'json', { fieldManager: FIELD_MANAGER });
        const done = { ...got, obj: res.object };
        this.#last.set(t, done);
        return done;
      } catch (err) {
        if (!mayHaveLostRace(err)) throw err;
        const before = got.obj.metadata.resourceVersion;
        // Someone wrote the object since it was read: if only other fields moved, write again on the new version.
        got = await this.#get(t);
        if (got.obj.metadata.resourceVersion === before) throw err; // not a race: the patch itself was refused
        if (attempt >= CONFLICT_ATTEMPTS) throw new ClusterError('RouterWriteConflict', `${got.name} kept changing under the shift (${CONFLICT_ATTEMPTS} attempts); try again`, { cause: err });
      }
      const changes = weightChanges({ targets: expected.targets.filter((e) => e.target === got.name) }, { targets: weightsOf(t, got) });
      if (changes.length > 0) throw new WeightsChangedError(changes);
    }
  }
}

/**
 * A router over weighted objects: validate, read and write go to WeightedObjects; finalize has nothing to undo,
 * since the objects are the user's and keep the weights the shift ended on.
 */
export abstract class WeightedObjectRouter implements Router {
  abstract readonly kind: Router['kind'];
  abstract readonly reporter: Router['reporter'];
  readonly #objects: WeightedObjects;

  protected constructor(clusters: ClusterSet, targets: readonly WeightedObjectTarget[]) {
    this.#objects = new WeightedObjects(clusters, targets);
  }

  validate(): Promise<RouterProblem[]> {
    return this.#objects.validate();
  }

  read(): Promise<LiveWeights> {
    return this.#objects.read();
  }

  write(to: number, expected: LiveWeights): Promise<LiveWeights> {
    return this.#objects.write(to, expected);
  }

  finalize(): Promise<void> {
    return Promise.resolve();
  }
}

function weightsOf(t: WeightedObjectTarget, got: { obj: KubeObject; name: string }): TargetWeights[] {
  const rv = got.obj.metadata.resourceVersion;
  return t.findPairs(got.obj).pairs.map((p) => ({
    target: got.name,
    field: p.field,
    to: percentTo({ from: p.from, to: p.to }),
    raw: { from: p.from, to: p.to },
    resourceVersion: typeof rv === 'string' ? rv : '',
  }));
}

/**
 * The JSON patch that sets every pair to `want`: a `test` of the resourceVersion first (the server refuses the
 * whole patch if the object moved), then one `add` per weight that differs (add replaces an existing member).
 * Nothing else in the object is touched, so retries, mirrors, unknown fields and route order all survive.
 */
export function weightPatch(obj: KubeObject, pairs: readonly WeightPair[], want: { from: number; to: number }): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  for (const p of pairs) {
    if (p.from !== want.from || !hasWeight(obj, p.fromPointer)) ops.push({ op: 'add', path: `${p.fromPointer}/weight`, value: want.from });
    if (p.to !== want.to || !hasWeight(obj, p.toPointer)) ops.push({ op: 'add', path: `${p.toPointer}/weight`, value: want.to });
  }
  if (ops.length === 0) return [];
  return [{ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }, ...ops];
}

function hasWeight(obj: KubeObject, pointer: string): boolean {
  let cur: unknown = obj;
  for (const tok of pointer.slice(1).split('/')) {
    const key = tok.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isPlainObject(cur)) cur = cur[key];
    else return false;
  }
  return isPlainObject(cur) && typeof cur.weight === 'number';
}

/**
 * A write that may have lost a race: 409 Conflict, or 422 Invalid without field causes, which is how the API server
 * answers any JSON patch it cannot apply, a failed `test` of the resourceVersion included (apiserver
 * pkg/endpoints/handlers/patch.go: NewGenericServerResponse(422, ...), whose message is generic). The caller tells
 * a lost race from a bad patch by reading the object again: only a moved resourceVersion is a lost race.
 */
export function mayHaveLostRace(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  return err.status === 409 || (err.status === 422 && err.causes.length === 0);
}

/** Field managers other than meshferry's and people's tools that own something under `spec`. */
export function sharedOwners(obj: KubeObject): string[] {
  const entries = Array.isArray(obj.metadata.managedFields) ? obj.metadata.managedFields : [];
  const out = new Set<string>();
  for (const e of entries) {
    if (!isPlainObject(e) || typeof e.manager !== 'string' || HUMAN_MANAGER.test(e.manager)) continue;
    if (e.subresource) continue; // status writers (istiod's analysis) own no spec
    const fields = isPlainObject(e.fieldsV1) ? e.fieldsV1 : {};
    if (isPlainObject(fields['f:spec'])) out.add(e.manager);
  }
  return [...out].sort();
}

/** A JSON pointer from path pieces. */
export function pointer(...pieces: (string | number)[]): string {
  return `/${pieces.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}
