// Finds the Istio control planes of a cluster by their injector and validator webhooks, not by istiod Deployments.
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { parseLabelSelector, selectorMatches, type InjectorWebhook, type LabelSelector } from './webhook-selectors.js';

/** A validating webhook configuration of Istio and the revision it sends config reviews to. */
export interface ValidatorWebhook {
  configName: string;
  /** Label `istio.io/rev` (for `istiod-default-validator`: the revision the default tag points at). */
  revision: string;
  /** Where it sends reviews (`url` or `service ns/name path`). */
  targets: string[];
  failurePolicies: string[];
}

/** One control plane (revision) as the webhooks show it. */
export interface ControlPlane {
  revision: string;
  /** Its own injector configurations (`istio-sidecar-injector[-<rev>]`). */
  injectorConfigs: string[];
  /** Revision tags that point at it (`istio-revision-tag-<tag>`). */
  tags: string[];
  /** `istio-injection=enabled` namespaces are injected by it (its own `namespace.` entry or the `default` tag). */
  servesIstioInjection: boolean;
  /** The `default` tag points at it, or it is the untagged `default` revision with live legacy entries. */
  isDefault: boolean;
  /** Validating webhooks that send Istio config to it (removing it would break config writes through them). */
  validators: ValidatorWebhook[];
  /** Its injector entries disabled with never-match selectors (`config/entry`). */
  neutralised: string[];
  /** Every live injector entry (its own and its tags'), for selector evaluation. */
  webhooks: InjectorWebhook[];
  /** Where its injector entries send reviews (`url` or `service ns/name path`). */
  injectorTargets: string[];
  /** The namespace of its istiod Service when the webhooks name one (`istio-system`); undefined for URL webhooks. */
  systemNamespace?: string;
}

export interface ControlPlaneDiscovery {
  controlPlanes: ControlPlane[];
  /** Every injector entry found, neutralised ones included. */
  webhooks: InjectorWebhook[];
  validators: ValidatorWebhook[];
}

const INJECTOR_CONFIG = /^istio-sidecar-injector(?:-(.+))?$/;
const TAG_CONFIG = /^istio-revision-tag-(.+)$/;
const VALIDATOR_CONFIG = /^(istio-validator.*|istiod-default-validator)$/;
const NEVER_MATCH_KEY = 'istio.io/deactivated';

/**
 * Lists MutatingWebhookConfigurations and ValidatingWebhookConfigurations and groups them by revision. Managed and
 * remote control planes have no istiod in the cluster but always have these (Istio's charts: `mutatingwebhook.yaml`,
 * `revision-tags-mwc.yaml`, `validatingwebhookconfiguration.yaml`, base `defaultrevision-validatingwebhookconfiguration.yaml`).
 */
export async function discoverControlPlanes(client: ObjectClient): Promise<ControlPlaneDiscovery> {
  const mwcRes = client.discovery.resourceFor('admissionregistration.k8s.io', 'MutatingWebhookConfiguration');
  const vwcRes = client.discovery.resourceFor('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration');
  const [mwcs, vwcs] = await Promise.all([mwcRes ? client.list(mwcRes) : [], vwcRes ? client.list(vwcRes) : []]);
  return controlPlanesFrom(mwcs, vwcs);
}

/** The pure half of discoverControlPlanes: webhook configurations in, control planes out. */
export function controlPlanesFrom(mwcs: readonly KubeObject[], vwcs: readonly KubeObject[]): ControlPlaneDiscovery {
  const webhooks = mwcs.flatMap(injectorWebhooks);
  const validators = vwcs.flatMap(validatorWebhook);
  const revisions = [...new Set([...webhooks.map((w) => w.revision), ...validators.map((v) => v.revision)])].sort();
  const controlPlanes = revisions.map((revision): ControlPlane => {
    const mine = webhooks.filter((w) => w.revision === revision);
    const live = mine.filter((w) => !w.neverMatch);
    const tags = [...new Set(mine.filter((w) => w.tag).map((w) => w.tag as string))].sort();
    const servesIstioInjection = live.some((w) => w.podCreate && selectorMatches(w.namespaceSelector, { 'istio-injection': 'enabled' }) && w.namespaceSelector !== undefined);
    const services = live.map((w) => /^service (\S+)\//.exec(w.target)?.[1]).filter((s): s is string => s !== undefined);
    return {
      revision,
      injectorConfigs: [...new Set(mine.filter((w) => !w.tag).map((w) => w.configName))].sort(),
      tags,
      servesIstioInjection,
      isDefault: tags.includes('default') || (revision === 'default' && !webhooks.some((w) => w.tag === 'default') && servesIstioInjection),
      validators: validators.filter((v) => v.revision === revision),
      neutralised: mine.filter((w) => w.neverMatch).map((w) => `${w.configName}/${w.webhookName}`),
      webhooks: live,
      injectorTargets: [...new Set(live.map((w) => w.target))].sort(),
      ...(services[0] ? { systemNamespace: services[0] } : {}),
    };
  });
  return { controlPlanes, webhooks, validators };
}

/** The injector entries of one MutatingWebhookConfiguration, or none when it is not an Istio injector or tag. */
export function injectorWebhooks(mwc: KubeObject): InjectorWebhook[] {
  const name = mwc.metadata.name;
  const labels = mwc.metadata.labels ?? {};
  const tagMatch = TAG_CONFIG.exec(name);
  const tag = labels['istio.io/tag'] ?? tagMatch?.[1];
  const injectorMatch = INJECTOR_CONFIG.exec(name);
  if (!tag && !injectorMatch && labels.app !== 'sidecar-injector') return [];
  // Tags carry istio.io/rev of their target; a revision's own config carries its revision (`default` when unnamed).
  const revision = labels['istio.io/rev'] ?? (tag ? undefined : (injectorMatch?.[1] ?? 'default'));
  if (!revision) return [];
  const hooks = Array.isArray(mwc.webhooks) ? mwc.webhooks.filter(isPlainObject) : [];
  return hooks.map((h): InjectorWebhook => {
    const namespaceSelector = parseLabelSelector(h.namespaceSelector);
    const objectSelector = parseLabelSelector(h.objectSelector);
    return {
      configName: name,
      webhookName: typeof h.name === 'string' ? h.name : '',
      revision,
      ...(tag ? { tag } : {}),
      ...(namespaceSelector ? { namespaceSelector } : {}),
      ...(objectSelector ? { objectSelector } : {}),
      neverMatch: isNeverMatch(namespaceSelector) || isNeverMatch(objectSelector),
      podCreate: coversPodCreate(h.rules),
      target: clientTarget(h.clientConfig),
    };
  });
}

function validatorWebhook(vwc: KubeObject): ValidatorWebhook[] {
  const name = vwc.metadata.name;
  if (!VALIDATOR_CONFIG.test(name)) return [];
  const labels = vwc.metadata.labels ?? {};
  const hooks = Array.isArray(vwc.webhooks) ? vwc.webhooks.filter(isPlainObject) : [];
  const fromService = hooks.map((h) => /^service [^/]+\/istiod(?:-(.+))? /.exec(clientTarget(h.clientConfig))?.[1] ?? 'default');
  return [
    {
      configName: name,
      revision: labels['istio.io/rev'] ?? fromService[0] ?? 'default',
      targets: [...new Set(hooks.map((h) => clientTarget(h.clientConfig)))],
      failurePolicies: [...new Set(hooks.map((h) => (typeof h.failurePolicy === 'string' ? h.failurePolicy : 'Fail')))],
    },
  ];
}

function isNeverMatch(sel: LabelSelector | undefined): boolean {
  return sel?.matchLabels?.[NEVER_MATCH_KEY] === 'never-match';
}

function coversPodCreate(rules: unknown): boolean {
  if (!Array.isArray(rules)) return false;
  return rules.filter(isPlainObject).some((r) => {
    const has = (list: unknown, v: string) => Array.isArray(list) && (list.includes(v) || list.includes('*'));
    return has(r.operations, 'CREATE') && has(r.apiGroups, '') && has(r.resources, 'pods');
  });
}

function clientTarget(cc: unknown): string {
  if (!isPlainObject(cc)) return 'unknown';
  if (typeof cc.url === 'string') return cc.url;
  if (isPlainObject(cc.service)) {
    const s = cc.service;
    return `service ${String(s.namespace ?? '')}/${String(s.name ?? '')} ${String(s.path ?? '/')}`;
  }
  return 'unknown';
}
