// What a CrossCluster wave copies from the source cluster into the target, cleaned for its new cluster; what it leaves, and why.
import { createHash } from 'node:crypto';
import { PROVIDERS } from '../../install/providers/index.js';
import { matchesMetadataKey, type MetadataKeyMatch } from '../../install/providers/provider.js';
import { GATEWAY_API_KINDS, ISTIO_KINDS, parseApiVersion } from '../../resources/kinds.js';
import { neatObject } from '../../resources/neat.js';
import { identityOf, isPlainObject, type KubeObject } from '../../resources/object.js';
import { isSecret } from '../../resources/secrets.js';

/** A wave's copy options (`workloads` of a CrossCluster MeshMigration, `keepLoadBalancer` from the wave). */
export interface CopyOptions {
  /** StatefulSets are copied only with `allowEmptyVolumes: true`: the copy starts on empty volumes. */
  statefulSets?: { allowEmptyVolumes: boolean };
  /** Copy Secrets (create-only). When false, the Secrets the copies reference must already exist in the target. */
  secrets: boolean;
  /** Keep `type: LoadBalancer` (a new load balancer in the target); by default such Services become ClusterIP. */
  keepLoadBalancer?: boolean;
}

/** One object to server-side apply in the target. */
export interface PlannedCopy {
  /** `Kind namespace/name`. */
  ref: string;
  /**
   * The cleaned object. A Secret's carries no data: the step that applies it reads the Secret again from the source
   * and writes it only when `secretDataDigest` of what it read still equals `dataDigest`.
   */
  object: KubeObject;
  /** Create it only when it is absent; an existing object in the target is never overwritten (Secrets). */
  createOnly: boolean;
  /** Secrets: `sha256:<hex>` of the source data, what the journal records instead of the data. */
  dataDigest?: string;
  /** What the copy changed on the way, one line each, for `plan` to show. */
  changes: string[];
}

/** An object of the wave's namespaces that is not copied. */
export interface SkippedObject {
  ref: string;
  /** One line: why, and what to do if it is wanted. */
  reason: string;
}

/** A Secret the copies need that the plan does not copy: it must exist in the target before the wave starts. */
export interface RequiredSecret {
  /** `namespace/name`. */
  secret: string;
  /** Each reference, e.g. `Deployment shop/cart: volume certs`. */
  referencedBy: string[];
}

export interface CopyPlan {
  /** In apply order: what pods need (ServiceAccounts, Secrets, ConfigMaps, RBAC, NetworkPolicies) before the workloads. */
  copy: PlannedCopy[];
  skipped: SkippedObject[];
  requiredSecrets: RequiredSecret[];
}

/**
 * Service metadata keys (annotations, and labels some cloud controllers write) that bind a Service to one live load
 * balancer or address: every provider's `reuseAnnotations` (src/install/providers, each list citing its vendor's
 * page). A copy that kept one would have the target's cloud controller take over, or fight for, the load balancer the
 * source still serves on, so they are never copied. spec.loadBalancerIP, the core field for the same thing, is
 * dropped as well.
 */
const LOAD_BALANCER_REUSE: readonly MetadataKeyMatch[] = Object.values(PROVIDERS).flatMap((p) => p.reuseAnnotations);

/** The exact keys of `LOAD_BALANCER_REUSE`, for callers that list them. */
export const LOAD_BALANCER_REUSE_KEYS: readonly string[] = [...new Set(LOAD_BALANCER_REUSE.flatMap((m) => ('key' in m ? [m.key] : [])))];

/** Whether a Service metadata key binds it to a live load balancer or address. */
export function isLoadBalancerReuseKey(key: string): boolean {
  return LOAD_BALANCER_REUSE.some((m) => matchesMetadataKey(m, key));
}

/**
 * Set to `"true"` on a source Service to keep its node ports (ports[].nodePort, healthCheckNodePort) in the copy.
 * The API server allocates them when they are not given, and a live object does not tell an allocated port from one
 * the user chose; only a user whose firewall or outside load balancer targets fixed node ports needs them, so they
 * say so. meshferry had no convention for this before.
 */
export const KEEP_NODE_PORTS_ANNOTATION = 'meshferry.dev/keep-node-ports';

/**
 * Annotations the API server writes that neat keeps: the DaemonSet registry's template generation, and the status
 * an autoscaling/v1 HPA carries in annotations. Applied to a new cluster they would contradict its own.
 */
const SERVER_SET_ANNOTATIONS = [
  'deprecated.daemonset.template.generation',
  'autoscaling.alpha.kubernetes.io/conditions',
  'autoscaling.alpha.kubernetes.io/current-metrics',
];

/**
 * Copyable kinds (group/Kind) in the tiers a wave writes them (journaledWrites: a tier is answered before the next one
 * starts), and in apply order within a tier:
 * 0. What a pod needs or what must govern it from its first moment: its ServiceAccount, volumes, Roles, the
 *    NetworkPolicies that restrict it, the budget that guards it, and the Services it may look up when it starts (the
 *    kubelet sets `<SERVICE>_SERVICE_HOST` variables only for Services that exist then).
 * 1. RoleBindings, once their Roles exist: the API server refuses a binding to a Role it cannot see unless the writer
 *    may `bind`.
 * 2. The workloads, then their autoscalers.
 */
const TIERS: readonly (readonly string[])[] = [
  ['/ServiceAccount', '/Secret', '/ConfigMap', 'rbac.authorization.k8s.io/Role', 'networking.k8s.io/NetworkPolicy', 'policy/PodDisruptionBudget', '/Service'],
  ['rbac.authorization.k8s.io/RoleBinding'],
  ['apps/Deployment', 'apps/DaemonSet', 'apps/StatefulSet', 'autoscaling/HorizontalPodAutoscaler'],
];
const APPLY_ORDER = TIERS.flat();

/** The tier a wave writes a copy in (TIERS); every tier before it is answered first. */
export function writeTier(obj: KubeObject): number {
  return TIERS.findIndex((t) => t.includes(groupKind(obj)));
}

/** Kinds a controller keeps, in either cluster: the target's controllers make their own. */
const CONTROLLER_KEPT: Record<string, string> = {
  'apps/ReplicaSet': "made by its Deployment's controller in the target",
  'apps/ControllerRevision': "made by its workload's controller in the target",
  '/Endpoints': "kept by the endpoints controller from the Service's pods in the target",
  'discovery.k8s.io/EndpointSlice': "kept by the EndpointSlice controller from the Service's pods in the target",
  '/Event': 'a record of the source cluster',
  'events.k8s.io/Event': 'a record of the source cluster',
  'coordination.k8s.io/Lease': "a lock of a process that runs in the source cluster",
};

/** ConfigMaps written into every namespace by a controller. */
const CONTROLLER_CONFIGMAPS: Record<string, string> = {
  'kube-root-ca.crt': "published into every namespace by kube-controller-manager (the cluster's CA); the target has its own",
  'istio-ca-root-cert': "written into every namespace by istiod (the mesh's root certificate); the target's istiod writes its own",
  // istio pilot/pkg/serviceregistry/kube/controller/namespacecontroller.go (CRLNamespaceConfigMap, PILOT_CRL_CONFIGMAP).
  'istio-ca-crl': "written into every namespace by istiod when its plugged-in CA has a revocation list; the target's istiod writes its own",
};

const SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';
/** The groups `export` and spec.config's import move (Istio and Gateway API config). */
const MESH_CONFIG_GROUPS = new Set([...ISTIO_KINDS, ...GATEWAY_API_KINDS].map((k) => k.group));

type Json = Record<string, unknown>;

/**
 * Splits the objects of a wave's namespaces, as read from the source cluster, into what to copy (neat, then cleaned
 * of what belongs to the source cluster), what not to copy and why, and the Secrets the copies need but the plan
 * does not bring. Pure: the same objects and options give the same plan. Secret data never reaches the plan.
 *
 * Pod templates are copied as they are: the target namespace's opt-in label decides which revision injects, so a
 * revision label on a template is the user's and stays.
 */
export function planCopy(objects: readonly KubeObject[], opts: CopyOptions): CopyPlan {
  const copy: PlannedCopy[] = [];
  const skipped: SkippedObject[] = [];
  const tokenSecrets = new Set(objects.filter((o) => isSecret(o) && o.type === SERVICE_ACCOUNT_TOKEN).map(nsName));
  const selectorless = new Set(objects.filter((o) => groupKind(o) === '/Service' && isPlainObject(o.spec) && o.spec.selector === undefined).map(nsName));
  for (const obj of objects) {
    const ref = identityOf(obj);
    const reason = skipReason(obj, opts, selectorless);
    if (reason !== undefined) skipped.push({ ref, reason });
    else copy.push(cleanCopy(obj, ref, opts, tokenSecrets));
  }
  copy.sort((a, b) => APPLY_ORDER.indexOf(groupKind(a.object)) - APPLY_ORDER.indexOf(groupKind(b.object)) || a.ref.localeCompare(b.ref));
  skipped.sort((a, b) => a.ref.localeCompare(b.ref));
  return { copy, skipped, requiredSecrets: requiredSecrets(objects, copy) };
}

/** `sha256:<hex>` of a Secret's data (stringData folded in as the API server does), keys sorted: equal data, equal digest. */
export function secretDataDigest(secret: KubeObject): string {
  const data = new Map<string, string>();
  if (isPlainObject(secret.data))
    for (const [k, v] of Object.entries(secret.data)) if (typeof v === 'string') data.set(k, Buffer.from(v, 'base64').toString('base64'));
  // stringData wins over data for the same key (pkg/apis/core/v1/conversion.go).
  if (isPlainObject(secret.stringData))
    for (const [k, v] of Object.entries(secret.stringData)) if (typeof v === 'string') data.set(k, Buffer.from(v, 'utf8').toString('base64'));
  const canonical = JSON.stringify([...data].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

function skipReason(obj: KubeObject, opts: CopyOptions, selectorless: ReadonlySet<string>): string | undefined {
  const gk = groupKind(obj);
  const group = parseApiVersion(obj.apiVersion).group;
  // No controller keeps these: someone wrote them, and their addresses are the source network's to judge.
  if (gk === '/Endpoints' && selectorless.has(nsName(obj)))
    return "written by hand for a Service without a selector: not copied, its addresses are the source network's; recreate it in the target if they still apply";
  const kept = CONTROLLER_KEPT[gk];
  if (kept) return `${kept}; never copied`;
  if (gk === '/Pod')
    return controllerOf(obj)
      ? "made by its workload's controller in the target; never copied"
      : 'bare Pod (no controller): not copied; create it in the target yourself';
  if (gk === '/ConfigMap' && CONTROLLER_CONFIGMAPS[obj.metadata.name]) return `${CONTROLLER_CONFIGMAPS[obj.metadata.name]}; never copied`;
  if (gk === '/Namespace') return "created by the wave in the target with the target's opt-in labels";
  if (gk === '/PersistentVolumeClaim') return "its data stays in the source cluster's volume; a copied claim would be an empty volume";
  if (MESH_CONFIG_GROUPS.has(group)) return "mesh config: moved by spec.config's import in Prepare, not by the wave";
  if (!APPLY_ORDER.includes(gk))
    return `${obj.kind} is not a kind the wave copies (it copies Deployments, DaemonSets, StatefulSets, Services, ServiceAccounts, ConfigMaps, Secrets, Roles, RoleBindings, HorizontalPodAutoscalers, PodDisruptionBudgets and NetworkPolicies); move it yourself`;
  const owner = controllerOf(obj);
  // A controller in the target would make its own, or find an orphan it does not own: move the owner instead.
  if (owner) return `made by its controller ${owner}; copy or recreate the owner instead`;
  if (gk === '/ServiceAccount' && obj.metadata.name === 'default') {
    const pulls = namesIn(obj.imagePullSecrets);
    // The ServiceAccount controller makes one in every namespace; applying over it would make meshferry a co-owner of
    // an object it did not create, which rollback could then neither delete nor restore from its own record.
    return `the target namespace has its own default ServiceAccount (made by the ServiceAccount controller)${pulls.length ? `; its imagePullSecrets (${pulls.join(', ')}) are not carried over: add them to the target's` : ''}`;
  }
  if (gk === '/Secret') {
    if (obj.type === SERVICE_ACCOUNT_TOKEN)
      return "a ServiceAccount token of the source cluster: the target issues its own, and a copy would carry a credential for the source's API server; never copied";
    if (!opts.secrets) return 'Secrets are copied only with secrets: true; it must exist in the target if a copy uses it';
  }
  if (gk === 'apps/StatefulSet' && opts.statefulSets?.allowEmptyVolumes !== true)
    return 'a copy would start on empty volumes: set statefulSets: {allowEmptyVolumes: true} to copy it anyway, or move it and its data yourself';
  return undefined;
}

function cleanCopy(source: KubeObject, ref: string, opts: CopyOptions, tokenSecrets: ReadonlySet<string>): PlannedCopy {
  // neat redacts a Secret, so its data is gone from here on; the digest is taken from the source first.
  const dataDigest = isSecret(source) ? secretDataDigest(source) : undefined;
  const object = neatObject(source);
  const changes: string[] = [];
  const annotations = object.metadata.annotations;
  if (annotations) for (const k of SERVER_SET_ANNOTATIONS) delete annotations[k];
  switch (groupKind(object)) {
    case '/Service':
      cleanService(object, opts, changes);
      break;
    case '/ServiceAccount':
      dropTokenSecrets(object, tokenSecrets, changes);
      break;
    case 'apps/StatefulSet':
      cleanClaimTemplates(object);
      changes.push('starts on empty volumes (statefulSets.allowEmptyVolumes)');
      break;
  }
  tidyMetadata(object);
  markIfBare(object, changes);
  return { ref, object, createOnly: dataDigest !== undefined, ...(dataDigest !== undefined ? { dataDigest } : {}), changes };
}

function cleanService(svc: KubeObject, opts: CopyOptions, changes: string[]): void {
  for (const field of ['annotations', 'labels'] as const) {
    const map = svc.metadata[field];
    if (!map) continue;
    // In the source's key order, so the changes read like the object.
    for (const k of Object.keys(map))
      if (isLoadBalancerReuseKey(k)) {
        delete map[k];
        changes.push(`${field === 'labels' ? 'label' : 'annotation'} ${k} dropped: it binds the Service to the source's live load balancer or address`);
      }
  }
  const spec = isPlainObject(svc.spec) ? svc.spec : undefined;
  if (!spec) return;
  if (spec.loadBalancerIP !== undefined) {
    delete spec.loadBalancerIP;
    changes.push("spec.loadBalancerIP dropped: it is an address of the source's load balancer");
  }
  if (Array.isArray(spec.externalIPs) && spec.externalIPs.length) {
    delete spec.externalIPs;
    changes.push("spec.externalIPs dropped: they are addresses routed to the source cluster's nodes");
  }
  if (spec.type === 'LoadBalancer' && !opts.keepLoadBalancer) {
    // What validation accepts only on externally reachable Services goes with the type (pkg/apis/core/validation).
    for (const k of ['type', 'externalTrafficPolicy', 'loadBalancerSourceRanges', 'loadBalancerClass', 'allocateLoadBalancerNodePorts']) delete spec[k];
    changes.push('type LoadBalancer became ClusterIP (the wave may keep it with keepLoadBalancer)');
  }
  const pinned = svc.metadata.annotations?.[KEEP_NODE_PORTS_ANNOTATION] === 'true';
  const nodePortsAllowed = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (pinned && nodePortsAllowed) return;
  const ports = Array.isArray(spec.ports) ? spec.ports.filter(isPlainObject) : [];
  const hadNodePorts = ports.some((p) => p.nodePort !== undefined) || spec.healthCheckNodePort !== undefined;
  for (const p of ports) delete p.nodePort;
  delete spec.healthCheckNodePort;
  if (hadNodePorts)
    changes.push(
      pinned
        ? `node ports dropped despite ${KEEP_NODE_PORTS_ANNOTATION}: a ClusterIP Service has none`
        : `node ports dropped: the target allocates its own (annotate the source Service ${KEEP_NODE_PORTS_ANNOTATION}: "true" to keep them)`,
    );
}

/** The legacy token Secrets the source's token controller listed; the target lists its own, if any. */
function dropTokenSecrets(sa: KubeObject, tokenSecrets: ReadonlySet<string>, changes: string[]): void {
  if (!Array.isArray(sa.secrets)) return;
  const ns = sa.metadata.namespace ?? '';
  const kept = sa.secrets.filter((s) => !(isPlainObject(s) && typeof s.name === 'string' && tokenSecrets.has(`${ns}/${s.name}`)));
  if (kept.length === sa.secrets.length) return;
  changes.push('secrets: the source\'s ServiceAccount token Secrets dropped');
  if (kept.length) sa.secrets = kept;
  else delete sa.secrets;
}

function cleanClaimTemplates(sts: KubeObject): void {
  const spec = isPlainObject(sts.spec) ? sts.spec : {};
  for (const t of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    if (!isPlainObject(t)) continue;
    delete t.status;
    if (isPlainObject(t.metadata) && t.metadata.creationTimestamp === null) delete t.metadata.creationTimestamp;
  }
}

/** The annotation a copy that would otherwise hold nothing but its name gets (`markIfBare`). */
export const COPIED_ANNOTATION = 'meshferry.dev/copied';

/**
 * A copy with no field but its identity (a bare ServiceAccount) leaves no managedFields entry for meshferry: the API
 * server drops an applier's empty field set. Rollback deletes only what carries meshferry's write, so it would leave
 * such a copy behind; one annotation gives meshferry a field to own.
 */
function markIfBare(obj: KubeObject, changes: string[]): void {
  const meta = obj.metadata;
  const bare = Object.keys(obj).every((k) => k === 'apiVersion' || k === 'kind' || k === 'metadata') && Object.keys(meta).every((k) => k === 'name' || k === 'namespace');
  if (!bare) return;
  meta.annotations = { [COPIED_ANNOTATION]: 'true' };
  changes.push(`annotation ${COPIED_ANNOTATION}: the copy has no other field, and rollback deletes only what carries meshferry's write`);
}

function tidyMetadata(obj: KubeObject): void {
  for (const k of ['annotations', 'labels'] as const) if (obj.metadata[k] && Object.keys(obj.metadata[k]).length === 0) delete obj.metadata[k];
}

/**
 * Secrets the copies reference but the plan does not copy (all of them with secrets: false). Optional references
 * are left out: a pod starts without them. Driver-specific references (CSI nodePublishSecretRef, …) are not read.
 */
function requiredSecrets(objects: readonly KubeObject[], copy: readonly PlannedCopy[]): RequiredSecret[] {
  const copied = new Set(copy.map((c) => c.ref));
  const copiedSecrets = new Set(copy.filter((c) => isSecret(c.object)).map((c) => nsName(c.object)));
  const refs = new Map<string, string[]>();
  const add = (ns: string, name: unknown, where: string) => {
    if (typeof name !== 'string' || name === '') return;
    const key = `${ns}/${name}`;
    if (copiedSecrets.has(key)) return;
    const list = refs.get(key) ?? [];
    if (!list.includes(where)) list.push(where);
    refs.set(key, list);
  };
  const serviceAccounts = new Map(objects.filter((o) => groupKind(o) === '/ServiceAccount').map((o) => [nsName(o), o]));
  const templates: { ns: string; labels: Json }[] = [];
  for (const obj of objects) {
    const pod = podTemplateOf(obj);
    if (!pod) continue;
    const ns = obj.metadata.namespace ?? '';
    templates.push({ ns, labels: pod.labels });
    const ref = identityOf(obj);
    if (!copied.has(ref)) continue;
    podSecretRefs(pod.spec, (name, where) => add(ns, name, `${ref}: ${where}`));
    const saName = typeof pod.spec.serviceAccountName === 'string' && pod.spec.serviceAccountName ? pod.spec.serviceAccountName : 'default';
    const sa = serviceAccounts.get(`${ns}/${saName}`);
    if (sa) for (const name of namesIn(sa.imagePullSecrets)) add(ns, name, `${identityOf(sa)}: imagePullSecrets (the ServiceAccount of ${ref})`);
  }
  for (const gw of objects.filter((o) => groupKind(o) === 'networking.istio.io/Gateway')) gatewayCredentials(gw, templates, add);
  return [...refs].sort(([a], [b]) => a.localeCompare(b)).map(([secret, referencedBy]) => ({ secret, referencedBy }));
}

function podSecretRefs(spec: Json, add: (name: unknown, where: string) => void): void {
  for (const key of ['initContainers', 'containers', 'ephemeralContainers'])
    for (const c of Array.isArray(spec[key]) ? spec[key].filter(isPlainObject) : []) {
      const container = typeof c.name === 'string' ? c.name : '?';
      for (const e of Array.isArray(c.env) ? c.env.filter(isPlainObject) : []) {
        const ref = isPlainObject(e.valueFrom) && isPlainObject(e.valueFrom.secretKeyRef) ? e.valueFrom.secretKeyRef : undefined;
        if (ref && ref.optional !== true) add(ref.name, `env ${String(e.name)} of container ${container}`);
      }
      for (const e of Array.isArray(c.envFrom) ? c.envFrom.filter(isPlainObject) : [])
        if (isPlainObject(e.secretRef) && e.secretRef.optional !== true) add(e.secretRef.name, `envFrom of container ${container}`);
    }
  for (const v of Array.isArray(spec.volumes) ? spec.volumes.filter(isPlainObject) : []) {
    const volume = typeof v.name === 'string' ? v.name : '?';
    if (isPlainObject(v.secret) && v.secret.optional !== true) add(v.secret.secretName, `volume ${volume}`);
    const sources = isPlainObject(v.projected) && Array.isArray(v.projected.sources) ? v.projected.sources.filter(isPlainObject) : [];
    for (const s of sources) if (isPlainObject(s.secret) && s.secret.optional !== true) add(s.secret.name, `projected volume ${volume}`);
  }
  for (const name of namesIn(spec.imagePullSecrets)) add(name, 'imagePullSecrets');
}

/**
 * Istio reads a Gateway's credentialName from the namespace of the gateway pods, found here among the wave's
 * workloads by the Gateway's selector; when none matches, the Gateway's own namespace is assumed (as the
 * gateway.SecretAnalyzer does). A name with a namespace or a provider (`ns/name`, `x://…`) is not checkable here.
 */
function gatewayCredentials(gw: KubeObject, templates: readonly { ns: string; labels: Json }[], add: (ns: string, name: unknown, where: string) => void): void {
  const spec = isPlainObject(gw.spec) ? gw.spec : {};
  const selector = isPlainObject(spec.selector) ? Object.entries(spec.selector) : [];
  const matched = selector.length ? [...new Set(templates.filter((t) => selector.every(([k, v]) => t.labels[k] === v)).map((t) => t.ns))] : [];
  const own = gw.metadata.namespace ?? '';
  const namespaces = matched.length ? matched : [own];
  const assumed = matched.length ? '' : ' (no gateway workload among these objects: its namespace assumed)';
  for (const server of Array.isArray(spec.servers) ? spec.servers.filter(isPlainObject) : []) {
    const tls = isPlainObject(server.tls) ? server.tls : {};
    const names = [tls.credentialName, ...(Array.isArray(tls.credentialNames) ? tls.credentialNames : [])];
    for (const n of names) {
      if (typeof n !== 'string') continue;
      const name = n.replace(/^kubernetes:\/\//, '');
      if (name.includes('/') || name.includes(':')) continue;
      for (const ns of namespaces) add(ns, name, `${identityOf(gw)}: credentialName${assumed}`);
    }
  }
}

function podTemplateOf(obj: KubeObject): { spec: Json; labels: Json } | undefined {
  const gk = groupKind(obj);
  if (gk !== 'apps/Deployment' && gk !== 'apps/DaemonSet' && gk !== 'apps/StatefulSet') return undefined;
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const template = isPlainObject(spec.template) ? spec.template : {};
  const meta = isPlainObject(template.metadata) ? template.metadata : {};
  return { spec: isPlainObject(template.spec) ? template.spec : {}, labels: isPlainObject(meta.labels) ? meta.labels : {} };
}

/** `Kind name` of the controller in ownerReferences, if any. */
function controllerOf(obj: KubeObject): string | undefined {
  const owners = Array.isArray(obj.metadata.ownerReferences) ? obj.metadata.ownerReferences.filter(isPlainObject) : [];
  const c = owners.find((r) => r.controller === true);
  return c ? `${String(c.kind)} ${String(c.name)}` : undefined;
}

function namesIn(list: unknown): string[] {
  return (Array.isArray(list) ? list : []).flatMap((r) => (isPlainObject(r) && typeof r.name === 'string' && r.name ? [r.name] : []));
}

function groupKind(obj: KubeObject): string {
  return `${parseApiVersion(obj.apiVersion).group}/${obj.kind}`;
}

function nsName(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}
