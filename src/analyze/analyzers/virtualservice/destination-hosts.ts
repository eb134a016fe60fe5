// ReferencedResourceNotFound for route and mirror hosts (and ports) no Service or ServiceEntry provides; VirtualServiceDestinationPortSelectorRequired.
import type { Analyzer } from '../../analyzer.js';
import { namespaceOf, specOf, stringsIn } from '../../fields.js';
import { clusterService, toFqdn } from '../../hosts.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { destinationsOf } from './destinations.js';

export const destinationHostsAnalyzer: Analyzer = {
  metadata: {
    name: 'virtualservice.DestinationHostAnalyzer',
    description: 'Checks that every route and mirror destination host (and port) of a VirtualService is a known Service or ServiceEntry',
    inputs: [K.VirtualService, K.Service, K.ServiceEntry],
  },
  analyze(ctx) {
    const registry = ctx.services();
    for (const r of ctx.list(K.VirtualService)) {
      const ns = namespaceOf(r.object);
      const exportTo = stringsIn(specOf(r.object).exportTo).map(([e]) => e);
      for (const d of destinationsOf(r.object)) {
        const rec = registry.lookup(d.host, ns, exportTo);
        if (!rec) {
          const svc = clusterService(toFqdn(d.host, ns));
          // A cluster-local name into a namespace whose Services the input does not hold: unknown, not missing.
          if (svc && !ctx.covers(K.Service, svc.namespace)) ctx.skipped('services', svc.namespace);
          else ctx.report(r, msg.ReferencedResourceNotFound(d.mirror ? 'mirror host' : 'host', d.host), [...d.path, 'host']);
          continue;
        }
        if (rec.ports.length === 0) continue;
        if (d.port === undefined) {
          if (rec.ports.length > 1)
            ctx.report(r, msg.VirtualServiceDestinationPortSelectorRequired(d.host, rec.ports.map((p) => String(p.number))), [...d.path, 'host']);
        } else if (!rec.ports.some((p) => p.number === d.port)) {
          ctx.report(r, msg.ReferencedResourceNotFound(d.mirror ? 'mirror host:port' : 'host:port', `${d.host}:${d.port}`), [...d.path, 'port']);
        }
      }
    }
  },
};
