// Deterministic generator of a large mesh config (namespaces, Services, Deployments, DestinationRules,
// VirtualServices, Gateways, ServiceEntries, policies) whose objects reference each other, with a few planted
// problems, so both analyzers have real work. Same seed, same files.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** mulberry32: a tiny seeded PRNG, so runs are comparable across machines. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APPS_PER_NAMESPACE = 20;

/**
 * Writes `total` objects as one multi-document YAML file per namespace under `dir` (emptied first).
 * Returns the file paths and the count by kind.
 */
export function generate(dir, total = 10_000, seed = 42) {
  const rand = prng(seed);
  const chance = (p) => rand() < p;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = [];
  const kinds = {};
  let count = 0;
  const limit = total - 1; // the gateway Deployment written last makes `total`
  for (let n = 0; count < limit; n++) {
    const ns = `team-${String(n).padStart(3, '0')}`;
    const docs = [];
    const add = (yaml, kind) => {
      if (count >= limit) return;
      docs.push(yaml);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      count++;
    };
    add(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels:\n    istio.io/rev: ${chance(0.1) ? '1-18-5' : 'default'}\n`, 'Namespace');
    add(
      `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: ${ns}-gw\n  namespace: ${ns}\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["${ns}.example.com"]\n`,
      'Gateway',
    );
    add(`apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: default\n  namespace: ${ns}\nspec:\n  egress:\n  - hosts: ["./*", "istio-system/*"]\n`, 'Sidecar');
    add(`apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: ${ns}\nspec:\n  mtls: {mode: STRICT}\n`, 'PeerAuthentication');
    add(
      `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: partner-api\n  namespace: ${ns}\nspec:\n  hosts: [api.partner-${n}.example.com]\n  location: MESH_EXTERNAL\n  resolution: DNS\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n`,
      'ServiceEntry',
    );
    const routes = [];
    for (let a = 0; a < APPS_PER_NAMESPACE && count < limit; a++) {
      const app = `app-${a}`;
      const labels = `{app: ${app}, version: v1}`;
      add(`apiVersion: v1\nkind: Service\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  selector: {app: ${app}}\n  ports:\n  - {name: http, port: 8080}\n`, 'Service');
      for (const v of ['v1', 'v2'])
        add(
          `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app}-${v}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels: {app: ${app}, version: ${v}}\n  template:\n    metadata:\n      labels: {app: ${app}, version: ${v}}\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/${app}:${v}\n`,
          'Deployment',
        );
      // A few planted problems: a subset no DR defines, a host that does not exist, relative weights summing to 0.
      const badSubset = chance(0.02);
      const badHost = chance(0.02);
      const zeroWeights = chance(0.01);
      add(
        `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  host: ${app}\n  trafficPolicy:\n    outlierDetection: {consecutive5xxErrors: 5, interval: 10s}\n  subsets:\n  - name: v1\n    labels: {version: v1}\n  - name: v2\n    labels: {version: v2}\n`,
        'DestinationRule',
      );
      add(
        `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  hosts: [${app}]\n  http:\n  - match:\n    - headers:\n        x-canary: {exact: "true"}\n    route:\n    - destination: {host: ${badHost ? `${app}-gone` : app}, subset: v2}\n  - route:\n    - destination: {host: ${app}, subset: v1}\n      weight: ${zeroWeights ? 0 : 90}\n    - destination: {host: ${app}, subset: ${badSubset ? 'v3' : 'v2'}}\n      weight: ${zeroWeights ? 0 : 10}\n    timeout: 5s\n`,
        'VirtualService',
      );
      add(
        `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels: ${labels}\n  action: ALLOW\n  rules:\n  - from:\n    - source:\n        namespaces: [${ns}, istio-system]\n    to:\n    - operation:\n        methods: [GET, POST]\n`,
        'AuthorizationPolicy',
      );
      routes.push(`  - match:\n    - uri: {prefix: /${app}/}\n    route:\n    - destination: {host: ${app}.${ns}.svc.cluster.local, port: {number: 8080}}\n`);
    }
    add(
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${ns}-ingress\n  namespace: ${ns}\nspec:\n  hosts: ["${ns}.example.com"]\n  gateways: [${ns}-gw]\n  http:\n${routes.join('')}`,
      'VirtualService',
    );
    const file = path.join(dir, `${ns}.yaml`);
    writeFileSync(file, docs.join('---\n'));
    files.push(file);
  }
  // The gateway workload the Gateways select, in the root namespace.
  const gwFile = path.join(dir, 'istio-system.yaml');
  writeFileSync(
    gwFile,
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: istio-ingressgateway\n  namespace: istio-system\nspec:\n  selector:\n    matchLabels: {istio: ingressgateway}\n  template:\n    metadata:\n      labels: {istio: ingressgateway}\n    spec:\n      containers:\n      - {name: istio-proxy, image: auto}\n`,
  );
  files.push(gwFile);
  kinds.Deployment = (kinds.Deployment ?? 0) + 1;
  return { files, kinds, count: count + 1 };
}
