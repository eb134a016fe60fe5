// Which Secrets a wave's workloads and Gateways reference, and which required ones the target cluster lacks (secrets: false).
import { identityOf, isPlainObject, type KubeObject } from '../../resources/object.js';
import { parseApiVersion } from '../../resources/kinds.js';

type Json = Record<string, unknown>;

/** One reference to a Secret, from one field of one object. */
export interface SecretRef {
  namespace: string;
  name: string;
  /** `Kind namespace/name` of the object holding the reference. */
  referrer: string;
  /** Field path inside the referrer, e.g. `spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef`. */
  path: string;
  /** `optional: true`: a pod starts without it, so its absence stops nothing. */
  optional: boolean;
  /**
   * Gateways only: no gateway workload among the inputs matched the Gateway's selector, so the Secret's namespace is
   * the Gateway's own, a guess (the same one istioctl's gateway.SecretAnalyzer makes).
   */
  namespaceAssumed?: boolean;
}

/** What a wave brings: its workloads (Deployments, DaemonSets, StatefulSets, ServiceAccounts) and the Gateways that apply to it. */
export interface SecretRefSources {
  workloads: readonly KubeObject[];
  /** networking.istio.io Gateways; their `selector` is matched against the pod template labels of `workloads`. */
  gateways: readonly KubeObject[];
}

const POD_TEMPLATE_KINDS = new Set(['apps/Deployment', 'apps/DaemonSet', 'apps/StatefulSet']);
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
const TEMPLATE_PATH = 'spec.template.spec';

/**
 * Every Secret reference of the workloads' pod templates (all container lists, volumes, imagePullSecrets), of the
 * ServiceAccounts' imagePullSecrets, and of the Gateways' TLS credentials. Duplicates (same Secret, referrer and
 * path) are listed once; the result is sorted by Secret, then referrer, then path. Pure.
 */
export function secretRefs(sources: SecretRefSources): SecretRef[] {
  const out = new Map<string, SecretRef>();
  const add = (ref: SecretRef) => {
    if (ref.name === '') return;
    out.set(JSON.stringify([ref.namespace, ref.name, ref.referrer, ref.path]), ref);
  };
  const templates: { namespace: string; labels: Json }[] = [];
  for (const obj of sources.workloads) {
    const namespace = obj.metadata.namespace ?? '';
    const referrer = identityOf(obj);
    const gk = groupKind(obj);
    if (gk === '/ServiceAccount') {
      namesAt(obj.imagePullSecrets, 'imagePullSecrets', (name, path) => add({ namespace, name, referrer, path, optional: false }));
      continue;
    }
    if (!POD_TEMPLATE_KINDS.has(gk)) continue;
    const template = isPlainObject(obj.spec) && isPlainObject(obj.spec.template) ? obj.spec.template : {};
    const meta = isPlainObject(template.metadata) ? template.metadata : {};
    templates.push({ namespace, labels: isPlainObject(meta.labels) ? meta.labels : {} });
    podSpecRefs(isPlainObject(template.spec) ? template.spec : {}, (name, path, optional) => add({ namespace, name, referrer, path, optional }));
  }
  for (const gw of sources.gateways) gatewayRefs(gw, templates, add);
  return [...out.values()].sort(
    (a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name) || cmp(a.referrer, b.referrer) || cmp(a.path, b.path),
  );
}

/**
 * The Secrets that at least one reference requires (not `optional`) and that are absent from `existing` (`namespace/name`
 * of the target's Secrets): one message per Secret, naming `ns/name` and every referrer with its field path.
 */
export function missingSecrets(refs: readonly SecretRef[], existing: ReadonlySet<string>): string[] {
  const bySecret = new Map<string, SecretRef[]>();
  for (const r of refs) {
    const key = `${r.namespace}/${r.name}`;
    bySecret.set(key, [...(bySecret.get(key) ?? []), r]);
  }
  const messages: string[] = [];
  for (const [key, list] of [...bySecret].sort(([a], [b]) => cmp(a, b))) {
    if (existing.has(key) || list.every((r) => r.optional)) continue;
    const referrers = list
      .filter((r) => !r.optional)
      .map((r) => `${r.referrer} (${r.path}${r.namespaceAssumed ? "; no gateway workload matched its selector, so the Gateway's namespace is assumed" : ''})`);
    messages.push(`Secret ${key} is missing in the target cluster; referenced by ${referrers.join(', ')}. Create it there before the wave starts, or set workloads.secrets: true to copy it.`);
  }
  return messages;
}

function podSpecRefs(spec: Json, add: (name: string, path: string, optional: boolean) => void): void {
  for (const list of CONTAINER_LISTS) {
    const containers = Array.isArray(spec[list]) ? spec[list] : [];
    containers.forEach((c, ci) => {
      if (!isPlainObject(c)) return;
      const at = `${TEMPLATE_PATH}.${list}[${ci}]`;
      (Array.isArray(c.env) ? c.env : []).forEach((e, ei) => {
        const ref = isPlainObject(e) && isPlainObject(e.valueFrom) && isPlainObject(e.valueFrom.secretKeyRef) ? e.valueFrom.secretKeyRef : undefined;
        if (ref && typeof ref.name === 'string') add(ref.name, `${at}.env[${ei}].valueFrom.secretKeyRef`, ref.optional === true);
      });
      (Array.isArray(c.envFrom) ? c.envFrom : []).forEach((e, ei) => {
        const ref = isPlainObject(e) && isPlainObject(e.secretRef) ? e.secretRef : undefined;
        if (ref && typeof ref.name === 'string') add(ref.name, `${at}.envFrom[${ei}].secretRef`, ref.optional === true);
      });
    });
  }
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v, vi) => {
    if (!isPlainObject(v)) return;
    const at = `${TEMPLATE_PATH}.volumes[${vi}]`;
    if (isPlainObject(v.secret) && typeof v.secret.secretName === 'string') add(v.secret.secretName, `${at}.secret`, v.secret.optional === true);
    const sources = isPlainObject(v.projected) && Array.isArray(v.projected.sources) ? v.projected.sources : [];
    sources.forEach((s, si) => {
      if (isPlainObject(s) && isPlainObject(s.secret) && typeof s.secret.name === 'string')
        add(s.secret.name, `${at}.projected.sources[${si}].secret`, s.secret.optional === true);
    });
  });
  namesAt(spec.imagePullSecrets, `${TEMPLATE_PATH}.imagePullSecrets`, (name, path) => add(name, path, false));
}

/**
 * A Gateway's `tls.credentialName`, `tls.credentialNames` (istio.io/api v1.31 gateway.proto, field 14) and
 * `tls.caCertCredentialName`. Istio resolves a name without a namespace in the namespace of the gateway proxy that
 * serves it, not the Gateway's (istio pilot/pkg/model/credentials/resource.go, ToResourceName and ParseResourceName:
 * `kubernetes://name` → proxy namespace; `kubernetes://ns/name` and bare `ns/name` → ns). `configmap://` names a
 * ConfigMap, `builtin://` and `invalid://` no object, and `kubernetes-gateway://` is written by istiod for Gateway
 * API listeners (read from the config cluster): none of these is a Secret the wave's cluster must hold.
 */
function gatewayRefs(gw: KubeObject, templates: readonly { namespace: string; labels: Json }[], add: (ref: SecretRef) => void): void {
  const spec = isPlainObject(gw.spec) ? gw.spec : {};
  const selector = isPlainObject(spec.selector) ? Object.entries(spec.selector) : [];
  const matched = selector.length
    ? [...new Set(templates.filter((t) => selector.every(([k, v]) => t.labels[k] === v)).map((t) => t.namespace))]
    : [];
  const proxyNamespaces = matched.length ? matched : [gw.metadata.namespace ?? ''];
  const referrer = identityOf(gw);
  (Array.isArray(spec.servers) ? spec.servers : []).forEach((server, si) => {
    const tls = isPlainObject(server) && isPlainObject(server.tls) ? server.tls : undefined;
    if (!tls) return;
    const at = `spec.servers[${si}].tls`;
    const named: [unknown, string][] = [
      [tls.credentialName, `${at}.credentialName`],
      ...(Array.isArray(tls.credentialNames) ? tls.credentialNames.map((n, i): [unknown, string] => [n, `${at}.credentialNames[${i}]`]) : []),
      [tls.caCertCredentialName, `${at}.caCertCredentialName`],
    ];
    for (const [value, path] of named) {
      if (typeof value !== 'string' || value === '') continue;
      const parsed = parseCredentialName(value);
      if (!parsed) continue;
      if (parsed.namespace !== undefined) add({ namespace: parsed.namespace, name: parsed.name, referrer, path, optional: false });
      else
        for (const namespace of proxyNamespaces)
          add({ namespace, name: parsed.name, referrer, path, optional: false, ...(matched.length ? {} : { namespaceAssumed: true }) });
    }
  });
}

/** A credential name as Istio reads it: a Kubernetes Secret with or without its namespace, or undefined for any other kind. */
function parseCredentialName(value: string): { namespace?: string; name: string } | undefined {
  let rest = value;
  if (value.startsWith('kubernetes://')) rest = value.slice('kubernetes://'.length);
  else if (value.includes('://')) return undefined;
  // Istio splits on "/" and takes the first two parts (resource.go ParseResourceName).
  const parts = rest.split('/');
  if (parts.length > 1) return parts[0] && parts[1] ? { namespace: parts[0], name: parts[1] } : undefined;
  return { name: parts[0] ?? '' };
}

function namesAt(list: unknown, path: string, add: (name: string, path: string) => void): void {
  (Array.isArray(list) ? list : []).forEach((r, i) => {
    if (isPlainObject(r) && typeof r.name === 'string') add(r.name, `${path}[${i}]`);
  });
}

function groupKind(obj: KubeObject): string {
  return `${parseApiVersion(obj.apiVersion).group}/${obj.kind}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
