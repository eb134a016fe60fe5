// What a journal records instead of a Secret's data: an HMAC-SHA256 of its canonical data, keyed by a per-migration random key that stays on the local disk.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, isErrnoException } from '../errors.js';
import { isPlainObject } from '../resources/object.js';

/** The key file, beside the local journal copy (never in a cluster: with the key, a short value could be guessed from its digest). */
export const SECRET_DIGEST_KEY_FILE = 'secret-digest.key';
/** `hmac-sha256:<key id>:<hex digest>`; the key id says which machine's key made it. */
export const SECRET_DIGEST_PATTERN = /^hmac-sha256:[0-9a-f]{12}:[0-9a-f]{64}$/;

/**
 * A Secret's data in one unambiguous string: every key once, sorted, each value as the bytes the API server
 * stores (base64 `data`, with `stringData` merged over it as the server does on write), re-encoded as base64.
 */
export function canonicalSecretData(secret: object): string {
  const { data, stringData } = secret as { data?: unknown; stringData?: unknown };
  const bytes = new Map<string, Buffer>();
  if (isPlainObject(data)) for (const [k, v] of Object.entries(data)) if (typeof v === 'string') bytes.set(k, Buffer.from(v.replace(/\s+/g, ''), 'base64'));
  // k8s.io/api core/v1 types.go Secret.StringData: "merged into the data field on write, overwriting any existing values".
  if (isPlainObject(stringData)) for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') bytes.set(k, Buffer.from(v, 'utf8'));
  const pairs = [...bytes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v.toString('base64')]);
  return JSON.stringify(pairs);
}

/**
 * The digest key of one migration, read (or created, 0600, by whichever process comes first) on first use in
 * the migration's local state folder. A plain sha256 of a short password in the journal could be brute-forced
 * by anyone who may read ConfigMaps; a keyed one cannot without the operator's disk.
 */
export class SecretDigest {
  readonly dir: string;
  #key: Promise<Buffer> | undefined;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** The digest key kept in `dir` (the local journal folder). Nothing is read or written until it is used. */
  static at(dir: string): SecretDigest {
    return new SecretDigest(dir);
  }

  /** The digest of a Secret's data (`data` and `stringData`; nothing else of the object counts). */
  async of(secret: object): Promise<string> {
    const key = await this.#loadKey();
    return `hmac-sha256:${keyId(key)}:${createHmac('sha256', key).update(canonicalSecretData(secret)).digest('hex')}`;
  }

  /**
   * Whether a digest from the journal was made with this key. One made on another machine cannot be compared
   * here: say so, and where the key lives, instead of calling the Secret changed.
   */
  async check(recorded: string, what: string): Promise<void> {
    const id = keyId(await this.#loadKey());
    const m = /^hmac-sha256:([0-9a-f]{12}):/.exec(recorded);
    if (m?.[1] !== id)
      throw new InputError(
        `the journal records ${what} by a digest made with key ${m?.[1] ?? '(none: not a meshferry digest)'}, but this machine's key for the migration (${path.join(this.dir, SECRET_DIGEST_KEY_FILE)}) is ${id}: run the command on the machine that ran \`migrate apply\`, or copy its ${SECRET_DIGEST_KEY_FILE} there`,
        { code: 'SecretDigestKeyMismatch' },
      );
  }

  #loadKey(): Promise<Buffer> {
    this.#key ??= readOrCreateKey(path.join(this.dir, SECRET_DIGEST_KEY_FILE));
    return this.#key;
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update('meshferry secret digest key id\0').update(key).digest('hex').slice(0, 12);
}

async function readOrCreateKey(file: string): Promise<Buffer> {
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole under a temporary name, then linked into place: link fails when the key exists, so two
  // processes never end up with different keys, and a crash never leaves half a key.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
  } catch (err) {
    if (!(isErrnoException(err) && err.code === 'EEXIST')) throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const key = await readKey(file);
  if (!key) throw new InputError(`${file} is not a meshferry Secret digest key (64 hex digits); move it away and run again`, { code: 'SecretDigestKeyInvalid' });
  return key;
}

/**
 * The key, read only from a regular file of this user that nobody else can read or write (opened without
 * following a link): a key planted by someone else, or readable by them, would make the digests in the
 * journal guessable for short Secrets.
 */
async function readKey(file: string): Promise<Buffer | undefined> {
  let text: string;
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') return undefined;
    if (isErrnoException(err) && err.code === 'ELOOP')
      throw new InputError(`${file} is a symbolic link; meshferry reads its Secret digest key only from a file of its own: remove the link and run again`, { code: 'SecretDigestKeyInvalid' });
    throw err;
  }
  try {
    const st = await handle.stat();
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0)
      throw new InputError(
        `${file} must be a regular file of this user that only its owner can read (mode 0600); it is ${st.isFile() ? `mode ${(st.mode & 0o777).toString(8)}, owner uid ${st.uid}` : 'not a regular file'}: fix it (chmod 600) or move it away and run again`,
        { code: 'SecretDigestKeyInvalid' },
      );
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new InputError(`${file} is not a meshferry Secret digest key (64 hex digits); move it away and run again`, { code: 'SecretDigestKeyInvalid' });
  return Buffer.from(hex, 'hex');
}
