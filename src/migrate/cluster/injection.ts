// Which revision injected a pod, and proof that a revision's injector serves a namespace (a server-side dry-run Pod create).
import { KubeApiError } from '../../kube/errors.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { discoverControlPlanes } from './control-planes.js';
import { selectorVerdict, withLabelChange, type InjectorWebhook, type Labels } from './webhook-selectors.js';

/** What a pod says about its sidecar. */
export interface PodInjection {
  /** An `istio-proxy` container (or native sidecar) and the `sidecar.istio.io/status` annotation. */
  injected: boolean;
  /** Annotation `istio.io/rev` (the injecting istiod's revision, never a tag), else `revision` of the status JSON. */
  revision?: string;
  /** Env of the `istio-proxy` container with literal values (valueFrom entries are left out). */
  proxyEnv: Record<string, string>;
  /** `PROXY_CONFIG` of that env, parsed: the merged proxy config; `proxyMetadata` is where required metadata lands. */
  proxyConfig?: Record<string, unknown>;
  /** Succeeded or Failed: a finished pod, not counted by verification. */
  completed: boolean;
  /** Phase Running and not being deleted. */
  running: boolean;
  phase: string;
}

/** Reads a Pod's injection (pilot's template sets the annotations; `pkg/kube/inject/inject.go`). */
export function podInjection(pod: KubeObject): PodInjection {
  const annotations = pod.metadata.annotations ?? {};
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const containers = [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])].filter(isPlainObject);
  const proxy = containers.find((c) => c.name === 'istio-proxy');
  const statusJson = annotations['sidecar.istio.io/status'];
  let statusRevision: string | undefined;
  if (statusJson) {
    try {
      const parsed: unknown = JSON.parse(statusJson);
      if (isPlainObject(parsed) && typeof parsed.revision === 'string') statusRevision = parsed.revision;
    } catch {
      // A damaged annotation: the pod still counts as injected if it has the proxy; the revision comes from istio.io/rev.
    }
  }
  const proxyEnv: Record<string, string> = {};
  for (const e of Array.isArray(proxy?.env) ? proxy.env.filter(isPlainObject) : []) if (typeof e.name === 'string' && typeof e.value === 'string') proxyEnv[e.name] = e.value;
  let proxyConfig: Record<string, unknown> | undefined;
  if (proxyEnv.PROXY_CONFIG) {
    try {
      const parsed: unknown = JSON.parse(proxyEnv.PROXY_CONFIG);
      if (isPlainObject(parsed)) proxyConfig = parsed;
    } catch {
      // Not JSON: left out; the env var itself is still in proxyEnv.
    }
  }
  const status = isPlainObject(pod.status) ? pod.status : {};
  const phase = typeof status.phase === 'string' ? status.phase : 'Unknown';
  const revision = annotations['istio.io/rev'] ?? statusRevision;
  return {
    injected: Boolean(proxy) && statusJson !== undefined,
    ...(revision ? { revision } : {}),
    proxyEnv,
    ...(proxyConfig ? { proxyConfig } : {}),
    completed: phase === 'Succeeded' || phase === 'Failed',
    running: phase === 'Running' && pod.metadata.deletionTimestamp === undefined,
    phase,
  };
}

export interface ProveInjectionOptions {
  namespace: string;
  /** Labels of the pod (a workload's pod template labels, with a podTemplateLabels opt-in applied). */
  podLabels?: Labels;
  /** The namespace opt-in not made yet: a value sets a label, null removes it (`{istio.io/rev: canary, istio-injection: null}`). */
  namespaceLabels?: Readonly<Record<string, string | null>>;
  expectRevision: string;
}

/** Why an injection proof failed, each told apart: nothing injects, someone else injects, or the injector failed. */
export type InjectionProof =
  | {
      ok: true;
      revision: string;
      /** Where the dry-run Pod was created; another namespace when the opt-in is not made yet (see proveInjection). */
      probeNamespace: string;
      /** The webhook entries the selectors send such a pod to. */
      webhooks: string[];
      message: string;
    }
  | { ok: false; reason: 'not-injected' | 'injected-by-other' | 'webhook-failed' | 'no-probe'; revision?: string; message: string };

/**
 * Proves that `expectRevision` will inject pods of `namespace` once the opt-in is made, in two parts:
 *
 * 1. **Selectors.** Istio's injector entries select on namespace labels and pod labels
 *    (`manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml`): `rev.namespace.` needs
 *    `istio.io/rev=<rev>` and no `istio-injection` on the namespace; `rev.object.` needs the pod label
 *    `istio.io/rev=<rev>` and *neither* label on the namespace; `namespace.`/`object.` are the legacy default.
 *    So a dry-run in a namespace that is still labelled for the source would be injected by the source whatever the
 *    pod says: the opt-in cannot be tried by a dry-run before it is made. The selectors of every live injector entry
 *    (revision tags included) are therefore evaluated against the namespace's labels *with the opt-in applied* and the
 *    pod's labels. That answers "which revision would inject", including "nobody" and "someone else".
 * 2. **Serving.** A server-side dry-run Pod create (`dryRun=All`; Istio's webhooks declare `sideEffects: None`, so
 *    they run) that reaches one of the target's entries proves its injector answers and injects. It is made in the
 *    namespace itself when its current labels already reach the target (after the opt-in, or with a podTemplateLabels
 *    opt-in on the pod); otherwise with the pod label `istio.io/rev=<target>` in the first namespace whose labels
 *    let that label reach the target (the namespace itself when it has neither injection label). Every entry of an
 *    Istio revision sends reviews to the same istiod, so one entry answering proves the others' endpoint.
 *
 * A webhook error (the injector is down, `failurePolicy: Fail`) is `webhook-failed` with the server's message.
 */
export async function proveInjection(client: ObjectClient, opts: ProveInjectionOptions): Promise<InjectionProof> {
  const nsResource = client.discovery.resourceFor('', 'Namespace');
  if (!nsResource) return { ok: false, reason: 'no-probe', message: 'the cluster does not serve Namespaces' };
  const [ns, found] = await Promise.all([client.get(nsResource, undefined, opts.namespace), discoverControlPlanes(client)]);
  if (!ns) return { ok: false, reason: 'no-probe', message: `namespace ${opts.namespace} does not exist` };
  const live = found.webhooks.filter((w) => !w.neverMatch);
  const current = ns.metadata.labels ?? {};
  const after = withLabelChange(current, opts.namespaceLabels ?? {});
  const podLabels = opts.podLabels ?? {};
  const expect = opts.expectRevision;
  const verdict = selectorVerdict(live, after, podLabels, expect);
  const what = `pods of namespace ${opts.namespace}${opts.namespaceLabels ? ' after the opt-in' : ''}`;
  if (verdict.kind === 'not-injected') return { ok: false, reason: 'not-injected', message: `no injector webhook selects ${what}: revision ${expect} would not inject them` };
  if (verdict.kind === 'other')
    return {
      ok: false,
      reason: 'injected-by-other',
      revision: verdict.revisions.join(','),
      message: `${what} would be injected by revision ${verdict.revisions.join(' and ')} (through ${describeHooks(verdict.webhooks)}), not by ${expect}`,
    };
  const probe = await probeTarget(client, nsResource, opts.namespace, current, podLabels, live, expect);
  if (!probe) return { ok: false, reason: 'no-probe', message: `no namespace lets a dry-run Pod reach revision ${expect}'s injector (every namespace is labelled for another revision)` };
  const tried = await dryRunPod(client, probe.namespace, probe.labels);
  if ('webhookError' in tried)
    return { ok: false, reason: 'webhook-failed', message: `the injector of revision ${expect} failed a dry-run Pod create in namespace ${probe.namespace}: ${tried.webhookError}` };
  const got = podInjection(tried.pod);
  if (!got.injected) return { ok: false, reason: 'not-injected', message: `a dry-run Pod in namespace ${probe.namespace} came back without a sidecar although revision ${expect}'s webhook selects it` };
  if (got.revision !== expect)
    return { ok: false, reason: 'injected-by-other', revision: got.revision ?? 'unknown', message: `a dry-run Pod in namespace ${probe.namespace} was injected by revision ${got.revision ?? 'unknown'}, not ${expect}` };
  return {
    ok: true,
    revision: expect,
    probeNamespace: probe.namespace,
    webhooks: verdict.webhooks.map((w) => `${w.configName}/${w.webhookName}`),
    message: `revision ${expect} injects ${what} (dry-run Pod in ${probe.namespace}${probe.namespace === opts.namespace ? '' : ', the namespace is not opted in yet'})`,
  };
}

/**
 * Creates a Pod with `dryRun=All` (nothing is stored; Istio's injector webhooks declare `sideEffects: None`, so
 * they run) and returns what the server would have stored: the injected Pod. A webhook's refusal comes back as
 * `webhookError` with the server's message; any other API error is thrown.
 */
export async function dryRunPod(
  client: ObjectClient,
  namespace: string,
  labels: Labels,
  annotations: Readonly<Record<string, string>> = {},
): Promise<{ pod: KubeObject } | { webhookError: string }> {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'meshferry-injection-probe-', name: '', namespace, labels: { ...labels }, ...(Object.keys(annotations).length ? { annotations: { ...annotations } } : {}) },
    spec: { containers: [{ name: 'probe', image: 'registry.k8s.io/pause:3.10' }] },
  };
  delete (pod.metadata as { name?: string }).name;
  try {
    return { pod: (await client.create(pod, { dryRun: true })).object };
  } catch (err) {
    if (err instanceof KubeApiError && /webhook/i.test(err.serverMessage)) return { webhookError: err.serverMessage };
    throw err;
  }
}

/** Where and with which pod labels a dry-run Pod reaches only the target's webhooks today. */
async function probeTarget(
  client: ObjectClient,
  nsResource: NonNullable<ReturnType<ObjectClient['discovery']['resourceFor']>>,
  namespace: string,
  current: Labels,
  podLabels: Labels,
  live: readonly InjectorWebhook[],
  expect: string,
): Promise<{ namespace: string; labels: Labels } | undefined> {
  if (selectorVerdict(live, current, podLabels, expect).kind === 'injected') return { namespace, labels: podLabels };
  const byRevLabel = { ...podLabels, 'istio.io/rev': expect };
  if (selectorVerdict(live, current, byRevLabel, expect).kind === 'injected') return { namespace, labels: byRevLabel };
  for (const other of await client.list(nsResource, { metadataOnly: true })) {
    const labels = other.metadata.labels ?? {};
    if (other.metadata.deletionTimestamp !== undefined) continue;
    if (selectorVerdict(live, labels, byRevLabel, expect).kind === 'injected') return { namespace: other.metadata.name, labels: byRevLabel };
  }
  return undefined;
}

function describeHooks(hooks: readonly InjectorWebhook[]): string {
  return hooks.map((w) => `${w.configName}/${w.webhookName}`).join(', ');
}
