// SchemaValidationError from the target release's CRD schema: types, enums, required fields, bounds, CEL rules, served versions.
import type { Analyzer } from '../../analyzer.js';
import { ISTIO_KIND_REFS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { formatPath } from '../../schema/structural.js';

export const crdSchemaAnalyzer: Analyzer = {
  metadata: {
    name: 'schema.CRDSchemaAnalyzer',
    description: "Checks Istio objects against the target release's CRD schemas (what the API server would reject)",
    inputs: ISTIO_KIND_REFS,
  },
  analyze(ctx) {
    for (const kind of ISTIO_KIND_REFS)
      for (const r of ctx.list(kind))
        for (const issue of ctx.schemaIssues(r))
          if (issue.kind === 'invalid') ctx.report(r, msg.SchemaValidationError(formatPath(issue.path), issue.message), issue.path);
  },
};
