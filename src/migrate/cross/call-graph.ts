// The calls between namespaces, from Istio's request metrics, and whether a CrossCluster wave order splits them.
//
// When the two meshes' roots differ (the TCM exit), a sidecar of the old mesh cannot call one of the new mesh over
// mTLS: services that call each other must move in the same wave, or their calls must take a declared path (an
// ingress or egress gateway, `crossMeshPaths`). This module is pure: `plan` feeds it the answer of
//   sum by (source_workload_namespace, destination_workload_namespace) (increase(istio_requests_total[<window>]))
// and prints what it says (call-graph-query.ts asks Prometheus, call-graph-section.ts shapes it for `migrate plan`).

/** One series of the query's answer. */
export interface CallSample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** Requests from the workloads of one namespace to those of another over the query's window. */
export interface CallEdge {
  from: string;
  to: string;
  requests: number;
}

/** A call that may cross between the meshes because it takes a declared path. */
export interface CrossMeshPath {
  from: string;
  to: string;
  /** The gateway it goes through, `namespace/name`: said in the plan, not checked here. */
  via: string;
}

export interface WaveOrder {
  waves: readonly { name: string; namespaces: readonly string[] }[];
  crossMeshPaths?: readonly CrossMeshPath[];
}

/** A call the wave order would split: after `wave`, one side runs in the new mesh and the other in the old. */
export interface CallViolation {
  wave: string;
  edge: CallEdge;
  /** The side that moved in `wave` (the other one moves later, or never: `never` when it is in no wave). */
  moved: 'caller' | 'callee';
  laterWave?: string;
  /** The namespaces that call each other, directly or not, and so should move together (sorted). */
  together: string[];
}

/**
 * Namespaces whose calls are not calls between services: Istio's label for a caller outside the mesh, and the
 * control plane's and gateways' namespace, whose traffic the wave's TrafficShifts move (an ingress lb-weight shift).
 */
export const DEFAULT_IGNORED_NAMESPACES: readonly string[] = ['unknown', 'istio-system'];

/**
 * A Kubernetes namespace name (a DNS-1123 label). Labels are server text: one that is no namespace name (empty, or
 * carrying terminal escapes) names no namespace a wave could move, and is never printed.
 */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The edges of the answer: a label that is no namespace name, a self-call or a call from or to an ignored namespace is left out, and so is an edge with
 * no requests. Both reporters answer for most calls (`reporter="source"` and `"destination"`), so the same edge may
 * come twice: the larger count is kept, never the sum.
 */
export function edgesFrom(samples: readonly CallSample[], ignored: readonly string[] = DEFAULT_IGNORED_NAMESPACES): CallEdge[] {
  const skip = new Set(ignored);
  const byKey = new Map<string, CallEdge>();
  for (const s of samples) {
    const from = s.labels.source_workload_namespace ?? '';
    const to = s.labels.destination_workload_namespace ?? '';
    if (!NAMESPACE.test(from) || !NAMESPACE.test(to) || from === to || skip.has(from) || skip.has(to) || !(s.value > 0)) continue;
    const key = `${from}\0${to}`;
    const seen = byKey.get(key);
    if (!seen || seen.requests < s.value) byKey.set(key, { from, to, requests: s.value });
  }
  return [...byKey.values()].sort((a, b) => (a.from === b.from ? cmp(a.to, b.to) : cmp(a.from, b.from)));
}

/**
 * The namespaces that call each other, directly or through others (calls on a declared path do not bind), as
 * groups of two or more, each sorted, the groups sorted by their first namespace.
 */
export function callGroups(edges: readonly CallEdge[], paths: readonly CrossMeshPath[] = []): string[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    for (let c = x; c !== r; ) {
      const next = parent.get(c)!;
      parent.set(c, r);
      c = next;
    }
    return r;
  };
  for (const e of edges) {
    for (const n of [e.from, e.to]) if (!parent.has(n)) parent.set(n, n);
    if (declared(e, paths)) continue;
    const a = find(e.from);
    const b = find(e.to);
    if (a !== b) parent.set(a, b);
  }
  const groups = new Map<string, string[]>();
  for (const n of parent.keys()) {
    const r = find(n);
    groups.set(r, [...(groups.get(r) ?? []), n]);
  }
  return [...groups.values()]
    .filter((g) => g.length > 1)
    .map((g) => g.sort(cmp))
    .sort((a, b) => cmp(a[0]!, b[0]!));
}

/**
 * Walks the waves in order and names every call that one wave leaves split across the meshes, once, at the first
 * wave that splits it. A namespace in no wave stays in the old mesh. A call on a declared path (same direction) is
 * allowed.
 */
export function checkWaves(order: WaveOrder, edges: readonly CallEdge[]): CallViolation[] {
  const paths = order.crossMeshPaths ?? [];
  const waveOf = new Map<string, number>();
  order.waves.forEach((w, i) => {
    for (const ns of w.namespaces) if (!waveOf.has(ns)) waveOf.set(ns, i);
  });
  const groups = callGroups(edges, paths);
  const groupOf = (ns: string) => groups.find((g) => g.includes(ns)) ?? [ns];
  const out: CallViolation[] = [];
  for (const e of edges) {
    if (declared(e, paths)) continue;
    const wf = waveOf.get(e.from);
    const wt = waveOf.get(e.to);
    if (wf === wt) continue;
    // The first of the two to move splits the call, until the other moves (or for good).
    const callerFirst = wt === undefined || (wf !== undefined && wf < wt);
    const first = callerFirst ? wf! : wt!;
    const later = callerFirst ? wt : wf;
    out.push({
      wave: order.waves[first]!.name,
      edge: e,
      moved: callerFirst ? 'caller' : 'callee',
      ...(later !== undefined ? { laterWave: order.waves[later]!.name } : {}),
      together: groupOf(e.from),
    });
  }
  return out.sort((a, b) => waveIndex(order, a.wave) - waveIndex(order, b.wave) || cmp(a.edge.from, b.edge.from) || cmp(a.edge.to, b.edge.to));
}

/** One line for `plan`: which call, what splits it, and what to do. */
export function describeViolation(v: CallViolation): string {
  const split = v.moved === 'caller' ? `its caller ${v.edge.from} moves in wave ${v.wave}` : `its callee ${v.edge.to} moves in wave ${v.wave}`;
  const until = v.laterWave ? `, the other side only in wave ${v.laterWave}` : `, the other side in no wave (it stays in the old mesh)`;
  return `calls ${v.edge.from} → ${v.edge.to} (${Math.round(v.edge.requests)} requests in the window) would cross the meshes: ${split}${until}; move ${v.together.join(', ')} together, or declare the path in crossMeshPaths`;
}

function declared(e: CallEdge, paths: readonly CrossMeshPath[]): boolean {
  return paths.some((p) => p.from === e.from && p.to === e.to);
}

function waveIndex(order: WaveOrder, name: string): number {
  return order.waves.findIndex((w) => w.name === name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
