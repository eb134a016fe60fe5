// Secret redaction: a Secret's data, and anything in its metadata that holds or embeds that data, never gets past here.
import { parseApiVersion } from './kinds.js';
import { sanitizeTerminalText } from '../terminal-text.js';
import { identityOf, isPlainObject, type KubeObject } from './object.js';

/** kubectl's client-side apply record: a whole copy of the object as applied, data included. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** True for a core `Secret` (any version of the core group). */
export function isSecret(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return obj.kind === 'Secret' && parseApiVersion(obj.apiVersion).group === '';
}

/**
 * A copy of a Secret without its data: `data` and `stringData` go, and so do the last-applied annotation and
 * every other annotation whose value holds a data value (raw, base64 or decoded) or embeds a copy of the
 * object's `data`/`stringData` (other tools' apply records, such as kapp's `kapp.k14s.io/original`). What is
 * left (name, namespace, labels, other annotations, `type`, `immutable`) is what meshferry may read, print and
 * write. Any other object is returned unchanged (the same reference).
 */
export function redactSecret(obj: KubeObject): KubeObject {
  if (!isSecret(obj)) return obj;
  const values = dataValues(obj);
  const { annotations, ...metadata } = obj.metadata;
  const out: KubeObject = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { ...metadata } };
  if (isPlainObject(annotations)) {
    const kept = Object.fromEntries(Object.entries(annotations).filter(([key, value]) => !holdsData(key, value, values)));
    if (Object.keys(kept).length > 0) out.metadata.annotations = kept;
  }
  // managedFields name the data keys (f:data: {f:password: {}}) but never hold values; they may stay.
  if (typeof obj.type === 'string') out.type = obj.type;
  if (typeof obj.immutable === 'boolean') out.immutable = obj.immutable;
  return out;
}

/** Every non-empty form in which a data value could show up in text: as stored (base64), decoded, and encoded. */
function dataValues(obj: KubeObject): string[] {
  const out = new Set<string>();
  const add = (v: string) => {
    if (v !== '') out.add(v);
  };
  if (isPlainObject(obj.data))
    for (const v of Object.values(obj.data)) {
      if (typeof v !== 'string') continue;
      add(v);
      const bytes = Buffer.from(v.replace(/\s+/g, ''), 'base64');
      // Only real base64 is decoded: garbage from a malformed value would match unrelated annotations.
      if (bytes.toString('base64') === v.replace(/\s+/g, '')) add(bytes.toString('utf8'));
    }
  if (isPlainObject(obj.stringData))
    for (const v of Object.values(obj.stringData)) {
      if (typeof v !== 'string') continue;
      add(v);
      add(Buffer.from(v, 'utf8').toString('base64'));
    }
  return [...out];
}

/** A JSON or YAML copy of an object with a `data` or `stringData` field (an apply record of another tool). */
const EMBEDDED_DATA = /"(?:data|stringData)"\s*:|^\s*(?:data|stringData):/m;

function holdsData(key: string, value: unknown, values: readonly string[]): boolean {
  if (key === LAST_APPLIED_ANNOTATION) return true;
  if (typeof value !== 'string') return false;
  return EMBEDDED_DATA.test(value) || values.some((v) => value.includes(v));
}

/** The one line a command prints for each Secret it passes on: which one, from where, and that its data stayed behind. */
export function secretNotice(obj: KubeObject, source: string | undefined): string {
  const where = source ? ` (${source})` : '';
  return sanitizeTerminalText(
    `note: ${identityOf(obj)}${where}: its data was not kept (metadata only; meshferry never reads, prints or writes Secret data)`,
    { oneLine: true },
  );
}
