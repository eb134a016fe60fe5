// Finds the "from" and "to" entries in the routes of an object (VirtualService routes, HTTPRoute rules): named
// routes or every route holding both, with ambiguity and missing sides reported as problems, never guessed.
import type { PairSearch, WeightPair } from './weighted-objects.js';

/** One route of an object: its list of weighted destinations. */
export interface RouteEntries {
  /** `spec.http[0]`. */
  label: string;
  /** `/spec/http/0/route`: the list holding the entries. */
  listPointer: string;
  name: string | undefined;
  /** The list's entries as stored. */
  entries: readonly unknown[];
}

/** How a router recognises one side in a list entry. */
export interface SideMatcher {
  /** For messages: `host productcatalogservice subset v2`. */
  describe: string;
  matches(entry: unknown): boolean;
  /** How many fields the side names (a more specific side wins an entry both match). */
  specificity: number;
}

export interface RoutePairOptions {
  routes: readonly RouteEntries[];
  /** Route names the user listed; all routes holding both sides when absent or empty. */
  names: readonly string[] | undefined;
  from: SideMatcher;
  to: SideMatcher;
  /** The weight of an entry that has no weight field, given the number of entries in its list. */
  defaultWeight(entries: number): number;
  /** `route` or `rule` in messages. */
  routeWord: string;
  /** What the fix for a missing side looks like, for the message. */
  addHint: string;
}

/** Finds the pairs; see RoutePairOptions. */
export function findRoutePairs(o: RoutePairOptions): PairSearch {
  const out: PairSearch = { pairs: [], problems: [] };
  const named = o.names && o.names.length > 0 ? o.names : undefined;
  const chosen: RouteEntries[] = [];
  if (named) {
    for (const n of named) {
      const hits = o.routes.filter((r) => r.name === n);
      if (hits.length === 0) {
        const have = o.routes.map((r) => r.name).filter((x): x is string => Boolean(x));
        out.problems.push({
          severity: 'error',
          code: 'NoRoute',
          message: `no ${o.routeWord} is named "${n}"${have.length ? ` (named ${o.routeWord}s: ${have.join(', ')})` : ` (no ${o.routeWord} has a name)`}`,
        });
      } else chosen.push(...hits);
    }
  } else chosen.push(...o.routes);

  for (const r of chosen) {
    const field = r.name ? `${r.label} (${o.routeWord} "${r.name}")` : r.label;
    const side = assignSides(r.entries, o.from, o.to);
    const fromHits = side.from;
    const toHits = side.to;
    if (fromHits.length > 1 || toHits.length > 1) {
      const which = fromHits.length > 1 ? `"from" (${o.from.describe})` : `"to" (${o.to.describe})`;
      out.problems.push({ severity: 'error', code: 'Ambiguous', field, message: `${which} matches several destinations; name its subset or port to pick one` });
      continue;
    }
    const f = fromHits[0];
    const t = toHits[0];
    if (f === undefined || t === undefined) {
      if (!named && f === undefined && t === undefined) continue; // a route of something else entirely
      const missing = f === undefined ? `"from" (${o.from.describe})` : `"to" (${o.to.describe})`;
      out.problems.push({
        severity: named ? 'error' : 'warning',
        code: 'NoRoute',
        field,
        message: named
          ? `has no destination for ${missing}; ${o.addHint}`
          : `holds only one side, so its traffic will not move: no destination for ${missing} (${o.addHint}, or name the ${o.routeWord}s to shift)`,
      });
      continue;
    }
    if (f === t) {
      out.problems.push({ severity: 'error', code: 'Ambiguous', field, message: `"from" and "to" both match the same destination; give them different hosts, subsets or ports` });
      continue;
    }
    if (r.entries.length > 2)
      out.problems.push({
        severity: 'warning',
        field,
        message: `holds ${r.entries.length - 2} destination(s) besides "from" and "to": they keep their weights, so "to" gets its percent of the pair, not of the whole ${o.routeWord}`,
      });
    out.pairs.push(pairOf(r, field, f, t, o.defaultWeight));
  }
  if (out.pairs.length === 0 && !out.problems.some((p) => p.severity === 'error'))
    out.problems.push({
      severity: 'error',
      code: 'NoRoute',
      message: `no ${o.routeWord} holds both "from" (${o.from.describe}) and "to" (${o.to.describe}); ${o.addHint}`,
    });
  return out;
}

function pairOf(r: RouteEntries, field: string, f: number, t: number, defaultWeight: (n: number) => number): WeightPair {
  const weight = (i: number) => {
    const e = r.entries[i];
    const w = typeof e === 'object' && e !== null && !Array.isArray(e) ? (e as Record<string, unknown>).weight : undefined;
    return typeof w === 'number' ? w : defaultWeight(r.entries.length);
  };
  return { field, fromPointer: `${r.listPointer}/${f}`, toPointer: `${r.listPointer}/${t}`, from: weight(f), to: weight(t) };
}

/** Indexes of the entries each side claims; an entry both match goes to the more specific side (or both, a tie). */
export function assignSides(entries: readonly unknown[], from: SideMatcher, to: SideMatcher): { from: number[]; to: number[] } {
  const out = { from: [] as number[], to: [] as number[] };
  entries.forEach((e, i) => {
    const f = from.matches(e);
    const t = to.matches(e);
    if (f && t) {
      if (from.specificity >= to.specificity) out.from.push(i);
      if (to.specificity >= from.specificity) out.to.push(i);
    } else if (f) out.from.push(i);
    else if (t) out.to.push(i);
  });
  return out;
}
