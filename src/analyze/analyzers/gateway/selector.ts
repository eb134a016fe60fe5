// ReferencedResourceNotFound for a Gateway whose selector matches no gateway workload (only where workloads are known).
import type { Analyzer } from '../../analyzer.js';
import { namespaceOf, specOf } from '../../fields.js';
import { stringMap } from '../../hosts.js';
import { K, WORKLOAD_KINDS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { selectorString } from '../../workloads.js';

export const gatewaySelectorAnalyzer: Analyzer = {
  metadata: {
    name: 'gateway.SelectorAnalyzer',
    description: "Checks that a Gateway's selector matches a gateway workload (when the input holds workloads where gateways run)",
    inputs: [K.Gateway, ...WORKLOAD_KINDS],
  },
  analyze(ctx) {
    const workloads = ctx.workloads();
    for (const r of ctx.list(K.Gateway)) {
      const selector = stringMap(specOf(r.object).selector) ?? {};
      const keys = Object.keys(selector);
      if (keys.length === 0) continue;
      const ns = namespaceOf(r.object);
      // Gateway pods usually run in the Gateway's namespace or the root namespace; without workloads in either
      // the input cannot tell "no such gateway" from "not exported".
      if (!workloads.knownIn(ns) && !workloads.knownIn(ctx.target.rootNamespace)) {
        ctx.skipped('workloads', ns);
        continue;
      }
      if (!workloads.selectsAny(selector)) ctx.report(r, msg.ReferencedResourceNotFound('selector', selectorString(selector)), ['spec', 'selector', keys[0] as string]);
    }
  },
};
