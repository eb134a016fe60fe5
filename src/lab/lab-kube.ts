// The lab's handle on one of its API servers, built on src/kube: a transport with retries for writes, one without
// for readiness polls, and discovery + object client once the server is up.
import { LabError } from '../errors.js';
import { discover, resourcePath, type ServedResource } from '../kube/discovery.js';
import { KubeApiError } from '../kube/errors.js';
import type { ClusterConnection } from '../kube/kubeconfig.js';
import { ObjectClient } from '../kube/object-client.js';
import { KubeTransport } from '../kube/transport.js';
import type { KubeObject } from '../resources/object.js';

/** The field manager of everything the lab itself creates. */
export const LAB_FIELD_MANAGER = 'meshferry-lab';

/** A connection to a lab API server: bearer token, the lab CA, loopback only. */
export function labConnection(name: string, server: string, token: string, caPem: string): ClusterConnection {
  const url = new URL(server);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new LabError(`refusing to talk to ${server}: the lab only uses loopback addresses`);
  const headers = { Authorization: `Bearer ${token}` };
  return {
    contextName: name,
    server,
    namespace: 'default',
    tls: { ca: Buffer.from(caPem), rejectUnauthorized: true },
    authHeaders: () => Promise.resolve(headers),
    files: [],
    authVia: 'direct',
  };
}

/** One lab API server. */
export class LabKube {
  /** Retries throttling, 5xx and dropped connections (writes during start-up). */
  readonly transport: KubeTransport;
  /** One attempt, short timeout: readiness polls retry by polling. */
  readonly probe: KubeTransport;
  #client: Promise<ObjectClient> | undefined;

  constructor(connection: ClusterConnection) {
    this.transport = new KubeTransport(connection, { retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 }, maxSockets: 16 });
    // 15 s as before: a loaded two-core machine can take seconds to answer /readyz, and a timed-out poll never sees 200.
    this.probe = new KubeTransport(connection, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, maxSockets: 4, timeoutMs: 15_000 });
  }

  /** HTTP status of a GET, 0 when the server does not answer (for polls and `lab status`). */
  async status(path: string): Promise<number> {
    try {
      return (await this.probe.request({ method: 'GET', path })).status;
    } catch (err) {
      return err instanceof KubeApiError ? err.status : 0;
    }
  }

  /** The object client, after one discovery of what the server serves (built-in kinds; call once it is ready). */
  objects(): Promise<ObjectClient> {
    this.#client ??= discover(this.transport).then((d) => new ObjectClient(this.transport, d));
    this.#client.catch(() => (this.#client = undefined));
    return this.#client;
  }

  /** The served resource of a built-in or established kind; a LabError when the server does not serve it. */
  async resource(group: string, kind: string): Promise<ServedResource> {
    const r = (await this.objects()).discovery.resourceFor(group, kind);
    if (!r) throw new LabError(`the lab API server ${this.transport.connection.server} does not serve ${group || 'core'} ${kind}`);
    return r;
  }

  /** Creates an object (POST); one that already exists is left as it is. */
  async create(resource: ServedResource, obj: KubeObject | Record<string, unknown>, namespace?: string): Promise<void> {
    try {
      await this.transport.request({ method: 'POST', path: resourcePath(resource, namespace), body: JSON.stringify(obj), what: `create ${resource.kind}` });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) return;
      throw err;
    }
  }

  close(): void {
    this.transport.close();
    this.probe.close();
  }
}
