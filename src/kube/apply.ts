// Server-side apply under a field-validation mode: strict fails on unknown fields, warn drops and reports them.
import { cloneJson, isPlainObject, type KubeObject } from '../resources/object.js';
import { resourcePath } from './discovery.js';
import { KubeApiError } from './errors.js';
import { FIELD_MANAGER, notServed, type ApplyResult, type ObjectClient } from './object-client.js';

export type ValidationMode = 'strict' | 'warn';

export interface ValidatedApplyOptions {
  mode: ValidationMode;
  dryRun?: boolean;
}

export interface ValidatedApplyResult extends ApplyResult {
  /** Field paths the target's schema does not declare, dropped before applying (warn mode only). */
  pruned: string[];
}

/**
 * Server-side apply answers an undeclared field with a 500 ("failed to create typed patch object ... field
 * not declared in schema") whatever fieldValidation says (Strict, Warn and Ignore alike, measured on
 * Kubernetes 1.34), in a message worded for people. A dry-run create with fieldValidation=Warn, by contrast,
 * lists every unknown field as a path in Warning headers before any admission runs (even when it then fails
 * with AlreadyExists). So on that 500 we ask once that way: strict mode fails naming every unknown field;
 * warn mode drops them all, applies the rest and reports them.
 */
export async function applyValidated(client: ObjectClient, obj: KubeObject, opts: ValidatedApplyOptions): Promise<ValidatedApplyResult> {
  const applyOpts = { force: true, fieldManager: FIELD_MANAGER, fieldValidation: opts.mode === 'strict' ? 'Strict' : 'Warn', dryRun: opts.dryRun ?? false } as const;
  try {
    const res = await client.apply(obj, applyOpts);
    return { ...res, pruned: unknownFieldsIn(res.warnings) };
  } catch (err) {
    if (!isUndeclaredFieldError(err)) throw err;
    const unknown = await probeUnknownFields(client, obj);
    if (unknown.length === 0) throw err;
    if (opts.mode === 'strict')
      throw new KubeApiError(
        400,
        'UnknownFields',
        `the target's schema does not declare ${unknown.length === 1 ? 'this field' : 'these fields'}: ${unknown.join(', ')} ` +
          `(--field-validation warn drops unknown fields and reports them)`,
      );
    const trimmed = cloneJson(obj);
    for (const p of unknown) deletePath(trimmed, parseFieldPath(p));
    const res = await client.apply(trimmed, applyOpts);
    return { ...res, pruned: [...unknown, ...unknownFieldsIn(res.warnings).filter((w) => !unknown.includes(w))] };
  }
}

/** True for server-side apply's answer to a field the schema does not declare. */
export function isUndeclaredFieldError(err: unknown): err is KubeApiError {
  return err instanceof KubeApiError && /field not declared in schema|failed to create typed patch object/i.test(err.serverMessage);
}

/** Every unknown field of `obj`, from the Warning headers of a dry-run create with fieldValidation=Warn. */
export async function probeUnknownFields(client: ObjectClient, obj: KubeObject): Promise<string[]> {
  const resource = client.resourceOf(obj);
  if (!resource) throw notServed(obj, client.discovery);
  const body = cloneJson(obj);
  // resourceVersion or uid from a file would turn the create into a precondition failure before decoding.
  delete body.metadata.resourceVersion;
  delete body.metadata.uid;
  let warnings: readonly string[];
  try {
    warnings = (
      await client.transport.request({
        method: 'POST',
        path: resourcePath(resource, obj.metadata.namespace ?? 'default'),
        query: { dryRun: 'All', fieldValidation: 'Warn', fieldManager: FIELD_MANAGER },
        body: JSON.stringify(body),
        what: `check the fields of ${obj.kind} ${obj.metadata.name}`,
      })
    ).warnings;
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    warnings = err.warnings;
  }
  return unknownFieldsIn(warnings);
}

/** Field paths out of `unknown field "spec.x"` warnings. */
export function unknownFieldsIn(warnings: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of warnings) {
    const m = /^unknown field "(.+)"$/.exec(w.trim());
    if (m?.[1] && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** `spec.http[0].route` → ['spec', 'http', 0, 'route']. */
export function parseFieldPath(p: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
  }
  return out;
}

function deletePath(root: unknown, path: readonly (string | number)[]): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i];
    if (Array.isArray(node) && typeof seg === 'number') node = node[seg];
    else if (isPlainObject(node) && typeof seg === 'string') node = node[seg];
    else return;
  }
  const last = path[path.length - 1];
  if (isPlainObject(node) && typeof last === 'string') delete node[last];
}
