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

function neatCoreDefaults(obj: KubeObject): void {
  const spec = isPlainObject(obj.spec) ? obj.spec : undefined;
  const group = parseApiVersion(obj.apiVersion).group;
  switch (`${group}/${obj.kind}`) {
    case '/Namespace':
      if (spec && jsonEqual(spec.finalizers, ['kubernetes'])) delete spec.finalizers;
      dropIfEmpty(obj, 'spec');
      break;
    case '/Service':
      neatService(spec);
      break;
    case '/Pod':
      neatPodSpec(spec, true);
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
  // Cluster-assigned addresses do not carry over to another cluster; a headless `None` is intent and stays.
  if (spec.clusterIP !== 'None') {
    delete spec.clusterIP;
    if (Array.isArray(spec.clusterIPs) && !spec.clusterIPs.includes('None')) delete spec.clusterIPs;
  }
  dropIfDefault(spec, 'type', 'ClusterIP');
  dropIfDefault(spec, 'sessionAffinity', 'None');
  dropIfDefault(spec, 'internalTrafficPolicy', 'Cluster');
  dropIfDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  if (spec.ipFamilyPolicy === undefined) delete spec.ipFamilies;
  if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') dropIfDefault(spec, 'externalTrafficPolicy', 'Cluster');
  dropIfDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (Array.isArray(spec.ports))
    for (const p of spec.ports) {
      if (!isPlainObject(p)) continue;
      dropIfDefault(p, 'protocol', 'TCP');
      if (p.targetPort === p.port) delete p.targetPort;
    }
}

function neatWorkload(kind: string, spec: Json | undefined): void {
  if (!spec) return;
  dropIfDefault(spec, 'revisionHistoryLimit', 10);
  if (kind === 'Deployment') {
    dropIfDefault(spec, 'progressDeadlineSeconds', 600);
    dropIfDefault(spec, 'strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  }
  if (kind === 'StatefulSet') {
    dropIfDefault(spec, 'podManagementPolicy', 'OrderedReady');
    dropIfDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    dropIfDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
  }
  if (kind === 'DaemonSet') dropIfDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  const template = isPlainObject(spec.template) ? spec.template : undefined;
  if (!template) return;
  if (isPlainObject(template.metadata)) {
    dropIfDefault(template.metadata, 'creationTimestamp', null);
    dropIfEmpty(template, 'metadata');
  }
  neatPodSpec(isPlainObject(template.spec) ? template.spec : undefined, false);
}

function neatPodSpec(spec: Json | undefined, isPod: boolean): void {
  if (!spec) return;
  dropIfDefault(spec, 'dnsPolicy', 'ClusterFirst');
  dropIfDefault(spec, 'restartPolicy', 'Always');
  dropIfDefault(spec, 'schedulerName', 'default-scheduler');
  dropIfDefault(spec, 'terminationGracePeriodSeconds', 30);
  dropIfDefault(spec, 'securityContext', {});
  dropIfDefault(spec, 'enableServiceLinks', true);
  dropIfDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  dropIfDefault(spec, 'priority', 0);
  if (spec.serviceAccount === spec.serviceAccountName) delete spec.serviceAccount;
  if (isPod) {
    // The default not-ready/unreachable tolerations are added by admission, not by the user.
    if (Array.isArray(spec.tolerations)) {
      spec.tolerations = spec.tolerations.filter((t) => !(isPlainObject(t) && isDefaultToleration(t)));
      if ((spec.tolerations as unknown[]).length === 0) delete spec.tolerations;
    }
  }
  for (const listKey of ['containers', 'initContainers'])
    if (Array.isArray(spec[listKey])) for (const c of spec[listKey] as unknown[]) if (isPlainObject(c)) neatContainer(c);
}

function isDefaultToleration(t: Json): boolean {
  return (
    (t.key === 'node.kubernetes.io/not-ready' || t.key === 'node.kubernetes.io/unreachable') &&
    t.operator === 'Exists' &&
    t.effect === 'NoExecute' &&
    t.tolerationSeconds === 300
  );
}

function neatContainer(c: Json): void {
  dropIfDefault(c, 'terminationMessagePath', '/dev/termination-log');
  dropIfDefault(c, 'terminationMessagePolicy', 'File');
  dropIfDefault(c, 'resources', {});
  if (typeof c.image === 'string') {
    const tag = imageTag(c.image);
    dropIfDefault(c, 'imagePullPolicy', tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent');
  }
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isPlainObject(p)) dropIfDefault(p, 'protocol', 'TCP');
}

function imageTag(image: string): string | undefined {
  if (image.includes('@')) return 'digest';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon < 0 ? undefined : last.slice(colon + 1);
}
