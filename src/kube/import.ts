// Import: server-side apply of a folder's objects into a cluster, namespaces first, one report line per object.
import { sourceText, type Resource, type ResourceSet } from '../resources/resource-set.js';
import { formatIdentity, keyOf, type KubeObject } from '../resources/object.js';
import { jsonEqual } from '../resources/neat.js';
import { applyValidated, type ValidationMode } from './apply.js';
import type { Cluster } from './cluster.js';
import { KubeApiError } from './errors.js';
import { readLiveState, type LiveState } from './live.js';
import { isNoOpApply } from './no-op.js';
import { FIELD_MANAGER, notServed } from './object-client.js';

export type ImportResult = 'created' | 'configured' | 'unchanged' | 'failed' | 'skipped';

export interface ImportOutcome {
  /** `Kind namespace/name`. */
  object: string;
  /** `file:line` the object came from (absent for namespaces made by --create-namespaces). */
  file?: string;
  result: ImportResult;
  /** The server's message for a failure, or why an object was skipped. */
  message?: string;
  /** Unknown fields dropped under `--field-validation warn`. */
  pruned?: string[];
  /** Other Warning headers (deprecated versions and the like). */
  warnings?: string[];
}

export interface ImportReport {
  created: number;
  configured: number;
  unchanged: number;
  failed: number;
  skipped: number;
  outcomes: ImportOutcome[];
}

export interface ImportOptions {
  /** Server-side dry run: every check runs, nothing is stored. */
  dryRun?: boolean;
  /** Create namespaces the objects live in when neither the folder nor the cluster has them. */
  createNamespaces?: boolean;
  fieldValidation?: ValidationMode;
  /** The namespace for objects that name none (the context's namespace, as kubectl does). */
  defaultNamespace?: string;
  /** Called after each object (progress). */
  onOutcome?: (done: number, total: number) => void;
}

/**
 * Applies every object with field manager `meshferry` (force: the import owns what it writes). Namespaces
 * go first, then the rest concurrently. A failing object is recorded with its file and the server's message
 * and the others still apply. created/configured/unchanged come from the server: 201 is created, an
 * unchanged resourceVersion is unchanged; on a dry run, an answer equal to the live object is unchanged.
 * An Istio object that meshferry already applied with the same fields and values is reported unchanged
 * without a request (isNoOpApply), which makes a re-import cost one LIST per kind.
 */
export async function importObjects(cluster: Cluster, set: ResourceSet, opts: ImportOptions = {}): Promise<ImportReport> {
  const mode = opts.fieldValidation ?? 'strict';
  const resources = set.list().map((r) => withNamespace(r, opts.defaultNamespace ?? cluster.connection.namespace, cluster));
  const live = await readLiveState(cluster.client, resources.map((r) => r.object));
  const total = resources.length;
  const slots: (ImportOutcome | undefined)[] = new Array<ImportOutcome | undefined>(total);
  const madeNamespaces: ImportOutcome[] = [];
  let done = 0;
  const record = (i: number, o: ImportOutcome) => {
    slots[i] = o;
    opts.onOutcome?.(++done, total);
  };
  const dryRun = opts.dryRun ?? false;

  const inSet = new Set(resources.filter((r) => isNamespace(r.object)).map((r) => r.object.metadata.name));
  const exists = (ns: string) => live.namespaces === undefined || live.namespaces.has(ns);
  const ready = new Set<string>();
  if (opts.createNamespaces) {
    const missing = [...new Set(resources.map((r) => namespaceOf(r.object, cluster)).filter((ns): ns is string => !!ns))]
      .filter((ns) => !inSet.has(ns) && !exists(ns))
      .sort();
    const made = await Promise.all(
      missing.map(async (name) => {
        const outcome = await applyOne(cluster, { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } }, live, mode, dryRun);
        if (outcome.result !== 'failed') ready.add(name);
        return { ...outcome, message: outcome.message ?? 'created by --create-namespaces' };
      }),
    );
    for (const ns of made) madeNamespaces.push(ns);
  }
  const indexed = resources.map((r, i) => ({ r, i }));
  const [namespaces, rest] = partition(indexed, ({ r }) => isNamespace(r.object));
  await Promise.all(
    namespaces.map(async ({ r, i }) => {
      const outcome = await applyOne(cluster, r, live, mode, dryRun);
      if (outcome.result !== 'failed') ready.add(r.object.metadata.name);
      record(i, outcome);
    }),
  );
  await Promise.all(
    rest.map(async ({ r, i }) => {
      const ns = namespaceOf(r.object, cluster);
      if (ns && !exists(ns) && !ready.has(ns)) {
        record(i, {
          ...identify(r),
          result: 'failed',
          message: inSet.has(ns)
            ? `namespace ${ns} could not be created (see its own failure)`
            : `namespace ${ns} does not exist in the target; add it to the folder or pass --create-namespaces`,
        });
        return;
      }
      // A dry run cannot validate objects inside a namespace that the same run only pretends to create.
      if (ns && dryRun && !exists(ns)) {
        record(i, { ...identify(r), result: 'created', message: `namespace ${ns} is new, so a dry run cannot check this object on the server` });
        return;
      }
      record(i, await applyOne(cluster, r, live, mode, dryRun));
    }),
  );
  const outcomes = [...madeNamespaces, ...slots.filter((o): o is ImportOutcome => o !== undefined)];
  const count = (k: ImportResult) => outcomes.filter((o) => o.result === k).length;
  return {
    created: count('created'),
    configured: count('configured'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    skipped: count('skipped'),
    outcomes,
  };
}

async function applyOne(cluster: Cluster, r: Resource, live: LiveState, mode: ValidationMode, dryRun: boolean): Promise<ImportOutcome> {
  const id = identify(r);
  const obj = r.object;
  if (isMetadataOnlySecret(obj))
    return { ...id, result: 'skipped', message: 'a Secret exported as metadata only (its data never leaves the source cluster); create it in the target yourself' };
  if (!cluster.client.resourceOf(obj)) return { ...id, result: 'failed', message: notServed(obj, cluster.discovery).serverMessage };
  const before = live.get(keyOf(obj));
  if (before && isNoOpApply(obj, before, FIELD_MANAGER)) return { ...id, result: 'unchanged' };
  try {
    const res = await applyValidated(cluster.client, obj, { mode, dryRun });
    const result = res.status === 201 || !before ? 'created' : unchangedBy(before, res.object, dryRun) ? 'unchanged' : 'configured';
    const other = res.warnings.filter((w) => !/^unknown field "/.test(w));
    return { ...id, result, ...(res.pruned.length ? { pruned: res.pruned } : {}), ...(other.length ? { warnings: other } : {}) };
  } catch (err) {
    if (err instanceof KubeApiError && err.status !== 401) return { ...id, result: 'failed', message: err.serverMessage };
    throw err;
  }
}

/**
 * A real apply that changed nothing keeps the resourceVersion (the server skips no-op writes). A dry run never
 * bumps it, so there the whole answer is compared with the live object: any change in spec, labels or field
 * ownership shows up in it.
 */
function unchangedBy(before: KubeObject, after: KubeObject, dryRun: boolean): boolean {
  if (!dryRun) return before.metadata.resourceVersion === after.metadata.resourceVersion;
  return jsonEqual(before, after);
}

function identify(r: Resource): Pick<ImportOutcome, 'object' | 'file'> {
  const file = sourceText(r);
  return { object: formatIdentity(keyOf(r.object)), ...(file ? { file } : {}) };
}

function isNamespace(obj: KubeObject): boolean {
  return obj.kind === 'Namespace' && obj.apiVersion === 'v1';
}

/** Secrets read from files keep metadata only (yaml-read drops data): applying them would create empty Secrets. */
export function isMetadataOnlySecret(obj: KubeObject): boolean {
  return obj.kind === 'Secret' && obj.apiVersion === 'v1' && obj.data === undefined && obj.stringData === undefined;
}

/** The namespace an object lives in, or undefined for cluster-scoped objects. */
function namespaceOf(obj: KubeObject, cluster: Cluster): string | undefined {
  const resource = cluster.client.resourceOf(obj);
  if (resource ? !resource.namespaced : !keyOf(obj).namespace) return undefined;
  return obj.metadata.namespace;
}

/** Objects of namespaced kinds without a namespace land in the default namespace, as with kubectl apply. */
function withNamespace(r: Resource, ns: string, cluster: Cluster): Resource {
  const resource = cluster.client.resourceOf(r.object);
  if (!resource?.namespaced || r.object.metadata.namespace) return r;
  return { ...r, object: { ...r.object, metadata: { ...r.object.metadata, namespace: ns } } };
}

function partition<T>(items: readonly T[], pred: (t: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const i of items) (pred(i) ? yes : no).push(i);
  return [yes, no];
}
