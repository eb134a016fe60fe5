// Deterministic mesh config for export/import tests and benchmarks: every namespaced Istio kind, with tricky values.
import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile, readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Cluster } from '../../src/kube/cluster.js';
import { mapLimit } from '../../src/concurrency.js';
import { ISTIO_KINDS } from '../../src/resources/kinds.js';
import type { KubeObject } from '../../src/resources/object.js';

export interface SeedOptions {
  /** Namespaces `mesh-000` … */
  namespaces: number;
  /** Istio objects in total (spread evenly over the namespaces and over the kinds). */
  objects: number;
  /** Namespace name prefix. */
  prefix?: string;
}

type Make = (ns: string, name: string, i: number) => KubeObject;

const meta = (ns: string, name: string, i: number) => ({
  name,
  namespace: ns,
  labels: { app: `app-${i % 7}`, 'meshferry.dev/seed': 'true' },
  // Values YAML 1.1 would turn into booleans, numbers or octal if written unquoted.
  ...(i % 5 === 0 ? { annotations: { 'example.com/flag': 'yes', 'example.com/mode': '0777', 'example.com/version': '1.10' } } : {}),
});

/** One maker per namespaced Istio kind; the values mirror what real exports carry, empty values included. */
const MAKERS: readonly Make[] = [
  (ns, name, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: meta(ns, name, i),
    spec: {
      hosts: [`${name}.${ns}.svc.cluster.local`],
      http: [
        {
          match: [{ uri: { prefix: `/v${i % 3}` }, headers: { 'x-canary': { exact: 'on' } } }],
          route: [
            { destination: { host: `${name}.${ns}.svc.cluster.local`, subset: 'v1' }, weight: 80 },
            { destination: { host: `${name}.${ns}.svc.cluster.local`, subset: 'v2' }, weight: 30 },
          ],
          timeout: '5s',
          retries: { attempts: 3, perTryTimeout: '2s' },
        },
      ],
    },
  }),
  (ns, name, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: meta(ns, name, i),
    spec: {
      host: `${name}.${ns}.svc.cluster.local`,
      trafficPolicy: { outlierDetection: {}, ...(i % 2 ? { tls: {} } : { tls: { mode: 'ISTIO_MUTUAL' } }) },
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
    },
  }),
  (ns, name, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: meta(ns, name, i),
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [`${name}.example.com`] }] },
  }),
  (ns, name, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: meta(ns, name, i),
    spec: { hosts: [`${name}.external.example`], ports: [{ number: 443, name: 'https', protocol: 'TLS' }], resolution: 'DNS', location: 'MESH_EXTERNAL' },
  }),
  (ns, name, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: meta(ns, name, i),
    spec: { workloadSelector: { labels: { app: name } }, egress: [{ hosts: ['./*', 'istio-system/*'] }] },
  }),
  (ns, name, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: meta(ns, name, i),
    spec: { address: `10.0.${i % 250}.${(i * 7) % 250}`, labels: { app: name }, serviceAccount: 'default' },
  }),
  (ns, name, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadGroup',
    metadata: meta(ns, name, i),
    spec: { metadata: { labels: { app: name } }, template: { serviceAccount: 'default', ports: { http: 8080 } } },
  }),
  (ns, name, i) => ({
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: meta(ns, name, i),
    spec: {
      workloadSelector: { labels: { app: name } },
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: { context: 'SIDECAR_INBOUND' },
          patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', inlineCode: 'function envoy_on_request(h) end' } } },
        },
      ],
    },
  }),
  (ns, name, i) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: meta(ns, name, i),
    spec: { selector: { matchLabels: { app: name } }, mtls: { mode: i % 2 ? 'STRICT' : 'PERMISSIVE' } },
  }),
  (ns, name, i) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: meta(ns, name, i),
    // `rules: [{}]` allows everything; dropping it would deny everything.
    spec: { selector: { matchLabels: { app: name } }, action: 'ALLOW', rules: i % 2 ? [{}] : [{ from: [{ source: { namespaces: [ns] } }] }] },
  }),
  (ns, name, i) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'RequestAuthentication',
    metadata: meta(ns, name, i),
    spec: { selector: { matchLabels: { app: name } }, jwtRules: [{ issuer: `https://issuer.example/${ns}`, jwksUri: 'https://issuer.example/jwks' }] },
  }),
  (ns, name, i) => ({
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: meta(ns, name, i),
    spec: { selector: { matchLabels: { app: name } }, accessLogging: [{ providers: [{ name: 'envoy' }] }] },
  }),
  (ns, name, i) => ({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'ProxyConfig',
    metadata: meta(ns, name, i),
    spec: { selector: { matchLabels: { app: name } }, concurrency: 2 },
  }),
  (ns, name, i) => ({
    apiVersion: 'extensions.istio.io/v1alpha1',
    kind: 'WasmPlugin',
    metadata: meta(ns, name, i),
    spec: { selector: { matchLabels: { app: name } }, url: 'oci://registry.example/plugins/auth:1.0', phase: 'AUTHN', pluginConfig: { mode: 'on', limit: 10 } },
  }),
  (ns, name, i) => ({
    apiVersion: 'extensions.istio.io/v1alpha1',
    kind: 'TrafficExtension',
    metadata: meta(ns, name, i),
    spec: { selector: { matchLabels: { app: name } }, lua: { inlineCode: 'function envoy_on_response(h) end' } },
  }),
];

/** Namespace objects plus `objects` Istio objects, round-robin over kinds and namespaces; same input, same output. */
export function seedMesh(opts: SeedOptions): KubeObject[] {
  const prefix = opts.prefix ?? 'mesh';
  const nsNames = Array.from({ length: opts.namespaces }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
  const out: KubeObject[] = nsNames.map((name, i) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'istio.io/rev': i % 2 ? 'default' : '1-24-2' } },
  }));
  for (let i = 0; i < opts.objects; i++) {
    const ns = nsNames[i % nsNames.length] as string;
    const make = MAKERS[Math.floor(i / nsNames.length) % MAKERS.length] as Make;
    out.push(make(ns, `obj-${String(i).padStart(5, '0')}`, i));
  }
  return out;
}

/** Kinds the seed uses, for tests that check every kind made the round trip. */
export const SEEDED_KIND_COUNT = MAKERS.length;

// ---- Lab helpers shared by the export/import lab tests and benchmarks ----

/** Applies objects (Namespaces first) with bounded concurrency; throws listing the first failures. */
export async function seedCluster(cluster: Cluster, objects: readonly KubeObject[]): Promise<void> {
  const failures: string[] = [];
  const apply = async (o: KubeObject) => {
    try {
      await cluster.client.apply(o, { force: true });
    } catch (err) {
      failures.push(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  await mapLimit(objects.filter((o) => o.kind === 'Namespace'), 16, apply);
  await mapLimit(objects.filter((o) => o.kind !== 'Namespace'), 16, apply);
  if (failures.length) throw new Error(`seeding failed for ${failures.length} object(s):\n${failures.slice(0, 5).join('\n')}`);
}

/** Every file under `dir` (relative path → content), hidden files included. */
export async function readTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out.set(path.relative(dir, full), await readFile(full, 'utf8'));
    }
  };
  await walk(dir);
  return out;
}

/**
 * A TCP pass-through on loopback in front of an API server (TLS passes through untouched), counting the bytes the
 * server sends back, so a test can act (kill the server, interrupt the client) at a known point of an export.
 */
export class TcpTap {
  bytesFromServer = 0;
  #server: net.Server;
  #sockets = new Set<net.Socket>();
  #watchers: { atBytes: number; fire: () => void }[] = [];

  constructor(targetPort: number) {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      this.#sockets.add(client).add(upstream);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        this.bytesFromServer += chunk.length;
        for (const w of this.#watchers.filter((x) => this.bytesFromServer >= x.atBytes)) {
          this.#watchers.splice(this.#watchers.indexOf(w), 1);
          w.fire();
        }
      });
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
  }

  /** Listens on a free loopback port and returns it. */
  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Resolves once the server has sent at least `bytes` bytes through the tap. */
  whenBytes(bytes: number): Promise<void> {
    return new Promise((resolve) => this.#watchers.push({ atBytes: this.bytesFromServer + bytes, fire: resolve }));
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A kubeconfig with one context whose server is `server` (the lab CA trusted) and whose user is `token`. */
export async function writeKubeconfig(file: string, opts: { context: string; server: string; caFile: string; token: string }): Promise<string> {
  const ca = (await readFile(opts.caFile)).toString('base64');
  await writeFile(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: ${opts.context}, cluster: {server: "${opts.server}", certificate-authority-data: ${ca}}}]`,
      `users: [{name: ${opts.context}, user: {token: "${opts.token}"}}]`,
      `contexts: [{name: ${opts.context}, context: {cluster: ${opts.context}, user: ${opts.context}}}]`,
      `current-context: ${opts.context}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

/**
 * A ServiceAccount that may read every Istio kind except `deniedPlural` (RBAC), and a short-lived token for it
 * from the TokenRequest API.
 */
export async function restrictedToken(admin: Cluster, deniedPlural: string): Promise<string> {
  const ns = 'default';
  const name = 'meshferry-limited';
  const groups = new Map<string, string[]>();
  for (const k of ISTIO_KINDS) if (k.plural !== deniedPlural) groups.set(k.group, [...(groups.get(k.group) ?? []), k.plural]);
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules: [...groups].map(([apiGroup, resources]) => ({ apiGroups: [apiGroup], resources, verbs: ['get', 'list'] })),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    },
  ];
  for (const o of objects) await admin.client.apply(o, { force: true });
  const res = await admin.transport.requestJson({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`,
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } }),
    what: 'request a token',
  });
  const token = (res.body as { status?: { token?: string } }).status?.token;
  if (!token) throw new Error('the TokenRequest answer holds no token');
  return token;
}

/**
 * Kills a process with SIGKILL and returns a function that starts it again with the same command line (read
 * from /proc before the kill), logging to `log`. The restarted process is ours to stop.
 */
export async function killForRestart(pid: number, log: string): Promise<() => Promise<ChildProcess>> {
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
  const [bin, ...args] = argv;
  if (!bin) throw new Error(`no command line for pid ${pid}`);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
      const state = (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(' ')[2];
      if (state === 'Z') break;
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return async () => {
    const fd = await open(log, 'a');
    const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd.fd, fd.fd] });
    await fd.close();
    child.unref();
    return child;
  };
}
