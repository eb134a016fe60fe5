// Which injector webhooks a Pod CREATE reaches, from the webhooks' namespace and object selectors (pure, no cluster).
import { isPlainObject } from '../../resources/object.js';

/** A Kubernetes LabelSelector (matchLabels AND every matchExpression). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export type Labels = Readonly<Record<string, string>>;

/** One webhook entry of an Istio injector MutatingWebhookConfiguration (a revision's own, or a revision tag's). */
export interface InjectorWebhook {
  /** The MutatingWebhookConfiguration (`istio-sidecar-injector-canary`, `istio-revision-tag-prod`). */
  configName: string;
  /** The entry (`rev.namespace.sidecar-injector.istio.io`). */
  webhookName: string;
  /** The revision that serves it (label `istio.io/rev`; `default` for the unnamed revision). */
  revision: string;
  /** The revision tag, when the configuration is a tag's. */
  tag?: string;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  /** Selectors `istio.io/deactivated=never-match` (what `istioctl tag set default` leaves on the old default). */
  neverMatch: boolean;
  /** Whether it is called for Pod CREATE at all. */
  podCreate: boolean;
  /** Where the API server sends the review: `url` or `service` namespace/name/path. */
  target: string;
}

/** True when `labels` satisfy `selector`; an absent selector matches everything (as the API server does). */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false; // an operator we do not know: assume it does not match rather than promise injection
    }
  }
  return true;
}

/** The injector webhooks a Pod with `podLabels` created in a namespace with `namespaceLabels` reaches. */
export function webhooksReached(webhooks: readonly InjectorWebhook[], namespaceLabels: Labels, podLabels: Labels): InjectorWebhook[] {
  return webhooks.filter((w) => w.podCreate && !w.neverMatch && selectorMatches(w.namespaceSelector, namespaceLabels) && selectorMatches(w.objectSelector, podLabels));
}

/**
 * Applies a label change to a label set: a string sets the key, null removes it. The opt-in for a namespace is such a
 * change (`{istio.io/rev: canary, istio-injection: null}`), so selectors can be evaluated before it is made.
 */
export function withLabelChange(labels: Labels, change: Readonly<Record<string, string | null>>): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** The verdict of selectors alone: which revisions would inject such a pod. */
export type SelectorVerdict =
  | { kind: 'injected'; revision: string; webhooks: InjectorWebhook[] }
  | { kind: 'not-injected' }
  | { kind: 'other'; revisions: string[]; webhooks: InjectorWebhook[] };

/** Which revision the selectors send a pod to; `other` names every revision reached when that is not `expect` alone. */
export function selectorVerdict(webhooks: readonly InjectorWebhook[], namespaceLabels: Labels, podLabels: Labels, expect: string): SelectorVerdict {
  const reached = webhooksReached(webhooks, namespaceLabels, podLabels);
  if (reached.length === 0) return { kind: 'not-injected' };
  const revisions = [...new Set(reached.map((w) => w.revision))].sort();
  if (revisions.length === 1 && revisions[0] === expect) return { kind: 'injected', revision: expect, webhooks: reached };
  return { kind: 'other', revisions, webhooks: reached };
}

/** Reads a LabelSelector from API data; undefined when absent or malformed. */
export function parseLabelSelector(v: unknown): LabelSelector | undefined {
  if (!isPlainObject(v)) return undefined;
  const out: LabelSelector = {};
  if (isPlainObject(v.matchLabels)) out.matchLabels = Object.fromEntries(Object.entries(v.matchLabels).filter((e): e is [string, string] => typeof e[1] === 'string'));
  if (Array.isArray(v.matchExpressions))
    out.matchExpressions = v.matchExpressions.filter(isPlainObject).map((e) => ({
      key: String(e.key),
      operator: String(e.operator) as 'In',
      ...(Array.isArray(e.values) ? { values: e.values.map(String) } : {}),
    }));
  return out;
}

/** A label selector as a `labelSelector` query string (`a=b,c in (d,e),!f`). */
export function selectorString(selector: LabelSelector): string {
  const parts: string[] = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
