// What is left of a source mesh (residue) and the ordered DECOMMISSION.md runbook that removes it; pure, no cluster access.
import { InputError } from '../../errors.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import type { ControlPlane } from '../cluster/control-planes.js';

/** Managed meshes whose control plane belongs to the vendor (resources/vendors.ts). */
export type ManagedVendor = 'tcm' | 'asm' | 'csm';

/** One istiod Deployment of the source (a managed source usually has none in the cluster). */
export interface ResidueIstiod {
  namespace: string;
  name: string;
  /** Its `istio.io/rev` label (`default` when unnamed). */
  revision: string;
  /** Istio version from the image tag (`1.18.5`); names the matching istioctl. */
  version?: string;
}

/** A gateway Service as the reader saw it. */
export interface ResidueService {
  namespace: string;
  name: string;
  /** `LoadBalancer`, `NodePort`, `ClusterIP`. */
  type: string;
  /** status.loadBalancer.ingress addresses (IPs or host names). */
  addresses: string[];
  /** Annotations that bind it to one existing load balancer (`LOAD_BALANCER_REUSE_KEYS`), key and value only. */
  loadBalancerBindings: { key: string; value: string }[];
}

/** A gateway Deployment of the source (`Workload.gateway`) and the Services that select its pods. */
export interface ResidueGateway {
  namespace: string;
  name: string;
  /** The revision that injects it, when known. */
  revision?: string;
  /** Made and owned by the managed vendor (a TCM console gateway, an ASM IstioGateway): removed by the vendor's step. */
  vendorManaged?: boolean;
  services: ResidueService[];
}

/** An Istio CRD and how many custom resources of it exist now, in all namespaces. */
export interface ResidueCrd {
  /** `virtualservices.networking.istio.io`. */
  name: string;
  kind: string;
  count: number;
}

/** A namespace and the only two labels that opt it into a mesh (no other label or annotation is carried). */
export interface ResidueNamespace {
  name: string;
  labels: { 'istio-injection'?: string; 'istio.io/rev'?: string };
  /** Running pods still injected by the source, when the reader counted them. */
  injectedPods?: number;
}

/** A source control plane as discoverControlPlanes returns it (only the fields the runbook needs). */
export type ResidueControlPlane = Pick<ControlPlane, 'revision' | 'injectorConfigs' | 'tags' | 'servesIstioInjection' | 'validators'>;

/**
 * What is left of the source mesh in one cluster, as `finish/residue.ts` reads it: control planes from
 * discoverControlPlanes (only the source's revisions), istiod and gateway Deployments, their Services, `*.istio.io`
 * CRDs with live counts, and namespaces (only the opt-in labels). It never carries Secrets, object bodies or
 * arbitrary annotations: every field here may be printed, logged and journaled.
 */
export interface SourceResidueSnapshot {
  /** The kube context the snapshot was read from; every command names it. */
  context?: string;
  controlPlanes: ResidueControlPlane[];
  istiods: ResidueIstiod[];
  gateways: ResidueGateway[];
  crds: ResidueCrd[];
  /** Namespaces of the source cluster that carry an opt-in label (the report decides which are the source's). */
  namespaces: ResidueNamespace[];
}

/** How the source was installed, which decides who removes what. */
export interface DecommissionSource {
  /** Istio version of a self-built source (`1.18.5`): the commands name `istioctl-<version>`. An istiod's own version wins. */
  istioVersion?: string;
  /** A managed source: its control plane, webhooks and managed gateways are the vendor's to remove. */
  managed?: ManagedVendor;
  /** The target mesh uses the same CRDs in this cluster (InPlace): they are never deleted. */
  crdsShared?: boolean;
}

export type ResidueGroupId = 'istiod' | 'injectors' | 'validators' | 'tags' | 'gateways' | 'crds' | 'namespaces';

/** One thing left of the source mesh. */
export interface ResidueItem {
  kind: string;
  name: string;
  namespace?: string;
  /** Why it belongs to the source mesh. */
  why: string;
}

export interface ResidueGroup {
  id: ResidueGroupId;
  title: string;
  items: ResidueItem[];
}

export interface ResidueReport {
  context?: string;
  groups: ResidueGroup[];
  /** Number of items over all groups; 0 means nothing of the source is left. */
  total: number;
}

/** One runbook step; `migrate finish --execute` runs them in order, journaling and confirming each. */
export interface DecommissionStep {
  /** Stable id (`namespace-labels`, `istiod-1-18-5`, `crds`). */
  id: string;
  title: string;
  /** Why this step, and why at this point of the order. */
  why: string;
  /** `Kind namespace/name` of what it removes. */
  removes: string[];
  /** Exact commands (no placeholders); empty when the whole step is the vendor's. */
  commands: string[];
  /** Commands that print nothing once the step is done. */
  verify: string[];
  /** The vendor's console or API step to take (managed sources), before `commands`. */
  vendorStep?: string;
  destructive: boolean;
  /** The step runs only after this step ran and the user confirmed its condition. */
  requires?: { step: string; condition: string };
  /** Warnings the operator must read first. */
  notes: string[];
}

export interface DecommissionRunbook {
  context?: string;
  source: string;
  steps: DecommissionStep[];
  /** What is deliberately not removed, and why. */
  kept: string[];
}

const VENDOR_TITLES: Record<ManagedVendor, string> = {
  tcm: 'Tencent Cloud Mesh (TCM)',
  asm: 'Alibaba Cloud Service Mesh (ASM)',
  csm: 'Google Cloud Service Mesh (CSM, formerly Anthos Service Mesh)',
};

/** The revision label values that opt a namespace into the source: its revisions and the tags pointing at them. */
function sourceRevisionValues(snap: SourceResidueSnapshot): Set<string> {
  return new Set(snap.controlPlanes.flatMap((cp) => [cp.revision, ...cp.tags]));
}

/** The namespaces labelled for the source, each with the label keys to remove and the reason. */
function sourceNamespaces(snap: SourceResidueSnapshot): { ns: ResidueNamespace; keys: string[]; why: string }[] {
  const revs = sourceRevisionValues(snap);
  const injection = snap.controlPlanes.find((cp) => cp.servesIstioInjection);
  const out: { ns: ResidueNamespace; keys: string[]; why: string }[] = [];
  for (const ns of [...snap.namespaces].sort((a, b) => cmp(a.name, b.name))) {
    const rev = ns.labels['istio.io/rev'];
    const keys: string[] = [];
    const why: string[] = [];
    if (ns.labels['istio-injection'] === 'enabled' && injection) {
      keys.push('istio-injection');
      why.push(`istio-injection=enabled: injected by the source revision ${injection.revision}`);
    }
    if (rev !== undefined && revs.has(rev)) {
      keys.push('istio.io/rev');
      const cp = snap.controlPlanes.find((c) => c.revision === rev);
      why.push(cp ? `istio.io/rev=${rev}: a source revision` : `istio.io/rev=${rev}: a revision tag of the source`);
    }
    if (keys.length === 0) continue;
    if (ns.injectedPods) why.push(`${ns.injectedPods} running pod(s) still carry the source's sidecar`);
    out.push({ ns, keys, why: `labelled ${why.join('; ')}` });
  }
  return out;
}

/** The residue, grouped: what is left of the source mesh in the snapshot's cluster, and why each item is the source's. */
export function residueReport(snap: SourceResidueSnapshot): ResidueReport {
  const cps = [...snap.controlPlanes].sort((a, b) => cmp(a.revision, b.revision));
  const istiod: ResidueItem[] = sortItems(snap.istiods.map((d) => ({ kind: 'Deployment', namespace: d.namespace, name: d.name, why: `istiod of revision ${d.revision}${d.version ? ` (Istio ${d.version})` : ''}` })));
  const injectors: ResidueItem[] = cps.flatMap((cp) => cp.injectorConfigs.map((c) => ({ kind: 'MutatingWebhookConfiguration', name: c, why: `sidecar injector of revision ${cp.revision}${cp.servesIstioInjection ? ', serves istio-injection=enabled' : ''}` })));
  const tags: ResidueItem[] = cps.flatMap((cp) => cp.tags.map((t) => ({ kind: 'MutatingWebhookConfiguration', name: `istio-revision-tag-${t}`, why: `revision tag ${t} points at the source revision ${cp.revision}` })));
  const seenValidators = new Set<string>();
  const validators: ResidueItem[] = [];
  for (const cp of cps)
    for (const v of cp.validators) {
      if (seenValidators.has(v.configName)) continue;
      seenValidators.add(v.configName);
      validators.push({ kind: 'ValidatingWebhookConfiguration', name: v.configName, why: `validates Istio config for revision ${cp.revision} (failurePolicy ${v.failurePolicies.join(', ') || 'Fail'})` });
    }
  const gateways: ResidueItem[] = [];
  for (const g of sortItems(snap.gateways)) {
    gateways.push({ kind: 'Deployment', namespace: g.namespace, name: g.name, why: `gateway of the source${g.revision ? ` (revision ${g.revision})` : ''}${g.vendorManaged ? ', managed by the vendor' : ''}` });
    for (const s of sortItems(g.services)) gateways.push({ kind: 'Service', namespace: s.namespace, name: s.name, why: serviceWhy(g, s) });
  }
  const crds: ResidueItem[] = sortItems(snap.crds).map((c) => ({ kind: 'CustomResourceDefinition', name: c.name, why: `Istio CRD (${c.kind}): ${c.count} custom resource(s) still present` }));
  const namespaces: ResidueItem[] = sourceNamespaces(snap).map(({ ns, why }) => ({ kind: 'Namespace', name: ns.name, why }));
  const groups: ResidueGroup[] = [
    { id: 'namespaces', title: 'Namespaces labelled for the source', items: namespaces },
    { id: 'injectors', title: 'Injector webhooks', items: injectors },
    { id: 'tags', title: 'Revision tags', items: tags },
    { id: 'validators', title: 'Validator webhooks', items: validators },
    { id: 'gateways', title: 'Gateways and their Services', items: gateways },
    { id: 'istiod', title: 'istiod Deployments', items: istiod },
    { id: 'crds', title: 'Istio CRDs', items: crds },
  ];
  return { ...(snap.context ? { context: snap.context } : {}), groups, total: groups.reduce((n, g) => n + g.items.length, 0) };
}

function serviceWhy(g: ResidueGateway, s: ResidueService): string {
  const parts = [`${s.type} Service of gateway ${g.namespace}/${g.name}`];
  if (s.addresses.length) parts.push(`load-balancer address ${s.addresses.join(', ')}`);
  else if (s.type === 'LoadBalancer') parts.push('no load-balancer address yet');
  for (const b of s.loadBalancerBindings) parts.push(`bound to an existing load balancer (${b.key}=${b.value})`);
  return parts.join('; ');
}

/**
 * The decommission steps, ordered so nothing fails closed. Self-built: namespace labels, injector webhooks and tags,
 * validator webhooks, gateways, istiod per revision, then (conditionally) CRDs. Managed: namespace labels, gateways,
 * the vendor's release of the cluster (its webhooks and control plane together), leftover webhooks, then CRDs.
 */
/**
 * Every value that goes into a runbook command, held to what Kubernetes allows in a name (the server's objects are
 * untrusted input, and the runbook is run in a shell): a value outside that is refused, never quoted into a command.
 * The kube context is the user's own kubeconfig's; it is single-quoted instead (see kubectl()).
 */
const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;

function checkCommandValues(snap: SourceResidueSnapshot, source: DecommissionSource): void {
  const values: [string, string | undefined][] = [['the Istio version', source.istioVersion]];
  for (const cp of snap.controlPlanes) {
    values.push(['a revision', cp.revision], ...cp.injectorConfigs.map((n): [string, string] => ['an injector configuration', n]), ...cp.tags.map((n): [string, string] => ['a revision tag', n]));
    for (const v of cp.validators) values.push(['a validating webhook configuration', v.configName], ['a revision', v.revision]);
  }
  for (const i of snap.istiods) values.push(['a namespace', i.namespace], ['an istiod Deployment', i.name], ['a revision', i.revision], ['an istiod version', i.version]);
  for (const g of snap.gateways) {
    values.push(['a namespace', g.namespace], ['a gateway Deployment', g.name], ['a revision', g.revision]);
    for (const svc of g.services) values.push(['a gateway Service', svc.name]);
  }
  for (const c of snap.crds) values.push(['a CRD', c.name]);
  for (const n of snap.namespaces) values.push(['a namespace', n.name], ['a revision label value', n.labels['istio.io/rev']], ['an injection label value', n.labels['istio-injection']]);
  for (const [what, v] of values)
    if (v !== undefined && !NAME.test(v)) throw new InputError(`refusing to write a decommission runbook: ${what} read from the cluster is "${sanitizeTerminalText(v, { oneLine: true }).slice(0, 80)}", which is not a Kubernetes name, so it cannot go into a command`);
}

export function decommissionSteps(snap: SourceResidueSnapshot, source: DecommissionSource): DecommissionRunbook {
  checkCommandValues(snap, source);
  const k = kubectl(snap.context);
  const cps = [...snap.controlPlanes].sort((a, b) => cmp(a.revision, b.revision));
  const steps: DecommissionStep[] = [];
  const kept: string[] = [];

  const labelled = sourceNamespaces(snap);
  if (labelled.length) {
    const revValues = [...sourceRevisionValues(snap)].sort();
    const verify: string[] = [];
    if (labelled.some((l) => l.keys.includes('istio.io/rev'))) verify.push(`${k} get namespace -l 'istio.io/rev in (${revValues.join(',')})' -o name`);
    if (labelled.some((l) => l.keys.includes('istio-injection'))) verify.push(`${k} get namespace -l istio-injection=enabled -o name`);
    const pods = labelled.reduce((n, l) => n + (l.ns.injectedPods ?? 0), 0);
    steps.push({
      id: 'namespace-labels',
      title: 'Remove the source mesh labels from namespaces',
      why: 'First, so that no pod created from here on is sent to an injector that is about to go: a pod injected by a revision whose istiod is gone starts a sidecar that never gets its configuration. The running pods are not touched.',
      removes: labelled.map((l) => `Namespace ${l.ns.name}: ${l.keys.join(', ')}`),
      commands: labelled.map((l) => `${k} label namespace ${l.ns.name} ${l.keys.map((key) => `${key}-`).join(' ')}`),
      verify,
      ...(source.managed ? { vendorStep: `${VENDOR_TITLES[source.managed]}: if the vendor's console enabled sidecar injection for these namespaces, turn it off there too, or the vendor may set the label again.` } : {}),
      destructive: false,
      notes: pods ? [`${pods} running pod(s) in these namespaces still carry the source's sidecar; they lose their control plane when it goes. Restart or move them first.`] : [],
    });
  }

  const injectorNames = cps.flatMap((cp) => cp.injectorConfigs);
  const tagNames = cps.flatMap((cp) => cp.tags.map((t) => `istio-revision-tag-${t}`));
  const validatorNames = [...new Set(cps.flatMap((cp) => cp.validators.map((v) => v.configName)))];
  const mwcs = [...injectorNames, ...tagNames];

  const gatewaySteps = (): DecommissionStep[] => {
    const gws = sortItems(snap.gateways);
    if (gws.length === 0) return [];
    const vendorGws = source.managed ? gws.filter((g) => g.vendorManaged) : [];
    const ownGws = gws.filter((g) => !vendorGws.includes(g));
    const services = gws.flatMap((g) => sortItems(g.services));
    const notes: string[] = [];
    for (const s of services) {
      if (s.type !== 'LoadBalancer') continue;
      const addr = s.addresses.length ? ` at ${s.addresses.join(', ')}` : '';
      notes.push(`Service ${s.namespace}/${s.name}: its load balancer${addr} is released. The address goes with it: a new gateway gets a different one, so DNS records and allow-lists naming it must already point at the target.`);
      for (const b of s.loadBalancerBindings)
        notes.push(`Service ${s.namespace}/${s.name} names an existing load balancer (${b.key}=${b.value}): it was made outside the cluster, and whether the cloud controller deletes it or only detaches it depends on the provider. Check it in the cloud console afterwards.`);
    }
    const commands: string[] = [];
    for (const g of ownGws) commands.push(`${k} -n ${g.namespace} delete deployment ${g.name}`);
    for (const g of ownGws) for (const s of sortItems(g.services)) commands.push(`${k} -n ${s.namespace} delete service ${s.name}`);
    const verify = gws.flatMap((g) => [`${k} -n ${g.namespace} get deployment ${g.name} --ignore-not-found`, ...sortItems(g.services).map((s) => `${k} -n ${s.namespace} get service ${s.name} --ignore-not-found`)]);
    const vendorStep = source.managed && vendorGws.length ? `${vendorGatewayStep(source.managed)} Gateways: ${vendorGws.map((g) => `${g.namespace}/${g.name}`).join(', ')}.` : undefined;
    return [
      {
        id: 'gateways',
        title: 'Delete the source gateways, then their Services',
        why: source.managed
          ? 'Before the vendor releases the cluster: a gateway left without its control plane keeps stale routes and cannot start again, and the vendor can remove only the gateways it still manages. The finish checks proved no traffic goes through them.'
          : 'After the webhooks and before istiod: a gateway left without istiod keeps stale routes and cannot start again. The finish checks proved no traffic goes through them. Deployments first, then the Services, which releases their load balancers.',
        removes: gws.flatMap((g) => [`Deployment ${g.namespace}/${g.name}`, ...sortItems(g.services).map((s) => `Service ${s.namespace}/${s.name}`)]),
        commands,
        verify,
        ...(vendorStep ? { vendorStep } : {}),
        destructive: true,
        notes,
      },
    ];
  };

  if (!source.managed) {
    const version = (d?: ResidueIstiod) => d?.version ?? source.istioVersion;
    if (mwcs.length)
      steps.push({
        id: 'injectors',
        title: 'Delete the injector webhooks and revision tags',
        why: 'Before istiod: these webhooks fail closed (failurePolicy Fail on pod CREATE), so an injector whose istiod is gone blocks every pod creation it matches. With the namespace labels gone they match nothing, so deleting them changes no running pod.',
        removes: mwcs.map((n) => `MutatingWebhookConfiguration ${n}`),
        commands: [`${k} delete mutatingwebhookconfiguration ${mwcs.join(' ')}`],
        verify: [`${k} get mutatingwebhookconfiguration ${mwcs.join(' ')} --ignore-not-found`],
        destructive: true,
        notes: tagNames.includes('istio-revision-tag-default') ? ['The `default` tag decides what istio-injection=enabled means in this cluster; check that no other mesh here relies on it.'] : [],
      });
    if (validatorNames.length)
      steps.push({
        id: 'validators',
        title: 'Delete the validator webhooks',
        why: 'Before istiod: a validator whose istiod is gone rejects every write of Istio config it covers (failurePolicy Fail), including the cleanup of custom resources later on.',
        removes: validatorNames.map((n) => `ValidatingWebhookConfiguration ${n}`),
        commands: [`${k} delete validatingwebhookconfiguration ${validatorNames.join(' ')}`],
        verify: [`${k} get validatingwebhookconfiguration ${validatorNames.join(' ')} --ignore-not-found`],
        destructive: true,
        notes: [],
      });
    steps.push(...gatewaySteps());
    const revisions = [...new Set([...cps.map((cp) => cp.revision), ...snap.istiods.map((d) => d.revision)])].sort(cmp);
    for (const rev of revisions) {
      const deployments = sortItems(snap.istiods.filter((d) => d.revision === rev));
      const v = version(deployments.find((d) => d.version));
      const istioctl = v ? `istioctl-${v}` : 'istioctl';
      steps.push({
        id: `istiod-${rev}`,
        title: `Uninstall istiod revision ${rev}`,
        why: 'After its webhooks and gateways, so nothing still calls it. `istioctl uninstall --revision` prunes what that revision installed; it never deletes CRDs (no --purge).',
        removes: deployments.map((d) => `Deployment ${d.namespace}/${d.name}`),
        commands: [`${istioctl} uninstall --revision ${rev} -y${snap.context ? ` --context ${shellWord(snap.context)}` : ''}`],
        // Scoped to istiod's namespace: an application Deployment may carry istio.io/rev on its own metadata.
        verify: [
          ...deployments.map((d) => `${k} -n ${d.namespace} get deployment ${d.name} --ignore-not-found`),
          ...[...new Set(deployments.map((d) => d.namespace))].sort(cmp).map((ns) => `${k} -n ${ns} get deployment,service -l istio.io/rev=${rev} -o name`),
          `${k} get mutatingwebhookconfiguration,validatingwebhookconfiguration -l istio.io/rev=${rev} -o name`,
        ],
        destructive: true,
        notes: v ? [] : [`The Istio version of revision ${rev} is unknown: use the istioctl of the version its istiod runs (the image tag).`],
      });
    }
  } else {
    steps.push(...gatewaySteps());
    const revs = cps.map((cp) => cp.revision);
    if (cps.length || snap.istiods.length) {
      const all = [...mwcs.map((n) => `MutatingWebhookConfiguration ${n}`), ...validatorNames.map((n) => `ValidatingWebhookConfiguration ${n}`), ...sortItems(snap.istiods).map((d) => `Deployment ${d.namespace}/${d.name}`)];
      const verify = [...(mwcs.length ? [`${k} get mutatingwebhookconfiguration ${mwcs.join(' ')} --ignore-not-found`] : []), ...(validatorNames.length ? [`${k} get validatingwebhookconfiguration ${validatorNames.join(' ')} --ignore-not-found`] : []), ...sortItems(snap.istiods).map((d) => `${k} -n ${d.namespace} get deployment ${d.name} --ignore-not-found`)];
      steps.push({
        id: 'vendor-release',
        title: `Release the cluster from ${VENDOR_TITLES[source.managed]}`,
        why: 'The vendor removes its injector and validator webhooks together with its control plane, so no webhook is left pointing at a control plane that no longer serves this cluster. The namespace labels and gateways are already gone.',
        removes: all,
        commands: source.managed === 'csm' ? revs.map((r) => `${k} -n istio-system delete controlplanerevision ${r} --ignore-not-found`) : [],
        verify,
        vendorStep: vendorReleaseStep(source.managed),
        destructive: true,
        notes: [],
      });
      if (mwcs.length || validatorNames.length)
        steps.push({
          id: 'leftover-webhooks',
          title: 'Delete webhooks the vendor left behind',
          why: 'Right after the release: a webhook still pointing at the released control plane fails closed (failurePolicy Fail). `--ignore-not-found` makes this a no-op when the vendor removed them.',
          removes: [...mwcs.map((n) => `MutatingWebhookConfiguration ${n}`), ...validatorNames.map((n) => `ValidatingWebhookConfiguration ${n}`)],
          commands: [...(mwcs.length ? [`${k} delete mutatingwebhookconfiguration ${mwcs.join(' ')} --ignore-not-found`] : []), ...(validatorNames.length ? [`${k} delete validatingwebhookconfiguration ${validatorNames.join(' ')} --ignore-not-found`] : [])],
          verify: verify.filter((v) => v.includes('webhookconfiguration')),
          destructive: true,
          notes: [],
        });
    }
  }

  const crds = sortItems(snap.crds);
  if (crds.length && source.crdsShared) kept.push(`The ${crds.length} Istio CRD(s): the target mesh in this cluster uses them, and deleting a CRD deletes every object of it, the target's config included.`);
  else if (crds.length) {
    const total = crds.reduce((n, c) => n + c.count, 0);
    const withObjects = crds.filter((c) => c.count > 0);
    steps.push({
      id: 'crds-check',
      title: 'Check that no custom resource of these CRDs is still wanted',
      why: `Before the CRDs: deleting a CRD deletes every object of it, in every namespace, at once. ${total} custom resource(s) exist now. Keep a copy, and go on only when none of them is wanted any more (the target holds its own copy: the finish check ConfigParity passed).`,
      removes: [],
      commands: [`mkdir -p decommission-backup`, ...withObjects.map((c) => `${k} get ${c.name} -A -o yaml > decommission-backup/${c.name}.yaml`), ...crds.map((c) => `${k} get ${c.name} -A --no-headers --ignore-not-found | wc -l`)],
      verify: [],
      destructive: false,
      notes: crds.map((c) => `${c.name} (${c.kind}): ${c.count} custom resource(s)`),
    });
    steps.push({
      id: 'crds',
      title: 'Delete the Istio CRDs, and with them every custom resource listed',
      why: 'Last: every other step may still need them (a validator or istiod reading config), and this is the one step with no way back but the backup.',
      removes: crds.map((c) => `CustomResourceDefinition ${c.name} (${c.count} ${c.kind})`),
      commands: [`${k} delete customresourcedefinition ${crds.map((c) => c.name).join(' ')}`],
      verify: [`${k} get customresourcedefinition ${crds.map((c) => c.name).join(' ')} --ignore-not-found`],
      destructive: true,
      requires: { step: 'crds-check', condition: `every one of the ${total} custom resource(s) counted in the check is backed up and no longer wanted` },
      notes: [`DELETING A CRD DELETES EVERY OBJECT OF IT. This removes ${total} custom resource(s) for good.`],
    });
  }
  return { ...(snap.context ? { context: snap.context } : {}), source: sourceTitle(source), steps, kept };
}

function vendorGatewayStep(v: ManagedVendor): string {
  switch (v) {
    case 'tcm':
      return 'TCM console: delete these gateways from the mesh (TCM made them and their CLB).';
    case 'asm':
      return "ASM console (or the ASM instance's kubeconfig): delete the IstioGateway of each of these gateways.";
    case 'csm':
      return 'CSM: these gateways were deployed into the cluster; delete them with the commands below.';
  }
}

function vendorReleaseStep(v: ManagedVendor): string {
  switch (v) {
    case 'tcm':
      return 'TCM console or tccli: unlink this cluster from the mesh (`tccli tcm UnlinkCluster --MeshId <mesh-id> --ClusterId <cluster-id>`). Delete the mesh itself (`tccli tcm DeleteMesh --MeshId <mesh-id>`) only when no other cluster is linked to it.';
    case 'asm':
      return 'ASM console or aliyun CLI: remove this cluster from the ASM instance (`aliyun servicemesh RemoveClusterFromServiceMesh --ServiceMeshId <mesh-id> --ClusterId <cluster-id>`). Delete the instance (DeleteServiceMesh) only when no other cluster is in it.';
    case 'csm':
      return 'CSM (fleet): turn off automatic management for this cluster (`gcloud container fleet mesh update --management manual --memberships <membership> --project <fleet-project> --location <location>`), then run the commands below to remove the managed control plane revisions. Run `gcloud container fleet mesh disable` only when no other cluster of the fleet uses the mesh.';
  }
}

function sourceTitle(s: DecommissionSource): string {
  if (s.managed) return `managed: ${VENDOR_TITLES[s.managed]}`;
  return s.istioVersion ? `self-built Istio ${s.istioVersion}` : 'self-built Istio';
}

/** DECOMMISSION.md for the snapshot's cluster: the residue, then the steps of decommissionSteps, each with its checks. */
export function decommissionRunbook(snap: SourceResidueSnapshot, source: DecommissionSource): string {
  const report = residueReport(snap);
  const book = decommissionSteps(snap, source);
  const where = snap.context ? `cluster \`${snap.context}\`` : 'the current cluster';
  const out: string[] = [`# Decommission the source mesh (${where})`, '', `Source: ${book.source}.`, ''];
  if (report.total === 0) {
    out.push(`Nothing to do: nothing of the source mesh is left in ${where} (no istiod, webhooks, revision tags, gateways, Istio CRDs or labelled namespaces).`);
    for (const k of book.kept) out.push('', `Kept: ${k}`);
    return `${out.join('\n')}\n`;
  }
  out.push(
    'meshferry ran none of this. Run the steps in order; each ends with a check that must print nothing before the next one starts.',
    '`meshferry migrate finish NAME --execute` runs the same steps one at a time, asks before each and journals it, and refuses while a finish check fails.',
    '',
    '## What is left',
    '',
  );
  for (const g of report.groups) {
    if (g.items.length === 0) continue;
    out.push(`### ${g.title}`, '');
    for (const i of g.items) out.push(`- ${i.kind} \`${i.namespace ? `${i.namespace}/` : ''}${i.name}\`: ${i.why}`);
    out.push('');
  }
  out.push('## Steps', '');
  book.steps.forEach((s, n) => {
    out.push(`### ${n + 1}. ${s.title}${s.destructive ? ' (destructive)' : ''}`, '', `Why now: ${s.why}`, '');
    if (s.requires) out.push(`**Only after step ${book.steps.findIndex((x) => x.id === s.requires!.step) + 1} (\`${s.requires.step}\`), and only if ${s.requires.condition}.**`, '');
    for (const note of s.notes) out.push(`> ${note}`, '');
    if (s.removes.length) {
      out.push('Removes:', '');
      for (const r of s.removes) out.push(`- ${r}`);
      out.push('');
    }
    if (s.vendorStep) out.push(`Vendor's step: ${s.vendorStep}`, '');
    if (s.commands.length) out.push('```sh', ...s.commands, '```', '');
    if (s.verify.length) out.push('Verify (prints nothing when done):', '', '```sh', ...s.verify, '```', '');
  });
  if (book.kept.length) {
    out.push('## Kept', '');
    for (const k of book.kept) out.push(`- ${k}`);
    out.push('');
  }
  out.push('## Not covered', '', '- The namespace of the control plane (`istio-system`) is not deleted: it may hold Secrets (CA keys, remote secrets) that meshferry never reads. Delete it yourself once you have checked them.', '');
  return out.join('\n');
}

function kubectl(context: string | undefined): string {
  return context ? `kubectl --context ${shellWord(context)}` : 'kubectl';
}

/** A word for a POSIX shell: as it is when it is plainly safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9._@:/=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortItems<T extends { name: string; namespace?: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name));
}
