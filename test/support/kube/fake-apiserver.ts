// A scripted HTTP API server on loopback for unit tests of the transport, discovery and object client.
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeResponse {
  status?: number;
  /** An object is sent as JSON. */
  body?: unknown;
  headers?: Record<string, string | string[]>;
  /** Drop the connection without answering (a dying server). */
  destroy?: boolean;
}

export type FakeHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/** Answers every request with `handler` and records what it saw. */
export class FakeApiServer {
  readonly requests: FakeRequest[] = [];
  #server: http.Server;
  #url = '';

  constructor(handler: FakeHandler) {
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const fr: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString() };
        this.requests.push(fr);
        void Promise.resolve(handler(fr)).then((out) => {
          if (out.destroy) {
            req.socket.destroy();
            return;
          }
          const body = typeof out.body === 'string' ? out.body : JSON.stringify(out.body ?? {});
          res.writeHead(out.status ?? 200, { 'Content-Type': 'application/json', ...(out.headers ?? {}) });
          res.end(body);
        });
      });
    });
  }

  /** Listens on a free loopback port; returns the base URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  get url(): string {
    return this.#url;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A kubeconfig file with one context `fake` pointing at `server` with a bearer token. */
export async function writeFakeKubeconfig(server: string, token = 'fake-token'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshferry-kc-'));
  const file = path.join(dir, 'kubeconfig');
  await writeFile(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${server}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: fake',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: fake',
      '  context: {cluster: fake, user: fake, namespace: team}',
      'current-context: fake',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

/** A Status body as the API server sends it. */
export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** An aggregated discovery document (APIGroupDiscoveryList) for the given groups. */
export function aggregatedDiscovery(
  groups: { name: string; versions: { version: string; resources: { resource: string; kind: string; namespaced?: boolean; verbs?: string[] }[] }[] }[],
): Record<string, unknown> {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name },
      versions: g.versions.map((v) => ({
        version: v.version,
        freshness: 'Current',
        resources: v.resources.map((r) => ({
          resource: r.resource,
          responseKind: { group: g.name, version: v.version, kind: r.kind },
          scope: r.namespaced === false ? 'Cluster' : 'Namespaced',
          verbs: r.verbs ?? ['get', 'list', 'patch', 'create', 'delete'],
        })),
      })),
    })),
  };
}
