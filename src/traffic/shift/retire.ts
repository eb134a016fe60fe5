// `retire`: after a successful shift, delete the entries the file names (a VM's ServiceEntry), journaled, refused while still referenced.
import { ClusterError } from '../../errors.js';
import type { ServedResource } from '../../kube/discovery.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { Journal } from '../../journal/journal.js';
import type { JournalOwner } from '../../journal/journal.js';
import { isPlainObject } from '../../resources/object.js';
import type { KubeObject } from '../../resources/object.js';
import type { ClusterSet } from '../routers/router.js';
import type { RouterSpec } from '../routers/spec.js';
import type { RetireSpec } from './spec.js';

/** What happened to one retired entry in one cluster. */
export interface RetireOutcome {
  context: string | undefined;
  object: string;
  result: 'deleted' | 'already gone' | 'refused';
  /** For `refused`: who still references the host. */
  referencedBy?: string[];
}

/** Every context a router's targets live in (undefined: the current context). */
export function routerContexts(router: RouterSpec): (string | undefined)[] {
  const list: (string | undefined)[] = router.virtualService
    ? router.virtualService.targets.map((t) => t.context)
    : router.httpRoute
      ? router.httpRoute.targets.map((t) => t.context)
      : [router.lbWeight!.from?.context, router.lbWeight!.to?.context, ...(router.lbWeight!.targets ?? []).flatMap((p) => [p.from.context, p.to.context])];
  return [...new Set(list)];
}

/** `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local` all name the same in-mesh host (Istio's short names). */
function sameHost(ref: string, refNamespace: string, host: string): boolean {
  if (ref === host) return true;
  const full = (h: string, ns: string): string => {
    const parts = h.split('.');
    if (parts.length === 1) return `${h}.${ns}.svc.cluster.local`;
    if (parts.length === 2) return `${h}.svc.cluster.local`;
    if (parts.length === 3 && parts[2] === 'svc') return `${h}.cluster.local`;
    return h;
  };
  return full(ref, refNamespace) === full(host, refNamespace);
}

/** Every host a VirtualService or DestinationRule names: its hosts, route destinations and mirrors, or its host. */
function referencedHosts(obj: KubeObject): string[] {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  if (obj.kind === 'DestinationRule') return typeof spec.host === 'string' ? [spec.host] : [];
  const out: string[] = Array.isArray(spec.hosts) ? spec.hosts.filter((h): h is string => typeof h === 'string') : [];
  for (const kind of ['http', 'tls', 'tcp']) {
    const routes = Array.isArray(spec[kind]) ? (spec[kind] as unknown[]) : [];
    for (const r of routes.filter(isPlainObject)) {
      const dests = [...(Array.isArray(r.route) ? r.route : []), ...(isPlainObject(r.mirror) ? [{ destination: r.mirror }] : [])];
      for (const d of dests.filter(isPlainObject)) if (isPlainObject(d.destination) && typeof d.destination.host === 'string') out.push(d.destination.host);
    }
  }
  return out;
}

function served(client: ObjectClient, kind: string): ServedResource {
  const r = client.discovery.resourceFor('networking.istio.io', kind);
  if (!r) throw new ClusterError('NotServed', `the cluster (context ${client.transport.contextName}) does not serve networking.istio.io ${kind}`, { context: client.transport.contextName });
  return r;
}

/** Who in this cluster still references any of `hosts`. */
async function referencesTo(client: ObjectClient, hosts: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const kind of ['VirtualService', 'DestinationRule']) {
    for (const obj of await client.list(served(client, kind))) {
      const ns = obj.metadata.namespace ?? 'default';
      const hit = referencedHosts(obj).find((ref) => hosts.some((h) => sameHost(ref, ns, h)));
      if (hit) out.push(`${kind} ${ns}/${obj.metadata.name} (host ${hit})`);
    }
  }
  return out;
}

/** The object as a journal keeps it: what `kubectl create` would need to bring it back. */
export function restorable(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, uid: _uid, managedFields: _mf, creationTimestamp: _ct, generation: _g, ...metadata } = obj.metadata;
  const { status: _status, ...rest } = obj;
  return { ...rest, metadata } as KubeObject;
}

export interface RetireOptions {
  entries: readonly RetireSpec[];
  router: RouterSpec;
  clusters: ClusterSet;
  /** The TrafficShift's namespace (entries that name none live there). */
  namespace: string;
  /** The TrafficShift object (its uid ties the journal to it) and the client of its cluster. */
  owner: JournalOwner;
  ownerClient: ObjectClient;
  /** Where the journal's local copy goes (default: the journal's own home). */
  localDir?: string;
}

/**
 * Deletes each named entry in each target cluster, unless a VirtualService or DestinationRule in any target cluster
 * still references its hosts. Each delete is journaled beside the TrafficShift (intent with the object as it was,
 * then the result), so it can be put back from the journal alone.
 */
export async function retireEntries(opts: RetireOptions): Promise<RetireOutcome[]> {
  const journal = await Journal.open(opts.ownerClient, opts.owner, opts.localDir ? { localDir: opts.localDir } : {});
  const targetContexts = routerContexts(opts.router);
  const out: RetireOutcome[] = [];
  for (const entry of opts.entries) {
    const namespace = entry.namespace ?? opts.namespace;
    const contexts = entry.context ? [entry.context] : targetContexts;
    const found: { context: string | undefined; client: ObjectClient; obj: KubeObject }[] = [];
    for (const context of contexts) {
      const client = await opts.clusters.client(context);
      const obj = await client.get(served(client, entry.kind), namespace, entry.name);
      if (obj) found.push({ context, client, obj });
      else out.push({ context, object: `${entry.kind} ${namespace}/${entry.name}`, result: 'already gone' });
    }
    // The hosts of every copy, checked against every target cluster: a VirtualService in one cluster may route to a
    // ServiceEntry defined in another (multi-cluster).
    const hosts = [...new Set(found.flatMap((f) => (isPlainObject(f.obj.spec) && Array.isArray(f.obj.spec.hosts) ? f.obj.spec.hosts.filter((h): h is string => typeof h === 'string') : [])))];
    const referencedBy: string[] = [];
    if (hosts.length > 0)
      for (const context of targetContexts) {
        const client = await opts.clusters.client(context);
        for (const r of await referencesTo(client, hosts)) referencedBy.push(`${context ?? client.transport.contextName}/${r}`);
      }
    if (referencedBy.length > 0) {
      for (const f of found) out.push({ context: f.context, object: `${entry.kind} ${namespace}/${entry.name}`, result: 'refused', referencedBy });
      continue;
    }
    for (const f of found) {
      const target = { apiVersion: f.obj.apiVersion, kind: f.obj.kind, namespace, name: entry.name };
      const begun = await journal.begin('retire', { target, before: restorable(f.obj), intent: { delete: target, context: f.context ?? null } });
      // Only the incarnation and version that was checked and journaled: an edit in between fails with 409.
      const { uid, resourceVersion } = f.obj.metadata;
      const deleted = await f.client.delete(served(f.client, entry.kind), namespace, entry.name, {
        preconditions: { ...(typeof uid === 'string' ? { uid } : {}), ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}) },
      });
      await journal.finish(begun.seq, { deleted });
      out.push({ context: f.context, object: `${entry.kind} ${namespace}/${entry.name}`, result: deleted ? 'deleted' : 'already gone' });
    }
  }
  return out;
}
