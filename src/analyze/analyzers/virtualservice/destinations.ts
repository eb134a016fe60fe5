// Every destination of a VirtualService (routes and mirrors of http, tcp and tls rules) with the path of its fields.
import type { PathSegment } from '../../../resources/resource-set.js';
import { asMap, asNumber, asString, mapsIn, specOf, type JsonMap } from '../../fields.js';

export interface RouteDestination {
  host: string;
  subset: string | undefined;
  port: number | undefined;
  mirror: boolean;
  /** Path of the destination mapping (its `host`, `subset` and `port` are below it). */
  path: PathSegment[];
}

/** Several analyzers ask for the same VirtualService's destinations; objects are not changed during analysis. */
const cache = new WeakMap<object, readonly RouteDestination[]>();

/** Route destinations first (tcp, tls, http, as istio lists them), then http mirrors. Do not change the result. */
export function destinationsOf(o: object): readonly RouteDestination[] {
  let found = cache.get(o);
  if (!found) {
    found = collectDestinations(o);
    cache.set(o, found);
  }
  return found;
}

function collectDestinations(o: object): RouteDestination[] {
  const spec = specOf(o);
  const out: RouteDestination[] = [];
  const add = (d: JsonMap | undefined, path: PathSegment[], mirror: boolean) => {
    const host = asString(d?.host);
    if (!d || !host) return;
    out.push({ host, subset: asString(d.subset) || undefined, port: asNumber(asMap(d.port)?.number), mirror, path });
  };
  for (const kind of ['tcp', 'tls', 'http'] as const)
    for (const [rule, i] of mapsIn(spec[kind]))
      for (const [rd, j] of mapsIn(rule.route)) add(asMap(rd.destination), ['spec', kind, i, 'route', j, 'destination'], false);
  for (const [rule, i] of mapsIn(spec.http)) {
    add(asMap(rule.mirror), ['spec', 'http', i, 'mirror'], true);
    for (const [m, j] of mapsIn(rule.mirrors)) add(asMap(m.destination), ['spec', 'http', i, 'mirrors', j, 'destination'], true);
  }
  return out;
}
