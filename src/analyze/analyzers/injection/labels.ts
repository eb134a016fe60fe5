// NamespaceMultipleInjectionLabels (istio-injection next to istio.io/rev) and NamespaceNotInjected (no injection label at all).
import type { Analyzer } from '../../analyzer.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';

export const INJECTION_LABEL = 'istio-injection';
export const REVISION_LABEL = 'istio.io/rev';
const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
/** Namespaces that never hold mesh workloads; reporting them as "not injected" is noise. */
const SYSTEM_NAMESPACES = /^(kube-system|kube-public|kube-node-lease|local-path-storage)$/;

export const injectionLabelsAnalyzer: Analyzer = {
  metadata: {
    name: 'injection.LabelAnalyzer',
    description: 'Checks namespace injection labels: not both istio-injection and istio.io/rev, and at least one of them',
    inputs: [K.Namespace],
  },
  analyze(ctx) {
    for (const r of ctx.list(K.Namespace)) {
      const name = r.object.metadata.name;
      if (name === ctx.target.rootNamespace) continue;
      const labels = r.object.metadata.labels ?? {};
      const injection = labels[INJECTION_LABEL];
      // istio: istio.io/rev and dataplane-mode only count next to istio-injection when it is "enabled" (or absent).
      const found: string[] = injection !== undefined ? [`${INJECTION_LABEL}=${injection}`] : [];
      for (const l of [REVISION_LABEL, DATAPLANE_MODE_LABEL])
        if (labels[l] !== undefined && (injection === undefined || injection === 'enabled')) found.push(`${l}=${labels[l]}`);
      if (found.length > 1) ctx.report(r, msg.NamespaceMultipleInjectionLabels(found, name), ['metadata', 'labels', INJECTION_LABEL]);
      if (injection === undefined && labels[REVISION_LABEL] === undefined && labels[DATAPLANE_MODE_LABEL] !== 'ambient' && !SYSTEM_NAMESPACES.test(name))
        ctx.report(r, msg.NamespaceNotInjected(), ['metadata', 'name']);
    }
  },
};
