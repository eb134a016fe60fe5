// Kind references analyzers declare as inputs (`networking.istio.io/VirtualService`, `core/Pod`).
import { ISTIO_KINDS, apiGroupOf } from '../resources/kinds.js';
import type { KubeObject } from '../resources/object.js';

/** `<group>/<Kind>`, with `core` for the core group; unambiguous where bare kind names are not (Gateway). */
export type KindRef = `${string}/${string}`;

export function kindRef(group: string, kind: string): KindRef {
  // The same string object for each group and kind: it is asked for per object by several analyzers, and a
  // freshly built string must be flattened and hashed again at every map or property lookup.
  let kinds = refs.get(group);
  if (!kinds) refs.set(group, (kinds = new Map()));
  let ref = kinds.get(kind);
  if (ref === undefined) kinds.set(kind, (ref = `${group === '' ? 'core' : group}/${kind}`));
  return ref;
}
const refs = new Map<string, Map<string, KindRef>>();

/** The kind reference of an object. */
export function kindRefOf(obj: KubeObject): KindRef {
  return kindRef(apiGroupOf(obj.apiVersion), obj.kind);
}

export const K = {
  VirtualService: 'networking.istio.io/VirtualService',
  DestinationRule: 'networking.istio.io/DestinationRule',
  Gateway: 'networking.istio.io/Gateway',
  ServiceEntry: 'networking.istio.io/ServiceEntry',
  Sidecar: 'networking.istio.io/Sidecar',
  WorkloadEntry: 'networking.istio.io/WorkloadEntry',
  WorkloadGroup: 'networking.istio.io/WorkloadGroup',
  EnvoyFilter: 'networking.istio.io/EnvoyFilter',
  ProxyConfig: 'networking.istio.io/ProxyConfig',
  AuthorizationPolicy: 'security.istio.io/AuthorizationPolicy',
  PeerAuthentication: 'security.istio.io/PeerAuthentication',
  RequestAuthentication: 'security.istio.io/RequestAuthentication',
  Telemetry: 'telemetry.istio.io/Telemetry',
  WasmPlugin: 'extensions.istio.io/WasmPlugin',
  TrafficExtension: 'extensions.istio.io/TrafficExtension',
  Namespace: 'core/Namespace',
  Service: 'core/Service',
  Pod: 'core/Pod',
  Secret: 'core/Secret',
  ConfigMap: 'core/ConfigMap',
  Deployment: 'apps/Deployment',
  StatefulSet: 'apps/StatefulSet',
  DaemonSet: 'apps/DaemonSet',
  ReplicaSet: 'apps/ReplicaSet',
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
} as const satisfies Record<string, KindRef>;

/** Everything that runs pods or stands for a workload; selector checks read all of them. */
export const WORKLOAD_KINDS: readonly KindRef[] = [K.Pod, K.Deployment, K.StatefulSet, K.DaemonSet, K.ReplicaSet, K.WorkloadEntry, K.WorkloadGroup];

/** Kinds that hold a pod template (spec.template.metadata). */
export const POD_TEMPLATE_KINDS: readonly KindRef[] = [K.Deployment, K.StatefulSet, K.DaemonSet, K.ReplicaSet];

/** Every Istio kind in the registry. */
export const ISTIO_KIND_REFS: readonly KindRef[] = ISTIO_KINDS.map((k) => kindRef(k.group, k.kind));
