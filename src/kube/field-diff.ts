// Field-level differences between two JSON documents, as `path: -old +new` lines a person can read.
import { jsonEqual } from '../resources/neat.js';
import { isPlainObject } from '../resources/object.js';

/** One changed field. `old` is absent for an added field, `new` for a removed one. */
export interface FieldChange {
  path: string;
  old?: unknown;
  new?: unknown;
}

/**
 * The fields that differ between `before` and `after`, in document order. Maps are compared key by key;
 * lists index by index, with a longer or shorter list showing the extra items as added or removed.
 */
export function fieldChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (jsonEqual(before, after)) return [];
  if (isPlainObject(before) && isPlainObject(after)) {
    const out: FieldChange[] = [];
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    for (const k of keys) {
      const p = joinKey(path, k);
      if (!(k in after)) out.push({ path: p, old: before[k] });
      else if (!(k in before)) out.push({ path: p, new: after[k] });
      else out.push(...fieldChanges(before[k], after[k], p));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: FieldChange[] = [];
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      const p = `${path}[${i}]`;
      if (i >= after.length) out.push({ path: p, old: before[i] });
      else if (i >= before.length) out.push({ path: p, new: after[i] });
      else out.push(...fieldChanges(before[i], after[i], p));
    }
    return out;
  }
  return [{ path: path || '.', old: before, new: after }];
}

/** Keys that are not plain identifiers (label keys with dots and slashes) are bracket-quoted. */
function joinKey(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** `-old` / `+new` lines for one change, values as compact JSON (so strings stay visibly strings). */
export function formatChange(c: FieldChange, indent = '    '): string[] {
  const lines = [`${indent}${c.path}:`];
  if ('old' in c) lines.push(`${indent}  - ${JSON.stringify(c.old)}`);
  if ('new' in c) lines.push(`${indent}  + ${JSON.stringify(c.new)}`);
  return lines;
}
