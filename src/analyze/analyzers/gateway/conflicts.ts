// ConflictingGateways: two Gateways on the same workloads define the same port, host and bind; istiod keeps only one.
import type { Resource } from '../../../resources/resource-set.js';
import type { Analyzer } from '../../analyzer.js';
import { asMap, asNumber, asString, mapsIn, nsName, specOf, stringsIn } from '../../fields.js';
import { stringMap } from '../../hosts.js';
import { K, WORKLOAD_KINDS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { selectorString, type WorkloadIndex } from '../../workloads.js';

interface ServerEntry {
  gateway: Resource;
  server: number;
  selector: Record<string, string>;
  selectorText: string;
  port: number;
  hosts: string[];
}

/** Same selector, or different selectors that a known workload satisfies both of (istio's rule). */
function sameWorkloads(a: ServerEntry, b: ServerEntry, workloads: WorkloadIndex): boolean {
  if (a.selectorText === b.selectorText) return true;
  const merged: Record<string, string> = { ...a.selector };
  for (const [k, v] of Object.entries(b.selector)) {
    if (merged[k] !== undefined && merged[k] !== v) return false;
    merged[k] = v;
  }
  return workloads.selectsAny(merged);
}

export const conflictingGatewaysAnalyzer: Analyzer = {
  metadata: {
    name: 'gateway.ConflictingGatewayAnalyzer',
    description: 'Checks that no two Gateways on the same workloads define the same port and host',
    inputs: [K.Gateway, ...WORKLOAD_KINDS],
  },
  analyze(ctx) {
    const workloads = ctx.workloads();
    // port|bind|host -> servers; one pass, then only servers sharing a key are compared.
    const byKey = new Map<string, ServerEntry[]>();
    for (const gateway of ctx.list(K.Gateway)) {
      const spec = specOf(gateway.object);
      const selector = stringMap(spec.selector) ?? {};
      for (const [server, i] of mapsIn(spec.servers)) {
        const port = asNumber(asMap(server.port)?.number);
        if (port === undefined) continue;
        const entry: ServerEntry = { gateway, server: i, selector, selectorText: selectorString(selector), port, hosts: stringsIn(server.hosts).map(([h]) => h) };
        for (const h of new Set(entry.hosts)) {
          const key = `${port}|${asString(server.bind) ?? ''}|${h}`;
          const list = byKey.get(key);
          if (list) list.push(entry);
          else byKey.set(key, [entry]);
        }
      }
    }
    const conflicts = new Map<ServerEntry, Set<string>>();
    for (const list of byKey.values()) {
      if (list.length < 2) continue;
      for (const a of list)
        for (const b of list)
          if (a.gateway !== b.gateway && sameWorkloads(a, b, workloads)) {
            let set = conflicts.get(a);
            if (!set) conflicts.set(a, (set = new Set()));
            set.add(nsName(b.gateway.object));
          }
    }
    for (const [entry, others] of conflicts)
      ctx.report(entry.gateway, msg.ConflictingGateways([...others].sort(), entry.selectorText, entry.port, entry.hosts), ['spec', 'servers', entry.server]);
  },
};
