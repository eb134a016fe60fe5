// Security policy and Sidecar rules istiod's validating webhook enforces beyond the CRD schema (istio pkg/config/validation).
import type { KubeObject } from '../../resources/object.js';
import { asList, asMap, asNumber, asString, isSet, mapsIn, specOf, stringsIn } from '../fields.js';
import { IssueList, type ValidationIssue } from './common.js';

const SOURCE_FIELDS = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts'];
const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'];

/** AuthorizationPolicy: CUSTOM needs a provider and rules, DENY needs rules, empty from/to/source/operation are rejected. */
export function validateAuthorizationPolicy(obj: KubeObject): ValidationIssue[] {
  const issues = new IssueList();
  const spec = specOf(obj);
  const action = asString(spec.action) ?? 'ALLOW';
  const hasRules = spec.rules !== undefined && spec.rules !== null;
  if (action === 'CUSTOM') {
    if (!hasRules) issues.error(['spec'], 'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
    else if (!asString(asMap(spec.provider)?.name)) issues.error(['spec', 'provider'], '`provider.name` must not be empty');
  } else if (isSet(spec, 'provider')) issues.error(['spec', 'provider'], `\`provider\` must not be with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && !hasRules) issues.error(['spec'], 'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
  for (const [rule, i] of mapsIn(spec.rules)) {
    if (Array.isArray(rule.from) && rule.from.length === 0) issues.error(['spec', 'rules', i, 'from'], `\`from\` must not be empty, found at rule ${i}`);
    for (const [from, j] of mapsIn(rule.from)) {
      const src = asMap(from.source);
      if (!src) issues.error(['spec', 'rules', i, 'from', j], `\`from.source\` must not be nil, found at rule ${i}`);
      else if (!SOURCE_FIELDS.some((f) => asList(src[f]).length > 0)) issues.error(['spec', 'rules', i, 'from', j, 'source'], `\`from.source\` must not be empty, found at rule ${i}`);
    }
    if (Array.isArray(rule.to) && rule.to.length === 0) issues.error(['spec', 'rules', i, 'to'], `\`to\` must not be empty, found at rule ${i}`);
    for (const [to, j] of mapsIn(rule.to)) {
      const op = asMap(to.operation);
      if (!op) issues.error(['spec', 'rules', i, 'to', j], `\`to.operation\` must not be nil, found at rule ${i}`);
      else if (!OPERATION_FIELDS.some((f) => asList(op[f]).length > 0)) issues.error(['spec', 'rules', i, 'to', j, 'operation'], `\`to.operation\` must not be empty, found at rule ${i}`);
    }
    for (const [cond, j] of mapsIn(rule.when)) {
      const key = asString(cond.key) ?? '';
      if (key === '') issues.error(['spec', 'rules', i, 'when', j, 'key'], '`key` must not be empty');
      else if (asList(cond.values).length === 0 && asList(cond.notValues).length === 0)
        issues.error(['spec', 'rules', i, 'when', j], `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
    }
  }
  return issues.items;
}

/** PeerAuthentication: port-level mTLS only with a workload selector, and then not empty. */
export function validatePeerAuthentication(obj: KubeObject): ValidationIssue[] {
  const issues = new IssueList();
  const spec = specOf(obj);
  const labels = asMap(asMap(spec.selector)?.matchLabels) ?? {};
  const portLevel = asMap(spec.portLevelMtls);
  if (portLevel && Object.keys(labels).length === 0 && Object.keys(portLevel).length > 0)
    issues.error(['spec', 'portLevelMtls'], 'mesh/namespace peer authentication cannot have port level mTLS');
  if (portLevel && Object.keys(portLevel).length === 0) issues.error(['spec', 'portLevelMtls'], 'port level mTLS, if defined, must have at least one element');
  for (const port of Object.keys(portLevel ?? {})) {
    const n = Number(port);
    if (!Number.isInteger(n) || n <= 0 || n > 65535) issues.error(['spec', 'portLevelMtls', port], 'port must be in range 1..65535');
  }
  return issues.items;
}

/** Sidecar: listeners need ports where required, unique bindings, targetPort is rejected, egress needs hosts. */
export function validateSidecar(obj: KubeObject): ValidationIssue[] {
  const issues = new IssueList();
  const spec = specOf(obj);
  if (!['egress', 'ingress', 'outboundTrafficPolicy', 'inboundConnectionPool'].some((f) => isSet(spec, f))) issues.error(['spec'], 'sidecar: empty configuration provided');
  const bound = new Set<string>();
  for (const [ing, i] of mapsIn(spec.ingress)) {
    const port = asMap(ing.port);
    if (!port) issues.error(['spec', 'ingress', i], 'sidecar: port is required for ingress listeners');
    else {
      if ((asNumber(port.targetPort) ?? 0) > 0) issues.error(['spec', 'ingress', i, 'port', 'targetPort'], 'targetPort has no impact on Sidecars');
      const key = `${asString(ing.bind) ?? ''}:${asNumber(port.number) ?? 0}`;
      if (bound.has(key)) issues.error(['spec', 'ingress', i, 'port'], 'sidecar: ports on IP bound listeners must be unique');
      bound.add(key);
    }
    const tls = asMap(ing.tls);
    if (tls) {
      if (tls.httpsRedirect === true) issues.error(['spec', 'ingress', i, 'tls'], 'sidecar: httpsRedirect is not supported');
      if (asString(tls.credentialName)) issues.error(['spec', 'ingress', i, 'tls'], 'sidecar: credentialName is not currently supported');
    }
  }
  const egress = mapsIn(spec.egress);
  const egressBound = new Set<string>();
  let portless = -1;
  for (const [eg, i] of egress) {
    const port = asMap(eg.port);
    if (!port) {
      if (portless >= 0) issues.error(['spec', 'egress', i], 'sidecar: egress can have only one listener with empty port');
      else if (i !== egress.length - 1) issues.error(['spec', 'egress', i], 'sidecar: the egress listener with empty port should be the last listener in the list');
      portless = i;
    } else {
      if ((asNumber(port.targetPort) ?? 0) > 0) issues.error(['spec', 'egress', i, 'port', 'targetPort'], 'targetPort has no impact on Sidecars');
      const key = `${asString(eg.bind) ?? ''}:${asNumber(port.number) ?? 0}`;
      if (egressBound.has(key)) issues.error(['spec', 'egress', i, 'port'], 'sidecar: ports on IP bound listeners must be unique');
      egressBound.add(key);
    }
    const hosts = stringsIn(eg.hosts);
    if (asList(eg.hosts).length === 0) issues.error(['spec', 'egress', i], 'sidecar: egress listener must contain at least one host');
    for (const [h, j] of hosts) {
      if (!h.includes('/')) issues.error(['spec', 'egress', i, 'hosts', j], 'host must be of form namespace/dnsName');
    }
  }
  return issues.items;
}
