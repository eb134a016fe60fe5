// The kind registry: every kind meshferry reads or writes, with group, versions, plural and scope.

export type KindCategory = 'istio' | 'gateway-api' | 'core';

export interface KindInfo {
  group: string; // '' for the core group
  kind: string;
  plural: string;
  /** Served versions, preferred (storage) first. */
  versions: readonly string[];
  namespaced: boolean;
  category: KindCategory;
  shortNames?: readonly string[];
  /** Only metadata is kept (Secrets): data is never read, printed or written. */
  metadataOnly?: boolean;
}

const istio = (group: string, kind: string, plural: string, versions: string[], shortNames?: string[]): KindInfo => ({
  group, kind, plural, versions, namespaced: true, category: 'istio', ...(shortNames ? { shortNames } : {}),
});
const gw = (kind: string, plural: string, versions: string[], namespaced = true): KindInfo => ({
  group: 'gateway.networking.k8s.io', kind, plural, versions, namespaced, category: 'gateway-api',
});
const core = (group: string, kind: string, plural: string, versions: string[], namespaced = true, extra: Partial<KindInfo> = {}): KindInfo => ({
  group, kind, plural, versions, namespaced, category: 'core', ...extra,
});

/**
 * Istio kinds follow manifests/charts/base/files/crd-all.gen.yaml of the pinned release (1.31): the storage
 * version comes first. Telemetry still stores v1alpha1 but serves v1; we prefer v1 for it as for the others.
 */
export const KINDS: readonly KindInfo[] = [
  istio('networking.istio.io', 'VirtualService', 'virtualservices', ['v1', 'v1beta1', 'v1alpha3'], ['vs']),
  istio('networking.istio.io', 'DestinationRule', 'destinationrules', ['v1', 'v1beta1', 'v1alpha3'], ['dr']),
  istio('networking.istio.io', 'Gateway', 'gateways', ['v1', 'v1beta1', 'v1alpha3'], ['gw']),
  istio('networking.istio.io', 'ServiceEntry', 'serviceentries', ['v1', 'v1beta1', 'v1alpha3'], ['se']),
  istio('networking.istio.io', 'Sidecar', 'sidecars', ['v1', 'v1beta1', 'v1alpha3']),
  istio('networking.istio.io', 'WorkloadEntry', 'workloadentries', ['v1', 'v1beta1', 'v1alpha3'], ['we']),
  istio('networking.istio.io', 'WorkloadGroup', 'workloadgroups', ['v1', 'v1beta1', 'v1alpha3'], ['wg']),
  istio('networking.istio.io', 'EnvoyFilter', 'envoyfilters', ['v1alpha3']),
  istio('networking.istio.io', 'ProxyConfig', 'proxyconfigs', ['v1beta1']),
  istio('security.istio.io', 'PeerAuthentication', 'peerauthentications', ['v1', 'v1beta1'], ['pa']),
  istio('security.istio.io', 'AuthorizationPolicy', 'authorizationpolicies', ['v1', 'v1beta1'], ['ap']),
  istio('security.istio.io', 'RequestAuthentication', 'requestauthentications', ['v1', 'v1beta1'], ['ra']),
  istio('telemetry.istio.io', 'Telemetry', 'telemetries', ['v1', 'v1alpha1'], ['telemetry']),
  istio('extensions.istio.io', 'WasmPlugin', 'wasmplugins', ['v1alpha1']),
  istio('extensions.istio.io', 'TrafficExtension', 'trafficextensions', ['v1alpha1']),

  gw('GatewayClass', 'gatewayclasses', ['v1', 'v1beta1'], false),
  gw('Gateway', 'gateways', ['v1', 'v1beta1']),
  gw('HTTPRoute', 'httproutes', ['v1', 'v1beta1']),
  gw('GRPCRoute', 'grpcroutes', ['v1']),
  gw('ReferenceGrant', 'referencegrants', ['v1beta1']),
  gw('BackendTLSPolicy', 'backendtlspolicies', ['v1', 'v1alpha3']),
  gw('TCPRoute', 'tcproutes', ['v1alpha2']),
  gw('TLSRoute', 'tlsroutes', ['v1alpha2']),
  gw('UDPRoute', 'udproutes', ['v1alpha2']),

  core('', 'Namespace', 'namespaces', ['v1'], false),
  core('', 'Service', 'services', ['v1']),
  core('', 'Pod', 'pods', ['v1']),
  core('', 'Secret', 'secrets', ['v1'], true, { metadataOnly: true }),
  core('', 'ConfigMap', 'configmaps', ['v1']),
  core('', 'ServiceAccount', 'serviceaccounts', ['v1']),
  core('', 'Endpoints', 'endpoints', ['v1']),
  core('apps', 'Deployment', 'deployments', ['v1']),
  core('apps', 'StatefulSet', 'statefulsets', ['v1']),
  core('apps', 'DaemonSet', 'daemonsets', ['v1']),
  core('apps', 'ReplicaSet', 'replicasets', ['v1']),
  core('discovery.k8s.io', 'EndpointSlice', 'endpointslices', ['v1']),
  core('rbac.authorization.k8s.io', 'ClusterRole', 'clusterroles', ['v1'], false),
  core('rbac.authorization.k8s.io', 'ClusterRoleBinding', 'clusterrolebindings', ['v1'], false),
  core('rbac.authorization.k8s.io', 'Role', 'roles', ['v1']),
  core('rbac.authorization.k8s.io', 'RoleBinding', 'rolebindings', ['v1']),
  core('admissionregistration.k8s.io', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', ['v1'], false),
  core('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', ['v1'], false),
  core('apiextensions.k8s.io', 'CustomResourceDefinition', 'customresourcedefinitions', ['v1'], false),
];

/** Group, then kind: no key string is built per lookup (this runs for every object read and analyzed). */
const byGroupKind = new Map<string, Map<string, KindInfo>>();
for (const k of KINDS) {
  let kinds = byGroupKind.get(k.group);
  if (!kinds) byGroupKind.set(k.group, (kinds = new Map()));
  kinds.set(k.kind, k);
}

/** Splits `group/version` (or `v1` for core). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function formatApiVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** The registry entry for a group and kind, or undefined. */
export function kindInfo(group: string, kind: string): KindInfo | undefined {
  return byGroupKind.get(group)?.get(kind);
}

/** The registry entry for an object's apiVersion and kind, or undefined. */
export function kindOf(apiVersion: string, kind: string): KindInfo | undefined {
  return kindInfo(apiGroupOf(apiVersion), kind);
}

/** The group of `group/version` ('' for core `v1`), without the object parseApiVersion builds: asked per object. */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** What the registry says of an apiVersion and kind: a kind it knows, a known kind in a version it lacks, or unknown. */
export type RegistryStatus = 'known' | 'unknown-version' | 'unknown';

/**
 * Unknown kinds (Ingress, Job, a custom resource, IstioOperator) pass through meshferry as written: neat cleans
 * their metadata generically, transform applies the rules that can match them, analyze skips them. Later stages
 * ask here rather than treating a missing registry entry as an error.
 */
export function registryStatus(apiVersion: string, kind: string): RegistryStatus {
  const info = kindOf(apiVersion, kind);
  if (!info) return 'unknown';
  return info.versions.includes(parseApiVersion(apiVersion).version) ? 'known' : 'unknown-version';
}

/**
 * Groups whose kinds the registry lists completely, from the pinned release's CRD file
 * (manifests/charts/base/files/crd-all.gen.yaml): a kind there that the registry lacks is almost surely a typo.
 * Gateway API is not one of them: its experimental channel adds kinds release by release.
 */
const COMPLETE_GROUPS = new Set(KINDS.filter((k) => k.category === 'istio').map((k) => k.group));

/** Whether the registry lists every kind of `group` (Istio's config groups), so an unlisted kind there is a typo. */
export function isCompleteGroup(group: string): boolean {
  return COMPLETE_GROUPS.has(group);
}

/** Kinds whose bare name exists in more than one group (Gateway): their display name carries the group. */
const ambiguousKinds = new Set(
  KINDS.filter((k, i) => KINDS.findIndex((o) => o.kind === k.kind) !== i).map((k) => k.kind),
);

/** `Gateway` for Istio's and core kinds; `Gateway.gateway.networking.k8s.io` for the other groups' twins. */
export function displayKind(info: Pick<KindInfo, 'group' | 'kind' | 'category'>): string {
  if (ambiguousKinds.has(info.kind) && info.category !== 'istio') return `${info.kind}.${info.group}`;
  return info.kind;
}

/**
 * Resolves a user's kind word (`VirtualService`, `virtualservices`, `vs`, `gateways.gateway.networking.k8s.io`),
 * as kubectl does. Bare ambiguous names resolve to Istio's kind.
 */
export function resolveKindWord(word: string): KindInfo | undefined {
  const dot = word.indexOf('.');
  const name = (dot < 0 ? word : word.slice(0, dot)).toLowerCase();
  const group = dot < 0 ? undefined : word.slice(dot + 1);
  const matches = KINDS.filter(
    (k) =>
      (group === undefined || k.group === group) &&
      (k.kind.toLowerCase() === name || k.plural === name || (k.shortNames ?? []).includes(name)),
  );
  return matches.find((k) => k.category === 'istio') ?? matches[0];
}

/** Istio kinds, in registry order. */
export const ISTIO_KINDS: readonly KindInfo[] = KINDS.filter((k) => k.category === 'istio');
export const GATEWAY_API_KINDS: readonly KindInfo[] = KINDS.filter((k) => k.category === 'gateway-api');
