// PortNameIsNotUnderNamingConvention: Service ports whose protocol Istio cannot tell from name or appProtocol.
import type { Analyzer } from '../../analyzer.js';
import { asNumber, asString, mapsIn, specOf } from '../../fields.js';
import { K } from '../../kinds.js';
import { msg } from '../../messages.gen.js';

const PROTOCOL_PREFIXES = new Set(['tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql']);
/** Ports Istio treats as TCP without a name (istio pkg/config/kube: SMTP, DNS, MySQL, MongoDB). */
const WELL_KNOWN_PORTS = new Set([25, 53, 3306, 27017]);
const APP_PROTOCOL_ALIASES = new Set(['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss']);

/** Istio's ConvertProtocol, reduced to "is the protocol known". */
export function protocolKnown(port: { name?: string; protocol?: string; appProtocol?: string; port?: number }): boolean {
  if ((port.protocol ?? '').toUpperCase() === 'UDP') return true;
  const name = (port.appProtocol ?? port.name ?? '').toLowerCase();
  if (port.appProtocol && APP_PROTOCOL_ALIASES.has(port.appProtocol)) return true;
  if (name.startsWith('grpc-web')) return true;
  const prefix = name.includes('-') ? name.slice(0, name.indexOf('-')) : name;
  return PROTOCOL_PREFIXES.has(prefix) || WELL_KNOWN_PORTS.has(port.port ?? 0);
}

export const portNamesAnalyzer: Analyzer = {
  metadata: {
    name: 'service.PortNameAnalyzer',
    description: "Checks that Service ports name their protocol (<protocol>[-<suffix>]) or set appProtocol, so Istio need not sniff it",
    inputs: [K.Service],
  },
  analyze(ctx) {
    for (const r of ctx.list(K.Service)) {
      const labels = r.object.metadata.labels ?? {};
      if ('istio' in labels || labels.release === 'istio') continue; // Istio's own control-plane Services
      const spec = specOf(r.object);
      if (asString(spec.type) === 'ExternalName') continue;
      for (const [p, i] of mapsIn(spec.ports)) {
        const port = { name: asString(p.name), protocol: asString(p.protocol), appProtocol: asString(p.appProtocol), port: asNumber(p.port) };
        if (!protocolKnown(port)) ctx.report(r, msg.PortNameIsNotUnderNamingConvention(port.name ?? '', port.port ?? 0), ['spec', 'ports', i]);
      }
    }
  },
};
