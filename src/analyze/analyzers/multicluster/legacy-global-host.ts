// LegacyGlobalHost: `.global` hosts from Istio's retired replicated-control-plane multicluster DNS scheme.
import type { PathSegment, Resource } from '../../../resources/resource-set.js';
import type { Analyzer } from '../../analyzer.js';
import { asString, mapsIn, specOf, stringsIn } from '../../fields.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { destinationsOf } from '../virtualservice/destinations.js';

const GLOBAL = /\.global\.?$/;

/** `svc.ns.global` was the remote alias of `svc.ns.svc.cluster.local`; other shapes get the general advice. */
function replacementFor(host: string): string {
  const parts = host.replace(/\.$/, '').split('.');
  if (parts.length === 3 && parts[0] !== '*') return `${parts[0]}.${parts[1]}.svc.cluster.local`;
  return 'the ordinary <service>.<namespace>.svc.cluster.local names';
}

export const legacyGlobalHostAnalyzer: Analyzer = {
  metadata: {
    name: 'multicluster.LegacyGlobalHostAnalyzer',
    description: 'Finds .global hosts (the retired multicluster DNS scheme) in VirtualServices, DestinationRules, ServiceEntries, Gateways and Sidecars',
    inputs: [K.VirtualService, K.DestinationRule, K.ServiceEntry, K.Gateway, K.Sidecar],
  },
  analyze(ctx) {
    const check = (r: Resource, host: string, path: PathSegment[]) => {
      const bare = host.includes('/') ? host.slice(host.indexOf('/') + 1) : host;
      if (GLOBAL.test(bare)) ctx.report(r, msg.LegacyGlobalHost(bare, replacementFor(bare)), path);
    };
    for (const r of ctx.list(K.VirtualService)) {
      for (const [h, i] of stringsIn(specOf(r.object).hosts)) check(r, h, ['spec', 'hosts', i]);
      for (const d of destinationsOf(r.object)) check(r, d.host, [...d.path, 'host']);
    }
    for (const r of ctx.list(K.DestinationRule)) {
      const h = asString(specOf(r.object).host);
      if (h) check(r, h, ['spec', 'host']);
    }
    for (const r of ctx.list(K.ServiceEntry)) for (const [h, i] of stringsIn(specOf(r.object).hosts)) check(r, h, ['spec', 'hosts', i]);
    for (const r of ctx.list(K.Gateway))
      for (const [s, i] of mapsIn(specOf(r.object).servers)) for (const [h, j] of stringsIn(s.hosts)) check(r, h, ['spec', 'servers', i, 'hosts', j]);
    for (const r of ctx.list(K.Sidecar))
      for (const [e, i] of mapsIn(specOf(r.object).egress)) for (const [h, j] of stringsIn(e.hosts)) check(r, h, ['spec', 'egress', i, 'hosts', j]);
  },
};
