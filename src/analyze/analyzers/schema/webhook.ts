// SchemaValidationError and SchemaWarning from the rules istiod's validating webhook adds to the CRD schema (pkg/config/validation).
import type { PathSegment } from '../../../resources/resource-set.js';
import type { Analyzer } from '../../analyzer.js';
import { msg } from '../../messages.gen.js';
import { formatPath } from '../../schema/structural.js';
import { WEBHOOK_VALIDATED_KINDS } from '../../validation/index.js';

/** True when `path` is `prefix` or lies below it. */
function within(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => path[i] === seg);
}

export const webhookValidationAnalyzer: Analyzer = {
  metadata: {
    name: 'schema.WebhookValidationAnalyzer',
    description: "Applies istiod's validating-webhook rules (e.g. total route weight 0, wildcard host on a mesh VirtualService)",
    inputs: WEBHOOK_VALIDATED_KINDS,
  },
  analyze(ctx) {
    for (const kind of WEBHOOK_VALIDATED_KINDS)
      for (const r of ctx.list(kind)) {
        // The API server checks the CRD schema before it calls the webhook, so a field the schema already
        // rejects is one problem: schema.CRDSchemaAnalyzer reports it, and the webhook's words for it are dropped.
        const rejected = ctx.schemaIssues(r).filter((i) => i.kind === 'invalid').map((i) => i.path);
        for (const issue of ctx.webhookIssues(r)) {
          const field = formatPath(issue.path);
          if (issue.unreachable) ctx.report(r, msg.VirtualServiceUnreachableRule(issue.unreachable.rule, issue.unreachable.reason), issue.path);
          else if (issue.level === 'error') {
            if (!rejected.some((p) => within(issue.path, p))) ctx.report(r, msg.SchemaValidationError(field, issue.message), issue.path);
          } else ctx.report(r, msg.SchemaWarning(field, issue.message), issue.path);
        }
      }
  },
};
