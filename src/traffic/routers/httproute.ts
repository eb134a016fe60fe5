// Gateway API HTTPRoute router: only the weights of the two matched backendRefs change, by JSON patch.
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { findRoutePairs, type RouteEntries, type SideMatcher } from './route-pairs.js';
import type { ClusterSet } from './router.js';
import type { HttpRouteBackend, HttpRouteRouterSpec } from './spec.js';
import { pointer, WeightedObjectRouter, type PairSearch } from './weighted-objects.js';

/** Recognises one side among a rule's backendRefs; group "" and kind Service are the API's defaults. */
export function backendMatcher(side: HttpRouteBackend, routeNamespace: string): SideMatcher {
  const kind = side.kind ?? 'Service';
  const group = side.group ?? '';
  const ns = side.namespace ?? routeNamespace;
  const parts = [`backendRef ${side.backendRef}`, side.namespace ? `namespace ${side.namespace}` : '', side.port !== undefined ? `port ${side.port}` : '', side.kind ? `kind ${side.kind}` : ''];
  return {
    describe: parts.filter(Boolean).join(' '),
    specificity: 1 + (side.port !== undefined ? 1 : 0),
    matches(entry: unknown): boolean {
      if (!isPlainObject(entry) || entry.name !== side.backendRef) return false;
      if ((typeof entry.kind === 'string' ? entry.kind : 'Service') !== kind) return false;
      if ((typeof entry.group === 'string' ? entry.group : '') !== group) return false;
      if ((typeof entry.namespace === 'string' ? entry.namespace : routeNamespace) !== ns) return false;
      if (side.port !== undefined && entry.port !== side.port) return false;
      return true;
    },
  };
}

/** Every rule of an HTTPRoute, in order. */
export function httpRouteRules(obj: KubeObject): RouteEntries[] {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  const out: RouteEntries[] = [];
  rules.forEach((r: unknown, i) => {
    if (!isPlainObject(r)) return;
    out.push({
      label: `spec.rules[${i}]`,
      listPointer: pointer('spec', 'rules', i, 'backendRefs'),
      name: typeof r.name === 'string' ? r.name : undefined,
      entries: Array.isArray(r.backendRefs) ? r.backendRefs : [],
    });
  });
  return out;
}

/** The pairs of one HTTPRoute. A backendRef without `weight` weighs 1 (the API's default). */
export function httpRoutePairs(obj: KubeObject, from: HttpRouteBackend, to: HttpRouteBackend, rules?: readonly string[]): PairSearch {
  const ns = obj.metadata.namespace ?? 'default';
  return findRoutePairs({
    routes: httpRouteRules(obj),
    names: rules,
    from: backendMatcher(from, ns),
    to: backendMatcher(to, ns),
    defaultWeight: () => 1,
    routeWord: 'rule',
    addHint: 'add the missing backendRef to the rule with weight 0 first (meshferry only changes weights, never the rules)',
  });
}

/** An HTTPRoute router over one HTTPRoute per target. */
export class HttpRouteRouter extends WeightedObjectRouter {
  readonly kind = 'httpRoute' as const;
  /**
   * The backends' sidecars report what reaches them (reporter="destination") whichever proxy routed it, a
   * gateway or a client sidecar; only the lb-weight router splits between gateways themselves.
   */
  readonly reporter = 'destination' as const;

  constructor(spec: HttpRouteRouterSpec, clusters: ClusterSet, opts: { namespace?: string } = {}) {
    super(
      clusters,
      spec.targets.map((t) => {
        const from = t.from ?? spec.from;
        const to = t.to ?? spec.to;
        const rules = t.rules ?? spec.rules;
        return {
          context: t.context,
          group: 'gateway.networking.k8s.io',
          kind: 'HTTPRoute',
          namespace: t.namespace ?? opts.namespace ?? 'default',
          name: t.name,
          findPairs: (obj: KubeObject) => httpRoutePairs(obj, from, to, rules),
        };
      }),
    );
  }
}
