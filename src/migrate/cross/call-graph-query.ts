// Asks Prometheus which namespaces call which: the input of the CrossCluster wave-order check (call-graph.ts).
import { ClusterError, InputError, type SourcePosition } from '../../errors.js';
import type { PathSegment } from '../../resources/resource-set.js';
import type { GateError } from '../../traffic/gates/gate.js';
import { PrometheusGate } from '../../traffic/gates/prometheus.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { parseDuration, type MeshMigrationSpec } from '../spec.js';
import { DEFAULT_IGNORED_NAMESPACES, edgesFrom, type CallEdge } from './call-graph.js';
import { callGraphSection, DEFAULT_CALL_GRAPH_WINDOW, type CallGraphSection } from './call-graph-section.js';

/** Range selectors Prometheus accepts (a Go-style duration of one unit, as `7d`, `36h`, `90m`). */
const WINDOW = /^[1-9][0-9]*(ms|s|m|h|d|w|y)$/;

/**
 * A duration in milliseconds (the file's `1h30m`, parsed by parseDuration) as one Prometheus range: the largest unit
 * that divides it, since a range selector takes a single unit (`90m`, not `1h30m`). 0 is no range: RangeError.
 */
export function prometheusRange(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`${ms} ms is not a Prometheus range`);
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The query: requests between workload namespaces over the window, both reporters (edgesFrom keeps the larger). */
export function callGraphQuery(window: string): string {
  if (!WINDOW.test(window)) throw new RangeError(`"${window}" is not a Prometheus range such as 7d or 36h`);
  return `sum by (source_workload_namespace, destination_workload_namespace, reporter) (increase(istio_requests_total[${window}]))`;
}

/**
 * The call graph, or why it is unknown. An answer with no series at all is "unknown", never "no calls": a Prometheus
 * that does not scrape the mesh answers the same way as a mesh whose services never call each other.
 */
export type CallGraph = { known: true; edges: CallEdge[]; series: number } | { known: false; reason: string; error?: GateError };

/** Asks for the graph over `window` (a Prometheus range); `error` is set when Prometheus failed or gave an error answer, as opposed to an answer with no series. */

export async function queryCallGraph(gate: Pick<PrometheusGate, 'queryVector' | 'address'>, window: string, ignored: readonly string[] = DEFAULT_IGNORED_NAMESPACES): Promise<CallGraph> {
  const r = await gate.queryVector(callGraphQuery(window));
  if (r.kind === 'error') return { known: false, reason: r.error.message, error: r.error };
  if (r.series.length === 0)
    return { known: false, reason: `Prometheus at ${gate.address} has no istio_requests_total in the last ${window}: it does not scrape the mesh's proxies, or nothing was called` };
  return { known: true, edges: edgesFrom(r.series, ignored), series: r.series.length };
}

/**
 * The call-graph section of `migrate plan`: the query over `callGraph.window` (default a week) when spec.prometheus
 * is set, else "unknown". A Prometheus that fails or answers with an error is exit 3 naming it (ClusterError): plan
 * cannot say whether the waves split calls, and "unknown" would invite --accept-unknown-calls for a passing outage.
 * `locate` points bad fields of the file (exit 2) at their line.
 */
export async function planCallGraph(
  spec: Pick<MeshMigrationSpec, 'waves' | 'crossMeshPaths' | 'callGraph' | 'prometheus'>,
  opts: { acceptUnknownCalls: boolean; locate: (path: readonly PathSegment[]) => SourcePosition },
): Promise<CallGraphSection> {
  const window = spec.callGraph?.window ?? DEFAULT_CALL_GRAPH_WINDOW;
  const ms = parseDuration(window);
  if (ms <= 0) throw new InputError(`callGraph.window "${window}" is no time at all: give the range of traffic to read, such as 168h (a week, the default)`, { position: opts.locate(['spec', 'callGraph', 'window']), code: 'BadWindow' });
  const section = (graph: CallGraph) => callGraphSection(spec, graph, { windowSeconds: ms / 1000, acceptUnknownCalls: opts.acceptUnknownCalls });
  if (!spec.prometheus) return section({ known: false, reason: 'spec.prometheus is not set, so meshferry cannot see which namespaces call which' });
  let gate: PrometheusGate;
  try {
    gate = new PrometheusGate(spec.prometheus.address);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`spec.prometheus.address: ${err.message.replace(/ \(at [^)]*\)$/, '')}`, { position: opts.locate(['spec', 'prometheus', 'address']), code: err.code });
    throw err;
  }
  const graph = await queryCallGraph(gate, prometheusRange(ms));
  if (!graph.known && graph.error) throw new ClusterError('PrometheusFailed', `migrate plan: cannot read the call graph: ${sanitizeTerminalText(graph.error.message, { oneLine: true })}`, { cause: graph.error });
  return section(graph);
}
