// Istio config that opens the east-west gateway: istiod for remotes (expose-istiod) and services across networks.
import type { KubeObject } from '../resources/object.js';
import { ISTIO_NAMESPACE } from './topology.js';

/** networking.istio.io/v1 is served from Istio 1.22; older releases get v1beta1. */
export function networkingApiVersion(istioVersion: string): string {
  const [major, minor] = istioVersion.split('.').map((s) => Number.parseInt(s, 10));
  return (major ?? 1) > 1 || (minor ?? 0) >= 22 ? 'networking.istio.io/v1' : 'networking.istio.io/v1beta1';
}

/**
 * Gateway `istiod-gateway` (TLS passthrough on 15012 and 15017) and VirtualService `istiod-vs` routing them to
 * istiod (15017 → 443, the webhook). With a revision, routes go to istiod-<rev> and match its SNI names, as
 * Istio's expose-istiod-rev template does.
 */
export function exposeIstiod(istioVersion: string, revision: string | undefined): KubeObject[] {
  const apiVersion = networkingApiVersion(istioVersion);
  const service = revision ? `istiod-${revision}` : 'istiod';
  const host = `${service}.${ISTIO_NAMESPACE}.svc.cluster.local`;
  const sniHosts = revision ? [`${service}.${ISTIO_NAMESPACE}.svc`, host] : ['*'];
  const server = (name: string, number: number) => ({ port: { name, number, protocol: 'TLS' }, tls: { mode: 'PASSTHROUGH' }, hosts: ['*'] });
  const route = (port: number, target: number) => ({ match: [{ port, sniHosts }], route: [{ destination: { host, port: { number: target } } }] });
  return [
    {
      apiVersion,
      kind: 'Gateway',
      metadata: { name: 'istiod-gateway', namespace: ISTIO_NAMESPACE },
      spec: { selector: { istio: 'eastwestgateway' }, servers: [server('tls-istiod', 15012), server('tls-istiodwebhook', 15017)] },
    },
    {
      apiVersion,
      kind: 'VirtualService',
      metadata: { name: revision ? `istiod-vs-${revision}` : 'istiod-vs', namespace: ISTIO_NAMESPACE },
      spec: { hosts: ['*'], gateways: ['istiod-gateway'], tls: [route(15012, 15012), route(15017, 443)] },
    },
  ];
}

/** Gateway `cross-network-gateway`: AUTO_PASSTHROUGH on 15443 for *.local, so other networks reach this one's services. */
export function exposeServices(istioVersion: string): KubeObject[] {
  return [
    {
      apiVersion: networkingApiVersion(istioVersion),
      kind: 'Gateway',
      metadata: { name: 'cross-network-gateway', namespace: ISTIO_NAMESPACE },
      spec: {
        selector: { istio: 'eastwestgateway' },
        servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }],
      },
    },
  ];
}
