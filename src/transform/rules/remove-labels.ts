// removeLabels: removes labels by key, prefix or vendor preset, but never one a selector picks pods by.
import { identityOf, isPlainObject, type KubeObject } from '../../resources/object.js';
import type { PathSegment, ResourceSet } from '../../resources/resource-set.js';
import { isVendorLabel } from '../../resources/vendors.js';
import { getPath } from '../field-path.js';
import { WORKLOAD_SELECTOR_FIELDS, groupKind } from '../reference-fields.js';
import { keyRemover } from './remove-keys.js';

/** A label map that picks pods, and the object it belongs to. */
interface PodSelector {
  owner: string;
  labels: Record<string, unknown>;
}

const selectorIndex = new WeakMap<ResourceSet, Map<string, PodSelector[]>>();

/** Pod selectors by namespace: Service selectors, Istio workload selectors and DestinationRule subsets. */
function podSelectors(objects: ResourceSet): Map<string, PodSelector[]> {
  let index = selectorIndex.get(objects);
  if (index) return index;
  index = new Map();
  for (const { object } of objects) {
    const found: Record<string, unknown>[] = [];
    const push = (v: unknown) => {
      if (isPlainObject(v)) found.push(v);
    };
    if (groupKind(object) === '/Service') push(getPath(object, ['spec', 'selector']));
    const where = WORKLOAD_SELECTOR_FIELDS[groupKind(object)];
    if (where) push(getPath(object, where));
    if (object.kind === 'DestinationRule') {
      const subsets = getPath(object, ['spec', 'subsets']);
      if (Array.isArray(subsets)) for (const s of subsets) push(isPlainObject(s) ? s.labels : undefined);
    }
    const ns = object.metadata.namespace ?? '';
    const list = index.get(ns) ?? [];
    for (const labels of found) list.push({ owner: identityOf(object), labels });
    index.set(ns, list);
  }
  selectorIndex.set(objects, index);
  return index;
}

/** Why a pod label must stay: the workload's own selector or another object in the namespace selects by it. */
function keepReason(obj: KubeObject, place: readonly PathSegment[], key: string, objects: ResourceSet): string | undefined {
  const inTemplate = place[0] === 'spec';
  if (!inTemplate && obj.kind !== 'Pod') return undefined;
  if (inTemplate) {
    const matchLabels = getPath(obj, ['spec', 'selector', 'matchLabels']);
    const expressions = getPath(obj, ['spec', 'selector', 'matchExpressions']);
    if ((isPlainObject(matchLabels) && key in matchLabels) || (Array.isArray(expressions) && expressions.some((e) => isPlainObject(e) && e.key === key)))
      return `the ${obj.kind}'s own spec.selector uses it, and a selector cannot change after creation`;
  }
  const value = (getPath(obj, place) as Record<string, unknown>)[key];
  const users = (podSelectors(objects).get(obj.metadata.namespace ?? '') ?? []).filter((s) => s.labels[key] === value).map((s) => s.owner);
  return users.length > 0 ? `${[...new Set(users)].join(', ')} select(s) pods by it` : undefined;
}

export const removeLabels = keyRemover({
  type: 'removeLabels',
  field: 'labels',
  summary: 'removes labels (metadata and pod templates) by key, prefix or vendor preset; labels a selector uses are kept',
  isVendorKey: isVendorLabel,
  keepReason: (obj, place, key, run) => keepReason(obj, place, key, run.objects),
});
