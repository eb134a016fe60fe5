// The live counterparts of a set of objects, read with one LIST per kind instead of one GET per object.
import { keyOf, keyString, type KubeObject, type ObjectKey } from '../resources/object.js';
import type { ServedResource } from './discovery.js';
import { KubeApiError } from './errors.js';
import type { ObjectClient } from './object-client.js';
import { mapLimit } from '../concurrency.js';

/** What the cluster holds for the kinds and namespaces of a set of objects. */
export interface LiveState {
  /** The live object for a key, if it exists. */
  get(key: ObjectKey): KubeObject | undefined;
  /** Namespaces that exist; undefined when the user may not list them (then every namespace is assumed to) or with `byNamespace`. */
  namespaces: ReadonlySet<string> | undefined;
  /** Every live object of the listed kinds (all namespaces); empty for kinds that fell back to single GETs. */
  listed: readonly KubeObject[];
}

/**
 * Reads the live objects matching `objects`: one paginated LIST per kind across all namespaces (a few
 * requests for thousands of objects), or per kind and namespace (`byNamespace`). Where listing is forbidden, it falls back to a GET per object, which
 * RBAC may still allow. Objects of unserved kinds are ignored (the caller reports them).
 */
export interface LiveStateOptions {
  /**
   * LIST each namespaced kind only in the namespaces `objects` name (one LIST per kind and namespace) instead of
   * across the cluster: what a wave reads on every poll, where the cluster may hold thousands of others. `listed`
   * then holds only those namespaces' objects, and `namespaces` is not read (undefined).
   */
  byNamespace?: boolean;
}

export async function readLiveState(client: ObjectClient, objects: readonly KubeObject[], opts: LiveStateOptions = {}): Promise<LiveState> {
  const byResource = new Map<string, { resource: ServedResource; objects: KubeObject[] }>();
  for (const obj of objects) {
    const resource = client.resourceOf(obj);
    if (!resource) continue;
    const k = `${resource.group}/${resource.version}/${resource.plural}`;
    const entry = byResource.get(k) ?? { resource, objects: [] };
    entry.objects.push(obj);
    byResource.set(k, entry);
  }
  const live = new Map<string, KubeObject>();
  const listed: KubeObject[] = [];
  const nsResource = opts.byNamespace ? undefined : client.discovery.resourceFor('', 'Namespace');
  const [namespaces] = await Promise.all([
    nsResource
      ? client.list(nsResource).then(
          (items) => new Set(items.map((n) => n.metadata.name)),
          (err: unknown) => {
            if (err instanceof KubeApiError && err.isForbidden) return undefined;
            throw err;
          },
        )
      : Promise.resolve(undefined),
    ...[...byResource.values()].map(async ({ resource, objects: wanted }) => {
      try {
        const namespaces = opts.byNamespace && resource.namespaced ? [...new Set(wanted.map((o) => o.metadata.namespace ?? ''))] : undefined;
        const items = namespaces ? (await mapLimit(namespaces, 8, (namespace) => client.list(resource, { namespace }))).flat() : await client.list(resource);
        for (const item of items) {
          live.set(keyString(keyOf(item)), item);
          listed.push(item);
        }
      } catch (err) {
        if (!(err instanceof KubeApiError && err.isForbidden)) throw err;
        await mapLimit(wanted, 8, async (obj) => {
          const found = await client.get(resource, obj.metadata.namespace, obj.metadata.name).catch((e: unknown) => {
            if (e instanceof KubeApiError && e.isForbidden) return undefined;
            throw e;
          });
          if (found) {
            found.apiVersion = obj.apiVersion;
            found.kind = obj.kind;
            live.set(keyString(keyOf(found)), found);
          }
        });
      }
    }),
  ]);
  return { get: (key) => live.get(keyString(key)), namespaces, listed };
}
