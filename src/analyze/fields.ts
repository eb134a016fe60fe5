// Narrowing accessors for untyped spec data: analyzers read user YAML, so every field is checked, never cast.
import { isPlainObject } from '../resources/object.js';

export type JsonMap = Record<string, unknown>;

/** The value as a mapping, or undefined. */
export function asMap(v: unknown): JsonMap | undefined {
  return isPlainObject(v) ? v : undefined;
}

/** The value as a list (an absent or non-list value is an empty list). */
export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The mappings in a list, with their indexes (non-mapping items are skipped; the schema check reports them). */
export function mapsIn(v: unknown): [JsonMap, number][] {
  const out: [JsonMap, number][] = [];
  asList(v).forEach((item, i) => {
    if (isPlainObject(item)) out.push([item, i]);
  });
  return out;
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Strings in a list, with their indexes. */
export function stringsIn(v: unknown): [string, number][] {
  const out: [string, number][] = [];
  asList(v).forEach((item, i) => {
    if (typeof item === 'string') out.push([item, i]);
  });
  return out;
}

/** The `spec` mapping of an object (empty when absent). */
export function specOf(o: object): JsonMap {
  return asMap((o as { spec?: unknown }).spec) ?? {};
}

/** True when the field is present and not null (protobuf "set"). */
export function isSet(m: JsonMap, key: string): boolean {
  return m[key] !== undefined && m[key] !== null;
}

/** The namespace of a namespaced object (`default` when the file leaves it out, as kubectl would apply it). */
export function namespaceOf(o: { metadata: { namespace?: string } }): string {
  return o.metadata.namespace ?? 'default';
}

/** `namespace/name`, the way istio names objects in its messages. */
export function nsName(o: { metadata: { namespace?: string; name: string } }): string {
  return `${namespaceOf(o)}/${o.metadata.name}`;
}
