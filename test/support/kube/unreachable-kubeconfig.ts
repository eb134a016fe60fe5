// A kubeconfig whose every context points at port 1 on loopback: a command that only checks contexts passes, and any
// attempt to reach a cluster fails at once (exit 3), so an exit of 1 or 2 proves no cluster was contacted.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `<dir>/config` with one context per name (the first is current) and returns its path. */
export function writeUnreachableKubeconfig(dir: string, contexts: readonly string[]): string {
  const file = path.join(dir, 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: contexts.map((name) => ({ name, context: { cluster: 'c', user: 'u' } })),
      'current-context': contexts[0],
    }),
  );
  return file;
}
