// SchemaValidationError and SchemaWarning from the rules istiod's validating webhook adds to the CRD schema (pkg/config/validation).
import type { Analyzer } from '../../analyzer.js';
import { msg } from '../../messages.gen.js';
import { formatPath } from '../../schema/structural.js';
import { WEBHOOK_VALIDATED_KINDS } from '../../validation/index.js';

export const webhookValidationAnalyzer: Analyzer = {
  metadata: {
    name: 'schema.WebhookValidationAnalyzer',
    description: "Applies istiod's validating-webhook rules (e.g. total route weight 0, wildcard host on a mesh VirtualService)",
    inputs: WEBHOOK_VALIDATED_KINDS,
  },
  analyze(ctx) {
    for (const kind of WEBHOOK_VALIDATED_KINDS)
      for (const r of ctx.list(kind))
        for (const issue of ctx.webhookIssues(r)) {
          const field = formatPath(issue.path);
          if (issue.unreachable) ctx.report(r, msg.VirtualServiceUnreachableRule(issue.unreachable.rule, issue.unreachable.reason), issue.path);
          else if (issue.level === 'error') ctx.report(r, msg.SchemaValidationError(field, issue.message), issue.path);
          else ctx.report(r, msg.SchemaWarning(field, issue.message), issue.path);
        }
  },
};
