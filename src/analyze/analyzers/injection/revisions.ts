// RevisionNotInstalled: a namespace or pod template asks for an injection revision (or the default one) the target control plane lacks.
import type { PathSegment, Resource } from '../../../resources/resource-set.js';
import type { Analyzer } from '../../analyzer.js';
import { asMap, specOf } from '../../fields.js';
import { stringMap } from '../../hosts.js';
import { K, POD_TEMPLATE_KINDS } from '../../kinds.js';
import { msg } from '../../messages.gen.js';
import { INJECTION_LABEL, REVISION_LABEL } from './labels.js';

export const revisionsAnalyzer: Analyzer = {
  metadata: {
    name: 'injection.RevisionAnalyzer',
    description: 'Checks that every injection revision asked for (istio.io/rev, or istio-injection=enabled for the default) exists in the target',
    inputs: [K.Namespace, ...POD_TEMPLATE_KINDS],
  },
  analyze(ctx) {
    const { revisions: installed, revisionsKnown: known } = ctx.target;
    const missing = (r: Resource, label: string, rev: string, path: PathSegment[]) =>
      // Without the target's revisions, "not installed" would be a guess: say that it was not checked instead.
      ctx.report(r, known ? msg.RevisionNotInstalled(label, rev, installed) : msg.RevisionNotChecked(label, rev), path);
    const check = (r: Resource, labels: Readonly<Record<string, string>>, base: PathSegment[]) => {
      const injection = labels[INJECTION_LABEL];
      const rev = labels[REVISION_LABEL];
      // istio-injection wins over istio.io/rev; "enabled" means the default revision (or the `default` tag).
      if (injection === 'enabled') {
        if (!installed.includes('default')) missing(r, `${INJECTION_LABEL}=enabled`, 'default', [...base, INJECTION_LABEL]);
      } else if (injection === undefined && rev !== undefined && rev !== '' && !installed.includes(rev)) {
        missing(r, `${REVISION_LABEL}=${rev}`, rev, [...base, REVISION_LABEL]);
      }
    };
    for (const r of ctx.list(K.Namespace)) check(r, r.object.metadata.labels ?? {}, ['metadata', 'labels']);
    // Pods are not checked: the injector stamps istio.io/rev on every pod it injected, so on exported pods the
    // label records the old control plane rather than asking for a revision; their templates and namespaces ask.
    for (const kind of POD_TEMPLATE_KINDS)
      for (const r of ctx.list(kind)) {
        const labels = stringMap(asMap(asMap(specOf(r.object).template)?.metadata)?.labels) ?? {};
        if (labels[REVISION_LABEL] !== undefined) check(r, { [REVISION_LABEL]: labels[REVISION_LABEL] }, ['spec', 'template', 'metadata', 'labels']);
      }
  },
};
