// ConflictingSidecarWorkloadSelectors and MultipleSidecarsWithoutWorkloadSelectors: which Sidecar applies is then undefined.
import type { Resource } from '../../../resources/resource-set.js';
import type { Analyzer } from '../../analyzer.js';
import { asMap, namespaceOf, nsName, specOf } from '../../fields.js';
import { stringMap } from '../../hosts.js';
import { K, WORKLOAD_KINDS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';

export const sidecarSelectorConflictsAnalyzer: Analyzer = {
  metadata: {
    name: 'sidecar.SelectorConflictAnalyzer',
    description: 'Checks that at most one Sidecar applies to each workload, and at most one Sidecar per namespace has no selector',
    inputs: [K.Sidecar, ...WORKLOAD_KINDS],
  },
  analyze(ctx) {
    const workloads = ctx.workloads();
    const unselected = new Map<string, Resource[]>();
    const byWorkload = new Map<Resource, Resource[]>();
    for (const r of ctx.list(K.Sidecar)) {
      const ns = namespaceOf(r.object);
      const labels = stringMap(asMap(specOf(r.object).workloadSelector)?.labels) ?? {};
      if (Object.keys(labels).length === 0) {
        const list = unselected.get(ns);
        if (list) list.push(r);
        else unselected.set(ns, [r]);
        continue;
      }
      for (const w of workloads.select(labels, ns)) {
        const list = byWorkload.get(w.resource);
        if (list) list.push(r);
        else byWorkload.set(w.resource, [r]);
      }
    }
    for (const [ns, list] of unselected) {
      if (list.length < 2) continue;
      const names = list.map((s) => s.object.metadata.name).sort();
      for (const r of list) ctx.report(r, msg.MultipleSidecarsWithoutWorkloadSelectors(names, ns), ['spec']);
    }
    const reported = new Set<Resource>();
    for (const [workload, list] of byWorkload) {
      if (list.length < 2) continue;
      const names = list.map((s) => s.object.metadata.name).sort();
      for (const r of list) {
        if (reported.has(r)) continue;
        reported.add(r);
        ctx.report(r, msg.ConflictingSidecarWorkloadSelectors(names, namespaceOf(r.object), `${workload.object.kind} ${nsName(workload.object)}`), ['spec', 'workloadSelector']);
      }
    }
  },
};
