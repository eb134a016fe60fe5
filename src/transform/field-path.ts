// Field paths inside objects: reading, writing and printing them (`spec.http[0].route[0].destination.host`).
import { isPlainObject } from '../resources/object.js';
import type { PathSegment } from '../resources/resource-set.js';

import { formatFieldPath } from '../resources/meshferry-file.js';

/** Prints a path the way people write it; keys with dots or slashes (label keys) are quoted: `labels["istio.io/rev"]`. */
export const formatPath = formatFieldPath;

/** The first few paths, then how many more: notes stay one readable line. */
export function listPaths(paths: readonly string[], max = 4): string {
  return paths.length <= max ? paths.join(', ') : `${paths.slice(0, max).join(', ')} and ${paths.length - max} more`;
}

/** The value at `path`, or undefined when any step is missing. */
export function getPath(root: unknown, path: readonly PathSegment[]): unknown {
  let node: unknown = root;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') node = node[seg];
    else if (isPlainObject(node) && typeof seg === 'string') node = node[seg];
    else return undefined;
  }
  return node;
}

/** True when `path` names an existing field or list item. */
export function hasPath(root: unknown, path: readonly PathSegment[]): boolean {
  if (path.length === 0) return true;
  const parent = getPath(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) return typeof last === 'number' && last >= 0 && last < parent.length;
  return isPlainObject(parent) && typeof last === 'string' && Object.hasOwn(parent, last);
}

/** Sets the value at `path`, creating missing maps on the way. A list index must already exist. */
export function setPath(root: Record<string, unknown>, path: readonly PathSegment[], value: unknown): void {
  if (path.length === 0) throw new Error('setPath needs a non-empty path');
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    if (Array.isArray(node) && typeof seg === 'number') node = node[seg];
    else if (isPlainObject(node) && typeof seg === 'string') {
      if (!isPlainObject(node[seg]) && !Array.isArray(node[seg])) node[seg] = {};
      node = node[seg];
    } else throw new Error(`cannot set ${formatPath(path)}: ${formatPath(path.slice(0, i))} is not a container`);
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(node) && typeof last === 'number' && last >= 0 && last < node.length) node[last] = value;
  else if (isPlainObject(node) && typeof last === 'string') node[last] = value;
  else throw new Error(`cannot set ${formatPath(path)}`);
}

/**
 * Deletes a map key. With `pruneEmptyParent` a map left empty by it goes too (an empty `labels: {}` says nothing);
 * never used inside Istio specs, where an empty map such as `tls: {}` carries meaning.
 */
export function removePath(root: Record<string, unknown>, path: readonly PathSegment[], pruneEmptyParent = false): void {
  const parentPath = path.slice(0, -1);
  const parent = getPath(root, parentPath);
  const last = path[path.length - 1];
  if (!isPlainObject(parent) || typeof last !== 'string') return;
  delete parent[last];
  if (pruneEmptyParent && Object.keys(parent).length === 0 && parentPath.length > 0) removePath(root, parentPath);
}

/** Splits an RFC 6901 JSON pointer; list indices become numbers where `doc` has a list (`-` is the end of a list). */
export function pointerToPath(pointer: string, doc: unknown): PathSegment[] {
  if (pointer === '') return [];
  const raw = pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const out: PathSegment[] = [];
  let node: unknown = doc;
  for (const seg of raw) {
    if (Array.isArray(node)) {
      const index = seg === '-' ? node.length : Number(seg);
      out.push(Number.isInteger(index) ? index : seg);
      node = Number.isInteger(index) ? node[index] : undefined;
    } else {
      out.push(seg);
      node = isPlainObject(node) ? node[seg] : undefined;
    }
  }
  return out;
}
