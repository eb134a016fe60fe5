// Istio host semantics: short names, FQDNs, wildcards, and the registry of Services and ServiceEntries with exportTo.
import { isPlainObject } from '../resources/object.js';
import type { Resource } from '../resources/resource-set.js';

export const CLUSTER_DOMAIN = 'svc.cluster.local';
const CLUSTER_HOST = /^(.+)\.([^.]+)\.svc\.cluster\.local$/;

/**
 * A host as istiod resolves it from `namespace`: a name with no dot (and no wildcard) is a short Kubernetes
 * service name, `name.<namespace>.svc.cluster.local`; everything else is taken as written (Istio does not
 * expand `reviews.default`). Source: istio pkg/config/analysis/analyzers/util ConvertHostToFQDN.
 */
export function toFqdn(host: string, namespace: string): string {
  return host.startsWith('*') || host.includes('.') ? host : `${host}.${namespace}.${CLUSTER_DOMAIN}`;
}

/** `{name, namespace}` of a cluster-local service FQDN, or undefined for other hosts. */
export function clusterService(fqdn: string): { name: string; namespace: string } | undefined {
  const m = CLUSTER_HOST.exec(fqdn);
  return m && m[1] && m[2] && !m[1].includes('*') ? { name: m[1], namespace: m[2] } : undefined;
}

export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/** Istio's host.Name.Matches: equal, or one is a wildcard whose suffix the other ends with. */
export function hostMatches(a: string, b: string): boolean {
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

export interface ServicePortInfo {
  number: number;
  name: string;
  protocol: string;
}

/** A host something can route to: a Kubernetes Service or one host of a ServiceEntry. */
export interface ServiceRecord {
  host: string;
  kind: 'Service' | 'ServiceEntry';
  resource: Resource;
  namespace: string;
  ports: readonly ServicePortInfo[];
  /** Pod labels the service selects (Service spec.selector, ServiceEntry workloadSelector); undefined when none. */
  selector: Readonly<Record<string, string>> | undefined;
  /** ServiceEntry inline endpoints' labels. */
  endpointLabels: readonly Readonly<Record<string, string>>[];
  /** Namespaces it is visible in: `*` for all (exportTo semantics, `.` already resolved, `~` is nobody). */
  exportTo: ReadonlySet<string>;
}

const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

function visibility(exportTo: unknown, ownNamespace: string): Set<string> {
  const list = Array.isArray(exportTo) ? exportTo.filter((e): e is string => typeof e === 'string') : [];
  if (list.length === 0) return new Set(['*']);
  return new Set(list.map((e) => (e === '.' ? ownNamespace : e)));
}

/** True when a record exported to `exportTo` is visible from `namespace`. */
export function visibleFrom(exportTo: ReadonlySet<string>, namespace: string): boolean {
  return exportTo.has('*') || exportTo.has(namespace);
}

export function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function portsOf(v: unknown): ServicePortInfo[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isPlainObject).map((p) => ({
    number: typeof p.number === 'number' ? p.number : typeof p.port === 'number' ? p.port : 0,
    name: typeof p.name === 'string' ? p.name : '',
    protocol: typeof p.protocol === 'string' ? p.protocol : '',
  }));
}

/**
 * Every routable host of the run, indexed once: exact FQDNs in a map, wildcard ServiceEntry hosts in a list.
 * Lookups follow istio's util.GetDestinationHost: exact host first, then wildcard ServiceEntry hosts, each
 * only when exported to the asking namespace.
 */
export class ServiceRegistry {
  #exact = new Map<string, ServiceRecord[]>();
  #wildcards: ServiceRecord[] = [];
  #all: ServiceRecord[] = [];

  constructor(services: readonly Resource[], serviceEntries: readonly Resource[]) {
    for (const r of services) {
      const ns = r.object.metadata.namespace ?? 'default';
      const spec = isPlainObject(r.object.spec) ? r.object.spec : {};
      const anno = r.object.metadata.annotations?.[EXPORT_TO_ANNOTATION];
      this.#add({
        host: toFqdn(r.object.metadata.name, ns),
        kind: 'Service',
        resource: r,
        namespace: ns,
        ports: portsOf(spec.ports),
        selector: stringMap(spec.selector),
        endpointLabels: [],
        exportTo: visibility(anno ? anno.split(',').map((s) => s.trim()) : [], ns),
      });
    }
    for (const r of serviceEntries) {
      const ns = r.object.metadata.namespace ?? 'default';
      const spec = isPlainObject(r.object.spec) ? r.object.spec : {};
      const hosts = Array.isArray(spec.hosts) ? spec.hosts.filter((h): h is string => typeof h === 'string') : [];
      const ws = isPlainObject(spec.workloadSelector) ? stringMap(spec.workloadSelector.labels) : undefined;
      const endpoints = Array.isArray(spec.endpoints) ? spec.endpoints.filter(isPlainObject) : [];
      for (const h of hosts) {
        this.#add({
          host: toFqdn(h, ns),
          kind: 'ServiceEntry',
          resource: r,
          namespace: ns,
          ports: portsOf(spec.ports),
          selector: ws,
          endpointLabels: endpoints.map((e) => stringMap(e.labels) ?? {}),
          exportTo: visibility(spec.exportTo, ns),
        });
      }
    }
  }

  #add(rec: ServiceRecord): void {
    this.#all.push(rec);
    if (isWildcard(rec.host) && rec.kind === 'ServiceEntry') this.#wildcards.push(rec);
    const list = this.#exact.get(rec.host);
    if (list) list.push(rec);
    else this.#exact.set(rec.host, [rec]);
  }

  get size(): number {
    return this.#all.length;
  }

  /**
   * The record `host` resolves to when used from `namespace` by an object exported to `exportTo` (a
   * VirtualService's or DestinationRule's own exportTo): as istio's util.GetDestinationHost does, the host must be
   * visible where the object is exported to (its own namespace when `exportTo` is empty; `.` is its namespace,
   * `*` asks for hosts exported everywhere). A wildcard `host` also resolves to any record it covers.
   */
  lookup(host: string, namespace: string, exportTo: readonly string[] = []): ServiceRecord | undefined {
    const fqdn = toFqdn(host, namespace);
    const scopes = exportTo.length ? exportTo.map((s) => (s === '.' ? namespace : s)) : [namespace];
    const visible = (r: ServiceRecord) => scopes.some((s) => visibleFrom(r.exportTo, s));
    const exact = this.#exact.get(fqdn)?.find(visible);
    if (exact) return exact;
    for (const r of this.#wildcards) if (visible(r) && hostMatches(r.host, fqdn)) return r;
    if (isWildcard(fqdn)) for (const r of this.#all) if (visible(r) && hostMatches(fqdn, r.host)) return r;
    return undefined;
  }

  /** All records, in input order. */
  all(): readonly ServiceRecord[] {
    return this.#all;
  }
}

/** Gateway server hosts (`ns/host`, `./host`, `*\/host`) visible to a VirtualService namespace, namespaces stripped. */
export function gatewayHostsFor(serverHosts: readonly string[], gatewayNamespace: string, vsNamespace: string): string[] {
  const out: string[] = [];
  for (const h of serverHosts) {
    const slash = h.indexOf('/');
    if (slash < 0) {
      out.push(h);
      continue;
    }
    const ns = h.slice(0, slash);
    const name = h.slice(slash + 1);
    const resolved = ns === '.' ? gatewayNamespace : ns;
    if (resolved === '*' || resolved === vsNamespace) out.push(name);
  }
  return out;
}
