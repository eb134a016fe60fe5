// The quiet check before a CrossCluster wave scales its source workloads to 0 (issue 13 point 4.5): Prometheus must show that no request reached them over a window, with their counters scraped; and the HPAs that target them.
import type { ObjectClient } from '../../kube/object-client.js';
import type { KubeObject } from '../../resources/object.js';
import { isPlainObject } from '../../resources/object.js';
import type { Series } from '../../traffic/gates/prometheus-response.js';
import type { PrometheusGate } from '../../traffic/gates/prometheus.js';

/** What a check needs of a Prometheus: vector queries, and its address for messages. */
export type VectorGate = Pick<PrometheusGate, 'queryVector' | 'address'>;

/** A Prometheus range of one unit, as call-graph-query.ts's prometheusRange writes it (`5m`, `90s`, `1500ms`). */
const RANGE = /^([1-9][0-9]*)(ms|s|m|h|d|w|y)$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** The seconds of a Prometheus range; RangeError for anything else (the engine passes prometheusRange's output). */
export function rangeSeconds(window: string): number {
  const m = RANGE.exec(window);
  if (!m) throw new RangeError(`"${window}" is not a Prometheus range such as 5m or 90s`);
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
}

/** A PromQL string literal (double-quoted; backslash, quote and line breaks escaped as PromQL reads them). */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/** `value` as an RE2 pattern matching exactly itself (Prometheus anchors `=~` patterns on both ends). */
export function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Request counters picked by one selector, looked at over one window. Three instant queries; why three:
 * - `traffic`: the increase per (thing, peer). Any increase is traffic, whatever else holds.
 * - `live`: the series an instant selector returns now. Prometheus writes staleness markers as soon as a target fails
 *   a scrape ("a failed scrape is the same as an empty scrape", prometheus/prometheus v0.311.3 scrape/scrape.go scrapeAndReport)
 *   and about two intervals after a target leaves discovery (scrape.go endOfRunStaleness), and an instant selector
 *   skips stale series: a series here is one whose proxy is scraped now. `up` would say the same only where the
 *   scrape config copies workload labels onto targets, which no convention guarantees.
 * - `unchanged`: the series whose value now equals their value at the window's start (`offset W`). Counters are
 *   cumulative, so such a series counted no request in between even if a scrape gap hid part of the window, which
 *   `increase` alone cannot show: it only compares the samples inside the window. A series created during the
 *   window (a proxy's first request) or reset (a restarted proxy) is absent from it.
 * A thing is proven quiet only when it has live series, all of them unchanged, and no increase.
 */
export interface CounterSelection {
  /** Label matchers inside `istio_requests_total{…}`. */
  selector: string;
  /** The labels naming one thing the verdict is about (a workload: its namespace and name). */
  thing: readonly [string, string];
  /** The labels naming the other end of its requests, for evidence (its callers, or a gateway's upstreams). */
  peer: readonly [string, string];
  /** A Prometheus range. */
  window: string;
}

/** The three queries of a selection, in the order CounterSelection explains them. */
export function counterQueries(s: CounterSelection): { traffic: string; live: string; unchanged: string } {
  const series = `istio_requests_total{${s.selector}}`;
  const thing = s.thing.join(', ');
  return {
    traffic: `sum by (${thing}, ${s.peer.join(', ')}) (increase(${series}[${s.window}]))`,
    live: `count by (${thing}) (${series})`,
    unchanged: `count by (${thing}) (${series} == ${series} offset ${s.window})`,
  };
}

/** One thing's requests from one peer over the window (extrapolated by increase, so not always whole). */
interface PeerTraffic {
  peer: string;
  requests: number;
}

/** What the three queries said about one thing (`namespace/name`). */
export interface ThingReading {
  thing: string;
  /** Requests per peer, largest first; NaN when Prometheus answered NaN. */
  traffic: PeerTraffic[];
  /** Series scraped now, and how many of them kept their value since the window's start. */
  live: number;
  unchanged: number;
}

/** The verdict on one thing, with a one-line reason. */
export type ThingVerdict = { thing: string; verdict: 'quiet' | 'busy' | 'noData'; line: string };

export type CounterReading = { ok: true; things: ThingReading[]; queries: string[] } | { ok: false; error: string; queries: string[] };

const labelOf = (s: Series, pair: readonly [string, string]): string => `${s.labels[pair[0]] ?? ''}/${s.labels[pair[1]] ?? ''}`;

/** Runs the three queries of a selection; the first failure (unreachable, error answer) is the reading's error. */
export async function readCounters(gate: VectorGate, s: CounterSelection): Promise<CounterReading> {
  const q = counterQueries(s);
  const queries = [q.traffic, q.live, q.unchanged];
  const answers = await Promise.all(queries.map((query) => gate.queryVector(query)));
  for (const r of answers) if (r.kind === 'error') return { ok: false, error: r.error.message, queries };
  const [traffic = [], live = [], unchanged = []] = answers.map((r) => (r.kind === 'vector' ? r.series : []));
  const things = new Map<string, ThingReading>();
  const at = (thing: string): ThingReading => {
    let t = things.get(thing);
    if (!t) things.set(thing, (t = { thing, traffic: [], live: 0, unchanged: 0 }));
    return t;
  };
  for (const ser of traffic) at(labelOf(ser, s.thing)).traffic.push({ peer: labelOf(ser, s.peer), requests: ser.value });
  for (const ser of live) at(labelOf(ser, s.thing)).live = ser.value;
  for (const ser of unchanged) at(labelOf(ser, s.thing)).unchanged = ser.value;
  for (const t of things.values()) t.traffic.sort((a, b) => (b.requests || 0) - (a.requests || 0) || (a.peer < b.peer ? -1 : 1));
  return { ok: true, things: [...things.values()].sort((a, b) => (a.thing < b.thing ? -1 : 1)), queries };
}

/** How many lines about workloads or gateways a verdict keeps (it lands in status, which must stay small). */
export const SHOWN_LINES = 20;

/** The first SHOWN_LINES lines, then how many more there were. */
export function capped(lines: readonly string[]): string[] {
  return lines.length > SHOWN_LINES ? [...lines.slice(0, SHOWN_LINES), `… and ${lines.length - SHOWN_LINES} more`] : [...lines];
}

/** A number for a message: whole numbers as they are, others to 3 significant digits. */
export function shortNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(3)));
}

/** The verdict on one thing's reading (see CounterSelection), in words a person can act on. */
export function judgeThing(t: ThingReading, where: string, window: string): ThingVerdict {
  const seconds = rangeSeconds(window);
  const busy = t.traffic.filter((p) => p.requests > 0);
  if (busy.length > 0) {
    const total = busy.reduce((a, p) => a + p.requests, 0);
    const peers = busy.slice(0, 3).map((p) => `${p.peer} ${shortNumber(p.requests / seconds)}/s`);
    const more = busy.length > 3 ? ` and ${busy.length - 3} more` : '';
    return { thing: t.thing, verdict: 'busy', line: `${t.thing}${where}: ${shortNumber(total)} requests over ${window} (${shortNumber(total / seconds)}/s), from ${peers.join(', ')}${more}` };
  }
  const notProven = (why: string): ThingVerdict => ({ thing: t.thing, verdict: 'noData', line: `${t.thing}${where}: not proven: ${why}` });
  if (t.traffic.some((p) => Number.isNaN(p.requests))) return notProven(`Prometheus answered NaN for its requests over ${window}`);
  if (t.live === 0) return notProven(`no series of it is scraped now (its proxies' metrics targets are down or gone), so requests could reach it unseen`);
  if (t.traffic.length === 0) return notProven(`its series were not scraped twice within ${window}, so no increase can be read`);
  if (t.unchanged < t.live)
    return notProven(`${t.live - t.unchanged} of its ${t.live} series were not scraped at the window's start or changed since (new, or a restarted proxy)`);
  return { thing: t.thing, verdict: 'quiet', line: `${t.thing}${where}: 0 requests over ${window}; ${t.live} series scraped now, unchanged since the window's start` };
}

export interface QuietOptions {
  /** The wave's namespaces. */
  namespaces: readonly string[];
  /** Istio's cluster id of the source cluster (`destination_cluster`), by default its context name. */
  sourceCluster: string;
  /** A Prometheus range (default 5m in the spec; prometheusRange() turns the spec's duration into one). */
  window: string;
}

/** The outcome of the quiet check: only `quiet` lets a wave scale its source down; noData is "not proven", never a pass. */
export interface QuietCheck {
  verdict: 'quiet' | 'busy' | 'noData' | 'error';
  /** One line per workload (and per namespace without any), busy first, at most SHOWN_LINES; then the queries asked. */
  evidence: string[];
  /** The main query: the requests to the wave's workloads in the source cluster over the window. */
  query: string;
}

function quietSelection(opts: QuietOptions): CounterSelection {
  const namespaces = [...new Set(opts.namespaces)].sort();
  if (namespaces.length === 0) throw new RangeError('the quiet check needs at least one namespace');
  rangeSeconds(opts.window);
  // The destination's sidecar reports what reached it (reporter="destination"), in its own cluster.
  const selector = `reporter="destination", destination_workload_namespace=~${promString(namespaces.map(regexLiteral).join('|'))}, destination_cluster=${promString(opts.sourceCluster)}`;
  return { selector, thing: ['destination_workload_namespace', 'destination_workload'], peer: ['source_workload_namespace', 'source_workload'], window: opts.window };
}

/** The requests to the wave's workloads in the source cluster over the window, per workload and caller. */
export function quietQuery(opts: QuietOptions): string {
  return counterQueries(quietSelection(opts)).traffic;
}

/**
 * Whether Prometheus proves the wave's source workloads received no request over the window: `quiet` only when every
 * namespace has series scraped now and none of them moved (see CounterSelection); `busy` names each workload still
 * receiving requests, with its rate and top callers; `noData` ("not proven") names what is missing; `error` is a
 * Prometheus that failed or refused a query.
 */
export async function checkQuiet(gate: VectorGate, opts: QuietOptions): Promise<QuietCheck> {
  const selection = quietSelection(opts);
  const query = counterQueries(selection).traffic;
  const reading = await readCounters(gate, selection);
  const where = ` in cluster ${opts.sourceCluster}`;
  const asked = (queries: string[]) => queries.map((q) => `query: ${q}`);
  if (!reading.ok) return { verdict: 'error', evidence: [reading.error, ...asked(reading.queries)], query };
  const verdicts = reading.things.map((t) => judgeThing(t, where, opts.window));
  const namespaces = [...new Set(opts.namespaces)].sort();
  const silent = namespaces.filter((ns) => !reading.things.some((t) => t.live > 0 && t.thing.startsWith(`${ns}/`)));
  const lines = [
    ...verdicts.filter((v) => v.verdict === 'busy').map((v) => v.line),
    ...silent.map((ns) => `namespace ${ns}${where}: not proven: Prometheus at ${gate.address} scrapes no request counter of its workloads (reporter="destination"): nothing ever called them, or their proxies are not scraped`),
    ...verdicts.filter((v) => v.verdict !== 'busy').map((v) => v.line),
  ];
  const verdict = verdicts.some((v) => v.verdict === 'busy') ? 'busy' : silent.length > 0 || verdicts.some((v) => v.verdict === 'noData') ? 'noData' : 'quiet';
  return { verdict, evidence: [...capped(lines), ...asked(reading.queries)], query };
}

/** A workload the wave scales down. */
export interface ScaledRef {
  kind: string;
  namespace: string;
  name: string;
}

const HPA_KIND = 'HorizontalPodAutoscaler';

/**
 * The HPAs (autoscaling/v2, or v1 where v2 is not served) whose scaleTargetRef names one of `refs` (same namespace,
 * kind and name) with minReplicas ≥ 1 (an absent minReplicas is 1: kubernetes v1.34.4 pkg/apis/autoscaling/v2/defaults.go), as
 * `HorizontalPodAutoscaler ns/name (minReplicas N) targets Deployment ns/x`, sorted.
 * Note for callers: Kubernetes' own HPA controller leaves a target at 0 replicas alone ("ScalingDisabled", k8s
 * pkg/controller/podautoscaler/horizontal.go, `currentReplicas == 0 && minReplicas != 0`); it scales the workload
 * again as soon as anything (a rollback, a person, a GitOps sync) restores replicas, and autoscalers built on HPAs
 * (KEDA) activate from 0 by themselves. Neither an HPA nor server can say which holds, hence the list.
 */
export async function hpasTargeting(client: ObjectClient, refs: readonly ScaledRef[]): Promise<string[]> {
  if (refs.length === 0) return [];
  const resource = client.discovery.resourceAt('autoscaling', 'v2', HPA_KIND) ?? client.discovery.resourceAt('autoscaling', 'v1', HPA_KIND);
  if (!resource) return [];
  const wanted = new Set(refs.map((r) => `${r.namespace}/${r.kind}/${r.name}`));
  const namespaces = [...new Set(refs.map((r) => r.namespace))].sort();
  const lists = await Promise.all(namespaces.map((namespace) => client.list(resource, { namespace })));
  const out: string[] = [];
  for (const hpa of lists.flat()) {
    const target = scaleTarget(hpa);
    if (!target) continue;
    const ns = hpa.metadata.namespace ?? '';
    if (!wanted.has(`${ns}/${target.kind}/${target.name}`)) continue;
    const min = minReplicas(hpa);
    if (min < 1) continue;
    out.push(`${HPA_KIND} ${ns}/${hpa.metadata.name} (minReplicas ${min}) targets ${target.kind} ${ns}/${target.name}`);
  }
  return out.sort();
}

function scaleTarget(hpa: KubeObject): { kind: string; name: string } | undefined {
  const spec = hpa.spec;
  const ref = isPlainObject(spec) ? spec.scaleTargetRef : undefined;
  if (!isPlainObject(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') return undefined;
  return { kind: ref.kind, name: ref.name };
}

function minReplicas(hpa: KubeObject): number {
  const spec = hpa.spec;
  const min = isPlainObject(spec) ? spec.minReplicas : undefined;
  return typeof min === 'number' ? min : 1;
}
