// A tiny in-memory API server on loopback for unit tests that need objects to persist: create, get, list (label selector), replace (resourceVersion), merge patch, delete.
import { Discovery, resourcePath, type ServedResource } from '../../../src/kube/discovery.js';
import { loadConnection } from '../../../src/kube/kubeconfig.js';
import { ObjectClient } from '../../../src/kube/object-client.js';
import { KubeTransport } from '../../../src/kube/transport.js';
import type { KubeObject } from '../../../src/resources/object.js';
import { FakeApiServer, statusBody, writeFakeKubeconfig, type FakeRequest, type FakeResponse } from './fake-apiserver.js';

const core = (kind: string, plural: string, namespaced = true): ServedResource => ({ group: '', version: 'v1', kind, plural, namespaced, verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] });
const apps = (kind: string, plural: string): ServedResource => ({ group: 'apps', version: 'v1', kind, plural, namespaced: true, verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] });

/** What the memory server serves. */
export const MEMORY_RESOURCES: readonly ServedResource[] = [
  core('ConfigMap', 'configmaps'),
  core('Secret', 'secrets'),
  core('Namespace', 'namespaces', false),
  apps('Deployment', 'deployments'),
  apps('StatefulSet', 'statefulsets'),
  apps('DaemonSet', 'daemonsets'),
  { group: 'meshferry.dev', version: 'v1alpha1', kind: 'MeshMigration', plural: 'meshmigrations', namespaced: false, verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
];

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A loopback API server holding objects in memory, and an ObjectClient on it (context `fake`). */
export class MemoryApiServer {
  readonly objects = new Map<string, KubeObject>();
  /** Requests that wrote (POST, PUT, PATCH, DELETE), in order: what a test counts. */
  readonly writes: FakeRequest[] = [];
  /** Requests that read (GET), in order: what a test counts. */
  readonly reads: FakeRequest[] = [];
  /** Set to answer writes with this response instead (a failing server); a function picks the writes it fails. */
  failWrites: FakeResponse | ((req: FakeRequest) => FakeResponse | undefined) | undefined;
  /** Picks reads to answer with its response instead (a LIST RBAC forbids, say). */
  failReads: ((req: FakeRequest) => FakeResponse | undefined) | undefined;
  #server: FakeApiServer;
  #rv = 1;
  #uid = 1;

  private constructor() {
    this.#server = new FakeApiServer((req) => this.#handle(req));
  }

  /** Starts the server and returns it with a client on it. */
  static async start(): Promise<{ server: MemoryApiServer; client: ObjectClient }> {
    const server = new MemoryApiServer();
    const url = await server.#server.start();
    const conn = await loadConnection({ kubeconfig: await writeFakeKubeconfig(url) });
    const transport = new KubeTransport(conn, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const preferred = new Map(MEMORY_RESOURCES.map((r) => [r.group, r.version]));
    return { server, client: new ObjectClient(transport, new Discovery(MEMORY_RESOURCES, preferred)) };
  }

  /** Puts an object in place, as if someone else had created it. */
  seed(obj: KubeObject): KubeObject {
    const r = MEMORY_RESOURCES.find((x) => x.kind === obj.kind)!;
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.#rv++), uid: `uid-${this.#uid++}` } };
    this.objects.set(resourcePath(r, r.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name), stored);
    return stored;
  }

  async stop(): Promise<void> {
    await this.#server.stop();
  }

  #handle(req: FakeRequest): FakeResponse {
    if (req.method !== 'GET') {
      this.writes.push(req);
      const fail = typeof this.failWrites === 'function' ? this.failWrites(req) : this.failWrites;
      if (fail) return fail;
    } else {
      this.reads.push(req);
      const fail = this.failReads?.(req);
      if (fail) return fail;
    }
    const status = req.path.endsWith('/status');
    if (status) return this.#status(req, req.path.slice(0, -'/status'.length));
    const rest = req.path.replace(/^\/api\/v1\/|^\/apis\/[^/]+\/[^/]+\//, '').split('/');
    const item = rest.length === 2 || rest.length === 4;
    const collection = item ? req.path.slice(0, req.path.lastIndexOf('/')) : req.path;
    const notFound = { status: 404, body: statusBody(404, 'NotFound', `${req.path} not found`) };
    if (req.method === 'GET' && !item) {
      const selector = req.query.get('labelSelector');
      const [k, v] = selector ? selector.split('=') : [];
      // A namespaced kind listed across the cluster (`/api/v1/configmaps`) holds it in every namespace.
      const base = collection.replace(/^(\/api\/v1|\/apis\/[^/]+\/[^/]+)\//, '');
      const acrossNamespaces = new RegExp(`^${collection.slice(0, collection.length - base.length).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}namespaces/[^/]+/${base}/[^/]+$`);
      const inCollection = (p: string) => (p.startsWith(`${collection}/`) && p.split('/').length === collection.split('/').length + 1) || (!collection.includes('/namespaces/') && acrossNamespaces.test(p));
      const items = [...this.objects.entries()].filter(([p, o]) => inCollection(p) && (!k || o.metadata.labels?.[k] === v)).map(([, o]) => o);
      return { body: { kind: 'List', metadata: {}, items } };
    }
    const body = req.body ? (JSON.parse(req.body) as KubeObject) : undefined;
    const at = item ? req.path : `${collection}/${body?.metadata.name ?? ''}`;
    const live = this.objects.get(at);
    switch (req.method) {
      case 'GET':
        return live ? { body: live } : notFound;
      case 'POST': {
        if (live) return { status: 409, body: statusBody(409, 'AlreadyExists', `${at} already exists`) };
        const stored = { ...body!, metadata: { ...body!.metadata, resourceVersion: String(this.#rv++), uid: `uid-${this.#uid++}` } };
        this.objects.set(at, stored);
        return { status: 201, body: stored };
      }
      case 'PUT': {
        if (!live) return notFound;
        if (body!.metadata.resourceVersion !== live.metadata.resourceVersion) return { status: 409, body: statusBody(409, 'Conflict', 'the object has been modified') };
        const stored = { ...body!, metadata: { ...body!.metadata, uid: live.metadata.uid, resourceVersion: String(this.#rv++) } };
        this.objects.set(at, stored);
        return { body: stored };
      }
      case 'PATCH': {
        if (!live) return notFound;
        const merged = mergePatch(live, body) as KubeObject;
        const stored = { ...merged, metadata: { ...merged.metadata, resourceVersion: String(this.#rv++) } };
        this.objects.set(at, stored);
        return { body: stored };
      }
      case 'DELETE':
        if (!live) return notFound;
        this.objects.delete(at);
        return { body: live };
      default:
        return { status: 405, body: statusBody(405, 'MethodNotAllowed', req.method) };
    }
  }

  /** The status subresource: a JSON patch that adds or replaces /status (what writeStatus sends). */
  #status(req: FakeRequest, at: string): FakeResponse {
    const live = this.objects.get(at);
    if (!live) return { status: 404, body: statusBody(404, 'NotFound', `${at} not found`) };
    const ops = JSON.parse(req.body) as { op: string; path: string; value: unknown }[];
    let next: KubeObject = live;
    for (const op of ops) if ((op.op === 'add' || op.op === 'replace') && op.path === '/status') next = { ...next, status: op.value };
    const stored = { ...next, metadata: { ...next.metadata, resourceVersion: String(this.#rv++) } };
    this.objects.set(at, stored);
    return { body: stored };
  }
}
