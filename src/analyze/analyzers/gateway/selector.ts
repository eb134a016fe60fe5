// ReferencedResourceNotFound for a Gateway whose selector matches no gateway workload (only where workloads are known).
import type { Analyzer } from '../../analyzer.js';
import { specOf } from '../../fields.js';
import { stringMap } from '../../hosts.js';
import { K, WORKLOAD_KINDS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { selectorString } from '../../workloads.js';

export const gatewaySelectorAnalyzer: Analyzer = {
  metadata: {
    name: 'gateway.SelectorAnalyzer',
    description: "Checks that a Gateway's selector matches a gateway workload (when the input holds the root namespace's workloads, where gateways run)",
    inputs: [K.Gateway, ...WORKLOAD_KINDS],
  },
  analyze(ctx) {
    const workloads = ctx.workloads();
    for (const r of ctx.list(K.Gateway)) {
      const selector = stringMap(specOf(r.object).selector) ?? {};
      const keys = Object.keys(selector);
      if (keys.length === 0) continue;
      if (workloads.selectsAny(selector)) continue;
      // A Gateway selects gateway pods in any namespace; they are installed in the root namespace (istio-system),
      // which a config export rarely holds. Without workloads there the input cannot tell "no such gateway"
      // from "not in the files", so the check is skipped and summed up at Info (as for Services and Secrets).
      const root = ctx.target.rootNamespace;
      if (!WORKLOAD_KINDS.some((k) => ctx.covers(k, root))) {
        ctx.skipped('workloads', root);
        continue;
      }
      ctx.report(r, msg.ReferencedResourceNotFound('selector', selectorString(selector)), ['spec', 'selector', keys[0] as string]);
    }
  },
};
