// Diff: what an import of a folder would change in a cluster, field by field, judged by the server itself.
import { formatIdentity, keyOf, keyString, type KubeObject } from '../resources/object.js';
import { sourceText, type Resource, type ResourceSet } from '../resources/resource-set.js';
import { applyValidated, type ValidationMode } from './apply.js';
import type { Cluster } from './cluster.js';
import { KubeApiError } from './errors.js';
import { fieldChanges, type FieldChange } from './field-diff.js';
import { isMetadataOnlySecret } from './import.js';
import { readLiveState } from './live.js';
import { comparableForm, sameContent } from './no-op.js';
import { notServed } from './object-client.js';

export type DiffState = 'created' | 'changed' | 'unchanged' | 'failed' | 'skipped' | 'extra';

export interface DiffEntry {
  /** `Kind namespace/name`. */
  object: string;
  state: DiffState;
  /** `file:line` of the object in the folder (absent for extras). */
  file?: string;
  /** Field-level changes, old (live) → new (after import), for `changed`. */
  changes?: FieldChange[];
  /** The server's message for `failed`; a note for `skipped` or an unvalidated `created`. */
  message?: string;
}

export interface DiffReport {
  entries: DiffEntry[];
  counts: Record<DiffState, number>;
}

export interface DiffOptions {
  /** Also list objects of the same kinds and namespaces that exist in the cluster but not in the folder. */
  showExtra?: boolean;
  fieldValidation?: ValidationMode;
  defaultNamespace?: string;
}

/**
 * For each object, a server-side dry-run apply (as the import would send it) shows what the server would
 * store: defaults filled in, unknown fields rejected, webhooks consulted. Both that answer and the live object
 * are neatened and compared, so server-set noise (resourceVersion, managedFields, status) never shows as a change.
 * An object whose neat form already equals the live one cannot change and is not sent.
 */
export async function diffObjects(cluster: Cluster, set: ResourceSet, opts: DiffOptions = {}): Promise<DiffReport> {
  const mode = opts.fieldValidation ?? 'strict';
  const defaultNs = opts.defaultNamespace ?? cluster.connection.namespace;
  const resources = set.list().map((r) => {
    const res = cluster.client.resourceOf(r.object);
    return res?.namespaced && !r.object.metadata.namespace ? { ...r, object: { ...r.object, metadata: { ...r.object.metadata, namespace: defaultNs } } } : r;
  });
  const live = await readLiveState(cluster.client, resources.map((r) => r.object));
  const willExist = new Set(resources.filter((r) => r.object.kind === 'Namespace').map((r) => r.object.metadata.name));
  const entries = await Promise.all(
    resources.map(async (r): Promise<DiffEntry> => {
      const obj = r.object;
      const id = identify(r);
      if (isMetadataOnlySecret(obj)) return { ...id, state: 'skipped', message: 'a Secret exported as metadata only; import skips it' };
      const resource = cluster.client.resourceOf(obj);
      if (!resource) return { ...id, state: 'failed', message: notServed(obj, cluster.discovery).serverMessage };
      const ns = resource.namespaced ? obj.metadata.namespace : undefined;
      if (ns && live.namespaces && !live.namespaces.has(ns))
        return {
          ...id,
          state: 'created',
          message: willExist.has(ns)
            ? `namespace ${ns} is new, so the server cannot check this object before the import`
            : `namespace ${ns} does not exist; import needs --create-namespaces`,
        };
      const before = live.get(keyOf(obj));
      // Same content as live: applying it cannot change any value, so the dry run is skipped.
      if (before && sameContent(obj, before)) return { ...id, state: 'unchanged' };
      try {
        const res = await applyValidated(cluster.client, obj, { mode, dryRun: true });
        if (!before) return { ...id, state: 'created' };
        const changes = fieldChanges(comparableForm(before), comparableForm(res.object));
        return changes.length ? { ...id, state: 'changed', changes } : { ...id, state: 'unchanged' };
      } catch (err) {
        if (err instanceof KubeApiError && err.status !== 401) return { ...id, state: 'failed', message: err.serverMessage };
        throw err;
      }
    }),
  );
  if (opts.showExtra) for (const e of extras(cluster, resources, live.listed)) entries.push(e);
  const counts: Record<DiffState, number> = { created: 0, changed: 0, unchanged: 0, failed: 0, skipped: 0, extra: 0 };
  for (const e of entries) counts[e.state]++;
  return { entries, counts };
}

/** Live objects of the folder's kinds, in the folder's namespaces (any, for cluster-scoped kinds), not in the folder. */
function extras(cluster: Cluster, resources: readonly Resource[], listed: readonly KubeObject[]): DiffEntry[] {
  const inFolder = new Set(resources.map((r) => keyString(keyOf(r.object))));
  const namespaces = new Set(resources.map((r) => r.object.metadata.namespace).filter((n): n is string => !!n));
  const out: DiffEntry[] = [];
  for (const obj of listed) {
    const key = keyOf(obj);
    if (inFolder.has(keyString(key))) continue;
    // Namespaces the folder does not mention are the cluster's own business (kube-system and the like).
    if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') continue;
    const resource = cluster.client.resourceOf(obj);
    if (resource?.namespaced && !namespaces.has(key.namespace)) continue;
    out.push({ object: formatIdentity(key), state: 'extra', message: 'in the cluster, not in the folder' });
  }
  return out.sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
}

function identify(r: Resource): Pick<DiffEntry, 'object' | 'file'> {
  const file = sourceText(r);
  return { object: formatIdentity(keyOf(r.object)), ...(file ? { file } : {}) };
}
