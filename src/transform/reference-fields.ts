// Where each kind keeps hosts, namespace references and workload selectors; rules find fields through these tables.
import { isPlainObject, keyOf, type KubeObject } from '../resources/object.js';
import type { PathSegment } from '../resources/resource-set.js';

/** One step of a field pattern: a map key, every list item (`*`), or the list items / map value passing a test. */
type Step = string | { each: true; where?: (item: Record<string, unknown>) => boolean } | { key: string; where: (v: Record<string, unknown>) => boolean };

/** How a string field holds its reference. */
export type HostForm = 'host' | 'nsHost';
export type NamespaceForm = 'namespace' | 'nsName' | 'identity';

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

const NET = 'networking.istio.io';
const SEC = 'security.istio.io';
const GW = 'gateway.networking.k8s.io';

/** A Gateway API backendRef naming a host through Istio's `Hostname` kind rather than a Service. */
const isHostnameRef = (ref: Record<string, unknown>): boolean => ref.kind === 'Hostname' && ref.group === NET;

const ROUTE_HOSTS = [p<HostForm>('spec.hostnames.*', 'host')];
const ROUTE_BACKEND_HOSTS: Pattern<HostForm>[] = [
  { steps: ['spec', 'rules', each, 'backendRefs', eachWhere(isHostnameRef), 'name'], form: 'host' },
  { steps: ['spec', 'rules', each, 'filters', each, 'requestMirror', keyWhere('backendRef', isHostnameRef), 'name'], form: 'host' },
];

/**
 * Every field that holds a host, by `group/kind`. Checked against istio/api (virtual_service, destination_rule,
 * service_entry, gateway, sidecar, authorization protos) and Gateway API route specs. `nsHost` is `ns/host`, where the
 * `ns/` part is optional on Gateway servers and required on Sidecar egress.
 */
export const HOST_FIELDS: Readonly<Record<string, readonly Pattern<HostForm>[]>> = {
  [`${NET}/VirtualService`]: [
    p('spec.hosts.*', 'host'),
    p('spec.http.*.route.*.destination.host', 'host'),
    p('spec.http.*.mirror.host', 'host'),
    p('spec.http.*.mirrors.*.destination.host', 'host'),
    p('spec.tcp.*.route.*.destination.host', 'host'),
    p('spec.tls.*.route.*.destination.host', 'host'),
    p('spec.tls.*.match.*.sniHosts.*', 'host'),
  ],
  [`${NET}/DestinationRule`]: [p('spec.host', 'host')],
  [`${NET}/ServiceEntry`]: [p('spec.hosts.*', 'host')],
  [`${NET}/Gateway`]: [p('spec.servers.*.hosts.*', 'nsHost')],
  [`${NET}/Sidecar`]: [p('spec.egress.*.hosts.*', 'nsHost'), p('spec.outboundTrafficPolicy.egressProxy.host', 'host')],
  [`${SEC}/AuthorizationPolicy`]: [p('spec.rules.*.to.*.operation.hosts.*', 'host'), p('spec.rules.*.to.*.operation.notHosts.*', 'host')],
  [`${GW}/HTTPRoute`]: [...ROUTE_HOSTS, ...ROUTE_BACKEND_HOSTS],
  [`${GW}/GRPCRoute`]: [...ROUTE_HOSTS, ...ROUTE_BACKEND_HOSTS],
  [`${GW}/TLSRoute`]: [...ROUTE_HOSTS, ...ROUTE_BACKEND_HOSTS],
  [`${GW}/TCPRoute`]: ROUTE_BACKEND_HOSTS,
  [`${GW}/UDPRoute`]: ROUTE_BACKEND_HOSTS,
  [`${GW}/Gateway`]: [p('spec.listeners.*.hostname', 'host')],
  ['/Service']: [p('spec.externalName', 'host')],
};

const sans = (prefix: string): Pattern<NamespaceForm>[] => [
  p(`${prefix}.tls.subjectAltNames.*`, 'identity'),
  p(`${prefix}.portLevelSettings.*.tls.subjectAltNames.*`, 'identity'),
];
const targetRefs: Pattern<NamespaceForm>[] = [p('spec.targetRef.namespace', 'namespace'), p('spec.targetRefs.*.namespace', 'namespace')];
const whenKey = (key: string) => (c: Record<string, unknown>) => c.key === key;
const routeRefs: Pattern<NamespaceForm>[] = [
  p('spec.parentRefs.*.namespace', 'namespace'),
  p('spec.rules.*.backendRefs.*.namespace', 'namespace'),
  p('spec.rules.*.filters.*.requestMirror.backendRef.namespace', 'namespace'),
];

/**
 * Every field that names a namespace, by `group/kind`: plain namespaces, `ns/name` gateway references, and workload
 * identities (`<trust-domain>/ns/<ns>/sa/<sa>`, `spiffe://…/ns/<ns>/sa/…`). Hosts are in HOST_FIELDS.
 */
export const NAMESPACE_FIELDS: Readonly<Record<string, readonly Pattern<NamespaceForm>[]>> = {
  [`${NET}/VirtualService`]: [
    p('spec.gateways.*', 'nsName'),
    ...['http', 'tcp', 'tls'].flatMap((r) => [p(`spec.${r}.*.match.*.gateways.*`, 'nsName'), p(`spec.${r}.*.match.*.sourceNamespace`, 'namespace')]),
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
  [`${SEC}/AuthorizationPolicy`]: [
    p('spec.rules.*.from.*.source.namespaces.*', 'namespace'),
    p('spec.rules.*.from.*.source.notNamespaces.*', 'namespace'),
    p('spec.rules.*.from.*.source.principals.*', 'identity'),
    p('spec.rules.*.from.*.source.notPrincipals.*', 'identity'),
    ...['values', 'notValues'].flatMap((f): Pattern<NamespaceForm>[] => [
      { steps: ['spec', 'rules', each, 'when', eachWhere(whenKey('source.namespace')), f, each], form: 'namespace' },
      { steps: ['spec', 'rules', each, 'when', eachWhere(whenKey('source.principal')), f, each], form: 'identity' },
    ]),
    ...targetRefs,
  ],
  [`${SEC}/RequestAuthentication`]: targetRefs,
  ['telemetry.istio.io/Telemetry']: targetRefs,
  ['extensions.istio.io/WasmPlugin']: targetRefs,
  ['extensions.istio.io/TrafficExtension']: targetRefs,
  [`${GW}/HTTPRoute`]: routeRefs,
  [`${GW}/GRPCRoute`]: routeRefs,
  [`${GW}/TLSRoute`]: routeRefs,
  [`${GW}/TCPRoute`]: routeRefs,
  [`${GW}/UDPRoute`]: routeRefs,
  [`${GW}/Gateway`]: [p('spec.listeners.*.tls.certificateRefs.*.namespace', 'namespace')],
  [`${GW}/ReferenceGrant`]: [p('spec.from.*.namespace', 'namespace')],
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
  for (const pattern of table[groupKind(obj)] ?? []) walk(obj, pattern.steps, [], pattern.form, out);
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
