// The "Call graph" part of the CrossCluster plan: the calls around the waves, the groups to move together, and the calls a wave order would split.
import { sanitizeTerminalText } from '../../terminal-text.js';
import type { MeshMigrationSpec } from '../spec.js';
import { callGroups, checkWaves, type CallEdge } from './call-graph.js';
import type { CallGraph } from './call-graph-query.js';

/** The window when `callGraph.window` is unset: a week, so weekly jobs and their calls are seen. */
export const DEFAULT_CALL_GRAPH_WINDOW = '168h';

/** The flag that lets a migration go on without knowing who calls whom. */
export const ACCEPT_UNKNOWN_CALLS_FLAG = '--accept-unknown-calls';

/**
 * What plan can say about enforcement: the engine refuses a split call only when the two meshes' roots differ (their
 * sidecars cannot talk mTLS), and warns otherwise; plan reads no cluster, so it cannot compare the roots.
 */
export const ENFORCEMENT_NOTE = "blocking: the engine refuses these when the two meshes' roots differ and only warns when they are the same; roots not compared by plan (it reads no cluster)";

/** One call between namespaces, with its mean rate over the window. */
export interface PlannedEdge {
  from: string;
  to: string;
  /** Requests counted over the window (the larger of the two reporters). */
  requests: number;
  /** requests / window, in requests per second. */
  perSecond: number;
}

/** A call one wave would leave with its caller in one mesh and its callee in the other, and no declared path. */
export interface PlannedViolation {
  /** The wave after which the call crosses the meshes. */
  wave: string;
  edge: PlannedEdge;
  /** Which end moves in `wave`. */
  moved: 'caller' | 'callee';
  /** The wave the other end moves in; absent: it is in no wave and stays in the source. */
  laterWave?: string;
  /** The namespaces to move together, in wave order (namespaces of no wave last, by name). */
  together: string[];
}

/** The call graph as `migrate plan` shows it (table, JSON and YAML alike). */
export type CallGraphSection = {
  /** The range of the query, as written or the default. */
  window: string;
  /** True when `callGraph.window` is unset and the default applies. */
  windowDefault: boolean;
  /** `spec.prometheus.address`, when set. */
  prometheus?: string;
} & (
  | {
      known: true;
      /** Calls with at least one end in a wave, by caller then callee. */
      edges: PlannedEdge[];
      /** Namespaces that call each other (directly or not) and so should move together; each in wave order. */
      groups: string[][];
      violations: PlannedViolation[];
      enforcement: string;
    }
  | {
      known: false;
      /** Why the graph is unknown. */
      reason: string;
      /** The run passed --accept-unknown-calls: no wave order is checked. */
      accepted: boolean;
    }
);

/** Orders namespaces as the waves move them; those of no wave come last, by name. */
function inWaveOrder(namespaces: readonly string[], spec: Pick<MeshMigrationSpec, 'waves'>): string[] {
  const rank = new Map<string, number>();
  spec.waves.forEach((w, i) => (w.namespaces ?? []).forEach((ns, j) => rank.has(ns) || rank.set(ns, i * 10_000 + j)));
  const at = (ns: string) => rank.get(ns) ?? Number.MAX_SAFE_INTEGER;
  return [...namespaces].sort((a, b) => at(a) - at(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The call-graph section from the graph Prometheus gave (or why there is none). `windowSeconds` is the window's
 * length, for the rates. Calls between namespaces of no wave are left out: the migration does not move them.
 */
export function callGraphSection(
  spec: Pick<MeshMigrationSpec, 'waves' | 'crossMeshPaths' | 'callGraph' | 'prometheus'>,
  graph: CallGraph,
  opts: { windowSeconds: number; acceptUnknownCalls: boolean },
): CallGraphSection {
  const head = {
    window: spec.callGraph?.window ?? DEFAULT_CALL_GRAPH_WINDOW,
    windowDefault: spec.callGraph?.window === undefined,
    ...(spec.prometheus ? { prometheus: spec.prometheus.address } : {}),
  };
  if (!graph.known) return { ...head, known: false, reason: graph.reason, accepted: opts.acceptUnknownCalls };
  const inWave = new Set(spec.waves.flatMap((w) => w.namespaces ?? []));
  const around = graph.edges.filter((e) => inWave.has(e.from) || inWave.has(e.to));
  const planned = (e: CallEdge): PlannedEdge => ({ from: e.from, to: e.to, requests: e.requests, perSecond: opts.windowSeconds > 0 ? e.requests / opts.windowSeconds : 0 });
  const order = { waves: spec.waves.map((w) => ({ name: w.name, namespaces: w.namespaces ?? [] })), crossMeshPaths: spec.crossMeshPaths ?? [] };
  return {
    ...head,
    known: true,
    edges: around.map(planned),
    groups: callGroups(around, order.crossMeshPaths).map((g) => inWaveOrder(g, spec)),
    violations: checkWaves(order, around).map((v) => ({
      wave: v.wave,
      edge: planned(v.edge),
      moved: v.moved,
      ...(v.laterWave !== undefined ? { laterWave: v.laterWave } : {}),
      together: inWaveOrder(v.together, spec),
    })),
    enforcement: ENFORCEMENT_NOTE,
  };
}

/** True when the section stops `apply`: a split call, or an unknown graph not accepted with the flag. */
export function callGraphBlocks(s: CallGraphSection): boolean {
  return s.known ? s.violations.length > 0 : !s.accepted;
}

/** A count and a rate short enough for a table: `1200 requests, 0.0020/s`. */
export function formatCalls(e: Pick<PlannedEdge, 'requests' | 'perSecond'>): string {
  const rate = e.perSecond >= 10 ? e.perSecond.toFixed(0) : e.perSecond >= 0.01 ? e.perSecond.toFixed(2) : e.perSecond.toPrecision(2);
  return `${Math.round(e.requests)} requests, ${rate}/s`;
}

/** One line per violation: the call, its rate, the wave that splits it, and what to do. */
export function violationLine(v: PlannedViolation): string {
  const split = v.moved === 'caller' ? `its caller ${v.edge.from} moves in wave ${v.wave}` : `its callee ${v.edge.to} moves in wave ${v.wave}`;
  const other = v.laterWave !== undefined ? `the other side only in wave ${v.laterWave}` : 'the other side is in no wave and stays in the source';
  return `after wave ${v.wave}: ${v.edge.from} → ${v.edge.to} (${formatCalls(v.edge)}) crosses the meshes: ${split}, ${other}; move ${v.together.join(', ')} together, or declare the call in crossMeshPaths`;
}

/** The section for people. Namespace names come from Prometheus' labels: server text, made safe for a terminal. */
export function renderCallGraphSection(s: CallGraphSection): string[] {
  const clean = (t: string) => sanitizeTerminalText(t, { oneLine: true });
  const window = `${s.window}${s.windowDefault ? ' (the default: callGraph.window is unset)' : ''}`;
  if (!s.known) {
    const out = [`Call graph: unknown over ${window}: ${clean(s.reason)}`];
    out.push(
      s.accepted
        ? `  accepted with ${ACCEPT_UNKNOWN_CALLS_FLAG}: no wave order is checked, so a wave may split services that call each other`
        : `  blocking: pass ${ACCEPT_UNKNOWN_CALLS_FLAG} to go on without it${s.prometheus === undefined ? ', or set spec.prometheus.address to a Prometheus that scrapes the source mesh' : ''}`,
    );
    return out;
  }
  const out = [`Call graph: istio_requests_total over ${window} from Prometheus ${clean(s.prometheus ?? '')}`];
  if (s.edges.length === 0) out.push('  no calls between the waves\' namespaces and any other namespace');
  else {
    const width = Math.max(...s.edges.map((e) => `${e.from} → ${e.to}`.length));
    for (const e of s.edges) out.push(`  ${clean(`${e.from} → ${e.to}`).padEnd(width)}  ${formatCalls(e)}`);
  }
  out.push('', 'Move together (namespaces that call each other):');
  if (s.groups.length === 0) out.push('  none');
  for (const g of s.groups) out.push(`  ${clean(g.join(', '))}`);
  out.push('', `Calls the waves would split: ${s.violations.length === 0 ? 'none' : `${s.violations.length}, ${s.enforcement}`}`);
  for (const v of s.violations) out.push(`  - ${clean(violationLine(v))}`);
  return out;
}
