// The workloads of a run (pods, pod templates, WorkloadEntries), indexed by label so selectors resolve fast.
import { isPlainObject } from '../resources/object.js';
import type { Resource } from '../resources/resource-set.js';
import { stringMap } from './hosts.js';

export interface Workload {
  resource: Resource;
  namespace: string;
  /** `Pod ns/name`-style identity of the object that carries the labels. */
  labels: Readonly<Record<string, string>>;
}

/** Labels a workload object runs its pods with: Pod metadata, a pod template, or a WorkloadEntry/Group's labels. */
export function workloadLabels(r: Resource): Record<string, string> {
  const o = r.object;
  switch (o.kind) {
    case 'Pod':
      return o.metadata.labels ?? {};
    case 'WorkloadEntry':
      return (isPlainObject(o.spec) && stringMap(o.spec.labels)) || {};
    case 'WorkloadGroup': {
      const md = isPlainObject(o.spec) && isPlainObject(o.spec.metadata) ? o.spec.metadata : undefined;
      return (md && stringMap(md.labels)) || {};
    }
    default: {
      const tmpl = isPlainObject(o.spec) && isPlainObject(o.spec.template) ? o.spec.template : undefined;
      const md = tmpl && isPlainObject(tmpl.metadata) ? tmpl.metadata : undefined;
      return (md && stringMap(md.labels)) || {};
    }
  }
}

/** Kubernetes' label selector string for a map selector: sorted `k=v` pairs joined by commas. */
export function selectorString(selector: Readonly<Record<string, string>>): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',');
}

/** True when every pair of `selector` is in `labels` (an empty selector matches everything). */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

export class WorkloadIndex {
  #all: Workload[] = [];
  #byPair = new Map<string, Workload[]>();
  #byNamespace = new Map<string, Workload[]>();

  constructor(resources: Iterable<Resource>) {
    for (const resource of resources) {
      const w: Workload = { resource, namespace: resource.object.metadata.namespace ?? 'default', labels: workloadLabels(resource) };
      this.#all.push(w);
      push(this.#byNamespace, w.namespace, w);
      for (const [k, v] of Object.entries(w.labels)) push(this.#byPair, `${k}=${v}`, w);
    }
  }

  /** True when the input holds any workload at all. */
  any(): boolean {
    return this.#all.length > 0;
  }

  /** True when the input holds workloads in `namespace` (only then can "selects nothing" be trusted there). */
  knownIn(namespace: string): boolean {
    return this.#byNamespace.has(namespace);
  }

  /** Workloads whose labels satisfy `selector`, in `namespace` or (undefined) anywhere. */
  select(selector: Readonly<Record<string, string>>, namespace?: string): Workload[] {
    const keys = Object.keys(selector);
    let candidates: readonly Workload[] = namespace === undefined ? this.#all : (this.#byNamespace.get(namespace) ?? []);
    // Start from the rarest pair's posting list: selectors are usually one or two pairs.
    for (const k of keys) {
      const list = this.#byPair.get(`${k}=${selector[k]}`) ?? [];
      if (list.length < candidates.length) candidates = list;
    }
    return candidates.filter((w) => (namespace === undefined || w.namespace === namespace) && selectorMatches(selector, w.labels));
  }

  /** True when at least one workload satisfies `selector`. */
  selectsAny(selector: Readonly<Record<string, string>>, namespace?: string): boolean {
    return this.select(selector, namespace).length > 0;
  }
}

function push<T>(map: Map<string, T[]>, key: string, v: T): void {
  const list = map.get(key);
  if (list) list.push(v);
  else map.set(key, [v]);
}
