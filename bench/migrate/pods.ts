// Both migrate cases' end check: the running pods of one tool's namespaces, counted by the revision that injected them.

/** What the bench needs of `podInjection` (src/migrate/cluster/injection.ts). */
export interface InjectionView {
  running: boolean;
  injected: boolean;
  revision?: string;
}

/** Running pods of the namespaces `prefix-*`, by injecting revision (`none` when not injected, `?` when unknown). */
export function revisionCounts<P extends { metadata: { namespace?: string } }>(pods: readonly P[], prefix: string, injection: (p: P) => InjectionView): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of pods) {
    if (!p.metadata.namespace?.startsWith(`${prefix}-`)) continue;
    const inj = injection(p);
    if (!inj.running) continue;
    const key = inj.injected ? (inj.revision ?? '?') : 'none';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
