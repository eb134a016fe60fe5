// Istio-aware neat: drops server-set metadata, status and known core defaults; never touches Istio specs.
import { kindOf, parseApiVersion } from './kinds.js';
import { cloneJson, isPlainObject, type KubeObject, type ObjectMeta } from './object.js';
import { redactSecret } from './secrets.js';

/** Annotations the API server or kubectl add that carry no intent. */
export const SERVER_SET_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
];
/** Labels the API server adds. */
const SERVER_SET_LABELS: Record<string, (obj: KubeObject) => boolean> = {
  'kubernetes.io/metadata.name': (o) => o.kind === 'Namespace' && o.metadata.labels?.['kubernetes.io/metadata.name'] === o.metadata.name,
};

/**
 * Returns a clean copy of `obj`: metadata keeps name, namespace, labels and annotations (minus server-set ones);
 * status goes. Istio, Gateway API and unknown kinds keep their spec byte for byte, empty values included,
 * because `rules: [{}]`, `outlierDetection: {}` and `tls: {}` change behaviour. Core kinds lose only the
 * defaults the API server fills in, and only where the value equals the default.
 */
export function neatObject(obj: KubeObject): KubeObject {
  // Export calls neat on what a cluster sent, without a ResourceSet in between: redact here too.
  const out = cloneJson(redactSecret(obj));
  out.metadata = neatMetadata(out);
  delete out.status;
  const info = kindOf(out.apiVersion, out.kind);
  if (info?.category === 'core') neatCoreDefaults(out);
  return out;
}

function neatMetadata(obj: KubeObject): ObjectMeta {
  const md = obj.metadata;
  const out: ObjectMeta = { name: md.name };
  if (md.namespace !== undefined && (kindOf(obj.apiVersion, obj.kind)?.namespaced ?? true)) out.namespace = md.namespace;
  const labels = { ...(md.labels ?? {}) };
  for (const [k, isServerSet] of Object.entries(SERVER_SET_LABELS)) if (isServerSet(obj)) delete labels[k];
  const annotations = { ...(md.annotations ?? {}) };
  for (const k of SERVER_SET_ANNOTATIONS) delete annotations[k];
  if (Object.keys(labels).length) out.labels = labels;
  if (Object.keys(annotations).length) out.annotations = annotations;
  return out;
}

type Json = Record<string, unknown>;

/** Deletes `obj[key]` when it deep-equals `value`. */
function dropIfDefault(obj: Json | undefined, key: string, value: unknown): void {
  if (obj && key in obj && jsonEqual(obj[key], value)) delete obj[key];
}

function dropIfEmpty(obj: Json | undefined, key: string): void {
  const v = obj?.[key];
  if (obj && isPlainObject(v) && Object.keys(v).length === 0) delete obj[key];
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

/*
 * Every field dropped below holds the API server's unconditional default, checked against k8s.io/kubernetes
 * v1.34.4 (the lab's version, in the Go module cache): pkg/apis/core/v1/defaults.go (SetDefaults_Service,
 * SetDefaults_PodSpec, SetDefaults_Pod, SetDefaults_Container), pkg/apis/apps/v1/defaults.go and
 * pkg/registry/core/namespace/strategy.go. A value whose default depends on anything is kept, even when it
 * equals what the server would fill in today:
 * - Service ipFamilyPolicy/ipFamilies: the registry picks them from the cluster's IP families
 *   (pkg/registry/core/service/storage/alloc.go), so `SingleStack` + `[IPv6]` is a request, not a default;
 * - Service targetPort (defaults to port), internalTrafficPolicy (only for some types), externalTrafficPolicy
 *   (only when externally accessible), allocateLoadBalancerNodePorts (only for LoadBalancer): they depend on
 *   another field, which a transform rule may change after neat;
 * - container imagePullPolicy: it depends on the image tag, which a rule may change;
 * - Pod priority and preemptionPolicy (the PriorityClass, through plugin/pkg/admission/priority) and the
 *   not-ready/unreachable tolerations (plugin/pkg/admission/defaulttolerationseconds, whose seconds are
 *   apiserver flags): they depend on the cluster.
 * clusterIP/clusterIPs are not defaults but addresses the source cluster allocated; they cannot carry over to
 * another cluster, so they go (a headless `None` is intent and stays).
 */
function neatCoreDefaults(obj: KubeObject): void {
  const spec = isPlainObject(obj.spec) ? obj.spec : undefined;
  const group = parseApiVersion(obj.apiVersion).group;
  switch (`${group}/${obj.kind}`) {
    case '/Namespace':
      // pkg/registry/core/namespace/strategy.go PrepareForCreate adds the `kubernetes` finalizer to every namespace.
      if (spec && jsonEqual(spec.finalizers, ['kubernetes'])) delete spec.finalizers;
      dropIfEmpty(obj, 'spec');
      break;
    case '/Service':
      neatService(spec);
      break;
    case '/Pod':
      neatPodSpec(spec);
      break;
    case 'apps/Deployment':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
    case 'apps/ReplicaSet':
      neatWorkload(obj.kind, spec);
      break;
    default:
      break;
  }
}

function neatService(spec: Json | undefined): void {
  if (!spec) return;
  if (spec.clusterIP !== 'None') {
    delete spec.clusterIP;
    if (Array.isArray(spec.clusterIPs) && !spec.clusterIPs.includes('None')) delete spec.clusterIPs;
  }
  dropIfDefault(spec, 'type', 'ClusterIP');
  dropIfDefault(spec, 'sessionAffinity', 'None');
  if (Array.isArray(spec.ports)) for (const p of spec.ports) if (isPlainObject(p)) dropIfDefault(p, 'protocol', 'TCP');
}

function neatWorkload(kind: string, spec: Json | undefined): void {
  if (!spec) return;
  // ReplicaSet has no revisionHistoryLimit; the other three default it to 10.
  if (kind !== 'ReplicaSet') dropIfDefault(spec, 'revisionHistoryLimit', 10);
  if (kind === 'Deployment') {
    dropIfDefault(spec, 'progressDeadlineSeconds', 600);
    dropIfDefault(spec, 'strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  }
  if (kind === 'StatefulSet') {
    dropIfDefault(spec, 'podManagementPolicy', 'OrderedReady');
    // With the MaxUnavailableStatefulSet gate the server adds maxUnavailable: 1 to this; without the field the
    // target server fills in its own default either way.
    dropIfDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    dropIfDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
  }
  if (kind === 'DaemonSet') dropIfDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  const template = isPlainObject(spec.template) ? spec.template : undefined;
  if (!template) return;
  if (isPlainObject(template.metadata)) {
    // Go's encoder writes a zero time as null: it was never part of the user's template.
    dropIfDefault(template.metadata, 'creationTimestamp', null);
    dropIfEmpty(template, 'metadata');
  }
  neatPodSpec(isPlainObject(template.spec) ? template.spec : undefined);
}

function neatPodSpec(spec: Json | undefined): void {
  if (!spec) return;
  dropIfDefault(spec, 'dnsPolicy', 'ClusterFirst');
  dropIfDefault(spec, 'restartPolicy', 'Always');
  dropIfDefault(spec, 'schedulerName', 'default-scheduler');
  dropIfDefault(spec, 'terminationGracePeriodSeconds', 30);
  dropIfDefault(spec, 'securityContext', {});
  // SetDefaults_Pod: every Pod gets it, including those a workload's template makes.
  dropIfDefault(spec, 'enableServiceLinks', true);
  // serviceAccount is the deprecated alias the server copies from serviceAccountName; when that is set it wins.
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '' && spec.serviceAccount === spec.serviceAccountName)
    delete spec.serviceAccount;
  for (const listKey of ['containers', 'initContainers'])
    if (Array.isArray(spec[listKey])) for (const c of spec[listKey] as unknown[]) if (isPlainObject(c)) neatContainer(c);
}

function neatContainer(c: Json): void {
  dropIfDefault(c, 'terminationMessagePath', '/dev/termination-log');
  dropIfDefault(c, 'terminationMessagePolicy', 'File');
  // An empty struct is how Go writes "no requests, no limits".
  dropIfDefault(c, 'resources', {});
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isPlainObject(p)) dropIfDefault(p, 'protocol', 'TCP');
}
