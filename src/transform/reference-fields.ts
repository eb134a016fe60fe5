// Where each kind keeps hosts, namespace references and workload selectors; rules find fields through these tables.
import { isPlainObject, keyOf, type KubeObject } from '../resources/object.js';
import type { PathSegment } from '../resources/resource-set.js';

/** One step of a field pattern: a map key, every list item (`*`), or the list items / map value passing a test. */
type Step = string | { each: true; where?: (item: Record<string, unknown>) => boolean } | { key: string; where: (v: Record<string, unknown>) => boolean };

/**
 * How a string field holds its reference.
 * - `host`: a host name (`*.example.com`, `svc.ns.svc.cluster.local`); `hostPort`: the same with an optional `:port`;
 *   `nsHost`: `ns/host`, where the `ns/` part is optional on Gateway servers and required on Sidecar egress.
 * - `namespace`: a namespace; `namespaceList`: namespaces separated by commas (the `networking.istio.io/exportTo`
 *   annotation); `nsName`: `ns/name` or a bare `name` (same namespace); `gatewayRef`: a VirtualService gateway,
 *   `ns/name`, `./name`, `name`, `mesh`, or the legacy `name.ns` and `name.ns.svc.<domain>`
 *   (istio/istio pilot/pkg/model/config.go resolveGatewayName); `identity`: `<td>/ns/<ns>/sa/<sa>` or its spiffe URI.
 */
export type HostForm = 'host' | 'hostPort' | 'nsHost';
export type NamespaceForm = 'namespace' | 'namespaceList' | 'nsName' | 'gatewayRef' | 'identity';

interface Pattern<F> {
  steps: Step[];
  form: F;
}

export interface FoundField<F> {
  path: PathSegment[];
  value: string;
  form: F;
}

const each: Step = { each: true };
/** Every list item passing `where`. */
const eachWhere = (where: (item: Record<string, unknown>) => boolean): Step => ({ each: true, where });
/** The map under `key`, if it passes `where`. */
const keyWhere = (key: string, where: (v: Record<string, unknown>) => boolean): Step => ({ key, where });
/** `spec.a[*].b` written as `'spec.a.*.b'`; `*` is every list item. */
function p<F extends string>(dotted: string, form: F): Pattern<F> {
  return { steps: dotted.split('.').map((s) => (s === '*' ? each : s)), form };
}
/** A label or annotation (their keys hold dots, so they are not written dotted). */
const meta = <F,>(prefix: readonly Step[], field: 'labels' | 'annotations', key: string, form: F): Pattern<F> => ({ steps: [...prefix, 'metadata', field, key], form });

const NET = 'networking.istio.io';
const SEC = 'security.istio.io';
const GW = 'gateway.networking.k8s.io';

/** A Gateway API backendRef naming a host through Istio's `Hostname` kind rather than a Service. */
const isHostnameRef = (ref: Record<string, unknown>): boolean => ref.kind === 'Hostname' && ref.group === NET;
/** A Gateway API address or SAN of type Hostname (the default type of a Gateway address is IPAddress). */
const isHostnameType = (a: Record<string, unknown>): boolean => a.type === 'Hostname';
const whenKey = (key: string) => (c: Record<string, unknown>) => c.key === key;

/** Every rule and every backendRef of a Gateway API route carries filters of the same types. */
const ROUTE_FILTER_PLACES: Step[][] = [
  ['spec', 'rules', each, 'filters', each],
  ['spec', 'rules', each, 'backendRefs', each, 'filters', each],
];
const ROUTE_HOSTS: Pattern<HostForm>[] = [
  p('spec.hostnames.*', 'host'),
  { steps: ['spec', 'rules', each, 'backendRefs', eachWhere(isHostnameRef), 'name'], form: 'host' },
  ...ROUTE_FILTER_PLACES.map((at): Pattern<HostForm> => ({ steps: [...at, 'requestMirror', keyWhere('backendRef', isHostnameRef), 'name'], form: 'host' })),
];
const HTTP_ROUTE_HOSTS: Pattern<HostForm>[] = [
  ...ROUTE_HOSTS,
  ...ROUTE_FILTER_PLACES.flatMap((at): Pattern<HostForm>[] => [
    { steps: [...at, 'requestRedirect', 'hostname'], form: 'host' },
    { steps: [...at, 'urlRewrite', 'hostname'], form: 'host' },
  ]),
];
const L4_ROUTE_HOSTS: Pattern<HostForm>[] = [{ steps: ['spec', 'rules', each, 'backendRefs', eachWhere(isHostnameRef), 'name'], form: 'host' }];

/** Pod annotations that hold a host (istio/api annotation/annotations.yaml), on Pods and on pod templates. */
const POD_TEMPLATE_PREFIXES: Readonly<Record<string, readonly Step[]>> = {
  '/Pod': [],
  'apps/Deployment': ['spec', 'template'],
  'apps/StatefulSet': ['spec', 'template'],
  'apps/DaemonSet': ['spec', 'template'],
  'apps/ReplicaSet': ['spec', 'template'],
  'batch/Job': ['spec', 'template'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template'],
};
const podAnnotationHosts = (prefix: readonly Step[]): Pattern<HostForm>[] => [meta(prefix, 'annotations', 'sidecar.istio.io/discoveryAddress', 'hostPort')];

/**
 * Every field that holds a host, by `group/kind`; `*` applies to every kind. Checked against the CRD schemas of
 * istio/istio manifests/charts/base/files/crd-all.gen.yaml (1.31), istio/api annotation/annotations.yaml, and the
 * Gateway API v1.6 CRDs (config/crd/experimental). IP-only fields (ServiceEntry addresses) are not hosts.
 */
export const HOST_FIELDS: Readonly<Record<string, readonly Pattern<HostForm>[]>> = {
  [`${NET}/VirtualService`]: [
    p('spec.hosts.*', 'host'),
    p('spec.http.*.route.*.destination.host', 'host'),
    p('spec.http.*.mirror.host', 'host'),
    p('spec.http.*.mirrors.*.destination.host', 'host'),
    p('spec.http.*.match.*.authority.exact', 'hostPort'),
    p('spec.http.*.redirect.authority', 'hostPort'),
    p('spec.http.*.rewrite.authority', 'hostPort'),
    p('spec.tcp.*.route.*.destination.host', 'host'),
    p('spec.tls.*.route.*.destination.host', 'host'),
    p('spec.tls.*.match.*.sniHosts.*', 'host'),
  ],
  [`${NET}/DestinationRule`]: [
    p('spec.host', 'host'),
    p('spec.trafficPolicy.tunnel.targetHost', 'host'),
    p('spec.subsets.*.trafficPolicy.tunnel.targetHost', 'host'),
  ],
  // endpoints[].address is a DNS name with resolution DNS; an IP or unix socket never matches a host rule.
  [`${NET}/ServiceEntry`]: [p('spec.hosts.*', 'host'), p('spec.endpoints.*.address', 'host')],
  [`${NET}/WorkloadEntry`]: [p('spec.address', 'host')],
  [`${NET}/WorkloadGroup`]: [p('spec.template.address', 'host'), p('spec.probe.httpGet.host', 'host'), p('spec.probe.tcpSocket.host', 'host')],
  [`${NET}/Gateway`]: [p('spec.servers.*.hosts.*', 'nsHost')],
  [`${NET}/Sidecar`]: [p('spec.egress.*.hosts.*', 'nsHost'), p('spec.outboundTrafficPolicy.egressProxy.host', 'host')],
  [`${NET}/EnvoyFilter`]: [
    // "The fully qualified service name for this cluster"; vhost names are `host:port`.
    p('spec.configPatches.*.match.cluster.service', 'host'),
    p('spec.configPatches.*.match.routeConfiguration.vhost.domainName', 'hostPort'),
    p('spec.configPatches.*.match.listener.filterChain.sni', 'host'),
  ],
  [`${SEC}/AuthorizationPolicy`]: [
    // Matched against the Host header, which may carry a port (ratings.bookinfo.svc.cluster.local:9080).
    p('spec.rules.*.to.*.operation.hosts.*', 'hostPort'),
    p('spec.rules.*.to.*.operation.notHosts.*', 'hostPort'),
    ...['values', 'notValues'].map((f): Pattern<HostForm> => ({ steps: ['spec', 'rules', each, 'when', eachWhere(whenKey('connection.sni')), f, each], form: 'host' })),
  ],
  [`${GW}/HTTPRoute`]: HTTP_ROUTE_HOSTS,
  [`${GW}/GRPCRoute`]: ROUTE_HOSTS,
  [`${GW}/TLSRoute`]: ROUTE_HOSTS,
  [`${GW}/TCPRoute`]: L4_ROUTE_HOSTS,
  [`${GW}/UDPRoute`]: L4_ROUTE_HOSTS,
  [`${GW}/Gateway`]: [
    { steps: ['spec', 'addresses', eachWhere(isHostnameType), 'value'], form: 'host' },
    p('spec.listeners.*.hostname', 'host'),
  ],
  [`${GW}/ListenerSet`]: [p('spec.listeners.*.hostname', 'host')],
  [`${GW}/BackendTLSPolicy`]: [p('spec.validation.hostname', 'host'), { steps: ['spec', 'validation', 'subjectAltNames', eachWhere(isHostnameType), 'hostname'], form: 'host' }],
  ['networking.k8s.io/Ingress']: [p('spec.rules.*.host', 'host'), p('spec.tls.*.hosts.*', 'host')],
  ['/Service']: [p('spec.externalName', 'host')],
  ...Object.fromEntries(Object.entries(POD_TEMPLATE_PREFIXES).map(([gk, prefix]) => [gk, podAnnotationHosts(prefix)])),
};

const sans = (prefix: string): Pattern<NamespaceForm>[] => [
  p(`${prefix}.tls.subjectAltNames.*`, 'identity'),
  p(`${prefix}.portLevelSettings.*.tls.subjectAltNames.*`, 'identity'),
];
const targetRefs: Pattern<NamespaceForm>[] = [p('spec.targetRef.namespace', 'namespace'), p('spec.targetRefs.*.namespace', 'namespace')];
/** EnvoyFilter and TrafficExtension have only the list form. */
const targetRefList: Pattern<NamespaceForm>[] = [p('spec.targetRefs.*.namespace', 'namespace')];
const routeRefs: Pattern<NamespaceForm>[] = [
  p('spec.parentRefs.*.namespace', 'namespace'),
  p('spec.rules.*.backendRefs.*.namespace', 'namespace'),
  ...ROUTE_FILTER_PLACES.flatMap((at): Pattern<NamespaceForm>[] => [
    { steps: [...at, 'requestMirror', 'backendRef', 'namespace'], form: 'namespace' },
    { steps: [...at, 'externalAuth', 'backendRef', 'namespace'], form: 'namespace' },
  ]),
];
const listenerRefs: Pattern<NamespaceForm>[] = [p('spec.listeners.*.tls.certificateRefs.*.namespace', 'namespace')];

/**
 * Every field that names a namespace, by `group/kind` (`*`: every kind), with how it is written (NamespaceForm).
 * Hosts are in HOST_FIELDS; mapNamespace rewrites the `.<ns>.svc` part of those too.
 */
export const NAMESPACE_FIELDS: Readonly<Record<string, readonly Pattern<NamespaceForm>[]>> = {
  // istio/api label/labels.yaml: ambient workloads and namespaces name their waypoint's namespace.
  '*': [meta([], 'labels', 'istio.io/use-waypoint-namespace', 'namespace'), meta([], 'labels', 'istio.io/use-waypoint-canary-namespace', 'namespace')],
  [`${NET}/VirtualService`]: [
    p('spec.gateways.*', 'gatewayRef'),
    ...['http', 'tcp', 'tls'].flatMap((r) => [p(`spec.${r}.*.match.*.gateways.*`, 'gatewayRef'), p(`spec.${r}.*.match.*.sourceNamespace`, 'namespace')]),
    p('spec.http.*.delegate.namespace', 'namespace'),
    p('spec.exportTo.*', 'namespace'),
  ],
  [`${NET}/DestinationRule`]: [
    p('spec.exportTo.*', 'namespace'),
    ...sans('spec.trafficPolicy'),
    ...sans('spec.subsets.*.trafficPolicy'),
  ],
  [`${NET}/ServiceEntry`]: [p('spec.exportTo.*', 'namespace'), p('spec.subjectAltNames.*', 'identity')],
  [`${NET}/Gateway`]: [p('spec.servers.*.tls.subjectAltNames.*', 'identity')],
  [`${NET}/Sidecar`]: [p('spec.ingress.*.tls.subjectAltNames.*', 'identity')],
  // "The Istio gateway config's namespace/name for which this route configuration was generated."
  [`${NET}/EnvoyFilter`]: [p('spec.configPatches.*.match.routeConfiguration.gateway', 'nsName'), ...targetRefList],
  [`${SEC}/AuthorizationPolicy`]: [
    p('spec.rules.*.from.*.source.namespaces.*', 'namespace'),
    p('spec.rules.*.from.*.source.notNamespaces.*', 'namespace'),
    p('spec.rules.*.from.*.source.principals.*', 'identity'),
    p('spec.rules.*.from.*.source.notPrincipals.*', 'identity'),
    // `<name>` or `<namespace>/<name>` (pilot/pkg/security/authz/model/generator.go serviceAccountRegex).
    p('spec.rules.*.from.*.source.serviceAccounts.*', 'nsName'),
    p('spec.rules.*.from.*.source.notServiceAccounts.*', 'nsName'),
    ...['values', 'notValues'].flatMap((f): Pattern<NamespaceForm>[] => [
      { steps: ['spec', 'rules', each, 'when', eachWhere(whenKey('source.namespace')), f, each], form: 'namespace' },
      { steps: ['spec', 'rules', each, 'when', eachWhere(whenKey('source.principal')), f, each], form: 'identity' },
      { steps: ['spec', 'rules', each, 'when', eachWhere(whenKey('source.serviceAccount')), f, each], form: 'nsName' },
    ]),
    ...targetRefs,
  ],
  [`${SEC}/RequestAuthentication`]: targetRefs,
  ['telemetry.istio.io/Telemetry']: targetRefs,
  ['extensions.istio.io/WasmPlugin']: targetRefs,
  ['extensions.istio.io/TrafficExtension']: targetRefList,
  [`${GW}/HTTPRoute`]: routeRefs,
  [`${GW}/GRPCRoute`]: routeRefs,
  [`${GW}/TLSRoute`]: routeRefs,
  [`${GW}/TCPRoute`]: routeRefs,
  [`${GW}/UDPRoute`]: routeRefs,
  [`${GW}/Gateway`]: [
    ...listenerRefs,
    p('spec.tls.backend.clientCertificateRef.namespace', 'namespace'),
    p('spec.tls.frontend.default.validation.caCertificateRefs.*.namespace', 'namespace'),
    p('spec.tls.frontend.perPort.*.tls.validation.caCertificateRefs.*.namespace', 'namespace'),
  ],
  [`${GW}/ListenerSet`]: [...listenerRefs, p('spec.parentRef.namespace', 'namespace')],
  // ReferenceGrant `to` entries name no namespace: they are always the grant's own.
  [`${GW}/ReferenceGrant`]: [p('spec.from.*.namespace', 'namespace')],
  // istio/api annotation/annotations.yaml: "a list of comma separated namespace names can be specified".
  ['/Service']: [meta([], 'annotations', 'networking.istio.io/exportTo', 'namespaceList')],
  ['rbac.authorization.k8s.io/RoleBinding']: [p('subjects.*.namespace', 'namespace')],
  ['rbac.authorization.k8s.io/ClusterRoleBinding']: [p('subjects.*.namespace', 'namespace')],
};

/** Where each Istio kind keeps the labels that pick its workloads (the map itself). */
export const WORKLOAD_SELECTOR_FIELDS: Readonly<Record<string, readonly PathSegment[]>> = {
  [`${NET}/Gateway`]: ['spec', 'selector'],
  [`${NET}/Sidecar`]: ['spec', 'workloadSelector', 'labels'],
  [`${NET}/EnvoyFilter`]: ['spec', 'workloadSelector', 'labels'],
  [`${NET}/DestinationRule`]: ['spec', 'workloadSelector', 'matchLabels'],
  [`${NET}/ProxyConfig`]: ['spec', 'selector', 'matchLabels'],
  [`${SEC}/AuthorizationPolicy`]: ['spec', 'selector', 'matchLabels'],
  [`${SEC}/RequestAuthentication`]: ['spec', 'selector', 'matchLabels'],
  [`${SEC}/PeerAuthentication`]: ['spec', 'selector', 'matchLabels'],
  ['telemetry.istio.io/Telemetry']: ['spec', 'selector', 'matchLabels'],
  ['extensions.istio.io/WasmPlugin']: ['spec', 'selector', 'matchLabels'],
  ['extensions.istio.io/TrafficExtension']: ['spec', 'selector', 'matchLabels'],
};

/** Kinds whose pods are described by `spec.template` (their template labels are pod labels). */
export const POD_TEMPLATE_KINDS: ReadonlySet<string> = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet']);

/** `group/kind` of an object, the key of the tables above. */
export function groupKind(obj: KubeObject): string {
  const k = keyOf(obj);
  return `${k.group}/${k.kind}`;
}

/** Every string field of `obj` that the table lists for its kind, in document order. */
export function findFields<F>(obj: KubeObject, table: Readonly<Record<string, readonly Pattern<F>[]>>): FoundField<F>[] {
  const out: FoundField<F>[] = [];
  for (const pattern of [...(table['*'] ?? []), ...(table[groupKind(obj)] ?? [])]) walk(obj, pattern.steps, [], pattern.form, out);
  return out;
}

function walk<F>(node: unknown, steps: readonly Step[], at: PathSegment[], form: F, out: FoundField<F>[]): void {
  if (steps.length === 0) {
    if (typeof node === 'string') out.push({ path: at, value: node, form });
    return;
  }
  const [step, ...rest] = steps as [Step, ...Step[]];
  if (typeof step === 'string') {
    if (isPlainObject(node) && step in node) walk(node[step], rest, [...at, step], form, out);
  } else if ('each' in step) {
    if (!Array.isArray(node)) return;
    node.forEach((item, i) => {
      if (!step.where || (isPlainObject(item) && step.where(item))) walk(item, rest, [...at, i], form, out);
    });
  } else if (isPlainObject(node) && isPlainObject(node[step.key]) && step.where(node[step.key] as Record<string, unknown>)) {
    walk(node[step.key], rest, [...at, step.key], form, out);
  }
}

/** Every string anywhere under `node` with its path; used to find references the tables do not know about. */
export function allStrings(node: unknown, at: PathSegment[] = [], out: { path: PathSegment[]; value: string }[] = []): { path: PathSegment[]; value: string }[] {
  if (typeof node === 'string') out.push({ path: at, value: node });
  else if (Array.isArray(node)) node.forEach((v, i) => allStrings(v, [...at, i], out));
  else if (isPlainObject(node)) for (const [k, v] of Object.entries(node)) allStrings(v, [...at, k], out);
  return out;
}

/** Splits `ns/host` (the `ns/` part may be absent). */
export function splitNsHost(value: string): { ns: string | undefined; host: string } {
  const slash = value.indexOf('/');
  return slash < 0 ? { ns: undefined, host: value } : { ns: value.slice(0, slash), host: value.slice(slash + 1) };
}

/** Splits `host:port` (the `:port` part may be absent; it is kept as written, colon included). */
export function splitHostPort(value: string): { host: string; port: string } {
  const m = /^(.+?)(:[0-9]+)?$/.exec(value);
  return m ? { host: m[1]!, port: m[2] ?? '' } : { host: value, port: '' };
}

/** The host inside a field value of form `form` (no `ns/` part, no port). */
export function hostOf(value: string, form: HostForm): string {
  if (form === 'nsHost') return splitNsHost(value).host;
  return form === 'hostPort' ? splitHostPort(value).host : value;
}

/** The field value with its host replaced by `map(host)`, keeping any `ns/` part and port; undefined when unchanged. */
export function mapHostIn(value: string, form: HostForm, map: (host: string) => string | undefined): string | undefined {
  if (form === 'nsHost') {
    const { ns, host } = splitNsHost(value);
    const next = map(host);
    return next === undefined || next === host ? undefined : ns === undefined ? next : `${ns}/${next}`;
  }
  const { host, port } = form === 'hostPort' ? splitHostPort(value) : { host: value, port: '' };
  const next = map(host);
  return next === undefined || next === host ? undefined : `${next}${port}`;
}

/** kubectl's copy of the whole object as last applied: it repeats every field, so it is no place to look for references. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Every string a reference could hide in: all fields but apiVersion, kind and metadata, plus label and annotation
 * values (the annotations Istio reads that hold references are in the tables; others are reported, not rewritten).
 */
export function searchableStrings(obj: KubeObject): { path: PathSegment[]; value: string }[] {
  const out: { path: PathSegment[]; value: string }[] = [];
  for (const field of ['labels', 'annotations'] as const) {
    const map = obj.metadata[field];
    if (!isPlainObject(map)) continue;
    for (const [k, v] of Object.entries(map)) if (typeof v === 'string' && k !== LAST_APPLIED) out.push({ path: ['metadata', field, k], value: v });
  }
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
    allStrings(value, [key], out);
  }
  return out;
}

/**
 * The fields a table lists for `group/kind` (and for every kind), written as schema paths: `spec.hosts[]`,
 * `spec.rules[].to[].operation.hosts[]`. Conditions on list items are left out. For checks against CRD schemas.
 */
export function tablePaths<F>(table: Readonly<Record<string, readonly Pattern<F>[]>>, gk: string): string[] {
  return [...(table['*'] ?? []), ...(table[gk] ?? [])].map((pattern) =>
    pattern.steps.map((s, i) => (typeof s === 'string' ? `${i === 0 ? '' : '.'}${s}` : 'each' in s ? '[]' : `.${s.key}`)).join(''),
  );
}
