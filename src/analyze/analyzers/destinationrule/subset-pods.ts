// DestinationRuleSubsetNotSelectPods: a subset whose labels select none of its service's workloads (only where workloads are known).
import type { Analyzer } from '../../analyzer.js';
import { asString, mapsIn, namespaceOf, specOf } from '../../fields.js';
import { isWildcard, stringMap } from '../../hosts.js';
import { K, WORKLOAD_KINDS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { selectorMatches } from '../../workloads.js';

export const subsetPodsAnalyzer: Analyzer = {
  metadata: {
    name: 'destinationrule.SubsetSelectPodAnalyzer',
    description: "Checks that each DestinationRule subset selects at least one of its service's workloads",
    inputs: [K.DestinationRule, K.Service, K.ServiceEntry, ...WORKLOAD_KINDS],
  },
  analyze(ctx) {
    const registry = ctx.services();
    const workloads = ctx.workloads();
    for (const r of ctx.list(K.DestinationRule)) {
      const spec = specOf(r.object);
      const host = asString(spec.host);
      const subsets = mapsIn(spec.subsets);
      if (!host || isWildcard(host) || subsets.length === 0) continue;
      const rec = registry.lookup(host, namespaceOf(r.object));
      if (!rec) continue; // destinationrule.HostAnalyzer reports unknown hosts
      for (const [subset, i] of subsets) {
        const labels = stringMap(subset.labels) ?? {};
        if (Object.keys(labels).length === 0) continue; // selects every endpoint of the service
        const name = asString(subset.name) ?? `#${i}`;
        let selects: boolean;
        if (rec.selector && Object.keys(rec.selector).length > 0) {
          // Endpoints of a selector-based service are its namespace's workloads matching the selector.
          // Known there: the input holds some, or a live read listed them all (then none means none).
          if (!WORKLOAD_KINDS.some((k) => ctx.covers(k, rec.namespace))) {
            ctx.skipped('workloads', rec.namespace);
            continue;
          }
          selects = workloads.selectsAny({ ...rec.selector, ...labels }, rec.namespace);
        } else if (rec.endpointLabels.length > 0) {
          selects = rec.endpointLabels.some((l) => selectorMatches(labels, l));
        } else continue; // endpoints managed elsewhere (no selector): nothing to check against
        if (!selects) ctx.report(r, msg.DestinationRuleSubsetNotSelectPods(name, host), ['spec', 'subsets', i, 'labels']);
      }
    }
  },
};
