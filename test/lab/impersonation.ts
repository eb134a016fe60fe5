// Test support: a copy of a lab kubeconfig whose users impersonate someone no role binds (for RBAC refusals).
import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';

/** Writes `file`: the lab kubeconfig with every user acting as `user` (kubeconfig `as`), and returns its path. */
export async function impersonatingKubeconfig(labKubeconfig: string, file: string, user: string): Promise<string> {
  const kc = parse(await readFile(labKubeconfig, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  for (const u of kc.users) u.user.as = user;
  await writeFile(file, stringify(kc), { mode: 0o600 });
  return file;
}
