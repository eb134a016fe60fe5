// API answers checked at the edge: JSON, and the shape of the object, list or Status read from it. A server that
// answers otherwise (a login page, a misrouted proxy) is a cluster failure (exit 3), named in one line.
import { ClusterError } from '../errors.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { sanitizeTerminalText } from '../terminal-text.js';

/** The failure for an answer that is not what the Kubernetes API sends. */
export function badResponse(context: string, what: string, why: string): ClusterError {
  return new ClusterError('BadResponse', sanitizeTerminalText(`the API server of context "${context}" answered "${what}" with ${why}`, { oneLine: true }), { context });
}

/** Parses a JSON body; anything else is a BadResponse. */
export function parseJsonBody(context: string, what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badResponse(context, what, `something that is not JSON (it starts "${text.trim().slice(0, 40)}")`);
  }
}

/** True for a JSON value with the minimum every Kubernetes object has: `metadata.name`. */
export function isKubeObject(v: unknown): v is KubeObject {
  return isPlainObject(v) && isPlainObject(v.metadata) && typeof v.metadata.name === 'string';
}

/** A single object (GET, apply, create). */
export function expectObject(context: string, what: string, body: unknown): KubeObject {
  if (!isKubeObject(body)) throw badResponse(context, what, 'JSON that is not a Kubernetes object (no metadata.name)');
  return body;
}

/** A list page: `items` of objects, and the continue token if there is one. */
export function expectList(context: string, what: string, body: unknown): { items: KubeObject[]; continue: string | undefined } {
  // Go marshals an empty list's nil slice as `"items": null` (a PartialObjectMetadataList of no Secrets, say).
  if (!isPlainObject(body) || !(Array.isArray(body.items) || body.items === null)) throw badResponse(context, what, 'JSON that is not a list (no items)');
  const items: unknown[] = body.items ?? [];
  if (!items.every(isKubeObject)) throw badResponse(context, what, 'a list whose items are not all Kubernetes objects (no metadata.name)');
  const token = isPlainObject(body.metadata) && typeof body.metadata.continue === 'string' && body.metadata.continue ? body.metadata.continue : undefined;
  return { items, continue: token };
}
