// Deterministic mesh config for export/import tests and benchmarks: every namespaced Istio kind, with tricky values.
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
