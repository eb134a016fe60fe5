// ReferencedResourceNotFound for a VirtualService's gateways, and VirtualServiceHostNotFoundInGateway when none of its hosts is served there.
import type { Analyzer } from '../../analyzer.js';
import { mapsIn, namespaceOf, specOf, stringsIn } from '../../fields.js';
import { gatewayHostsFor, hostMatches } from '../../hosts.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';

/**
 * `ns/name` (`./name` for the VirtualService's namespace), a short `name`, or the legacy
 * `name.ns[.svc.cluster.local]` that istiod still resolves (pilot/pkg/model/config.go resolveGatewayName).
 */
export function resolveGatewayRef(ref: string, vsNamespace: string): { namespace: string; name: string } {
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const ns = ref.slice(0, slash);
    return { namespace: ns === '.' ? vsNamespace : ns, name: ref.slice(slash + 1) };
  }
  const parts = ref.split('.');
  if (parts.length >= 2 && parts[0] && parts[1]) return { namespace: parts[1], name: parts[0] };
  return { namespace: vsNamespace, name: ref };
}

export const gatewayRefsAnalyzer: Analyzer = {
  metadata: {
    name: 'virtualservice.GatewayAnalyzer',
    description: "Checks that a VirtualService's gateways exist and serve at least one of its hosts",
    inputs: [K.VirtualService, K.Gateway],
  },
  analyze(ctx) {
    for (const r of ctx.list(K.VirtualService)) {
      const spec = specOf(r.object);
      const vsNs = namespaceOf(r.object);
      const vsHosts = stringsIn(spec.hosts).map(([h]) => h);
      for (const [ref, i] of stringsIn(spec.gateways)) {
        if (ref === 'mesh') continue;
        const { namespace, name } = resolveGatewayRef(ref, vsNs);
        const gw = ctx.get(K.Gateway, namespace, name);
        if (!gw) {
          ctx.report(r, msg.ReferencedResourceNotFound('gateway', ref), ['spec', 'gateways', i]);
          continue;
        }
        if (vsHosts.length === 0) continue; // a delegate: its hosts come from the root VirtualService
        const served = mapsIn(specOf(gw.object).servers).flatMap(([s]) => gatewayHostsFor(stringsIn(s.hosts).map(([h]) => h), namespace, vsNs));
        if (!served.some((gh) => vsHosts.some((vh) => hostMatches(gh, vh))))
          ctx.report(r, msg.VirtualServiceHostNotFoundInGateway(vsHosts, `${namespace}/${name}`), ['spec', 'gateways', i]);
      }
    }
  },
};

