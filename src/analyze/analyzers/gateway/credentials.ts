// ReferencedResourceNotFound for a Gateway server's credentialName(s) with no Secret where the gateway workload runs (only where Secrets are known).
import type { Analyzer } from '../../analyzer.js';
import { asMap, asString, mapsIn, namespaceOf, specOf, stringsIn } from '../../fields.js';
import { stringMap } from '../../hosts.js';
import { K, WORKLOAD_KINDS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';

export const gatewayCredentialsAnalyzer: Analyzer = {
  metadata: {
    name: 'gateway.SecretAnalyzer',
    description: "Checks that a Gateway's TLS credentialName Secrets exist in the namespace of the gateway workload",
    inputs: [K.Gateway, K.Secret, ...WORKLOAD_KINDS],
  },
  analyze(ctx) {
    const workloads = ctx.workloads();
    for (const r of ctx.list(K.Gateway)) {
      const spec = specOf(r.object);
      const selector = stringMap(spec.selector) ?? {};
      // The Secret must live where the gateway pods run; fall back to the Gateway's namespace when they are unknown.
      const selected = Object.keys(selector).length ? workloads.select(selector) : [];
      const namespaces = selected.length ? [...new Set(selected.map((w) => w.namespace))] : [namespaceOf(r.object)];
      for (const [server, i] of mapsIn(spec.servers)) {
        const tls = asMap(server.tls);
        if (!tls) continue;
        const refs: [string, (string | number)[]][] = [];
        const one = asString(tls.credentialName);
        if (one) refs.push([one, ['spec', 'servers', i, 'tls', 'credentialName']]);
        for (const [n, j] of stringsIn(tls.credentialNames)) refs.push([n, ['spec', 'servers', i, 'tls', 'credentialNames', j]]);
        for (const [ref, path] of refs) {
          const name = ref.replace(/^kubernetes:\/\//, '');
          if (name.includes('/') || name.includes(':')) continue; // another namespace or provider: not checkable here
          const uncovered = namespaces.filter((ns) => !ctx.covers(K.Secret, ns));
          if (namespaces.some((ns) => ctx.get(K.Secret, ns, name))) continue;
          if (uncovered.length === namespaces.length) {
            for (const ns of uncovered) ctx.skipped('secrets', ns);
            continue;
          }
          ctx.report(r, msg.ReferencedResourceNotFound('credentialName', ref), path);
        }
      }
    }
  },
};
