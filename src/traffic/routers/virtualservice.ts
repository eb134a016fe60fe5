// Bring-your-own VirtualService router: only the weights of the two matched destinations change, by JSON patch.
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { findRoutePairs, type RouteEntries, type SideMatcher } from './route-pairs.js';
import type { ClusterSet } from './router.js';
import type { VirtualServiceDestination, VirtualServiceRouterSpec } from './spec.js';
import { pointer, WeightedObjectRouter, type PairSearch } from './weighted-objects.js';

const SECTIONS = ['http', 'tls', 'tcp'] as const;

/**
 * Istio resolves a short host (no dot) in the VirtualService's own namespace; every other host is compared as
 * written (pilot/pkg/model/config.go ResolveShortnameToFQDN;
 * IPv6 literals hold no dot but are colon-separated and never Kubernetes names).
 */
export function fullHost(host: string, namespace: string): string {
  return host.includes('.') || host.includes(':') || host === '*' ? host : `${host}.${namespace}.svc.cluster.local`;
}

/** Recognises one side among a route's destinations (`route[].destination`). */
export function destinationMatcher(side: VirtualServiceDestination, namespace: string): SideMatcher {
  const host = fullHost(side.host, namespace);
  const parts = [`host ${side.host}`, side.subset !== undefined ? `subset ${side.subset}` : '', side.port !== undefined ? `port ${side.port}` : ''];
  return {
    describe: parts.filter(Boolean).join(' '),
    specificity: 1 + (side.subset !== undefined ? 1 : 0) + (side.port !== undefined ? 1 : 0),
    matches(entry: unknown): boolean {
      if (!isPlainObject(entry) || !isPlainObject(entry.destination)) return false;
      const d = entry.destination;
      if (typeof d.host !== 'string' || fullHost(d.host, namespace) !== host) return false;
      if (side.subset !== undefined && d.subset !== side.subset) return false;
      if (side.port !== undefined && !(isPlainObject(d.port) && d.port.number === side.port)) return false;
      return true;
    },
  };
}

/** Every http, tls and tcp route of a VirtualService, in order. */
export function virtualServiceRoutes(obj: KubeObject): RouteEntries[] {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const out: RouteEntries[] = [];
  for (const section of SECTIONS) {
    const list = spec[section];
    if (!Array.isArray(list)) continue;
    list.forEach((r: unknown, i) => {
      if (!isPlainObject(r)) return;
      out.push({
        label: `spec.${section}[${i}]`,
        listPointer: pointer('spec', section, i, 'route'),
        name: typeof r.name === 'string' ? r.name : undefined,
        entries: Array.isArray(r.route) ? r.route : [],
      });
    });
  }
  return out;
}

/** The pairs of one VirtualService. A destination without `weight` in a list of several gets 0 (route.go). */
export function virtualServicePairs(obj: KubeObject, from: VirtualServiceDestination, to: VirtualServiceDestination, routes?: readonly string[]): PairSearch {
  const ns = obj.metadata.namespace ?? 'default';
  return findRoutePairs({
    routes: virtualServiceRoutes(obj),
    names: routes,
    from: destinationMatcher(from, ns),
    to: destinationMatcher(to, ns),
    defaultWeight: (n) => (n === 1 ? 100 : 0),
    routeWord: 'route',
    addHint: 'add the missing destination to the route with weight 0 first (meshferry only changes weights, never the routes)',
  });
}

/** A VirtualService router over one VirtualService per target (usually one per cluster). */
export class VirtualServiceRouter extends WeightedObjectRouter {
  readonly kind = 'virtualService' as const;
  /** The destination workloads' sidecars see the traffic a VirtualService splits. */
  readonly reporter = 'destination' as const;

  constructor(spec: VirtualServiceRouterSpec, clusters: ClusterSet, opts: { namespace?: string } = {}) {
    super(
      clusters,
      spec.targets.map((t) => {
        const from = t.from ?? spec.from;
        const to = t.to ?? spec.to;
        const routes = t.routes ?? spec.routes;
        return {
          context: t.context,
          group: 'networking.istio.io',
          kind: 'VirtualService',
          namespace: t.namespace ?? opts.namespace ?? 'default',
          name: t.name,
          findPairs: (obj: KubeObject) => virtualServicePairs(obj, from, to, routes),
        };
      }),
    );
  }
}
