// The only form in which a journal entry may target a Secret: created by meshferry (before: nothing), intended as a digest of its data, with nothing else that could carry a value.
import { isPlainObject } from '../resources/object.js';
import { SECRET_DIGEST_PATTERN } from './secret-digest.js';

type Scalar = string | number | boolean | null;

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Whether `v` is a scalar, or an object of scalars (a result such as `{uid, resourceVersion, created}`). */
export function scalarsOnly(v: unknown): boolean {
  return isScalar(v) || (isPlainObject(v) && Object.values(v).every(isScalar));
}

/**
 * Why an entry's `before` and `intent` are not the digest form of a Secret entry, or undefined when they are:
 * `before` absent or `{object: null}` (meshferry only ever creates Secrets, never changes one), `intent.state`
 * exactly `{secretDigest}` in SecretDigest's format, and every other intent field a scalar (a wave index, a
 * source reference). No object, so no data, stringData or annotations (last-applied) can ride along.
 */
export function secretEntryProblem(before: unknown, intent: unknown): string | undefined {
  if (before !== undefined && !(isPlainObject(before) && Object.keys(before).length === 1 && before.object === null)) return 'its prior state is not {object: null} (meshferry only creates Secrets)';
  if (!isPlainObject(intent) || !isPlainObject(intent.state)) return 'its intent has no state';
  const state = intent.state;
  if (Object.keys(state).length !== 1 || typeof state.secretDigest !== 'string' || !SECRET_DIGEST_PATTERN.test(state.secretDigest)) return 'its intended state is not {secretDigest} alone';
  const other = Object.entries(intent).filter(([k, v]) => k !== 'state' && !isScalar(v));
  if (other.length > 0) return `its intent field(s) ${other.map(([k]) => k).join(', ')} are not plain values`;
  return undefined;
}
