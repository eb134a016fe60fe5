// Built-in checks over Istio's standard metrics, and turning a check of a TrafficShift into one PromQL query.
import { closestWord } from '../../closest-word.js';
import { InputError } from '../../errors.js';
import type { SourcePosition } from '../../errors.js';
import { renderPromqlTemplate } from './promql-template.js';

/**
 * Which proxy's report a check reads. Sidecars in front of a workload report `reporter="destination"` for the
 * requests it receives; a gateway has no sidecar in front of it and reports its own traffic as
 * `reporter="source"`, with itself as `source_workload` (istio.io docs/reference/config/metrics, "reporter").
 */
export type Reporter = 'destination' | 'source';

/** What one check is about: the "to" (or "from") workload, over which window, seen by which reporter. */
export interface CheckScope {
  namespace: string;
  workload: string;
  /** PromQL duration, e.g. `1m`. */
  interval: string;
  reporter: Reporter;
}

function workloadSelector(reporter: Reporter): string {
  const side = reporter === 'destination' ? 'destination' : 'source';
  return `reporter="{{ reporter }}",${side}_workload_namespace="{{ namespace }}",${side}_workload="{{ workload }}"`;
}

// Flagger's built-ins (fluxcd/flagger pkg/metrics/observers/istio.go), with an exact workload match instead of
// Flagger's `=~` (meshferry names one workload per side), and the reporter chosen by the router.
const BUILTIN_TEMPLATES = {
  /**
   * Percentage of requests that got an answer that was not 5xx. Two changes to Flagger's query:
   * - code 0 (no answer at all, which a source reporter such as a gateway records for a dead upstream) counts as
   *   a failure, not a success;
   * - when every request fails, the numerator matches no series and `sum()` of nothing is an empty vector, which
   *   would make the whole rate "no data"; `or vector(0)` makes it 0 %. No traffic at all still gives no data
   *   (an empty denominator), and traffic that stopped gives NaN (0/0).
   */
  'request-success-rate': (r: Reporter) =>
    `(sum(rate(istio_requests_total{${workloadSelector(r)},response_code!~"5.*|0"}[{{ interval }}])) or vector(0)) / ` +
    `sum(rate(istio_requests_total{${workloadSelector(r)}}[{{ interval }}])) * 100`,
  /** 99th percentile request duration in milliseconds. */
  'request-duration-p99': (r: Reporter) =>
    `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{${workloadSelector(r)}}[{{ interval }}])) by (le))`,
} as const;

export type BuiltinMetric = keyof typeof BUILTIN_TEMPLATES;
export const BUILTIN_METRICS = Object.keys(BUILTIN_TEMPLATES).sort() as BuiltinMetric[];

/** A check as written in a TrafficShift: a built-in metric, or a named custom query. */
export type CheckSpec =
  | { metric: string; name?: string; min?: number; max?: number }
  | { name: string; query: string; min?: number; max?: number };

/** A check ready to run: its name, its rendered PromQL and its bounds (inclusive). */
export interface ResolvedCheck {
  name: string;
  promql: string;
  min?: number;
  max?: number;
}

/** The PromQL template text of a built-in metric, as seen by `reporter`. */
export function builtinTemplate(metric: BuiltinMetric, reporter: Reporter): string {
  return BUILTIN_TEMPLATES[metric](reporter);
}

/**
 * Turns a check into its query for one scope, validating it: exactly one of `metric`/`query`, a known metric,
 * at least one finite bound, `min <= max`. Errors name `fieldPath` and `position` when given.
 */
export function resolveCheck(spec: CheckSpec, scope: CheckScope, where: { fieldPath?: string; position?: SourcePosition } = {}): ResolvedCheck {
  const fail = (message: string, field?: string): never => {
    const fieldPath = [where.fieldPath, field].filter(Boolean).join('.');
    throw new InputError(message, { ...(where.position ? { position: where.position } : {}), ...(fieldPath ? { fieldPath } : {}) });
  };
  const hasMetric = 'metric' in spec && spec.metric !== undefined;
  const hasQuery = 'query' in spec && spec.query !== undefined;
  if (hasMetric === hasQuery) fail('a check needs exactly one of "metric" (a built-in) or "query" (PromQL)');
  for (const bound of ['min', 'max'] as const) {
    const v = spec[bound];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) fail(`"${bound}" must be a finite number`, bound);
  }
  if (spec.min === undefined && spec.max === undefined) fail('a check needs "min", "max" or both');
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) fail(`"min" (${spec.min}) is above "max" (${spec.max})`);

  let name: string;
  let template: string;
  let field: string;
  if (hasMetric) {
    const metric = (spec as { metric: string }).metric;
    if (!(BUILTIN_METRICS as readonly string[]).includes(metric)) {
      const near = closestWord(metric, BUILTIN_METRICS);
      fail(`unknown metric "${metric}"${near ? ` (did you mean "${near}"?)` : ''}; built-in metrics: ${BUILTIN_METRICS.join(', ')}`, 'metric');
    }
    name = spec.name ?? metric;
    template = builtinTemplate(metric as BuiltinMetric, scope.reporter);
    field = 'metric';
  } else {
    if (!spec.name) fail('a check with a "query" needs a "name"', 'name');
    name = spec.name!;
    template = (spec as { query: string }).query;
    field = 'query';
  }
  const fieldPath = [where.fieldPath, field].filter(Boolean).join('.');
  const promql = renderPromqlTemplate(template, scope, { ...(fieldPath ? { fieldPath } : {}), ...(where.position ? { position: where.position } : {}) });
  return { name, promql, ...(spec.min !== undefined ? { min: spec.min } : {}), ...(spec.max !== undefined ? { max: spec.max } : {}) };
}
