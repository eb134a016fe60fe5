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
  client: ObjectClient;
  label: string;
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
  const gwResource = to.client.discovery.resourceFor('networking.istio.io', 'Gateway');
  if (!gwResource) {
    out.push({ severity: 'warning', code: 'GatewayMismatch', target: to.label, message: 'the cluster serves no Istio Gateway kind: cannot check that both gateways serve the same hosts' });
    return out;
  }
  const [fromLabels, toLabels] = await Promise.all([podLabels(from), podLabels(to)]);
  for (const [svc, l] of [[from, fromLabels], [to, toLabels]] as const)
    if (!l) out.push({ severity: 'warning', code: 'GatewayMismatch', target: svc.label, message: 'has no selector: cannot tell which gateway pods it fronts' });
  if (!fromLabels || !toLabels) return out;
  // Both Services are in one cluster when they share a load balancer; Gateways select pods in any namespace.
  const [fromGateways, toGateways] = await Promise.all([
    from.client.list(gwResource).then((gs) => gs.filter((g) => selects(g, fromLabels))),
    to.client.list(gwResource).then((gs) => gs.filter((g) => selects(g, toLabels))),
  ]);
  if (fromGateways.length === 0) {
    out.push({ severity: 'warning', code: 'GatewayMismatch', target: from.label, message: 'no Istio Gateway selects its pods: nothing to compare' });
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
        message: `serves no ${show(key)} (Gateway ${show(s.gateway)} serves it for ${from.label}): it would answer 404 there, and 404 is not a 5xx to a success-rate gate`,
      });
    else if (t.tls !== s.tls)
      out.push({
        severity: 'error',
        code: 'GatewayMismatch',
        target: to.label,
        message: `serves ${show(key)} with ${show(t.tls)} (Gateway ${show(t.gateway)}), but ${from.label} with ${show(s.tls)}`,
      });
  }
  for (const [key, t] of b)
    if (!a.has(key)) out.push({ severity: 'warning', code: 'GatewayMismatch', target: to.label, message: `also serves ${show(key)} (Gateway ${show(t.gateway)}), which ${from.label} does not` });

  out.push(...(await missingCredentials(from, to, b)));
  out.push(...(await unboundRoutes(from, to, fromGateways, toGateways)));
  return out;
}

/** Istio reads a credentialName from the gateway pod's own namespace: the Secret must exist beside "to" as well. */
async function missingCredentials(from: GatewayService, to: GatewayService, served: Map<string, ServedHost>): Promise<RouterProblem[]> {
  const names = new Set([...served.values()].flatMap((s) => s.credentials).filter((c) => !c.includes('/') && !c.includes('://')));
  const fromNs = from.obj.metadata.namespace;
  const toNs = to.obj.metadata.namespace;
  if (names.size === 0 || fromNs === toNs) return [];
  const secrets = to.client.discovery.resourceFor('', 'Secret');
  if (!secrets) return [];
  // Metadata only: Secret data never leaves the server.
  const have = new Set((await to.client.list(secrets, { namespace: toNs, metadataOnly: true })).map((s) => s.metadata.name));
  return [...names]
    .filter((n) => !have.has(n))
    .map((n) => ({
      severity: 'error' as const,
      code: 'GatewayMismatch' as const,
      target: to.label,
      message: `credential Secret "${show(n)}" does not exist in namespace ${show(toNs ?? '')}, where this gateway's pods read it`,
    }));
}

/** VirtualServices bound to a Gateway of "from" but to none of "to": the new gateway has no route for their hosts. */
async function unboundRoutes(from: GatewayService, to: GatewayService, fromGateways: KubeObject[], toGateways: KubeObject[]): Promise<RouterProblem[]> {
  const vsResource = from.client.discovery.resourceFor('networking.istio.io', 'VirtualService');
  if (!vsResource) return [];
  const id = (g: KubeObject) => `${g.metadata.namespace ?? ''}/${g.metadata.name}`;
  const fromIds = new Set(fromGateways.map(id));
  const toIds = new Set(toGateways.map(id));
  const out: RouterProblem[] = [];
  for (const vs of await from.client.list(vsResource)) {
    const bound = boundGateways(vs);
    const viaFrom = bound.filter((g) => fromIds.has(g));
    if (viaFrom.length === 0 || bound.some((g) => toIds.has(g))) continue;
    const spec = isPlainObject(vs.spec) ? vs.spec : {};
    const hosts = Array.isArray(spec.hosts) ? spec.hosts.filter((h): h is string => typeof h === 'string') : [];
    out.push({
      severity: 'error',
      code: 'GatewayMismatch',
      target: to.label,
      message: `VirtualService ${show(`${vs.metadata.namespace ?? ''}/${vs.metadata.name}`)} (hosts ${show(hosts.join(', '))}) is bound to Gateway ${show(viaFrom.join(', '))} of ${from.label} but to no Gateway selecting this gateway's pods: it would answer 404`,
    });
  }
  return out;
}
