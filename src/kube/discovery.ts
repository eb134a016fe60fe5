// Discovery: which groups, versions and resources a cluster serves, and the preferred version of each group.
import { ClusterError } from '../errors.js';
import { formatApiVersion } from '../resources/kinds.js';
import { isPlainObject } from '../resources/object.js';
import { KubeApiError } from './errors.js';
import { mapLimit } from '../concurrency.js';
import type { KubeTransport } from './transport.js';

/** One resource (a plural) served at one group/version. */
export interface ServedResource {
  group: string;
  version: string;
  kind: string;
  /** The plural used in URLs (`virtualservices`). */
  plural: string;
  namespaced: boolean;
  verbs: readonly string[];
}

/**
 * Aggregated discovery (GA in Kubernetes 1.30) answers the whole cluster in two requests; older servers
 * get the classic walk of one request per group version. v2beta1 is asked for too, for 1.27-1.29 servers.
 */
const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

/** What a cluster serves: every resource at every version, and each group's preferred version. */
export class Discovery {
  /** Resources in server order: groups by priority, versions preferred first. */
  readonly resources: readonly ServedResource[];
  readonly #preferred: Map<string, string>;
  readonly #byGroupKind = new Map<string, ServedResource[]>();

  constructor(resources: readonly ServedResource[], preferred: ReadonlyMap<string, string>) {
    this.resources = resources;
    this.#preferred = new Map(preferred);
    for (const r of resources) {
      const k = `${r.group}/${r.kind}`;
      const list = this.#byGroupKind.get(k) ?? [];
      list.push(r);
      this.#byGroupKind.set(k, list);
    }
  }

  /** The group's preferred version, or undefined when the group is not served. */
  preferredVersion(group: string): string | undefined {
    return this.#preferred.get(group);
  }

  /** The resource serving group+kind at its preferred version (or the first version that serves the kind). */
  resourceFor(group: string, kind: string): ServedResource | undefined {
    const list = this.#byGroupKind.get(`${group}/${kind}`);
    if (!list) return undefined;
    const pref = this.#preferred.get(group);
    return list.find((r) => r.version === pref) ?? list[0];
  }

  /** The resource serving group+kind at exactly `version`. */
  resourceAt(group: string, version: string, kind: string): ServedResource | undefined {
    return this.#byGroupKind.get(`${group}/${kind}`)?.find((r) => r.version === version);
  }

  /** Every version at which group+kind is served, preferred first. */
  versionsOf(group: string, kind: string): string[] {
    return (this.#byGroupKind.get(`${group}/${kind}`) ?? []).map((r) => r.version);
  }
}

/** The REST path of a resource collection (namespace given) or of one object (name given too). */
export function resourcePath(r: Pick<ServedResource, 'group' | 'version' | 'plural' | 'namespaced'>, namespace?: string, name?: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

/** `virtualservices.networking.istio.io` (kubectl's resource.group form), `services` for core. */
export function resourceName(r: Pick<ServedResource, 'group' | 'plural'>): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** Asks the cluster what it serves. */
export async function discover(transport: KubeTransport): Promise<Discovery> {
  // One after the other: the first request doubles as the reachability check, so a dead cluster is retried
  // (and reported) once, not twice in parallel.
  const core = await transport.request({ method: 'GET', path: '/api', accept: AGGREGATED_ACCEPT, what: 'discover the core API' });
  const groups = await transport.request({ method: 'GET', path: '/apis', accept: AGGREGATED_ACCEPT, what: 'discover API groups' });
  const coreBody = parseJson(core.body, transport, '/api');
  const groupsBody = parseJson(groups.body, transport, '/apis');
  if (isAggregated(coreBody) && isAggregated(groupsBody)) return fromAggregated([coreBody, groupsBody]);
  return legacyDiscovery(transport, coreBody, groupsBody);
}

function parseJson(text: string, transport: KubeTransport, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ClusterError('BadResponse', `the API server of context "${transport.contextName}" answered ${path} with something that is not JSON`, {
      context: transport.contextName,
    });
  }
}

function isAggregated(body: unknown): body is { items: unknown[] } {
  return isPlainObject(body) && body.kind === 'APIGroupDiscoveryList' && Array.isArray(body.items);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** Reads APIGroupDiscoveryList documents; entries of unexpected shape are skipped, not trusted. */
export function fromAggregated(lists: readonly { items: unknown[] }[]): Discovery {
  const resources: ServedResource[] = [];
  const preferred = new Map<string, string>();
  for (const list of lists)
    for (const g of list.items) {
      if (!isPlainObject(g) || !isPlainObject(g.metadata) || !Array.isArray(g.versions)) continue;
      const group = typeof g.metadata.name === 'string' ? g.metadata.name : '';
      for (const v of g.versions) {
        if (!isPlainObject(v) || typeof v.version !== 'string' || !Array.isArray(v.resources)) continue;
        // A stale version (its aggregated server is down) is listed but cannot be trusted to answer.
        if (v.freshness === 'Stale') continue;
        if (!preferred.has(group)) preferred.set(group, v.version);
        for (const r of v.resources) {
          if (!isPlainObject(r) || typeof r.resource !== 'string') continue;
          const kind = isPlainObject(r.responseKind) && typeof r.responseKind.kind === 'string' ? r.responseKind.kind : undefined;
          if (!kind) continue;
          resources.push({ group, version: v.version, kind, plural: r.resource, namespaced: r.scope === 'Namespaced', verbs: strings(r.verbs) });
        }
      }
    }
  return new Discovery(resources, preferred);
}

/** Classic discovery: /api/v1, then every group version of /apis, a few at a time. */
async function legacyDiscovery(transport: KubeTransport, coreBody: unknown, groupsBody: unknown): Promise<Discovery> {
  const preferred = new Map<string, string>();
  const targets: { group: string; version: string }[] = [];
  const coreVersions = isPlainObject(coreBody) ? strings(coreBody.versions) : [];
  for (const v of coreVersions.length ? coreVersions : ['v1']) targets.push({ group: '', version: v });
  preferred.set('', coreVersions[0] ?? 'v1');
  if (isPlainObject(groupsBody) && Array.isArray(groupsBody.groups))
    for (const g of groupsBody.groups) {
      if (!isPlainObject(g) || typeof g.name !== 'string' || !Array.isArray(g.versions)) continue;
      const pref = isPlainObject(g.preferredVersion) && typeof g.preferredVersion.version === 'string' ? g.preferredVersion.version : undefined;
      const versions = g.versions.filter(isPlainObject).map((v) => v.version).filter((v): v is string => typeof v === 'string');
      const ordered = pref ? [pref, ...versions.filter((v) => v !== pref)] : versions;
      if (ordered[0]) preferred.set(g.name, ordered[0]);
      for (const version of ordered) targets.push({ group: g.name, version });
    }
  const lists = await mapLimit(targets, 8, async ({ group, version }) => {
    const gv = formatApiVersion(group, version);
    let body: unknown;
    try {
      body = (await transport.requestJson({ method: 'GET', path: group ? `/apis/${gv}` : `/api/${version}`, what: `discover ${gv}` })).body;
    } catch (err) {
      // One broken aggregated API (a metrics server that is down) must not hide every other group.
      if (err instanceof KubeApiError) return [];
      throw err;
    }
    if (!isPlainObject(body) || !Array.isArray(body.resources)) return [];
    return body.resources
      .filter(isPlainObject)
      .filter((r) => typeof r.name === 'string' && !r.name.includes('/') && typeof r.kind === 'string')
      .map((r): ServedResource => ({ group, version, kind: r.kind as string, plural: r.name as string, namespaced: r.namespaced === true, verbs: strings(r.verbs) }));
  });
  return new Discovery(lists.flat(), preferred);
}
