// FieldPrunedByTarget: fields the target release's schema does not know, which the API server drops (or strict validation rejects).
import type { PathSegment } from '../../../resources/resource-set.js';
import type { Analyzer } from '../../analyzer.js';
import { ISTIO_KIND_REFS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { formatPath } from '../../schema/structural.js';

/** Replacements for fields older Istio releases had (v1alpha3 VirtualService), keyed by `parent.field`. */
const REPLACEMENTS: Record<string, string> = {
  'http.appendHeaders': 'headers.request.add',
  'http.appendRequestHeaders': 'headers.request.add',
  'http.removeRequestHeaders': 'headers.request.remove',
  'http.appendResponseHeaders': 'headers.response.add',
  'http.removeResponseHeaders': 'headers.response.remove',
  'abort.percent': 'abort.percentage.value',
};
const NOTES: Record<string, string> = {
  'http.websocketUpgrade': 'WebSocket upgrades are allowed without it since Istio 1.0',
};

function hint(path: readonly PathSegment[]): string {
  const names = path.filter((p): p is string => typeof p === 'string');
  const key = names.slice(-2).join('.');
  if (REPLACEMENTS[key]) return `; use ${REPLACEMENTS[key]} instead`;
  if (NOTES[key]) return ` (${NOTES[key]})`;
  return '';
}

export const prunedFieldAnalyzer: Analyzer = {
  metadata: {
    name: 'schema.PrunedFieldAnalyzer',
    description: "Finds fields the target release's CRD schema does not define, which the API server would silently drop",
    inputs: ISTIO_KIND_REFS,
  },
  analyze(ctx) {
    for (const kind of ISTIO_KIND_REFS)
      for (const r of ctx.list(kind))
        for (const issue of ctx.schemaIssues(r))
          if (issue.kind === 'pruned') ctx.report(r, msg.FieldPrunedByTarget(formatPath(issue.path), ctx.target.istioVersion, r.object.kind, hint(issue.path)), issue.path);
  },
};
