// The copy plan on objects as a source cluster returns them: one row per rule (copied and how, skipped and why, Secrets required).
import { describe, expect, it } from 'vitest';
import { KEEP_NODE_PORTS_ANNOTATION, LOAD_BALANCER_REUSE_KEYS, planCopy, secretDataDigest, writeTier, type CopyOptions, type RequiredSecret } from './copy-plan.js';
import type { KubeObject } from '../../resources/object.js';
import { PROVIDERS } from '../../install/providers/index.js';

type Json = Record<string, unknown>;

/** What the API server adds to every object it returns; neat must take all of it away. */
const server = { uid: 'a1b2', resourceVersion: '4711', creationTimestamp: '2026-11-29T12:00:00Z', generation: 3, managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update' }] };

function obj(apiVersion: string, kind: string, name: string, rest: Json = {}, metadata: Json = {}, namespace = 'shop'): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace, ...server, ...metadata }, ...rest };
}
const owned = (kind: string, name: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: 'o1', controller: true }] });

const podSpec = (over: Json = {}): Json => ({ containers: [{ name: 'app', image: 'registry.example.com/cart:1.4' }], ...over });
const template = (spec: Json, labels: Json = { app: 'cart', 'istio.io/rev': '1-18-5' }) => ({ metadata: { labels }, spec });
const deployment = (name = 'cart', spec: Json = podSpec(), ns = 'shop') =>
  obj('apps/v1', 'Deployment', name, { spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: template(spec) }, status: { readyReplicas: 2, observedGeneration: 3 } }, { annotations: { 'deployment.kubernetes.io/revision': '7' }, labels: { app: name } }, ns);
const cleanDeployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'cart', namespace: 'shop', labels: { app: 'cart' } },
  spec: { replicas: 2, selector: { matchLabels: { app: 'cart' } }, template: template(podSpec()) },
};
const statefulSet = () =>
  obj('apps/v1', 'StatefulSet', 'db', {
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: template(podSpec(), { app: 'db' }),
      volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', creationTimestamp: null }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } }],
    },
    status: { replicas: 1 },
  });

const ports = [{ name: 'http', port: 80, targetPort: 8080, nodePort: 31080 }];
function service(spec: Json, annotations?: Record<string, string>, labels?: Record<string, string>): KubeObject {
  return obj(
    'v1',
    'Service',
    'web',
    { spec: { clusterIP: '10.96.0.12', clusterIPs: ['10.96.0.12'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } },
    { ...(annotations ? { annotations } : {}), ...(labels ? { labels } : {}) },
  );
}
const cleanService = (spec: Json, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', ...(annotations ? { annotations } : {}) },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec },
});
const loadBalancer = { type: 'LoadBalancer', ports, externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, allocateLoadBalancerNodePorts: true, loadBalancerSourceRanges: ['10.0.0.0/8'] };

const SECRET_VALUE = 'hunter2-correct-horse';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const secret = (name: string, type = 'Opaque', data: Record<string, string> = { password: b64(SECRET_VALUE) }) =>
  obj('v1', 'Secret', name, { type, data }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data }) } });
const serviceAccount = (name: string, rest: Json = {}) => obj('v1', 'ServiceAccount', name, rest);
const configMap = (name: string) => obj('v1', 'ConfigMap', name, { data: { 'ca.crt': '-----BEGIN CERTIFICATE-----' } });
const gateway = (selector: Json, credentialName: string) =>
  obj('networking.istio.io/v1', 'Gateway', 'web', { spec: { selector, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName } }] } });

/** A Deployment using every kind of Secret reference the plan reads, and one optional reference of each kind. */
const referencing = deployment(
  'cart',
  podSpec({
    serviceAccountName: 'builder',
    imagePullSecrets: [{ name: 'registry' }],
    initContainers: [{ name: 'migrate', image: 'm', envFrom: [{ secretRef: { name: 'db' } }, { secretRef: { name: 'maybe-env', optional: true } }] }],
    containers: [{ name: 'app', image: 'a', env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }, { name: 'OPT', valueFrom: { secretKeyRef: { name: 'maybe', key: 'k', optional: true } } }, { name: 'PLAIN', value: 'x' }] }],
    volumes: [
      { name: 'certs', secret: { secretName: 'tls' } },
      { name: 'opt', secret: { secretName: 'maybe-vol', optional: true } },
      { name: 'bundle', projected: { sources: [{ secret: { name: 'bundle-a' } }, { configMap: { name: 'c' } }, { secret: { name: 'db' } }] } },
    ],
  }),
);
const referencingRequired: RequiredSecret[] = [
  { secret: 'shop/api', referencedBy: ['Deployment shop/cart: env TOKEN of container app'] },
  { secret: 'shop/bundle-a', referencedBy: ['Deployment shop/cart: projected volume bundle'] },
  { secret: 'shop/db', referencedBy: ['Deployment shop/cart: envFrom of container migrate', 'Deployment shop/cart: projected volume bundle'] },
  { secret: 'shop/pull', referencedBy: ['ServiceAccount shop/builder: imagePullSecrets (the ServiceAccount of Deployment shop/cart)'] },
  { secret: 'shop/registry', referencedBy: ['Deployment shop/cart: imagePullSecrets'] },
  { secret: 'shop/tls', referencedBy: ['Deployment shop/cart: volume certs'] },
];

interface Want {
  /** The copies in order; `object` and `changes`, when given, must equal exactly. */
  copy?: { ref: string; object?: KubeObject; createOnly?: boolean; changes?: string[] }[];
  /** Every skipped object; a string reason is matched as a substring. */
  skipped?: { ref: string; reason: string | RegExp }[];
  requiredSecrets?: RequiredSecret[];
}
interface Row {
  name: string;
  objects: KubeObject[];
  opts?: Partial<CopyOptions>;
  want: Want;
}

const NODE_PORTS_DROPPED = `node ports dropped: the target allocates its own (annotate the source Service ${KEEP_NODE_PORTS_ANNOTATION}: "true" to keep them)`;
const TO_CLUSTER_IP = 'type LoadBalancer became ClusterIP (the wave may keep it with keepLoadBalancer)';
const dropped = (key: string, field = 'annotation') => `${field} ${key} dropped: it binds the Service to the source's live load balancer or address`;

const rows: Row[] = [
  // neat and pod templates
  { name: 'Deployment: server metadata, annotations and status go; pod template labels (a revision label too) stay', objects: [deployment()], want: { copy: [{ ref: 'Deployment shop/cart', object: cleanDeployment, createOnly: false, changes: [] }], skipped: [], requiredSecrets: [] } },
  {
    name: 'DaemonSet: the server-set template generation annotation goes',
    objects: [obj('apps/v1', 'DaemonSet', 'agent', { spec: { selector: { matchLabels: { app: 'agent' } }, template: template(podSpec(), { app: 'agent' }) } }, { annotations: { 'deprecated.daemonset.template.generation': '5', team: 'infra' } })],
    want: { copy: [{ ref: 'DaemonSet shop/agent', object: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'shop', annotations: { team: 'infra' } }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template(podSpec(), { app: 'agent' }) } } }], skipped: [] },
  },
  {
    name: 'autoscaling/v1 HPA: the status it carries in annotations goes, its metrics annotation stays',
    objects: [obj('autoscaling/v1', 'HorizontalPodAutoscaler', 'cart', { spec: { maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart' } }, status: { currentReplicas: 2 } }, { annotations: { 'autoscaling.alpha.kubernetes.io/conditions': '[]', 'autoscaling.alpha.kubernetes.io/current-metrics': '[]', 'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Resource"}]' } })],
    want: { copy: [{ ref: 'HorizontalPodAutoscaler shop/cart', object: { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'cart', namespace: 'shop', annotations: { 'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Resource"}]' } }, spec: { maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart' } } } }], skipped: [] },
  },
  ...(
    [
      ['v1', 'ConfigMap', 'ConfigMap shop/settings'],
      ['rbac.authorization.k8s.io/v1', 'Role', 'Role shop/settings'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'RoleBinding shop/settings'],
      ['autoscaling/v2', 'HorizontalPodAutoscaler', 'HorizontalPodAutoscaler shop/settings'],
      ['policy/v1', 'PodDisruptionBudget', 'PodDisruptionBudget shop/settings'],
      ['networking.k8s.io/v1', 'NetworkPolicy', 'NetworkPolicy shop/settings'],
      ['v1', 'ServiceAccount', 'ServiceAccount shop/settings'],
    ] as const
  ).map(([apiVersion, kind, ref]): Row => ({ name: `${kind} is copied, neat`, objects: [obj(apiVersion, kind, 'settings', { status: { x: 1 } }, { labels: { app: 'settings' } })], want: { copy: [{ ref, object: { apiVersion, kind, metadata: { name: 'settings', namespace: 'shop', labels: { app: 'settings' } } }, createOnly: false, changes: [] }], skipped: [] } })),
  {
    name: 'copies come in apply order: ServiceAccounts, Secrets, ConfigMaps, Roles, policies, Services; RoleBindings; workloads, HPAs',
    opts: { secrets: true, statefulSets: { allowEmptyVolumes: true } },
    objects: [obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'cart'), statefulSet(), deployment(), obj('policy/v1', 'PodDisruptionBudget', 'cart'), obj('networking.k8s.io/v1', 'NetworkPolicy', 'deny'), service({}), obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'r'), obj('rbac.authorization.k8s.io/v1', 'Role', 'r'), configMap('b'), configMap('a'), secret('s'), serviceAccount('builder')],
    want: {
      copy: ['ServiceAccount shop/builder', 'Secret shop/s', 'ConfigMap shop/a', 'ConfigMap shop/b', 'Role shop/r', 'NetworkPolicy shop/deny', 'PodDisruptionBudget shop/cart', 'Service shop/web', 'RoleBinding shop/r', 'Deployment shop/cart', 'StatefulSet shop/db', 'HorizontalPodAutoscaler shop/cart'].map((ref) => ({ ref })),
      skipped: [],
    },
  },
  // Services
  { name: 'ClusterIP Service: clusterIP and clusterIPs go', objects: [service({})], want: { copy: [{ ref: 'Service shop/web', object: cleanService({}), changes: [] }] } },
  { name: 'headless Service: clusterIP None stays', objects: [service({ clusterIP: 'None', clusterIPs: ['None'] })], want: { copy: [{ ref: 'Service shop/web', object: cleanService({ clusterIP: 'None', clusterIPs: ['None'] }), changes: [] }] } },
  {
    name: 'LoadBalancer Service → ClusterIP: type, node ports and what only an external Service may carry go; the status goes',
    objects: [service(loadBalancer)],
    want: { copy: [{ ref: 'Service shop/web', object: cleanService({}), changes: [TO_CLUSTER_IP, NODE_PORTS_DROPPED] }] },
  },
  {
    name: 'LoadBalancer Service with tke-existed-lbid, keepLoadBalancer: stays a LoadBalancer without the annotation, loadBalancerIP or node ports',
    opts: { keepLoadBalancer: true },
    objects: [service({ ...loadBalancer, loadBalancerIP: '203.0.113.9' }, { 'service.kubernetes.io/tke-existed-lbid': 'lb-6swtxxxx', 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid': 'subnet-1' })],
    want: {
      copy: [
        {
          ref: 'Service shop/web',
          object: cleanService({ type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 8080 }], externalTrafficPolicy: 'Local', allocateLoadBalancerNodePorts: true, loadBalancerSourceRanges: ['10.0.0.0/8'] }, { 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid': 'subnet-1' }),
          changes: [dropped('service.kubernetes.io/tke-existed-lbid'), "spec.loadBalancerIP dropped: it is an address of the source's load balancer", NODE_PORTS_DROPPED],
        },
      ],
    },
  },
  {
    name: 'LoadBalancer Service with tke-existed-lbid, by default: ClusterIP without the annotation',
    objects: [service(loadBalancer, { 'service.kubernetes.io/tke-existed-lbid': 'lb-6swtxxxx' })],
    want: { copy: [{ ref: 'Service shop/web', object: cleanService({}), changes: [dropped('service.kubernetes.io/tke-existed-lbid'), TO_CLUSTER_IP, NODE_PORTS_DROPPED] }] },
  },
  ...LOAD_BALANCER_REUSE_KEYS.map((key): Row => ({
    name: `reuse annotation ${key} is never copied`,
    opts: { keepLoadBalancer: true },
    objects: [service({ type: 'LoadBalancer' }, { [key]: 'lb-or-address', team: 'web' })],
    want: { copy: [{ ref: 'Service shop/web', object: cleanService({ type: 'LoadBalancer' }, { team: 'web' }), changes: [dropped(key)] }] },
  })),
  // One row per provider: all of its reuse keys on one Service, each dropped, the provider's other settings kept.
  ...Object.values(PROVIDERS).map((provider): Row => {
    const keys = provider.reuseAnnotations.flatMap((m) => ('key' in m ? [m.key] : []));
    const settings = provider.annotations({ ...(provider.options.includes('internal') ? { internal: true } : {}), ...(provider.options.includes('subnet') ? { subnet: 'subnet-1' } : {}) }, ['lb']).annotations;
    return {
      name: `${provider.name}: every reuse annotation (${keys.length}) dropped, its other load balancer annotations kept`,
      opts: { keepLoadBalancer: true },
      objects: [service({ type: 'LoadBalancer' }, { ...Object.fromEntries(keys.map((k) => [k, 'lb-or-address'])), ...settings })],
      want: { copy: [{ ref: 'Service shop/web', object: cleanService({ type: 'LoadBalancer' }, Object.keys(settings).length ? settings : undefined), changes: keys.map((k) => dropped(k)) }] },
    };
  }),
  {
    name: 'a key that only resembles a reuse annotation stays (exact keys, no prefix guessing)',
    opts: { keepLoadBalancer: true },
    objects: [service({ type: 'LoadBalancer' }, { 'service.kubernetes.io/tke-existed-lbid-note': 'x', 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': 'intranet' })],
    want: { copy: [{ ref: 'Service shop/web', object: cleanService({ type: 'LoadBalancer' }, { 'service.kubernetes.io/tke-existed-lbid-note': 'x', 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': 'intranet' }), changes: [] }] },
  },
  {
    name: "ACK's reconcile labels (load balancer id, hash) are never copied; other labels stay",
    opts: { keepLoadBalancer: true },
    objects: [service({ type: 'LoadBalancer' }, undefined, { 'service.k8s.alibaba/loadbalancer-id': 'lb-3nsi', 'service.beta.kubernetes.io/hash': '7ae7', app: 'web' })],
    want: { copy: [{ ref: 'Service shop/web', object: { ...cleanService({ type: 'LoadBalancer' }), metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } } }, changes: [dropped('service.k8s.alibaba/loadbalancer-id', 'label'), dropped('service.beta.kubernetes.io/hash', 'label')] }] },
  },
  { name: 'NodePort Service: stays NodePort, its node ports go', objects: [service({ type: 'NodePort', ports })], want: { copy: [{ ref: 'Service shop/web', object: cleanService({ type: 'NodePort' }), changes: [NODE_PORTS_DROPPED] }] } },
  {
    name: `NodePort Service annotated ${KEEP_NODE_PORTS_ANNOTATION}: its node ports stay`,
    objects: [service({ type: 'NodePort', ports }, { [KEEP_NODE_PORTS_ANNOTATION]: 'true' })],
    want: { copy: [{ ref: 'Service shop/web', object: cleanService({ type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 31080 }] }, { [KEEP_NODE_PORTS_ANNOTATION]: 'true' }), changes: [] }] },
  },
  {
    name: 'LoadBalancer Service pinned, keepLoadBalancer: node ports and healthCheckNodePort stay',
    opts: { keepLoadBalancer: true },
    objects: [service({ type: 'LoadBalancer', ports, externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 }, { [KEEP_NODE_PORTS_ANNOTATION]: 'true' })],
    want: { copy: [{ ref: 'Service shop/web', object: cleanService({ type: 'LoadBalancer', ports, externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 }, { [KEEP_NODE_PORTS_ANNOTATION]: 'true' }), changes: [] }] },
  },
  {
    name: 'LoadBalancer Service pinned but made ClusterIP: node ports go all the same, and the change says why',
    objects: [service({ type: 'LoadBalancer', ports }, { [KEEP_NODE_PORTS_ANNOTATION]: 'true' })],
    want: { copy: [{ ref: 'Service shop/web', object: cleanService({}, { [KEEP_NODE_PORTS_ANNOTATION]: 'true' }), changes: [TO_CLUSTER_IP, `node ports dropped despite ${KEEP_NODE_PORTS_ANNOTATION}: a ClusterIP Service has none`] }] },
  },
  { name: "externalIPs go: they are the source nodes' addresses", objects: [service({ externalIPs: ['192.0.2.7'] })], want: { copy: [{ ref: 'Service shop/web', object: cleanService({}), changes: ["spec.externalIPs dropped: they are addresses routed to the source cluster's nodes"] }] } },
  // StatefulSets
  { name: 'StatefulSet without allowEmptyVolumes: skipped, saying how to copy it', objects: [statefulSet()], want: { copy: [], skipped: [{ ref: 'StatefulSet shop/db', reason: 'set statefulSets: {allowEmptyVolumes: true}' }] } },
  { name: 'StatefulSet with allowEmptyVolumes false: skipped', opts: { statefulSets: { allowEmptyVolumes: false } }, objects: [statefulSet()], want: { copy: [], skipped: [{ ref: 'StatefulSet shop/db', reason: 'a copy would start on empty volumes' }] } },
  {
    name: 'StatefulSet with allowEmptyVolumes: copied, its claim templates without status, and the plan says the volumes start empty',
    opts: { statefulSets: { allowEmptyVolumes: true } },
    objects: [statefulSet()],
    want: {
      copy: [
        {
          ref: 'StatefulSet shop/db',
          object: {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            metadata: { name: 'db', namespace: 'shop' },
            spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template(podSpec(), { app: 'db' }), volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] },
          },
          changes: ['starts on empty volumes (statefulSets.allowEmptyVolumes)'],
        },
      ],
      skipped: [],
    },
  },
  // Secrets
  { name: 'Secret with secrets: false: skipped', objects: [secret('api')], want: { copy: [], skipped: [{ ref: 'Secret shop/api', reason: 'Secrets are copied only with secrets: true' }] } },
  {
    name: 'Secret with secrets: true: copied create-only, with a digest and without its data or the annotation that embeds it',
    opts: { secrets: true },
    objects: [secret('api', 'kubernetes.io/tls')],
    want: { copy: [{ ref: 'Secret shop/api', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api', namespace: 'shop' }, type: 'kubernetes.io/tls' }, createOnly: true, changes: [] }], skipped: [] },
  },
  { name: 'ServiceAccount token Secret: never copied, even with secrets: true', opts: { secrets: true }, objects: [secret('builder-token-x7k2p', 'kubernetes.io/service-account-token')], want: { copy: [], skipped: [{ ref: 'Secret shop/builder-token-x7k2p', reason: 'a ServiceAccount token of the source cluster' }] } },
  // ServiceAccounts
  { name: 'default ServiceAccount: skipped, the target has its own', objects: [serviceAccount('default')], want: { copy: [], skipped: [{ ref: 'ServiceAccount shop/default', reason: /^the target namespace has its own default ServiceAccount \(made by the ServiceAccount controller\)$/ }] } },
  { name: "default ServiceAccount with imagePullSecrets: skipped, naming them for the target's", objects: [serviceAccount('default', { imagePullSecrets: [{ name: 'registry' }] })], want: { skipped: [{ ref: 'ServiceAccount shop/default', reason: "its imagePullSecrets (registry) are not carried over: add them to the target's" }] } },
  {
    name: "ServiceAccount: the source's token Secrets leave its secrets list, other entries stay",
    opts: { secrets: true },
    objects: [serviceAccount('builder', { secrets: [{ name: 'builder-token-x7k2p' }, { name: 'extra' }] }), secret('builder-token-x7k2p', 'kubernetes.io/service-account-token')],
    want: { copy: [{ ref: 'ServiceAccount shop/builder', object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'shop' }, secrets: [{ name: 'extra' }] }, changes: ["secrets: the source's ServiceAccount token Secrets dropped"] }] },
  },
  {
    name: 'a bare ServiceAccount (nothing but its name) gets one annotation, so that the copy carries a write by meshferry for rollback to find',
    objects: [serviceAccount('frontend')],
    want: { copy: [{ ref: 'ServiceAccount shop/frontend', object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'frontend', namespace: 'shop', annotations: { 'meshferry.dev/copied': 'true' } } }, changes: ["annotation meshferry.dev/copied: the copy has no other field, and rollback deletes only what carries meshferry's write"] }] },
  },
  // Kept by a controller, or not the wave's to copy
  ...(
    [
      [configMap('kube-root-ca.crt'), 'ConfigMap shop/kube-root-ca.crt', 'kube-controller-manager'],
      [configMap('istio-ca-root-cert'), 'ConfigMap shop/istio-ca-root-cert', 'istiod'],
      [configMap('istio-ca-crl'), 'ConfigMap shop/istio-ca-crl', 'revocation list'],
      [obj('apps/v1', 'ReplicaSet', 'cart-5d8f', {}, owned('Deployment', 'cart')), 'ReplicaSet shop/cart-5d8f', "made by its Deployment's controller"],
      [obj('apps/v1', 'ControllerRevision', 'db-1', {}, owned('StatefulSet', 'db')), 'ControllerRevision shop/db-1', "made by its workload's controller"],
      [obj('v1', 'Pod', 'cart-5d8f-x', {}, owned('ReplicaSet', 'cart-5d8f')), 'Pod shop/cart-5d8f-x', "made by its workload's controller"],
      [obj('v1', 'Pod', 'debug'), 'Pod shop/debug', 'bare Pod (no controller): not copied'],
      [obj('v1', 'Endpoints', 'web'), 'Endpoints shop/web', 'endpoints controller'],
      [obj('discovery.k8s.io/v1', 'EndpointSlice', 'web-abcde', {}, owned('Service', 'web')), 'EndpointSlice shop/web-abcde', 'EndpointSlice controller'],
      [obj('v1', 'Event', 'cart.17a'), 'Event shop/cart.17a', 'a record of the source cluster'],
      [obj('events.k8s.io/v1', 'Event', 'cart.17b'), 'Event shop/cart.17b', 'a record of the source cluster'],
      [obj('coordination.k8s.io/v1', 'Lease', 'leader'), 'Lease shop/leader', 'a lock'],
      [obj('v1', 'Service', 'web-managed', { spec: {} }, { ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'WebApp', name: 'web', uid: 'w', controller: true }] }), 'Service shop/web-managed', 'made by its controller WebApp web; copy or recreate the owner instead'],
      [obj('v1', 'PersistentVolumeClaim', 'data-db-0'), 'PersistentVolumeClaim shop/data-db-0', "its data stays in the source cluster's volume"],
      [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', ...server } }, 'Namespace shop', 'created by the wave'],
      [obj('networking.istio.io/v1', 'VirtualService', 'web'), 'VirtualService shop/web', "mesh config: moved by spec.config's import"],
      [obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web'), 'HTTPRoute shop/web', 'mesh config'],
      [obj('batch/v1', 'CronJob', 'report'), 'CronJob shop/report', 'CronJob is not a kind the wave copies'],
    ] as const
  ).map(([o, ref, reason]): Row => ({ name: `${ref}: skipped (${reason})`, opts: { secrets: true, statefulSets: { allowEmptyVolumes: true } }, objects: [o], want: { copy: [], skipped: [{ ref, reason }], requiredSecrets: [] } })),
  {
    name: 'Endpoints of a Service without a selector: skipped as hand-written, not as kept by a controller',
    objects: [obj('v1', 'Service', 'legacy-db', { spec: { ports: [{ port: 5432 }] } }), obj('v1', 'Endpoints', 'legacy-db', { subsets: [{ addresses: [{ ip: '192.0.2.40' }] }] })],
    want: { copy: [{ ref: 'Service shop/legacy-db' }], skipped: [{ ref: 'Endpoints shop/legacy-db', reason: /^written by hand for a Service without a selector/ }] },
  },
  // Secrets the copies need
  { name: 'secrets: false → every Secret the copy references, each reference named; optional references left out', objects: [referencing, serviceAccount('builder', { imagePullSecrets: [{ name: 'pull' }] })], want: { requiredSecrets: referencingRequired } },
  {
    name: 'secrets: true → only the referenced Secrets the plan does not copy (absent from the source, or a token)',
    opts: { secrets: true },
    objects: [referencing, serviceAccount('builder', { imagePullSecrets: [{ name: 'pull' }] }), secret('api'), secret('bundle-a'), secret('db'), secret('pull'), secret('registry'), secret('tls', 'kubernetes.io/service-account-token')],
    want: { requiredSecrets: [{ secret: 'shop/tls', referencedBy: ['Deployment shop/cart: volume certs'] }] },
  },
  { name: 'the default ServiceAccount, not copied, still brings its imagePullSecrets for the workloads that run as it', objects: [deployment(), serviceAccount('default', { imagePullSecrets: [{ name: 'registry' }] })], want: { requiredSecrets: [{ secret: 'shop/registry', referencedBy: ['ServiceAccount shop/default: imagePullSecrets (the ServiceAccount of Deployment shop/cart)'] }] } },
  { name: 'a skipped workload requires nothing', objects: [obj('apps/v1', 'StatefulSet', 'db', { spec: { template: template(podSpec({ volumes: [{ name: 'v', secret: { secretName: 'db-creds' } }] })) } })], want: { requiredSecrets: [] } },
  {
    name: "Gateway credentialName: required where the selected gateway workload runs",
    objects: [gateway({ istio: 'shop-gw' }, 'shop-cert'), obj('apps/v1', 'Deployment', 'shop-gw', { spec: { template: template(podSpec(), { istio: 'shop-gw' }) } }, {}, 'gateways')],
    want: { requiredSecrets: [{ secret: 'gateways/shop-cert', referencedBy: ['Gateway shop/web: credentialName'] }] },
  },
  { name: "Gateway credentialName, no gateway workload among the objects: the Gateway's namespace, saying so", objects: [gateway({ istio: 'ingressgateway' }, 'kubernetes://shop-cert')], want: { requiredSecrets: [{ secret: 'shop/shop-cert', referencedBy: ['Gateway shop/web: credentialName (no gateway workload among these objects: its namespace assumed)'] }] } },
  { name: 'Gateway credentialName in another namespace: not checkable here, not listed', objects: [gateway({ istio: 'ingressgateway' }, 'other/shop-cert')], want: { requiredSecrets: [] } },
];

describe('planCopy', () => {
  it.each(rows)('$name', ({ objects, opts, want }) => {
    const plan = planCopy(objects, { secrets: false, ...opts });
    if (want.copy) {
      expect(plan.copy.map((c) => c.ref)).toEqual(want.copy.map((c) => c.ref));
      want.copy.forEach((w, i) => {
        const got = plan.copy[i]!;
        if (w.object) expect(got.object).toEqual(w.object);
        if (w.createOnly !== undefined) expect(got.createOnly).toBe(w.createOnly);
        if (w.changes) expect(got.changes).toEqual(w.changes);
      });
    }
    if (want.skipped) expect(plan.skipped).toEqual(want.skipped.map((s) => ({ ref: s.ref, reason: typeof s.reason === 'string' ? expect.stringContaining(s.reason) : expect.stringMatching(s.reason) })));
    if (want.requiredSecrets) expect(plan.requiredSecrets).toEqual(want.requiredSecrets);
  });

  it("never holds a Secret's data, in any form: only its digest", () => {
    const objects = [secret('api'), secret('other', 'Opaque', { a: b64(SECRET_VALUE) }), secret('tok', 'kubernetes.io/service-account-token'), referencing];
    for (const secrets of [true, false]) {
      const text = JSON.stringify(planCopy(objects, { secrets }));
      for (const form of [SECRET_VALUE, b64(SECRET_VALUE)]) expect(text).not.toContain(form);
    }
    const copied = planCopy(objects, { secrets: true }).copy.find((c) => c.ref === 'Secret shop/api');
    expect(copied?.dataDigest).toBe(secretDataDigest(secret('api')));
    expect(copied?.dataDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('copies a workload or not by the workload alone: a plan of the workloads alone names the same ones (what Ready and ScalingDown poll)', () => {
    const all = rows.flatMap((r) => r.objects);
    const workload = (o: { kind: string }) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind);
    expect(all.filter(workload).length).toBeGreaterThan(3);
    for (const opts of [{ secrets: false }, { secrets: true, statefulSets: { allowEmptyVolumes: true } }]) {
      const refs = (objects: typeof all) => planCopy(objects, opts).copy.filter((c) => workload(c.object)).map((c) => c.ref);
      expect(refs(all.filter(workload))).toEqual(refs(all));
    }
  });

  it.each([
    ['v1', 'ServiceAccount', 0],
    ['v1', 'Secret', 0],
    ['v1', 'ConfigMap', 0],
    ['rbac.authorization.k8s.io/v1', 'Role', 0],
    ['networking.k8s.io/v1', 'NetworkPolicy', 0],
    ['policy/v1', 'PodDisruptionBudget', 0],
    ['v1', 'Service', 0],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding', 1],
    ['apps/v1', 'Deployment', 2],
    ['apps/v1', 'DaemonSet', 2],
    ['apps/v1', 'StatefulSet', 2],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', 2],
  ] as const)('writes a %s %s in tier %i (what a pod needs or looks up first, the bindings once their Roles exist, the workloads last)', (apiVersion, kind, tier) => {
    expect(writeTier(obj(apiVersion, kind, 'x'))).toBe(tier);
  });

  it('leaves the objects it was given as they were', () => {
    const objects = [service(loadBalancer, { 'service.kubernetes.io/tke-existed-lbid': 'lb-1' }), statefulSet(), secret('api'), deployment()];
    const before = structuredClone(objects);
    planCopy(objects, { secrets: true, statefulSets: { allowEmptyVolumes: true } });
    expect(objects).toEqual(before);
  });
});

describe('secretDataDigest', () => {
  it.each<{ name: string; a: Record<string, string>; b: Record<string, string>; same: boolean }>([
    { name: 'key order does not matter', a: { x: b64('1'), y: b64('2') }, b: { y: b64('2'), x: b64('1') }, same: true },
    { name: 'a different value differs', a: { x: b64('1') }, b: { x: b64('2') }, same: false },
    { name: 'the same value under another key differs', a: { x: b64('1') }, b: { z: b64('1') }, same: false },
  ])('$name', ({ a, b, same }) => {
    const digest = (data: Record<string, string>) => secretDataDigest(secret('s', 'Opaque', data));
    expect(digest(a) === digest(b)).toBe(same);
  });

  it('folds stringData in as the API server stores it', () => {
    const stored = secretDataDigest({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { x: b64('1'), y: b64('old') } });
    const written = secretDataDigest({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { y: b64('old') }, stringData: { x: '1' } });
    const overridden = secretDataDigest({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { x: b64('1'), y: b64('new') }, stringData: { y: 'old' } });
    expect(written).toBe(stored);
    expect(overridden).toBe(stored);
  });
});
