// ReferencedResourceNotFound for a route or mirror subset that no DestinationRule of that host defines.
import type { Analyzer } from '../../analyzer.js';
import { asString, mapsIn, namespaceOf, specOf } from '../../fields.js';
import { toFqdn } from '../../hosts.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { destinationsOf } from './destinations.js';

export const destinationSubsetsAnalyzer: Analyzer = {
  metadata: {
    name: 'virtualservice.DestinationRuleAnalyzer',
    description: 'Checks that every subset a VirtualService routes or mirrors to is defined by a DestinationRule of that host',
    inputs: [K.VirtualService, K.DestinationRule],
  },
  analyze(ctx) {
    // host+subset pairs, hosts resolved in each DestinationRule's namespace (istio: GetResourceNameFromHost)
    const known = new Set<string>();
    for (const dr of ctx.list(K.DestinationRule)) {
      const spec = specOf(dr.object);
      const host = asString(spec.host);
      if (!host) continue;
      const fqdn = toFqdn(host, namespaceOf(dr.object));
      for (const [s] of mapsIn(spec.subsets)) known.add(`${fqdn}|${asString(s.name) ?? ''}`);
    }
    for (const r of ctx.list(K.VirtualService)) {
      const ns = namespaceOf(r.object);
      for (const d of destinationsOf(r.object)) {
        if (!d.subset || known.has(`${toFqdn(d.host, ns)}|${d.subset}`)) continue;
        const what = d.mirror ? 'mirror+subset in destinationrule' : 'host+subset in destinationrule';
        ctx.report(r, msg.ReferencedResourceNotFound(what, `${d.host}+${d.subset}`), [...d.path, 'subset']);
      }
    }
  },
};
