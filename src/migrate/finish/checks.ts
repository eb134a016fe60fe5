// Finish checks (issue 13 point 8) that read Prometheus or exports: no traffic through the old gateways, config parity, vendor traces.
import { analyzeResources } from '../../analyze/run.js';
import { vendorTracesAnalyzer } from '../../analyze/analyzers/vendor/traces.js';
import { REVISION_LABEL } from '../../analyze/analyzers/injection/labels.js';
import { fieldChanges } from '../../kube/field-diff.js';
import { neatObject } from '../../resources/neat.js';
import { identityOf, isPlainObject, keyOf, keyString, type KubeObject } from '../../resources/object.js';
import { ResourceSet } from '../../resources/resource-set.js';
import type { Vendor } from '../../resources/vendors.js';
import { showsObject } from '../config.js';
import { capped, judgeThing, promString, readCounters, type VectorGate } from '../cross/quiet.js';
import type { FinishCheck } from './check-types.js';
import { PrometheusGate } from '../../traffic/gates/prometheus.js';
import { prometheusRange } from '../cross/call-graph-query.js';
import { DEFAULT_FINISH_WINDOW } from '../cross/outline.js';
import { parseDuration, type MeshMigrationSpec } from '../spec.js';

/** How many objects a failing check names before it only counts the rest (status must stay small). */
const SHOWN = 20;

/** An old gateway: its Istio cluster id and its workload `namespace/name`, as its proxy reports itself. */
export interface OldGateway {
  cluster: string;
  workload: string;
}

/**
 * OldGatewayTraffic: no request went through any old gateway over `window` (a Prometheus range, default 10m in the
 * spec). A gateway proxy reports the requests it forwards as the client side: `reporter="source"`, itself as
 * `source_workload` in `source_workload_namespace` and `source_cluster`. Istio 1.31's pilot/pkg/model/telemetry.go:
 * `MetricsForClass` gives ListenerClassGateway the client metrics, `workloadMode` maps it to CLIENT, and only
 * waypoints get the SERVER_GATEWAY reporter (`generateStatsConfig`); any other proxy's reporter is "inferred from the
 * listener direction, as either client or server sidecar" (istio.io/api envoy/extensions/stats/config.pb.go).
 * pass only with that gateway's series scraped now and unchanged over the window (cross/quiet.ts CounterSelection);
 * no data is notProven with the queries in the evidence; any request is fail with the rate per gateway; a
 * Prometheus error is notProven, naming it.
 */
export async function oldGatewayTraffic(gate: VectorGate, gateways: readonly OldGateway[], window: string): Promise<FinishCheck> {
  const name = 'OldGatewayTraffic' as const;
  if (gateways.length === 0)
    return { name, verdict: 'skipped', evidence: ['no old gateway is named (finish.oldGateways) or found behind the waves\' lbWeight shifts, so there is no gateway traffic to check'] };
  const results = await Promise.all(
    gateways.map(async (g) => {
      const slash = g.workload.indexOf('/');
      if (slash <= 0 || slash === g.workload.length - 1) throw new RangeError(`old gateway "${g.workload}" is not namespace/name`);
      const [namespace, workload] = [g.workload.slice(0, slash), g.workload.slice(slash + 1)];
      const selector = `reporter="source", source_workload=${promString(workload)}, source_workload_namespace=${promString(namespace)}, source_cluster=${promString(g.cluster)}`;
      const reading = await readCounters(gate, { selector, thing: ['source_workload_namespace', 'source_workload'], peer: ['destination_workload_namespace', 'destination_workload'], window });
      const where = ` in cluster ${g.cluster}`;
      if (!reading.ok) return { verdict: 'error' as const, lines: [`${g.workload}${where}: not proven: ${reading.error}`], queries: reading.queries };
      const thing = reading.things.find((t) => t.thing === g.workload) ?? { thing: g.workload, traffic: [], live: 0, unchanged: 0 };
      const judged = judgeThing(thing, where, window);
      const absent = thing.live === 0 && thing.traffic.length === 0;
      const line =
        judged.verdict === 'noData' && absent
          ? `${g.workload}${where}: not proven: Prometheus at ${gate.address} has no request counter of this gateway (reporter="source"): it never forwarded a request, or its proxy is not scraped`
          : judged.line;
      return { verdict: judged.verdict, lines: [line], queries: reading.queries, absent };
    }),
  );
  const verdict = results.some((r) => r.verdict === 'busy') ? 'fail' : results.every((r) => r.verdict === 'quiet') ? 'pass' : 'notProven';
  const order = { busy: 0, error: 1, noData: 2, quiet: 3 } as const;
  const lines = [...results].sort((a, b) => order[a.verdict] - order[b.verdict]).flatMap((r) => r.lines);
  // The queries of the gateways the verdict rests on: all of them for pass, those not passing otherwise.
  const queries = results.filter((r) => verdict === 'pass' || r.verdict !== 'quiet').flatMap((r) => r.queries.map((q) => `query: ${q}`));
  // Requests (or a counter that moved) inside the window may be the last ones before the traffic moved: waiting a
  // window tells. A gateway Prometheus never saw, or a failing Prometheus, does not pass by waiting.
  const transient = verdict !== 'pass' && results.every((r) => r.verdict === 'quiet' || r.verdict === 'busy' || (r.verdict === 'noData' && !('absent' in r && r.absent)));
  return { name, verdict, evidence: [...capped(lines), ...queries], ...(transient ? { transient: true } : {}) };
}

/** The label istioctl's install puts on what an IstioOperator installs: those objects are the install plan's, not imported config. */
export const INSTALL_OWNER_LABEL = 'install.operator.istio.io/owning-resource';

function listed(what: string, items: readonly string[]): string[] {
  const shown = items.slice(0, SHOWN).map((i) => `${what}: ${i}`);
  return items.length > SHOWN ? [...shown, `… and ${items.length - SHOWN} more ${what}`] : shown;
}

/**
 * ConfigParity: the source export after the rules (`expected`) against the target's export (`actual`). An expected
 * object is shown when the target's holds every field it sets (showsObject, the test import and rollback use; the
 * target's server may add defaults), both compared in neat form, apiVersion aside (a v1beta1 export equals its v1
 * read). Missing or changed objects fail, each named (the first 20, then a count) with the fields that differ, never
 * their values (a Secret's would leak). Extras are evidence, not failures. `exclude` objects (the shift routers'
 * objects, the install plan's expose objects) and objects labelled install.operator.istio.io/owning-resource never
 * count.
 */
export function configParity(expected: readonly KubeObject[], actual: readonly KubeObject[], exclude: (o: KubeObject) => boolean): FinishCheck {
  const counts = (o: KubeObject) => !exclude(o) && o.metadata.labels?.[INSTALL_OWNER_LABEL] === undefined;
  const want = expected.filter(counts);
  const have = new Map(actual.filter(counts).map((o) => [keyString(keyOf(o)), o]));
  const missing: string[] = [];
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const w of want) {
    const key = keyString(keyOf(w));
    seen.add(key);
    const live = have.get(key);
    if (!live) {
      missing.push(identityOf(w));
      continue;
    }
    // showsObject never compares apiVersion: a v1beta1 export equals its v1 read.
    const a = neatObject(w);
    const b = neatObject(live);
    if (showsObject(a, b)) continue;
    // Fields the expected object sets that the target lacks or holds otherwise; additions are the server's defaults.
    const paths = fieldChanges(a, b).filter((c) => 'old' in c && c.path !== 'apiVersion').map((c) => c.path);
    const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '');
    changed.push(`${identityOf(w)} (${shown || 'a list differs in length'})`);
  }
  const extras = [...have.entries()].filter(([k]) => !seen.has(k)).map(([, o]) => identityOf(o)).sort();
  missing.sort();
  changed.sort();
  const failing = missing.length + changed.length;
  const evidence = [
    failing === 0 ? `all ${want.length} objects of the source export (after the rules) are in the target as exported` : `${failing} of ${want.length} objects of the source export (after the rules) are missing from the target or differ`,
    ...listed('missing', missing),
    ...listed('changed', changed),
    ...listed('extra in the target (not failing)', extras),
  ];
  return { name: 'ConfigParity', verdict: failing === 0 ? 'pass' : 'fail', evidence };
}

export interface VendorTraceOptions {
  /** The managed mesh the source was (spec.source.managed); absent for a self-built source. */
  managed?: 'tcm' | 'asm' | 'csm';
  /** The source's revision: an `istio.io/rev` still equal to it is a trace, whatever its pattern. */
  sourceRevision?: string;
  /** The target's revisions: a source revision the target uses too (`default` on both sides) is no trace. */
  targetRevisions?: readonly string[];
  /** The target's vendor, default upstream Istio. */
  targetVendor?: Vendor;
}

/** The pod template labels of a workload kind (Deployment-like, or a CronJob's job template). */
function podTemplateLabels(o: KubeObject): Record<string, unknown> | undefined {
  const spec = o.spec;
  if (!isPlainObject(spec)) return undefined;
  const jobTemplate = isPlainObject(spec.jobTemplate) && isPlainObject(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
  const template = (jobTemplate ?? spec).template;
  if (!isPlainObject(template) || !isPlainObject(template.metadata)) return undefined;
  return isPlainObject(template.metadata.labels) ? template.metadata.labels : undefined;
}

/**
 * VendorTraces: the objects in the target (its export plus its workloads) must carry no trace of the source mesh.
 * With `managed`, the vendor traces analyzer runs (labels, annotations, revisions and objects of any managed mesh
 * other than the target's). With `sourceRevision`, any `istio.io/rev` label (object or pod template) equal to it is a
 * trace too: the analyzer skips TCM's `1-x-y` revisions since upstream Istio names revisions the same way
 * (resources/vendors.ts, analyzers/vendor/traces.ts REVISION_ORDER). Skipped when neither is given.
 */
export function vendorTraces(objects: readonly KubeObject[], opts: VendorTraceOptions): FinishCheck {
  const name = 'VendorTraces' as const;
  const rev = opts.sourceRevision;
  if (!opts.managed && !rev) return { name, verdict: 'skipped', evidence: ['the source is self-built (source.managed unset) and no source revision is given: there is no vendor trace to look for'] };
  const traces: string[] = [];
  const notes: string[] = [];
  if (opts.managed) {
    const result = analyzeResources(ResourceSet.of(objects), { analyzers: [vendorTracesAnalyzer], target: { vendor: opts.targetVendor ?? 'istio' } });
    for (const f of result.findings) if (f.name === 'VendorTraceLeft') traces.push(`${f.origin}: ${f.message}`);
  }
  if (rev && opts.targetRevisions?.includes(rev)) notes.push(`the source revision ${rev} is also a target revision, so ${REVISION_LABEL}=${rev} is not looked for`);
  else if (rev) {
    const mark = `${REVISION_LABEL}=${rev}`;
    const reported = new Set(traces.filter((t) => t.includes(mark)).map((t) => t.slice(0, t.indexOf(': '))));
    for (const o of objects) {
      const origin = identityOf(o);
      if (reported.has(origin)) continue;
      const where = [o.metadata.labels?.[REVISION_LABEL] === rev ? 'labels' : '', podTemplateLabels(o)?.[REVISION_LABEL] === rev ? 'pod template labels' : ''].filter(Boolean);
      if (where.length) traces.push(`${origin}: ${where.join(' and ')} carry ${mark}, the source's revision; relabel it for the target`);
    }
  }
  traces.sort();
  const scanned = `${objects.length} objects of the target scanned${opts.managed ? ` for traces of managed meshes (source: ${opts.managed})` : ''}${rev ? `${opts.managed ? ' and' : ''} for ${REVISION_LABEL}=${rev}` : ''}`;
  return {
    name,
    verdict: traces.length ? 'fail' : 'pass',
    evidence: [traces.length ? `${scanned}: ${traces.length} trace(s)` : `${scanned}: none`, ...listed('trace', traces), ...notes],
  };
}

/**
 * OldGatewayTraffic for a migration's spec: its finish.oldGateways (a gateway in the source context is known to
 * Prometheus by source.clusterName when set) over finish.window (default 10m), through spec.prometheus. Without
 * gateways it is skipped; without Prometheus it is not proven, never passed.
 */
export async function oldGatewayTrafficOf(spec: MeshMigrationSpec): Promise<FinishCheck> {
  const window = spec.finish?.window ?? DEFAULT_FINISH_WINDOW;
  const gateways = (spec.finish?.oldGateways ?? []).map((g) => ({ cluster: g.context === spec.source?.context ? (spec.source?.clusterName ?? g.context) : g.context, workload: g.workload }));
  if (gateways.length === 0) return { name: 'OldGatewayTraffic', verdict: 'skipped', evidence: ['spec.finish.oldGateways names no gateway'] };
  if (!spec.prometheus) return { name: 'OldGatewayTraffic', verdict: 'notProven', evidence: ['spec.prometheus is not set: meshferry cannot see traffic through the old gateways'] };
  return oldGatewayTraffic(new PrometheusGate(spec.prometheus.address), gateways, prometheusRange(parseDuration(window)));
}

