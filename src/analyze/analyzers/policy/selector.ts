// ReferencedResourceNotFound (NoMatchingWorkloadsFound for an AuthorizationPolicy) for policies (authorization, authentication, telemetry, sidecar, extensions) whose workload selector matches nothing (only where workloads are known).
import type { PathSegment } from '../../../resources/resource-set.js';
import type { Analyzer } from '../../analyzer.js';
import { asMap, namespaceOf, specOf } from '../../fields.js';
import { stringMap } from '../../hosts.js';
import { K, WORKLOAD_KINDS, type KindRef } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { selectorString } from '../../workloads.js';

/** Where each kind keeps its selector labels, and whether a selector in the root namespace reaches every namespace. */
const SELECTORS: readonly { kind: KindRef; path: readonly string[]; meshWideInRoot: boolean }[] = [
  { kind: K.AuthorizationPolicy, path: ['selector', 'matchLabels'], meshWideInRoot: true },
  { kind: K.PeerAuthentication, path: ['selector', 'matchLabels'], meshWideInRoot: true },
  { kind: K.RequestAuthentication, path: ['selector', 'matchLabels'], meshWideInRoot: true },
  { kind: K.Telemetry, path: ['selector', 'matchLabels'], meshWideInRoot: true },
  { kind: K.WasmPlugin, path: ['selector', 'matchLabels'], meshWideInRoot: true },
  { kind: K.TrafficExtension, path: ['selector', 'matchLabels'], meshWideInRoot: true },
  { kind: K.ProxyConfig, path: ['selector', 'matchLabels'], meshWideInRoot: true },
  { kind: K.EnvoyFilter, path: ['workloadSelector', 'labels'], meshWideInRoot: true },
  { kind: K.DestinationRule, path: ['workloadSelector', 'matchLabels'], meshWideInRoot: true },
  // A Sidecar only ever applies to workloads of its own namespace.
  { kind: K.Sidecar, path: ['workloadSelector', 'labels'], meshWideInRoot: false },
];

export const policySelectorAnalyzer: Analyzer = {
  metadata: {
    name: 'policy.SelectorAnalyzer',
    description: 'Checks that the workload selector of a policy, Sidecar, Telemetry, EnvoyFilter, WasmPlugin or DestinationRule matches a workload',
    inputs: [...SELECTORS.map((s) => s.kind), ...WORKLOAD_KINDS],
  },
  analyze(ctx) {
    const workloads = ctx.workloads();
    // Workloads are known in a namespace when the input holds some there, or a live read listed them all.
    const covered = (ns: string) => WORKLOAD_KINDS.some((k) => ctx.covers(k, ns));
    for (const { kind, path, meshWideInRoot } of SELECTORS) {
      for (const r of ctx.list(kind)) {
        let node: unknown = specOf(r.object);
        for (const seg of path) node = asMap(node)?.[seg];
        const labels = stringMap(node) ?? {};
        const keys = Object.keys(labels);
        const ns = namespaceOf(r.object);
        const meshWide = meshWideInRoot && ns === ctx.target.rootNamespace;
        if (keys.length === 0) {
          // A namespace-wide AuthorizationPolicy where no workload runs protects nothing (istio authz
          // analyzeNoMatchingWorkloads); only a complete read can say that a namespace has no workloads.
          if (kind === K.AuthorizationPolicy && !meshWide && covered(ns) && !workloads.knownIn(ns))
            ctx.report(r, msg.NoMatchingWorkloadsFound(`any workload in namespace ${ns}`), ['metadata', 'namespace']);
          continue;
        }
        if (meshWide ? !workloads.any() && !covered(ns) : !covered(ns)) {
          ctx.skipped('workloads', ns);
          continue;
        }
        if (!workloads.selectsAny(labels, meshWide ? undefined : ns)) {
          const at: PathSegment[] = ['spec', ...path, keys[0] as string];
          // Istio reports an AuthorizationPolicy that selects nothing at Warning (IST0127, authz analyzer), and a
          // Sidecar's or Telemetry's at Error (IST0101, sidecar/selector.go, telemetry/selector.go).
          ctx.report(r, kind === K.AuthorizationPolicy ? msg.NoMatchingWorkloadsFound(selectorString(labels)) : msg.ReferencedResourceNotFound('workload selector', selectorString(labels)), at);
        }
      }
    }
  },
};
