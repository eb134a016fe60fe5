// Which istiod revisions each lab cluster runs: one list for every cluster, or a list per cluster.
import { UsageError } from '../errors.js';

/**
 * istiod revisions of a lab: a list is started in every cluster; a map gives each cluster its own list (a cluster
 * the map does not name runs none). `{ tcm: ['1-18-5'], primary: ['1-31-1'] }` is issue 13's TCM scenario.
 */
export type LabRevisions = readonly string[] | Readonly<Record<string, readonly string[]>>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Throws a UsageError for a name that is no DNS label or is given twice (`what`, `where` and `example` go in the message). */
export function checkNames(what: string, names: readonly string[], example: string, where = ''): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (!DNS_LABEL.test(n)) throw new UsageError(`${what} "${n}"${where} is not a DNS label (lower-case letters, digits and '-', e.g. ${example})`);
    if (seen.has(n)) throw new UsageError(`${what} "${n}"${where} is given twice`);
    seen.add(n);
  }
}

/**
 * The revisions of every cluster, in cluster order; default `default` in every cluster. A map that names a cluster
 * the lab does not have is refused: a typo there would silently start a cluster without its istiod. A bare lab runs
 * none; its list goes unread (as it always did), its map is still checked.
 */
export function revisionsByCluster(clusters: readonly string[], revisions: LabRevisions = ['default'], bare = false): Map<string, string[]> {
  if (isRevisionList(revisions)) {
    if (bare) return new Map(clusters.map((c) => [c, []]));
    checkNames('revision', revisions, '1-31-1 or canary');
    return new Map(clusters.map((c) => [c, [...revisions]]));
  }
  const unknown = Object.keys(revisions).filter((c) => !clusters.includes(c));
  if (unknown.length > 0)
    throw new UsageError(
      `revisions name ${unknown.length === 1 ? 'cluster' : 'clusters'} ${unknown.map((c) => `"${c}"`).join(', ')}, which the lab does not have ` +
        `(clusters: ${clusters.join(', ')}); add ${unknown.length === 1 ? 'it' : 'them'} to the clusters (--clusters) or fix the name`,
    );
  return new Map(
    clusters.map((c) => {
      const given = Object.hasOwn(revisions, c) ? revisions[c] : [];
      if (!Array.isArray(given)) throw new UsageError(`the revisions of cluster ${c} must be a list of names, got ${JSON.stringify(given)}`);
      const own = [...(given as readonly string[])];
      checkNames('revision', own, '1-31-1 or canary', ` of cluster ${c}`);
      return [c, bare ? [] : own];
    }),
  );
}

/** The revision that answers `istio-injection=enabled` in a cluster: `default` when it runs, else its first one. */
export function defaultRevisionOf(revisions: readonly string[]): string | undefined {
  return revisions.includes('default') ? 'default' : revisions[0];
}

function isRevisionList(revisions: LabRevisions): revisions is readonly string[] {
  return Array.isArray(revisions);
}
