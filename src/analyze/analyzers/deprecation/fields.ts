// DeprecatedField: fields and enum values the target release deprecates (CRD markers plus istio.io/api proto markers, see scripts/gen-istio-schemas.mjs).
import type { Analyzer } from '../../analyzer.js';
import { ISTIO_KIND_REFS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { formatPath } from '../../schema/structural.js';

export const deprecatedFieldAnalyzer: Analyzer = {
  metadata: {
    name: 'deprecation.FieldAnalyzer',
    description: 'Finds fields and values the target Istio release still accepts but has deprecated',
    inputs: ISTIO_KIND_REFS,
  },
  analyze(ctx) {
    for (const kind of ISTIO_KIND_REFS)
      for (const r of ctx.list(kind))
        for (const issue of ctx.schemaIssues(r))
          if (issue.kind === 'deprecated') ctx.report(r, msg.DeprecatedField(formatPath(issue.path), ctx.target.istioVersion, issue.message), issue.path);
  },
};
