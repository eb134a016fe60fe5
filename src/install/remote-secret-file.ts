// Writes a remote secret to a file: it holds a bearer token, so owner-only (0600), and whole or not at all.
import type { KubeObject } from '../resources/object.js';
import { serializeObject, writeFileAtomic } from '../resources/yaml-write.js';

/** Mode of a file that holds credentials (design.md: files holding credentials are written 0600). */
export const SECRET_FILE_MODE = 0o600;

/**
 * Writes the Secret to `file`, mode 0600, via a temp file and a rename: as one YAML document, or as `text`
 * already rendered in the format the user asked for (`-o json`).
 */
export async function writeRemoteSecret(file: string, secret: KubeObject, text = `---\n${serializeObject(secret)}`): Promise<void> {
  await writeFileAtomic(file, text, SECRET_FILE_MODE);
}
