// Reads what is left of a source mesh in one cluster into a SourceResidueSnapshot (webhooks, istiod, gateways and their Services, Istio CRDs with counts, labelled namespaces).
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { controlPlanesFrom, type ControlPlane } from '../cluster/control-planes.js';
import { podInjection } from '../cluster/injection.js';
import { isLoadBalancerReuseKey } from '../cross/copy-plan.js';
import type { MeshMigrationSpec } from '../spec.js';
import type { DecommissionSource, ResidueCrd, ResidueGateway, ResidueIstiod, ResidueNamespace, ResidueService, SourceResidueSnapshot } from './decommission.js';

/** Which control planes are the source: its revisions (InPlace: the one being left), or every one in the cluster (a CrossCluster source cluster is the old mesh as a whole). */
export interface ResidueScope {
  revisions: readonly string[] | 'all';
  /** The kube context the objects come from; every runbook command names it. */
  context?: string;
}

/** The objects the snapshot is made from: what readSourceResidue lists, in one place so the mapping is a pure function. */
export interface ResidueObjects {
  mutatingWebhooks: readonly KubeObject[];
  validatingWebhooks: readonly KubeObject[];
  /** Deployments of every namespace. */
  deployments: readonly KubeObject[];
  /** Services of every namespace. */
  services: readonly KubeObject[];
  /** Pods of every namespace (their injection annotations and phase). */
  pods: readonly KubeObject[];
  /** Namespaces (metadata only is enough). */
  namespaces: readonly KubeObject[];
  /** `*.istio.io` CRDs and the number of custom resources of each. */
  crds: readonly { crd: KubeObject; count: number }[];
}

const INJECTION = 'istio-injection';
const REV = 'istio.io/rev';

/** Whether a CRD group is Istio's (`networking.istio.io`, `security.istio.io`, ..., or `istio.io` itself). */
export function isIstioGroup(group: string): boolean {
  return group === 'istio.io' || group.endsWith('.istio.io');
}

/**
 * The Istio version of an istiod image (`docker.io/istio/pilot:1.18.5`, `…:1.18.5-distroless`, `…@sha256:…`):
 * the `X.Y.Z` the tag starts with, or undefined when the tag says no version (a digest, `latest`, a vendor build).
 */
export function istioVersionOf(image: string): string | undefined {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  if (colon < 0 || ref.slice(colon).includes('/')) return undefined;
  return /^(\d+\.\d+\.\d+)(?:$|[-+_.])/.exec(ref.slice(colon + 1))?.[1];
}

function stringMap(v: unknown): Record<string, string> {
  return isPlainObject(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
}

function templateMeta(d: KubeObject): { labels: Record<string, string>; annotations: Record<string, string> } {
  const spec = isPlainObject(d.spec) ? d.spec : {};
  const meta = isPlainObject(spec.template) && isPlainObject(spec.template.metadata) ? spec.template.metadata : {};
  return { labels: stringMap(meta.labels), annotations: stringMap(meta.annotations) };
}

/**
 * A gateway Deployment, by the rule of `Workload.gateway` (cluster/workloads.ts): injected with the gateway template,
 * or labelled `istio=…` with `sidecar.istio.io/inject=true`. Repeated here because that reader lists pods per
 * namespace, and the residue reads every namespace at once.
 */
function isGateway(d: KubeObject): boolean {
  const { labels, annotations } = templateMeta(d);
  const templates = (annotations['inject.istio.io/templates'] ?? '').split(',').map((s) => s.trim());
  return templates.includes('gateway') || (labels.istio !== undefined && labels['sidecar.istio.io/inject'] === 'true');
}

/** Selector labels of a Deployment (matchLabels only: gateways select by labels). */
function matchLabelsOf(d: KubeObject): Record<string, string> {
  const spec = isPlainObject(d.spec) ? d.spec : {};
  return isPlainObject(spec.selector) ? stringMap(spec.selector.matchLabels) : {};
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

/** The revision an `istio.io/rev` value means: a tag resolves to the revision it points at. */
function revisionOfValue(value: string, cps: readonly ControlPlane[]): string {
  return cps.find((cp) => cp.tags.includes(value))?.revision ?? value;
}

function serviceOf(s: KubeObject): ResidueService {
  const spec = isPlainObject(s.spec) ? s.spec : {};
  const status = isPlainObject(s.status) ? s.status : {};
  const lb = isPlainObject(status.loadBalancer) ? status.loadBalancer : {};
  const ingress = Array.isArray(lb.ingress) ? lb.ingress.filter(isPlainObject) : [];
  const addresses = ingress.map((i) => (typeof i.ip === 'string' ? i.ip : typeof i.hostname === 'string' ? i.hostname : undefined)).filter((a): a is string => a !== undefined);
  // Only the reuse keys: the report may be printed and journaled, and other annotations may hold anything.
  const loadBalancerBindings = Object.entries(s.metadata.annotations ?? {})
    .filter(([k]) => isLoadBalancerReuseKey(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));
  return { namespace: s.metadata.namespace ?? '', name: s.metadata.name, type: typeof spec.type === 'string' ? spec.type : 'ClusterIP', addresses, loadBalancerBindings };
}

/** The snapshot from listed objects: the pure half of readSourceResidue. */
export function residueFromObjects(objs: ResidueObjects, scope: ResidueScope): SourceResidueSnapshot {
  const found = controlPlanesFrom(objs.mutatingWebhooks, objs.validatingWebhooks);
  const all = found.controlPlanes;
  const inScope = (rev: string | undefined) => rev !== undefined && (scope.revisions === 'all' || scope.revisions.includes(rev));
  const cps = all.filter((cp) => inScope(cp.revision));
  const controlPlanes = cps.map((cp) => ({ revision: cp.revision, injectorConfigs: cp.injectorConfigs, tags: cp.tags, servesIstioInjection: cp.servesIstioInjection, validators: cp.validators }));
  const nsLabels = new Map(objs.namespaces.map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
  const injectionServer = all.find((cp) => cp.servesIstioInjection)?.revision;

  const istiods: ResidueIstiod[] = [];
  for (const d of objs.deployments) {
    // Istio's chart labels istiod `app: istiod` and `istio.io/rev: <rev>` (manifests/charts/istio-control/istio-discovery/templates/deployment.yaml).
    if (d.metadata.labels?.app !== 'istiod') continue;
    const revision = d.metadata.labels[REV] ?? 'default';
    if (!inScope(revision)) continue;
    const spec = isPlainObject(d.spec) && isPlainObject(d.spec.template) && isPlainObject(d.spec.template.spec) ? d.spec.template.spec : {};
    const containers = Array.isArray(spec.containers) ? spec.containers.filter(isPlainObject) : [];
    const discovery = containers.find((c) => c.name === 'discovery') ?? containers[0];
    const version = typeof discovery?.image === 'string' ? istioVersionOf(discovery.image) : undefined;
    istiods.push({ namespace: d.metadata.namespace ?? '', name: d.metadata.name, revision, ...(version ? { version } : {}) });
  }

  const gateways: ResidueGateway[] = [];
  for (const d of objs.deployments) {
    if (!isGateway(d)) continue;
    const ns = d.metadata.namespace ?? '';
    const { labels: podLabels } = templateMeta(d);
    const selector = matchLabelsOf(d);
    // Its pods say which istiod they talk to; without running pods, the label that will decide the next one.
    const podRevs = [...new Set(objs.pods.filter((p) => p.metadata.namespace === ns && matches(selector, p.metadata.labels ?? {})).map(podInjection).filter((i) => i.running && i.injected && i.revision).map((i) => i.revision as string))];
    const l = nsLabels.get(ns) ?? {};
    const fromLabels = podLabels[REV] ?? (l[INJECTION] === 'enabled' ? injectionServer : l[REV]);
    const revisions = podRevs.length ? podRevs : fromLabels !== undefined ? [revisionOfValue(fromLabels, all)] : [];
    if (scope.revisions !== 'all' && !revisions.some(inScope)) continue;
    const revision = revisions.find(inScope) ?? revisions[0];
    // ASM makes its gateways from IstioGateway objects (istio-facts.md, vendor traces): those are the vendor's to remove.
    const owners: unknown[] = Array.isArray(d.metadata.ownerReferences) ? d.metadata.ownerReferences : [];
    const vendorManaged = owners.some((o) => isPlainObject(o) && o.kind === 'IstioGateway');
    const services = objs.services.filter((s) => s.metadata.namespace === ns && isPlainObject(s.spec) && matches(stringMap(s.spec.selector), podLabels)).map(serviceOf);
    gateways.push({ namespace: ns, name: d.metadata.name, ...(revision ? { revision } : {}), ...(vendorManaged ? { vendorManaged } : {}), services });
  }

  const crds: ResidueCrd[] = objs.crds.map(({ crd, count }) => {
    const names = isPlainObject(crd.spec) && isPlainObject(crd.spec.names) ? crd.spec.names : {};
    return { name: crd.metadata.name, kind: typeof names.kind === 'string' ? names.kind : crd.metadata.name, count };
  });

  const sourceRevs = new Set(cps.map((cp) => cp.revision));
  const namespaces: ResidueNamespace[] = [];
  for (const n of objs.namespaces) {
    const l = n.metadata.labels ?? {};
    if (l[INJECTION] === undefined && l[REV] === undefined) continue;
    const injectedPods = objs.pods.filter((p) => {
      if (p.metadata.namespace !== n.metadata.name) return false;
      const i = podInjection(p);
      return i.running && i.injected && (scope.revisions === 'all' || (i.revision !== undefined && sourceRevs.has(i.revision)));
    }).length;
    // Only the two opt-in labels: the snapshot may be printed and journaled.
    const labels: ResidueNamespace['labels'] = { ...(l[INJECTION] !== undefined ? { [INJECTION]: l[INJECTION] } : {}), ...(l[REV] !== undefined ? { [REV]: l[REV] } : {}) };
    namespaces.push({ name: n.metadata.name, labels, ...(injectedPods ? { injectedPods } : {}) });
  }
  return { ...(scope.context !== undefined ? { context: scope.context } : {}), controlPlanes, istiods, gateways, crds, namespaces };
}

/** Lists the objects of residueFromObjects in one cluster; kinds the cluster does not serve read as none. */
export async function readResidueObjects(client: ObjectClient): Promise<ResidueObjects> {
  const d = client.discovery;
  const list = async (group: string, kind: string, metadataOnly = false) => {
    const res = d.resourceFor(group, kind);
    return res ? client.list(res, metadataOnly ? { metadataOnly } : {}) : [];
  };
  const [mutatingWebhooks, validatingWebhooks, deployments, services, pods, namespaces, crdObjects] = await Promise.all([
    list('admissionregistration.k8s.io', 'MutatingWebhookConfiguration'),
    list('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'),
    list('apps', 'Deployment'),
    list('', 'Service'),
    list('', 'Pod'),
    list('', 'Namespace', true),
    list('apiextensions.k8s.io', 'CustomResourceDefinition'),
  ]);
  const istio = crdObjects.filter((c) => isPlainObject(c.spec) && typeof c.spec.group === 'string' && isIstioGroup(c.spec.group));
  const crds = await Promise.all(
    istio.map(async (crd) => {
      const spec = crd.spec as Record<string, unknown>;
      const names = isPlainObject(spec.names) ? spec.names : {};
      const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
      const served = versions.find((v) => v.storage === true) ?? versions.find((v) => v.served === true);
      const res = served && typeof names.kind === 'string' ? d.resourceAt(String(spec.group), String(served.name), names.kind) : undefined;
      // Metadata only: the count is all the report needs, and custom resources may be large.
      return { crd, count: res ? (await client.list(res, { metadataOnly: true })).length : 0 };
    }),
  );
  return { mutatingWebhooks, validatingWebhooks, deployments, services, pods, namespaces, crds };
}

/** Reads what is left of the source mesh in `client`'s cluster. */
export async function readSourceResidue(client: ObjectClient, scope: ResidueScope): Promise<SourceResidueSnapshot> {
  return residueFromObjects(await readResidueObjects(client), scope);
}

/**
 * The source mesh of a migration, as the runbook needs it: its Istio version (the source's istiod image), whether a
 * vendor manages it, and whether its CRDs are shared with the target (InPlace, or a source cluster that is also a
 * target cluster: deleting them would delete the target's config).
 */
export function decommissionSourceOf(spec: MeshMigrationSpec, snap: SourceResidueSnapshot): DecommissionSource {
  const version = snap.istiods.find((i) => i.version)?.version;
  const targets = new Set([spec.target.context, ...(spec.target.clusters ?? []), ...spec.waves.map((w) => w.cluster)].filter((c): c is string => c !== undefined));
  const shared = spec.mode !== 'CrossCluster' || (spec.source?.context !== undefined && targets.has(spec.source.context));
  return { ...(version ? { istioVersion: version } : {}), ...(spec.source?.managed ? { managed: spec.source.managed } : {}), crdsShared: shared };
}

/** Which control planes of the source cluster a migration leaves: InPlace its source revision; CrossCluster every one, unless the source cluster is also a target. */
export function residueScopeOf(spec: MeshMigrationSpec, sourceRevision: string, context?: string): ResidueScope {
  const shared = decommissionSourceOf(spec, { controlPlanes: [], istiods: [], gateways: [], crds: [], namespaces: [] }).crdsShared;
  return { revisions: shared ? [sourceRevision] : 'all', ...(context !== undefined ? { context } : {}) };
}
