// drop: removes the objects that match every given criterion (kinds, namespaces, names, labelSelector).
import { keyOf, keyString } from '../../resources/object.js';
import { compileMatch } from '../object-match.js';
import type { Rewriter } from '../rewriter.js';

export const drop: Rewriter<'drop'> = {
  type: 'drop',
  summary: 'removes the objects that match every given field (kinds, namespaces, names, labelSelector)',
  check(spec, at, problems) {
    const { match, ...own } = spec;
    if (Object.keys(own).length === 0 && !match) problems.push({ path: at, message: 'give at least one of kinds, namespaces, names, labelSelector: an empty drop would remove everything' });
  },
  select(spec, at, problems) {
    const { match, ...own } = spec;
    const ownTest = compileMatch(own, at, problems);
    const matchTest = compileMatch(match, [...at, 'match'], problems);
    return (obj) => ownTest(obj) && matchTest(obj);
  },
  start(_spec, run) {
    const droppedNamespaces: string[] = [];
    const dropped = new Set<string>();
    return {
      rewrite(obj) {
        dropped.add(keyString(keyOf(obj)));
        if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') droppedNamespaces.push(obj.metadata.name);
        return 'drop';
      },
      finish() {
        for (const ns of droppedNamespaces) {
          const left = run.objects.list().filter((r) => keyOf(r.object).namespace === ns && !dropped.has(keyString(keyOf(r.object)))).length;
          if (left > 0) run.note('WARNING', `the Namespace was dropped, but ${left} object(s) in it remain; importing them needs the namespace`, `Namespace ${ns}`);
        }
      },
    };
  },
};
