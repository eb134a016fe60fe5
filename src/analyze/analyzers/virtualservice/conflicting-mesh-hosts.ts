// ConflictingMeshGatewayVirtualServiceHosts: two mesh-bound VirtualServices claim the same host in the same visibility scope.
import type { Resource } from '../../../resources/resource-set.js';
import type { Analyzer } from '../../analyzer.js';
import { namespaceOf, nsName, specOf, stringsIn } from '../../fields.js';
import { hostMatches, toFqdn } from '../../hosts.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';

export const conflictingMeshHostsAnalyzer: Analyzer = {
  metadata: {
    name: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
    description: 'Checks that no two VirtualServices bound to the mesh gateway define the same host (istio semantics: per exportTo scope)',
    inputs: [K.VirtualService],
  },
  analyze(ctx) {
    // scope ('*' or a namespace) -> FQDN -> VirtualServices
    const byScope = new Map<string, Map<string, Resource[]>>();
    for (const r of ctx.list(K.VirtualService)) {
      const spec = specOf(r.object);
      const gateways = stringsIn(spec.gateways).map(([g]) => g);
      if (gateways.length > 0 && !gateways.includes('mesh')) continue;
      const ns = namespaceOf(r.object);
      const exportTo = stringsIn(spec.exportTo).map(([e]) => e);
      const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : [...new Set(exportTo.map((e) => (e === '.' ? ns : e)))];
      for (const scope of scopes)
        for (const [h] of stringsIn(spec.hosts)) {
          const fqdn = toFqdn(h, ns);
          let hosts = byScope.get(scope);
          if (!hosts) byScope.set(scope, (hosts = new Map()));
          const list = hosts.get(fqdn);
          if (list) {
            if (!list.includes(r)) list.push(r);
          } else hosts.set(fqdn, [r]);
        }
    }
    const reported = new Set<Resource>();
    const everywhere = byScope.get('*') ?? new Map<string, Resource[]>();
    for (const [scope, hosts] of byScope) {
      for (const [fqdn, own] of hosts) {
        let list = own;
        // A VirtualService visible in one namespace also clashes with the public ones for a matching host there.
        if (scope !== '*') for (const [h, pub] of everywhere) if (hostMatches(fqdn, h)) list = [...list, ...pub.filter((p) => !list.includes(p))];
        if (list.length < 2) continue;
        const names = list.map((v) => nsName(v.object)).sort();
        for (const r of list) {
          if (reported.has(r)) continue;
          reported.add(r);
          ctx.report(r, msg.ConflictingMeshGatewayVirtualServiceHosts(names, fqdn), ['spec', 'hosts']);
        }
      }
    }
  },
};
