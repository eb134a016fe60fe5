// meshferry's own version, read from package.json; kept apart so every command can name it without loading `meshferry version`.
import { readFileSync } from 'node:fs';

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

/** meshferry's version, read once from package.json (the one place it is kept; works from src/ and dist/). */
export const VERSION: string = readPackageVersion();

function readPackageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8'));
    const v = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
    return typeof v === 'string' ? v : 'unknown';
  } catch {
    // A broken install must still be able to say what it is not.
    return 'unknown';
  }
}
