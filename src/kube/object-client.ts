// Generic object access for any served kind: paginated LIST, GET, CREATE, PATCH (json/merge/apply), PUT and DELETE.
import { formatApiVersion, parseApiVersion } from '../resources/kinds.js';
import type { KubeObject } from '../resources/object.js';
import { discover, resourceName, resourcePath, type Discovery, type ServedResource } from './discovery.js';
import { KubeApiError } from './errors.js';
import { expectList, expectObject, parseJsonBody } from './response.js';
import { Semaphore } from '../concurrency.js';
import type { KubeTransport } from './transport.js';

/** The field manager of every object meshferry writes (design.md: rollback only touches what it owns). */
export const FIELD_MANAGER = 'meshferry';

/** Writes one client has in flight at once, unless ObjectClientOptions.writeConcurrency says otherwise. */
export const DEFAULT_WRITE_CONCURRENCY = 16;

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface ListOptions {
  /** Only this namespace; all namespaces when absent. */
  namespace?: string;
  /** Page size (`limit`); the server hands back a `continue` token for the next page. */
  pageSize?: number;
  /** Only objects whose labels match this selector (`app=x,tier!=web`). */
  labelSelector?: string;
  /** Ask only for metadata (PartialObjectMetadata): used for Secrets, whose data must never leave the server. */
  metadataOnly?: boolean;
  /** Called after each page with the number of items so far (progress bars). */
  onPage?: (itemsSoFar: number) => void;
}

export interface ApplyOptions {
  fieldManager?: string;
  /** Take ownership of fields another manager holds instead of failing with a conflict. */
  force?: boolean;
  fieldValidation?: FieldValidation;
  /** Server-side dry run (`dryRun=All`): admission and validation run, nothing is stored. */
  dryRun?: boolean;
  /** Write a subresource (`status`) instead of the object. */
  subresource?: 'status';
}

/** Options of create, patch and replace. */
export interface WriteOptions {
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  /** Server-side dry run (`dryRun=All`): admission webhooks run (those with sideEffects None), nothing is stored. */
  dryRun?: boolean;
  /** Write a subresource (`status`) instead of the object. */
  subresource?: 'status';
}

/** One RFC 6902 operation. A `test` of `/metadata/resourceVersion` first makes the patch fail (409/422) if the object moved. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** The patch flavours the API server takes: RFC 6902 JSON patch, RFC 7386 merge patch, strategic merge (built-in kinds only). */
export type PatchType = 'json' | 'merge' | 'strategic';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface ApplyResult {
  /** 201 when the object was created, 200 otherwise. */
  status: number;
  /** The object as the server stored it (or would store it, on a dry run). */
  object: KubeObject;
  /** Warning headers: pruned unknown fields under `Warn`, deprecations. */
  warnings: string[];
}

export interface ObjectClientOptions {
  /** LIST requests in flight at once. */
  listConcurrency?: number;
  /** Writes (apply, delete) in flight at once. */
  writeConcurrency?: number;
}

const PARTIAL_METADATA_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/**
 * Reads and writes objects of any kind the cluster serves. LISTs and writes each go through their own
 * semaphore, so callers may fire everything at once and the API server still sees a bounded load.
 */
export class ObjectClient {
  readonly transport: KubeTransport;
  /** What the cluster serves; `refreshDiscovery()` replaces it (after installing a CRD). */
  discovery: Discovery;
  #lists: Semaphore;
  #writes: Semaphore;

  constructor(transport: KubeTransport, discovery: Discovery, opts: ObjectClientOptions = {}) {
    this.transport = transport;
    this.discovery = discovery;
    this.#lists = new Semaphore(opts.listConcurrency ?? 8);
    this.#writes = new Semaphore(opts.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
  }

  /** The served resource for an object's exact apiVersion and kind, or undefined when not served. */
  resourceOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): ServedResource | undefined {
    const { group, version } = parseApiVersion(obj.apiVersion);
    return this.discovery.resourceAt(group, version, obj.kind);
  }

  /**
   * Lists every object of a resource, page by page (`limit` + `continue`). Items come back with apiVersion
   * and kind set (the server omits them inside lists of built-in kinds). A continue token that expired
   * mid-way (410) restarts the list once, since a list stitched from two snapshots could miss objects.
   */
  async list(resource: ServedResource, opts: ListOptions = {}): Promise<KubeObject[]> {
    const pageSize = opts.pageSize ?? 500;
    const apiVersion = formatApiVersion(resource.group, resource.version);
    for (let restart = 0; ; restart++) {
      const items: KubeObject[] = [];
      let token: string | undefined;
      try {
        do {
          const query: Record<string, string | number | undefined> = { limit: pageSize, continue: token, labelSelector: opts.labelSelector };
          const what = `list ${resourceName(resource)}${opts.namespace ? ` in namespace ${opts.namespace}` : ''}`;
          const res = await this.#lists.run(() =>
            this.transport.request({
              method: 'GET',
              path: resourcePath(resource, opts.namespace),
              query,
              ...(opts.metadataOnly ? { accept: PARTIAL_METADATA_ACCEPT } : {}),
              what,
            }),
          );
          const page = expectList(this.transport.contextName, what, parseJsonBody(this.transport.contextName, what, res.body));
          for (const obj of page.items) {
            if (opts.metadataOnly) items.push({ apiVersion, kind: resource.kind, metadata: obj.metadata });
            else {
              obj.apiVersion = apiVersion;
              obj.kind = resource.kind;
              items.push(obj);
            }
          }
          token = page.continue;
          opts.onPage?.(items.length);
        } while (token);
        return items;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 410 && restart === 0) continue;
        throw err;
      }
    }
  }

  /** One object, or undefined when it does not exist. */
  async get(resource: ServedResource, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const what = `get ${resourceName(resource)} ${namespace ? `${namespace}/` : ''}${name}`;
    try {
      const res = await this.transport.requestJson({ method: 'GET', path: resourcePath(resource, namespace, name), what });
      return expectObject(this.transport.contextName, what, res.body);
    } catch (err) {
      if (err instanceof KubeApiError && err.isNotFound) return undefined;
      throw err;
    }
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml; the JSON body is valid YAML). Throws KubeApiError
   * when the server rejects the object (schema, webhook, conflict); the caller decides whether that is fatal.
   */
  async apply(obj: KubeObject, opts: ApplyOptions = {}): Promise<ApplyResult> {
    const resource = this.resourceOf(obj);
    if (!resource) throw notServed(obj, this.discovery);
    const namespace = resource.namespaced ? obj.metadata.namespace : undefined;
    const what = `apply ${obj.kind} ${namespace ? `${namespace}/` : ''}${obj.metadata.name}`;
    const res = await this.#writes.run(() =>
      this.transport.request({
        method: 'PATCH',
        path: subresourcePath(resource, namespace ?? 'default', obj.metadata.name, opts.subresource),
        query: {
          fieldManager: opts.fieldManager ?? FIELD_MANAGER,
          force: opts.force ? 'true' : undefined,
          fieldValidation: opts.fieldValidation ?? 'Strict',
          dryRun: opts.dryRun ? 'All' : undefined,
        },
        body: JSON.stringify(obj),
        contentType: 'application/apply-patch+yaml',
        what,
      }),
    );
    const object = expectObject(this.transport.contextName, what, parseJsonBody(this.transport.contextName, what, res.body));
    return { status: res.status, object, warnings: res.warnings };
  }

  /**
   * Creates an object (POST). With `dryRun`, admission runs and nothing is stored: a dry-run Pod create comes back
   * as the injector would mutate it. Throws KubeApiError (409 AlreadyExists when it exists).
   */
  async create(obj: KubeObject, opts: WriteOptions = {}): Promise<ApplyResult> {
    const resource = this.resourceOf(obj);
    if (!resource) throw notServed(obj, this.discovery);
    const namespace = resource.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    const name = obj.metadata.name ?? obj.metadata.generateName ?? '';
    return this.#write('POST', resource, namespace, undefined, JSON.stringify(obj), 'application/json', opts, `create ${obj.kind} ${namespace ? `${namespace}/` : ''}${name}`);
  }

  /**
   * Patches an object. A JSON patch that starts with a `test` of `/metadata/resourceVersion` is an optimistic
   * write: the server refuses it (KubeApiError 409 or 422) if anyone changed the object since it was read.
   */
  async patch(
    resource: ServedResource,
    namespace: string | undefined,
    name: string,
    patch: readonly JsonPatchOperation[] | Record<string, unknown>,
    type: PatchType,
    opts: WriteOptions = {},
  ): Promise<ApplyResult> {
    if (type === 'json' && !Array.isArray(patch)) throw new TypeError('a JSON patch is a list of operations');
    const ns = resource.namespaced ? namespace : undefined;
    return this.#write('PATCH', resource, ns, name, JSON.stringify(patch), PATCH_CONTENT_TYPE[type], opts, `patch ${resourceName(resource)} ${ns ? `${ns}/` : ''}${name}`);
  }

  /** Replaces an object (PUT). With `metadata.resourceVersion` set it is optimistic: 409 Conflict if the object moved. */
  async replace(obj: KubeObject, opts: WriteOptions = {}): Promise<ApplyResult> {
    const resource = this.resourceOf(obj);
    if (!resource) throw notServed(obj, this.discovery);
    const namespace = resource.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    return this.#write('PUT', resource, namespace, obj.metadata.name, JSON.stringify(obj), 'application/json', opts, `replace ${obj.kind} ${namespace ? `${namespace}/` : ''}${obj.metadata.name}`);
  }

  /** Asks the cluster again what it serves (a CRD installed a moment ago is served once it is Established). */
  async refreshDiscovery(): Promise<Discovery> {
    this.discovery = await discover(this.transport);
    return this.discovery;
  }

  async #write(
    method: 'POST' | 'PATCH' | 'PUT',
    resource: ServedResource,
    namespace: string | undefined,
    name: string | undefined,
    body: string,
    contentType: string,
    opts: WriteOptions,
    what: string,
  ): Promise<ApplyResult> {
    const res = await this.#writes.run(() =>
      this.transport.request({
        method,
        path: name === undefined ? resourcePath(resource, namespace) : subresourcePath(resource, namespace, name, opts.subresource),
        query: {
          fieldManager: opts.fieldManager ?? FIELD_MANAGER,
          fieldValidation: opts.fieldValidation ?? 'Strict',
          dryRun: opts.dryRun ? 'All' : undefined,
        },
        body,
        contentType,
        what,
      }),
    );
    const object = expectObject(this.transport.contextName, what, parseJsonBody(this.transport.contextName, what, res.body));
    return { status: res.status, object, warnings: res.warnings };
  }

  /** Deletes an object; false when it was already gone. */
  async delete(
    resource: ServedResource,
    namespace: string | undefined,
    name: string,
    opts: { dryRun?: boolean; /** Delete only this incarnation (uid) and version of the object: 409 otherwise. */ preconditions?: { uid?: string; resourceVersion?: string } } = {},
  ): Promise<boolean> {
    try {
      await this.#writes.run(() =>
        this.transport.request({
          method: 'DELETE',
          path: resourcePath(resource, namespace, name),
          query: { dryRun: opts.dryRun ? 'All' : undefined },
          ...(opts.preconditions ? { body: JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions: opts.preconditions }), contentType: 'application/json' } : {}),
          what: `delete ${resourceName(resource)} ${namespace ? `${namespace}/` : ''}${name}`,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.isNotFound) return false;
      throw err;
    }
  }
}

function subresourcePath(resource: ServedResource, namespace: string | undefined, name: string, subresource: string | undefined): string {
  const base = resourcePath(resource, namespace, name);
  return subresource ? `${base}/${subresource}` : base;
}

/** A 404-like error for an apiVersion/kind the cluster does not serve, naming the versions it does serve. */
export function notServed(obj: Pick<KubeObject, 'apiVersion' | 'kind'>, discovery: Discovery): KubeApiError {
  const { group } = parseApiVersion(obj.apiVersion);
  const versions = discovery.versionsOf(group, obj.kind);
  const hint = versions.length
    ? `; it serves ${versions.map((v) => formatApiVersion(group, v)).join(', ')}`
    : '; install its CRD first (for Istio: the istio base chart)';
  return new KubeApiError(404, 'NotServed', `the cluster does not serve ${obj.apiVersion} ${obj.kind}${hint}`);
}
