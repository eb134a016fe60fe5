// Do two gateways serve the same thing? Compares the Istio Gateway servers (hosts, ports, TLS credentials) and the
// VirtualServices bound to them, for the gateway Services of an lb-weight shift: a gateway that lacks a route
// answers 404, which a 5xx-based gate never sees.
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import type { RouterProblem } from './router.js';

/** A gateway Service as the lb-weight router loaded it. */
export interface GatewayService {
  obj: KubeObject;
  /** The Service's own cluster: its pods, and the first place Istio looks for credential Secrets. */
  client: ObjectClient;
  /** The context name of `client`, as messages show it. */
  context: string;
  label: string;
  /** The cluster whose Istio config applies to the gateway (its `configContext`); absent: its own cluster. */
  config?: { client: ObjectClient; context: string };
}

/** The client and context name that hold the gateway's Istio config. */
function configOf(svc: GatewayService): { client: ObjectClient; context: string } {
  return svc.config ?? { client: svc.client, context: svc.context };
}

/** One (port, protocol, host) a gateway serves, and how it terminates TLS there. */
export interface ServedHost {
  key: string;
  tls: string;
  credentials: string[];
  gateway: string;
}

const show = (s: string) => sanitizeTerminalText(s, { oneLine: true });

/** Label maps of the pods a Service fronts (its selector when no pod exists yet); undefined without a selector. */
async function podLabels(svc: GatewayService): Promise<Record<string, string>[] | undefined> {
  const spec = isPlainObject(svc.obj.spec) ? svc.obj.spec : {};
  const selector = isPlainObject(spec.selector) ? (spec.selector as Record<string, string>) : undefined;
  if (!selector || Object.keys(selector).length === 0) return undefined;
  const pods = svc.client.discovery.resourceFor('', 'Pod');
  const found = pods
    ? await svc.client.list(pods, { namespace: svc.obj.metadata.namespace, labelSelector: Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') })
    : [];
  const labels = found.map((p) => p.metadata.labels ?? {});
  return labels.length > 0 ? labels : [selector];
}

/** True when the Gateway's `spec.selector` matches one of the label maps (an empty selector matches every pod). */
export function selects(gateway: KubeObject, labels: readonly Record<string, string>[]): boolean {
  const spec = isPlainObject(gateway.spec) ? gateway.spec : {};
  const sel = isPlainObject(spec.selector) ? spec.selector : {};
  return labels.some((l) => Object.entries(sel).every(([k, v]) => l[k] === v));
}

/** Every (port, protocol, host) of the Gateways, with their TLS settings. */
export function servedHosts(gateways: readonly KubeObject[]): Map<string, ServedHost> {
  const out = new Map<string, ServedHost>();
  for (const g of gateways) {
    const spec = isPlainObject(g.spec) ? g.spec : {};
    for (const s of Array.isArray(spec.servers) ? spec.servers : []) {
      if (!isPlainObject(s)) continue;
      const port = isPlainObject(s.port) ? s.port : {};
      const tls = isPlainObject(s.tls) ? s.tls : {};
      const credentials = [
        ...(typeof tls.credentialName === 'string' ? [tls.credentialName] : []),
        ...(Array.isArray(tls.credentialNames) ? tls.credentialNames.filter((c): c is string => typeof c === 'string') : []),
      ];
      const tlsText = [
        `mode ${typeof tls.mode === 'string' ? tls.mode : 'none'}`,
        credentials.length ? `credentials ${credentials.join(',')}` : '',
        typeof tls.serverCertificate === 'string' ? `certificate file ${tls.serverCertificate}` : '',
        tls.httpsRedirect === true ? 'https redirect' : '',
      ]
        .filter(Boolean)
        .join(', ');
      for (const h of Array.isArray(s.hosts) ? s.hosts : []) {
        if (typeof h !== 'string') continue;
        const key = `port ${String(port.number)} (${typeof port.protocol === 'string' ? port.protocol : '?'}) host ${h}`;
        out.set(key, { key, tls: tlsText, credentials, gateway: `${g.metadata.namespace ?? ''}/${g.metadata.name}` });
      }
    }
  }
  return out;
}

/** `ns/name` of each Gateway a VirtualService binds to (`mesh` left out). */
export function boundGateways(vs: KubeObject): string[] {
  const spec = isPlainObject(vs.spec) ? vs.spec : {};
  const ns = vs.metadata.namespace ?? 'default';
  return (Array.isArray(spec.gateways) ? spec.gateways : [])
    .filter((g): g is string => typeof g === 'string' && g !== 'mesh')
    .map((g) => (g.includes('/') ? g : `${ns}/${g}`));
}

/**
 * Problems that would make the "to" gateway answer differently from "from": hosts or ports it does not serve, other
 * TLS settings, a credential Secret missing from its namespace, or VirtualServices bound only to "from"'s Gateways.
 */
export async function compareGateways(from: GatewayService, to: GatewayService): Promise<RouterProblem[]> {
  const out: RouterProblem[] = [];
  const fromConfig = configOf(from);
  const toConfig = configOf(to);
  const [fromGw, toGw] = [fromConfig, toConfig].map((c) => c.client.discovery.resourceFor('networking.istio.io', 'Gateway'));
  for (const [svc, c, r] of [[from, fromConfig, fromGw], [to, toConfig, toGw]] as const)
    if (!r) {
      out.push({ severity: 'warning', code: 'GatewayMismatch', target: svc.label, message: `cluster ${show(c.context)} (where its Istio config is read) serves no Istio Gateway kind: cannot check that both gateways serve the same hosts` });
      return out;
    }
  if (!fromGw || !toGw) return out;
  const [fromLabels, toLabels] = await Promise.all([podLabels(from), podLabels(to)]);
  for (const [svc, l] of [[from, fromLabels], [to, toLabels]] as const)
    if (!l) out.push({ severity: 'warning', code: 'GatewayMismatch', target: svc.label, message: 'has no selector: cannot tell which gateway pods it fronts' });
  if (!fromLabels || !toLabels) return out;
  // Gateways select pods in any namespace. In a primary-remote mesh they live in the config cluster, not beside the
  // gateway's pods: read them where each side's configContext says.
  const [fromGateways, toGateways] = await Promise.all([
    fromConfig.client.list(fromGw).then((gs) => gs.filter((g) => selects(g, fromLabels))),
    toConfig.client.list(toGw).then((gs) => gs.filter((g) => selects(g, toLabels))),
  ]);
  if (fromGateways.length === 0) {
    out.push({ severity: 'warning', code: 'GatewayMismatch', target: from.label, message: `no Istio Gateway in cluster ${show(fromConfig.context)} selects its pods: nothing to compare` });
    return out;
  }
  const a = servedHosts(fromGateways);
  const b = servedHosts(toGateways);
  for (const [key, s] of a) {
    const t = b.get(key);
    if (!t)
      out.push({
        severity: 'error',
        code: 'GatewayMismatch',
        target: to.label,
        message: `serves no ${show(key)} by the Gateways in cluster ${show(toConfig.context)} (Gateway ${show(s.gateway)} in cluster ${show(fromConfig.context)} serves it for ${from.label}): it would answer 404 there, and 404 is not a 5xx to a success-rate gate`,
      });
    else if (t.tls !== s.tls)
      out.push({
        severity: 'error',
        code: 'GatewayMismatch',
        target: to.label,
        message: `serves ${show(key)} with ${show(t.tls)} (Gateway ${show(t.gateway)} in cluster ${show(toConfig.context)}), but ${from.label} with ${show(s.tls)} (Gateway ${show(s.gateway)} in cluster ${show(fromConfig.context)})`,
      });
  }
  for (const [key, t] of b)
    if (!a.has(key)) out.push({ severity: 'warning', code: 'GatewayMismatch', target: to.label, message: `also serves ${show(key)} (Gateway ${show(t.gateway)} in cluster ${show(toConfig.context)}), which ${from.label} does not` });

  out.push(...(await missingCredentials(from, to, b)));
  out.push(...(await unboundRoutes(from, to, fromGateways, toGateways)));
  return out;
}

/**
 * The clusters where Istio looks for "to"'s credential Secrets, in order: the gateway's own cluster, then the config
 * cluster (istio pilot/pkg/credentials/kube/multicluster.go, `ForCluster`: the proxy's cluster first, then the config
 * cluster; `GetCertInfo` takes the first that has it). Always in the gateway pods' namespace.
 */
export function credentialClusters(svc: Pick<GatewayService, 'context' | 'config'>): string[] {
  return [...new Set([svc.context, svc.config?.context ?? svc.context])];
}

/**
 * Istio reads a credentialName from the gateway pod's own namespace, in the clusters `credentialClusters` names: the
 * Secret must exist there for "to" as well (skipped when both sides share namespace and clusters).
 */
async function missingCredentials(from: GatewayService, to: GatewayService, served: Map<string, ServedHost>): Promise<RouterProblem[]> {
  const names = new Set([...served.values()].flatMap((s) => s.credentials).filter((c) => !c.includes('/') && !c.includes('://')));
  const fromNs = from.obj.metadata.namespace;
  const toNs = to.obj.metadata.namespace;
  const sameClusters = credentialClusters(from).join('\n') === credentialClusters(to).join('\n');
  if (names.size === 0 || (fromNs === toNs && sameClusters)) return [];
  const lookIn = to.config && to.config.context !== to.context ? [to.client, to.config.client] : [to.client];
  const have = new Set<string>();
  for (const client of lookIn) {
    const secrets = client.discovery.resourceFor('', 'Secret');
    if (!secrets) return [];
    // Metadata only: Secret data never leaves the server.
    for (const s of await client.list(secrets, { namespace: toNs, metadataOnly: true })) have.add(s.metadata.name);
  }
  const where = credentialClusters(to).map(show).join(' or ');
  return [...names]
    .filter((n) => !have.has(n))
    .map((n) => ({
      severity: 'error' as const,
      code: 'GatewayMismatch' as const,
      target: to.label,
      message: `credential Secret "${show(n)}" does not exist in namespace ${show(toNs ?? '')} of cluster ${where}, where Istio reads it for this gateway's pods`,
    }));
}

/** VirtualServices bound to a Gateway of "from" but to none of "to": the new gateway has no route for their hosts. */
async function unboundRoutes(from: GatewayService, to: GatewayService, fromGateways: KubeObject[], toGateways: KubeObject[]): Promise<RouterProblem[]> {
  const fromConfig = configOf(from);
  const vsResource = fromConfig.client.discovery.resourceFor('networking.istio.io', 'VirtualService');
  if (!vsResource) return [];
  const id = (g: KubeObject) => `${g.metadata.namespace ?? ''}/${g.metadata.name}`;
  const fromIds = new Set(fromGateways.map(id));
  const toIds = new Set(toGateways.map(id));
  const out: RouterProblem[] = [];
  const toConfig = configOf(to);
  // With two config clusters, "to"'s routes are the VirtualServices of its own config cluster, matched by ns/name.
  const toVsResource = toConfig.context === fromConfig.context ? undefined : toConfig.client.discovery.resourceFor('networking.istio.io', 'VirtualService');
  const toBound = new Map((toVsResource ? await toConfig.client.list(toVsResource) : []).map((v) => [id(v), boundGateways(v)]));
  for (const vs of await fromConfig.client.list(vsResource)) {
    const bound = boundGateways(vs);
    const viaFrom = bound.filter((g) => fromIds.has(g));
    const boundForTo = toVsResource ? (toBound.get(id(vs)) ?? []) : bound;
    if (viaFrom.length === 0 || boundForTo.some((g) => toIds.has(g))) continue;
    const spec = isPlainObject(vs.spec) ? vs.spec : {};
    const hosts = Array.isArray(spec.hosts) ? spec.hosts.filter((h): h is string => typeof h === 'string') : [];
    out.push({
      severity: 'error',
      code: 'GatewayMismatch',
      target: to.label,
      message: `VirtualService ${show(`${vs.metadata.namespace ?? ''}/${vs.metadata.name}`)} (hosts ${show(hosts.join(', '))}) is bound to Gateway ${show(viaFrom.join(', '))} in cluster ${show(fromConfig.context)} of ${from.label} but to no Gateway in cluster ${show(toConfig.context)} selecting this gateway's pods: it would answer 404`,
    });
  }
  return out;
}
