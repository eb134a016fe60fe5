// ReferencedResourceNotFound for AuthorizationPolicy source namespaces (and notNamespaces) that match no Namespace (only when Namespaces were read completely).
import type { Analyzer } from '../../analyzer.js';
import { asMap, mapsIn, namespaceOf, specOf, stringsIn } from '../../fields.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';

/** istio authz namespaceMatch: `*` is any, `*x` a suffix, `x*` a prefix, else the name (case-insensitive). */
export function namespaceMatches(name: string, pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return name.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return name.toLowerCase() === pattern.toLowerCase();
}

export const policyNamespacesAnalyzer: Analyzer = {
  metadata: {
    name: 'policy.NamespaceAnalyzer',
    description: "Checks that an AuthorizationPolicy's source namespaces and notNamespaces match a Namespace (when Namespaces were read completely)",
    inputs: [K.AuthorizationPolicy, K.Namespace],
  },
  analyze(ctx) {
    const names = ctx.list(K.Namespace).map((r) => r.object.metadata.name);
    // Only a complete read can say a namespace does not exist: files hold the namespaces being moved, rarely
    // istio-system or the monitoring namespace that policies name as sources.
    const known = ctx.isComplete(K.Namespace);
    for (const r of ctx.list(K.AuthorizationPolicy))
      for (const [rule, i] of mapsIn(specOf(r.object).rules))
        for (const [from, j] of mapsIn(rule.from)) {
          const source = asMap(from.source);
          for (const field of ['namespaces', 'notNamespaces'] as const)
            for (const [pattern, k] of stringsIn(source?.[field])) {
              if (!known) {
                // An export of some namespaces says nothing about the others: not checked, summed up at Info.
                ctx.skipped('namespaces', namespaceOf(r.object));
                continue;
              }
              // istio authz AuthorizationPoliciesAnalyzer analyzeNamespaceNotFound.
              if (!names.some((n) => namespaceMatches(n, pattern)))
                ctx.report(r, msg.ReferencedResourceNotFound('namespace', pattern), ['spec', 'rules', i, 'from', j, 'source', field, k]);
            }
        }
  },
};
