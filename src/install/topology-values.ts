// Every topology value that the plan turns into a Kubernetes name, label, annotation or address, checked as the API server will.
import type { PathSegment } from '../resources/resource-set.js';
import {
  annotationKeyProblems,
  annotationsSizeProblems,
  dns1035LabelProblems,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  endpointIpProblems,
  externalNameProblems,
  labelValueProblems,
  qualifiedNameProblems,
} from './kube-values.js';
import { providerFor } from './providers/index.js';
import { remoteSecretName } from './remote-secret.js';
import type { MeshTopology, TopologyProblem } from './topology.js';

/** Istio's charts treat remotePilotAddress as an IPv4 address when it matches this (remote-istiod-service.yaml). */
const CHART_IPV4 = /^([0-9]*\.){3}[0-9]*$/;
/** …and as an IPv6 address when it matches this (remote-istiod-endpointslices.yaml); anything else is an ExternalName. */
const CHART_IPV6 = /^([0-9a-fA-F]*:)+[0-9a-fA-F]*$/;

/**
 * Problems with values Kubernetes would refuse once the plan is applied, all of them, in document order.
 * Each message says what the value becomes, so the user knows which rule applies.
 */
export function checkKubeValues(topology: MeshTopology): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  /** `"net 1" becomes the label topology.istio.io/network, which Kubernetes refuses: a label value must …`. */
  const refuse = (path: PathSegment[], what: string, value: string, rule: string, reasons: string[]) => {
    if (reasons.length > 0) problems.push({ path, message: `${JSON.stringify(value)} ${what}, which Kubernetes refuses: ${rule} ${reasons.join(', and ')}` });
  };
  const spec = topology.spec;

  // values.global.meshID reaches the proxies as ISTIO_META_MESH_ID and the metrics as mesh_id; it is held to the
  // label-value rule so that it can be matched wherever an ID is (a judgement call: no Kubernetes object carries it).
  refuse(['spec', 'meshID'], 'is the mesh ID, held to the rule of a label value', spec.meshID, 'a label value', labelValueProblems(spec.meshID));

  const revision = spec.istio.revision;
  if (revision) {
    refuse(['spec', 'istio', 'revision'], 'becomes the label istio.io/rev', revision, 'a label value', labelValueProblems(revision));
    // Istio names the revision's Service istiod-<rev> (istio-discovery templates/service.yaml); Service names are DNS-1035 labels.
    refuse(['spec', 'istio', 'revision'], `makes the Service name istiod-${revision}`, revision, 'a Service name', dns1035LabelProblems(`istiod-${revision}`));
  }

  spec.clusters.forEach((c, i) => {
    const at = (...rest: PathSegment[]): PathSegment[] => ['spec', 'clusters', i, ...rest];
    refuse(at('name'), `makes the Secret name ${remoteSecretName(c.name)}`, c.name, 'a Secret name', dns1123SubdomainProblems(remoteSecretName(c.name)));
    refuse(at('network'), 'becomes the label topology.istio.io/network', c.network, 'a label value', labelValueProblems(c.network));
    if (c.remotePilotAddress !== undefined) {
      const a = c.remotePilotAddress;
      const why = remotePilotAddressProblems(a);
      if (why.length > 0) problems.push({ path: at('remotePilotAddress'), message: `${JSON.stringify(a)} is not an address Istio's remote install can use: it ${why.join(', and ')}` });
    }
    const annotated: { path: PathSegment[]; annotations: Record<string, string> }[] = [];
    const lbAnnotations = (path: PathSegment[], lb: { annotations?: Record<string, string> } | undefined) => {
      for (const k of Object.keys(lb?.annotations ?? {}))
        refuse([...path, 'annotations', k], 'is an annotation key', k, 'an annotation key', annotationKeyProblems(k));
      if (lb) annotated.push({ path, annotations: providerFor(c.provider)?.annotations(lb, path).annotations ?? lb.annotations ?? {} });
    };
    lbAnnotations(at('eastWestGateway', 'loadBalancer'), c.eastWestGateway?.loadBalancer);
    (c.ingressGateways ?? []).forEach((gw, g) => {
      const gat = (...rest: PathSegment[]) => at('ingressGateways', g, ...rest);
      // The gateway's Service carries its name (DNS-1035), its Deployment too (DNS-1123 subdomain, implied).
      refuse(gat('name'), 'becomes a Service name', gw.name, 'a Service name', dns1035LabelProblems(gw.name));
      if (gw.namespace !== undefined) refuse(gat('namespace'), 'becomes a Namespace name', gw.namespace, 'a Namespace name', dns1123LabelProblems(gw.namespace));
      for (const [k, v] of Object.entries(gw.labels ?? {})) {
        refuse(gat('labels', k), 'is a label key', k, 'a label key', qualifiedNameProblems(k));
        refuse(gat('labels', k), `becomes the value of label ${k}`, v, 'a label value', labelValueProblems(v));
      }
      lbAnnotations(gat('loadBalancer'), gw.loadBalancer);
    });
    for (const { path, annotations } of annotated) {
      const size = annotationsSizeProblems(annotations);
      if (size.length > 0) problems.push({ path: [...path, 'annotations'], message: `the gateway Service's annotations are too large for Kubernetes: ${size.join('; ')}` });
    }
  });

  (spec.namespaces ?? []).forEach((entry, n) => {
    const name = typeof entry === 'string' ? entry : entry.name;
    refuse(typeof entry === 'string' ? ['spec', 'namespaces', n] : ['spec', 'namespaces', n, 'name'], 'becomes a Namespace name', name, 'a Namespace name', dns1123LabelProblems(name));
  });
  return problems;
}

/**
 * Istio's istio-discovery chart (remote profile) writes remotePilotAddress as an EndpointSlice address when it looks
 * like an IPv4 or IPv6 address (remote-istiod-endpointslices.yaml), and otherwise as a Service's externalName
 * (remote-istiod-service.yaml), which must be a DNS-1123 subdomain. It also dials ports 15012 and 15017 itself,
 * so a port in the address is never valid.
 */
export function remotePilotAddressProblems(address: string): string[] {
  if (/^\[.*\](:\d+)?$/.test(address) || /^[^:]+:\d+$/.test(address))
    return ['has a port, but Istio adds its own (15012 for xDS, 15017 for the webhook): give the host or IP alone'];
  if (CHART_IPV4.test(address) || CHART_IPV6.test(address)) return endpointIpProblems(address);
  // Kubernetes would take "10.0.0" as an ExternalName, but no DNS name is all digits (RFC 3696 §2): a typo'd IP.
  if (/^[0-9.]+$/.test(address)) return ['looks like an IPv4 address with a part missing'];
  const reasons = externalNameProblems(address);
  return reasons.length > 0 ? [`is neither an IP address nor a DNS name (as a DNS name it ${reasons.join(' and ')})`] : [];
}
