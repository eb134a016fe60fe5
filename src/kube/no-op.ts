// Proving, without asking the server, that applying an object would change nothing (re-imports, diffs).
import { parseApiVersion } from '../resources/kinds.js';
import { jsonEqual, neatObject } from '../resources/neat.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';

type FieldSet = Record<string, unknown>;

/** The neat form without apiVersion: the same object read at another served version is the same object. */
export function comparableForm(obj: KubeObject): Omit<KubeObject, 'apiVersion'> {
  const { apiVersion: _version, ...rest } = neatObject(obj);
  return rest;
}

/** True when the file's object and the live object say the same thing once server-set noise is removed. */
export function sameContent(file: KubeObject, live: KubeObject): boolean {
  return jsonEqual(comparableForm(file), comparableForm(live));
}

/**
 * Lists of Istio kinds that server-side apply merges by key (`x-kubernetes-list-type: map`) rather than
 * replacing whole, from manifests/charts/base/files/crd-all.gen.yaml of the pinned release (1.31). Every other
 * list of an Istio kind is atomic, and an atomic list is owned whole, so keyed lists inside its items
 * (WasmPlugin and TrafficExtension `spec.match[].ports`) are never tracked and need no entry. A CRD that grows
 * a new keyed list only makes isNoOpApply answer false (the object is sent), never a wrong "unchanged".
 */
const KEYED_LISTS: Record<string, readonly { path: string; keys: readonly string[] }[]> = {
  'networking.istio.io/ServiceEntry': [{ path: 'spec.ports', keys: ['name'] }],
  'extensions.istio.io/WasmPlugin': [{ path: 'spec.vmConfig.env', keys: ['name'] }],
  'extensions.istio.io/TrafficExtension': [{ path: 'spec.wasm.vmConfig.env', keys: ['name'] }],
};

/**
 * The `fieldsV1` set server-side apply records for `obj`: maps are walked key by key (`f:<key>`), keyed lists
 * item by item (`k:{"name":"http"}` with `.` for the item itself), other lists and scalars are leaves.
 * Undefined when the object holds something this cannot model (null values, metadata beyond labels and
 * annotations, a keyed-list item without its key).
 */
export function appliedFieldSet(obj: KubeObject): FieldSet | undefined {
  const md = obj.metadata;
  if (Object.keys(md).some((k) => !['name', 'namespace', 'labels', 'annotations'].includes(k))) return undefined;
  const keyed = KEYED_LISTS[`${parseApiVersion(obj.apiVersion).group}/${obj.kind}`] ?? [];
  const out: FieldSet = {};
  const meta: FieldSet = {};
  for (const k of ['annotations', 'labels'] as const) {
    const m = md[k];
    if (m === undefined) continue;
    if (!isPlainObject(m)) return undefined;
    meta[`f:${k}`] = Object.fromEntries(Object.keys(m).map((key) => [`f:${key}`, {}]));
  }
  if (Object.keys(meta).length) out['f:metadata'] = meta;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    const set = fieldsOf(v, k, keyed);
    if (set === undefined) return undefined;
    out[`f:${k}`] = set;
  }
  return out;
}

function fieldsOf(v: unknown, path: string, keyed: readonly { path: string; keys: readonly string[] }[]): FieldSet | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const list = keyed.find((l) => l.path === path);
    if (!list) return {};
    const out: FieldSet = {};
    for (const item of v) {
      if (!isPlainObject(item) || list.keys.some((k) => item[k] === undefined || isPlainObject(item[k]))) return undefined;
      const inner = fieldsOf(item, `${path}[]`, keyed);
      if (inner === undefined) return undefined;
      out[`k:${JSON.stringify(Object.fromEntries(list.keys.map((k) => [k, item[k]])))}`] = { '.': {}, ...inner };
    }
    return out;
  }
  if (!isPlainObject(v)) return {};
  const out: FieldSet = {};
  for (const [k, child] of Object.entries(v)) {
    const set = fieldsOf(child, `${path}.${k}`, keyed);
    if (set === undefined) return undefined;
    out[`f:${k}`] = set;
  }
  return out;
}

/** Istio kinds (their keyed lists are known) and Namespaces (labels and annotations only; the server's spec is its own). */
function modelled(obj: KubeObject): boolean {
  if (parseApiVersion(obj.apiVersion).group.endsWith('istio.io')) return true;
  return obj.apiVersion === 'v1' && obj.kind === 'Namespace' && Object.keys(obj).every((k) => k === 'apiVersion' || k === 'kind' || k === 'metadata');
}

/**
 * True when applying `file` with `manager` is provably a no-op on `live`: same values, and the manager's Apply
 * entry already owns exactly the fields the file sets, at the file's apiVersion. Only for kinds whose field set
 * can be computed here (Istio kinds, whose lists are atomic; metadata-only Namespaces); the rest go to the server. Like kubectl's
 * client-side apply, which sends no patch when there is nothing to change.
 */
export function isNoOpApply(file: KubeObject, live: KubeObject, manager: string): boolean {
  if (!modelled(file)) return false;
  if (!sameContent(file, live)) return false;
  const entries = live.metadata.managedFields;
  if (!Array.isArray(entries)) return false;
  const mine = entries.filter((e) => isPlainObject(e) && e.manager === manager && e.operation === 'Apply');
  if (mine.length !== 1) return false;
  const entry = mine[0] as Record<string, unknown>;
  if (entry.apiVersion !== file.apiVersion || entry.fieldsType !== 'FieldsV1') return false;
  const want = appliedFieldSet(file);
  return want !== undefined && jsonEqual(entry.fieldsV1 ?? {}, want);
}
