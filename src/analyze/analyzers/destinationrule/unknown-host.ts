// UnknownDestinationRuleHost: a DestinationRule whose host matches no Service or ServiceEntry, so it configures nothing.
import type { Analyzer } from '../../analyzer.js';
import { asString, namespaceOf, specOf, stringsIn } from '../../fields.js';
import { clusterService, isWildcard, toFqdn } from '../../hosts.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';

export const unknownHostAnalyzer: Analyzer = {
  metadata: {
    name: 'destinationrule.HostAnalyzer',
    description: "Checks that a DestinationRule's host matches a Service or ServiceEntry (a wildcard host must cover at least one)",
    inputs: [K.DestinationRule, K.Service, K.ServiceEntry],
  },
  analyze(ctx) {
    const registry = ctx.services();
    for (const r of ctx.list(K.DestinationRule)) {
      const spec = specOf(r.object);
      const host = asString(spec.host);
      if (!host) continue;
      const ns = namespaceOf(r.object);
      if (registry.lookup(host, ns, stringsIn(spec.exportTo).map(([e]) => e))) continue;
      const fqdn = toFqdn(host, ns);
      const svc = clusterService(fqdn);
      if (svc && !ctx.covers(K.Service, svc.namespace)) {
        ctx.skipped('services', svc.namespace);
        continue;
      }
      // A mesh-wide wildcard such as *.local or *.svc.cluster.local over an input without Services says nothing.
      if (isWildcard(host) && registry.size === 0) continue;
      ctx.report(r, msg.UnknownDestinationRuleHost(host), ['spec', 'host']);
    }
  },
};
