// What else a namespace holds: before rollback deletes a namespace meshferry created, every object someone else put in
// it since (deleting a namespace deletes everything inside, and creating objects in it moves none of its fields).
import type { ServedResource } from '../../kube/discovery.js';
import type { ObjectClient } from '../../kube/object-client.js';
import type { KubeObject } from '../../resources/object.js';
import { sanitizeTerminalText } from '../../terminal-text.js';

/** Kinds whose objects follow others or record the past: controllers remove them with what they belong to. */
const FOLLOWERS = new Set(['/Event', 'events.k8s.io/Event', '/Endpoints', 'discovery.k8s.io/EndpointSlice', 'coordination.k8s.io/Lease', '/Pod', 'authorization.k8s.io/LocalSubjectAccessReview']);

/** Objects controllers write into every namespace (kube-controller-manager, the ServiceAccount controller, istiod). */
const PER_NAMESPACE: ReadonlySet<string> = new Set(['/ConfigMap kube-root-ca.crt', '/ConfigMap istio-ca-root-cert', '/ConfigMap istio-ca-crl', '/ServiceAccount default']);

/**
 * The objects in `ns` that nobody is about to remove with something else: not owned (ownerReferences: they go with their
 * owner), not a follower kind (events, endpoints, leases; pods are checked on their own), not what a controller writes
 * into every namespace, and not in `except` (`Kind name` of what rollback deletes itself). Each kind listed once, at
 * its preferred version; a kind the cluster will not list is named, since its objects cannot be ruled out.
 */
export async function othersIn(client: ObjectClient, ns: string, except: ReadonlySet<string> = new Set()): Promise<string[]> {
  const found: string[] = [];
  for (const r of listable(client.discovery.resources).map((x) => client.discovery.resourceFor(x.group, x.kind) ?? x)) {
    let items: KubeObject[];
    try {
      items = await client.list(r, { namespace: ns });
    } catch {
      found.push(`${r.kind} (could not be listed)`);
      continue;
    }
    for (const o of items) {
      const name = String(o.metadata.name);
      if (Array.isArray(o.metadata.ownerReferences) && o.metadata.ownerReferences.length > 0) continue;
      if (PER_NAMESPACE.has(`${r.group}/${r.kind} ${name}`) || except.has(`${r.kind} ${name}`)) continue;
      found.push(`${r.kind} ${sanitizeTerminalText(name, { oneLine: true })}`);
    }
  }
  return found;
}

function listable(resources: readonly ServedResource[]): ServedResource[] {
  const seen = new Set<string>();
  const out: ServedResource[] = [];
  for (const r of resources) {
    const gk = `${r.group}/${r.kind}`;
    if (!r.namespaced || !r.verbs.includes('list') || r.plural.includes('/') || FOLLOWERS.has(gk) || seen.has(gk)) continue;
    seen.add(gk);
    out.push(r);
  }
  return out;
}

/** Why rollback may not delete namespace `ns` that meshferry created (others put objects there since), or undefined. */
export async function othersRefusal(client: ObjectClient, ns: string): Promise<string | undefined> {
  const others = await othersIn(client, ns);
  if (others.length === 0) return undefined;
  return `meshferry created it, but it holds what others put there since (${others.slice(0, 5).join(', ')}${others.length > 5 ? `, and ${others.length - 5} more` : ''}), which deleting it would delete too; delete it yourself if it should go`;
}
