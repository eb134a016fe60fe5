// Kubernetes object shape, identity (`Kind namespace/name`) and deterministic ordering.
import { displayKind, kindOf, parseApiVersion } from './kinds.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A Kubernetes object as plain JSON data. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The parts that make an object unique in a cluster: group, kind, namespace, name (not version). */
export interface ObjectKey {
  group: string;
  kind: string;
  namespace: string; // '' for cluster-scoped
  name: string;
}

export function keyOf(obj: KubeObject): ObjectKey {
  const info = kindOf(obj.apiVersion, obj.kind);
  const namespaced = info ? info.namespaced : obj.metadata.namespace !== undefined;
  // The registry's own strings when the kind is known: keys of the same kind then share them, and sorting ten
  // thousand keys compares them by identity instead of character by character.
  return {
    group: info ? info.group : parseApiVersion(obj.apiVersion).group,
    kind: info ? info.kind : obj.kind,
    namespace: namespaced ? (obj.metadata.namespace ?? '') : '',
    name: obj.metadata.name,
  };
}

/** A string usable as a map key; stable across versions of the same kind. */
export function keyString(k: ObjectKey): string {
  return `${k.group}/${k.kind}/${k.namespace}/${k.name}`;
}

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects (istioctl's origin format). */
export function identityOf(obj: KubeObject): string {
  return formatIdentity(keyOf(obj));
}

export function formatIdentity(k: ObjectKey): string {
  const kind = displayKind({ group: k.group, kind: k.kind, category: k.group.endsWith('istio.io') ? 'istio' : 'core' });
  return k.namespace ? `${kind} ${k.namespace}/${k.name}` : `${kind} ${k.name}`;
}

/** Namespaces first (they must exist before what lives in them), then by group, kind, namespace, name. */
export function compareKeys(a: ObjectKey, b: ObjectKey): number {
  return (
    rank(a) - rank(b) ||
    cmp(a.group, b.group) ||
    cmp(a.kind, b.kind) ||
    cmp(a.namespace, b.namespace) ||
    cmp(a.name, b.name)
  );
}

function rank(k: ObjectKey): number {
  return k.group === '' && k.kind === 'Namespace' ? 0 : 1;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy of JSON data. */
export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}
