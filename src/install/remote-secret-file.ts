// Writes a remote secret to a file: it holds a bearer token, so owner-only (0600), and whole or not at all.
import type { KubeObject } from '../resources/object.js';
import { serializeObject, writeFileAtomic } from '../resources/yaml-write.js';

/** Mode of a file that holds credentials (design.md: files holding credentials are written 0600). */
export const SECRET_FILE_MODE = 0o600;

/** Writes the Secret as one YAML document to `file`, mode 0600, via a temp file and a rename. */
export async function writeRemoteSecret(file: string, secret: KubeObject): Promise<void> {
  await writeFileAtomic(file, `---\n${serializeObject(secret)}`, SECRET_FILE_MODE);
}
