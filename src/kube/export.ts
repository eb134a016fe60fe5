// Export: read every mesh config kind a cluster serves (plus optional context kinds) and neat the objects.
import { GATEWAY_API_KINDS, ISTIO_KINDS, displayKind, kindInfo, type KindInfo } from '../resources/kinds.js';
import { neatObject } from '../resources/neat.js';
import type { KubeObject } from '../resources/object.js';
import type { Cluster } from './cluster.js';
import { resourceName, type ServedResource } from './discovery.js';
import { KubeApiError } from './errors.js';

/** Kinds `--with-context` adds: what analyzers need to judge the config (namespaces, services, workloads). */
export const CONTEXT_KINDS: readonly KindInfo[] = (
  [
    ['', 'Namespace'],
    ['', 'Service'],
    ['apps', 'Deployment'],
    ['apps', 'StatefulSet'],
    ['apps', 'DaemonSet'],
    ['', 'Secret'],
  ] as const
).map(([g, k]) => kindInfo(g, k) as KindInfo);

/** Namespaces whose context objects belong to the platform, not the mesh; skipped unless asked for by -n. */
export const PLATFORM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

export interface ExportOptions {
  /** Only these namespaces; all when absent. */
  namespaces?: readonly string[];
  excludeNamespaces?: readonly string[];
  /** Only these kinds; every Istio and Gateway API kind the cluster serves when absent. */
  kinds?: readonly KindInfo[];
  withContext?: boolean;
  /** Objects per LIST page (`limit`), like kubectl's --chunk-size; default 500. */
  pageSize?: number;
  /** Receives each batch of neat objects as its LIST completes (to write files while other LISTs run). */
  onObjects?: (objects: KubeObject[]) => void | Promise<void>;
  /** Called as kinds finish, for a progress bar. */
  onProgress?: (p: { kindsDone: number; kindsTotal: number; objects: number }) => void;
}

/** What happened to one kind. */
export interface KindExport {
  kind: KindInfo;
  /** `virtualservices.networking.istio.io`. */
  resource: string;
  /** The served version that was read. */
  version?: string;
  count: number;
  /** Why the kind (or some namespaces of it) was not read: `forbidden` or `not-served`. */
  skipped?: { reason: 'forbidden' | 'not-served'; message: string };
}

export interface ExportReport {
  objects: KubeObject[];
  kinds: KindExport[];
}

/**
 * Lists each kind once across all namespaces (or once per selected namespace), all kinds concurrently
 * under the client's LIST semaphore, and neats every object. A kind the user may not list is reported and
 * skipped; any other failure (the server went away) fails the export, since a partial dump that looks
 * complete is worse than none.
 */
export async function exportObjects(cluster: Pick<Cluster, 'client' | 'discovery'>, opts: ExportOptions = {}): Promise<ExportReport> {
  const wanted = opts.kinds ?? [...ISTIO_KINDS, ...GATEWAY_API_KINDS];
  const explicit = opts.kinds !== undefined;
  const context = opts.withContext ? CONTEXT_KINDS.filter((k) => !wanted.includes(k)) : [];
  const excluded = new Set(opts.excludeNamespaces ?? []);
  const selected = opts.namespaces && opts.namespaces.length ? new Set(opts.namespaces) : undefined;
  const kinds: KindExport[] = [];
  const jobs: { kind: KindInfo; resource: ServedResource; isContext: boolean; report: KindExport }[] = [];
  for (const kind of [...wanted, ...context]) {
    const resource = cluster.discovery.resourceFor(kind.group, kind.kind);
    const name = resource ? resourceName(resource) : kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
    const report: KindExport = { kind, resource: name, count: 0 };
    if (!resource || !resource.verbs.includes('list')) {
      // Kinds the cluster lacks are normal (no Gateway API CRDs, an older Istio): only say so when asked for.
      if (explicit) {
        report.skipped = { reason: 'not-served', message: `the cluster does not serve ${displayKind(kind)}` };
        kinds.push(report);
      }
      continue;
    }
    report.version = resource.version;
    kinds.push(report);
    jobs.push({ kind, resource, isContext: context.includes(kind), report });
  }

  const objects: KubeObject[] = [];
  let kindsDone = 0;
  const keep = (obj: KubeObject, isContext: boolean): boolean => {
    const ns = obj.metadata.namespace;
    const name = obj.kind === 'Namespace' ? obj.metadata.name : ns;
    if (name === undefined) return true; // cluster-scoped kinds (GatewayClass)
    if (excluded.has(name)) return false;
    if (selected && !selected.has(name)) return false;
    if (isContext && !selected && PLATFORM_NAMESPACES.includes(name)) return false;
    // The API server owns default/kubernetes; exporting it would only make imports fight over it.
    if (isContext && obj.kind === 'Service' && ns === 'default' && obj.metadata.name === 'kubernetes') return false;
    return true;
  };
  await Promise.all(
    jobs.map(async ({ kind, resource, isContext, report }) => {
      const metadataOnly = kind.metadataOnly === true;
      // Per-namespace lists only when namespaces are selected (RBAC may allow those and not cluster-wide).
      const scopes = selected && resource.namespaced ? [...selected] : [undefined];
      const forbidden: string[] = [];
      await Promise.all(
        scopes.map(async (namespace) => {
          try {
            const items = await cluster.client.list(resource, { ...(namespace ? { namespace } : {}), metadataOnly, ...(opts.pageSize ? { pageSize: opts.pageSize } : {}) });
            const batch = items.filter((item) => keep(item, isContext)).map(neatObject);
            for (const o of batch) objects.push(o);
            report.count += batch.length;
            await opts.onObjects?.(batch);
          } catch (err) {
            if (!(err instanceof KubeApiError && err.isForbidden)) throw err;
            forbidden.push(err.serverMessage);
          }
        }),
      );
      if (forbidden.length)
        report.skipped = {
          reason: 'forbidden',
          message: forbidden.length === 1 ? (forbidden[0] ?? '') : `${forbidden.length} namespaces forbidden, e.g. ${forbidden[0] ?? ''}`,
        };
      opts.onProgress?.({ kindsDone: ++kindsDone, kindsTotal: jobs.length, objects: objects.length });
    }),
  );
  return { objects, kinds };
}
