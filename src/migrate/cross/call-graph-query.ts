// Asks Prometheus which namespaces call which: the input of the CrossCluster wave-order check (call-graph.ts).
import type { PrometheusGate } from '../../traffic/gates/prometheus.js';
import { DEFAULT_IGNORED_NAMESPACES, edgesFrom, type CallEdge } from './call-graph.js';

/** Range selectors Prometheus accepts (a Go-style duration of one unit, as `7d`, `36h`, `90m`). */
const WINDOW = /^[1-9][0-9]*(ms|s|m|h|d|w|y)$/;

/** The query: requests between workload namespaces over the window, both reporters (edgesFrom keeps the larger). */
export function callGraphQuery(window: string): string {
  if (!WINDOW.test(window)) throw new RangeError(`"${window}" is not a Prometheus range such as 7d or 36h`);
  return `sum by (source_workload_namespace, destination_workload_namespace, reporter) (increase(istio_requests_total[${window}]))`;
}

/**
 * The call graph, or why it is unknown. An answer with no series at all is "unknown", never "no calls": a Prometheus
 * that does not scrape the mesh answers the same way as a mesh whose services never call each other.
 */
export type CallGraph = { known: true; edges: CallEdge[]; series: number } | { known: false; reason: string };

export async function queryCallGraph(gate: Pick<PrometheusGate, 'queryVector' | 'address'>, window: string, ignored: readonly string[] = DEFAULT_IGNORED_NAMESPACES): Promise<CallGraph> {
  const r = await gate.queryVector(callGraphQuery(window));
  if (r.kind === 'error') return { known: false, reason: r.error.message };
  if (r.series.length === 0)
    return { known: false, reason: `Prometheus at ${gate.address} has no istio_requests_total in the last ${window}: it does not scrape the mesh's proxies, or nothing was called` };
  return { known: true, edges: edgesFrom(r.series, ignored), series: r.series.length };
}
