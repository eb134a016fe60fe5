// upgradeApiVersion: Istio kinds move to the named version where the pinned Istio release serves it.
import { ISTIO_KINDS, formatApiVersion, kindOf, parseApiVersion } from '../../resources/kinds.js';
import type { Rewriter } from '../rewriter.js';

export const upgradeApiVersion: Rewriter<'upgradeApiVersion'> = {
  type: 'upgradeApiVersion',
  summary: 'Istio kinds move to the named apiVersion where it serves the kind; the others are kept with a note',
  check(spec, at, problems) {
    const known = [...new Set(ISTIO_KINDS.flatMap((k) => k.versions))];
    if (!known.includes(spec.to))
      problems.push({ path: [...at, 'to'], message: `no Istio kind is served at version ${spec.to} (versions: ${known.join(', ')})` });
  },
  start(spec, run) {
    const kept = new Map<string, { versions: readonly string[]; count: number }>();
    return {
      rewrite(obj, edit) {
        const info = kindOf(obj.apiVersion, obj.kind);
        if (!info || info.category !== 'istio') return;
        const { group, version } = parseApiVersion(obj.apiVersion);
        if (version === spec.to) return;
        if (info.versions.includes(spec.to)) {
          edit.set(['apiVersion'], formatApiVersion(group, spec.to));
          return;
        }
        const entry = kept.get(info.kind) ?? { versions: info.versions, count: 0 };
        entry.count++;
        kept.set(info.kind, entry);
      },
      finish() {
        for (const [kind, { versions, count }] of kept)
          run.note('INFO', `${kind} is not served at ${spec.to} (served: ${versions.join(', ')}); ${count} object(s) kept at their version`);
      },
    };
  },
};
