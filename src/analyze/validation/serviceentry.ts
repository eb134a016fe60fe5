// ServiceEntry rules istiod's validating webhook enforces beyond the CRD schema (istio pkg/config/validation ValidateServiceEntry).
import type { KubeObject } from '../../resources/object.js';
import { asList, asMap, asNumber, asString, isSet, mapsIn, specOf, stringsIn } from '../fields.js';
import { isWildcard } from '../hosts.js';
import { IssueList, PROTOCOLS, checkExportTo, checkFqdn, checkPartialWildcard, checkPort, checkWildcardDomain, isHttpProtocol, isIpAddress, isTlsProtocol, type ValidationIssue } from './common.js';

/** Every webhook-level issue of a ServiceEntry. */
export function validateServiceEntry(obj: KubeObject): ValidationIssue[] {
  const issues = new IssueList();
  const spec = specOf(obj);
  const ns = obj.metadata.namespace ?? 'default';
  const resolution = asString(spec.resolution) ?? 'NONE';
  const hosts = stringsIn(spec.hosts);
  const endpoints = mapsIn(spec.endpoints);
  const ports = mapsIn(spec.ports);
  const addresses = stringsIn(spec.addresses);
  if (isSet(spec, 'workloadSelector') && isSet(spec, 'endpoints')) issues.error(['spec'], 'only one of WorkloadSelector or Endpoints is allowed in Service Entry');
  if (asList(spec.hosts).length === 0) issues.error(['spec', 'hosts'], 'service entry must have at least one host');
  for (const [h, i] of hosts) {
    if (h === '*') issues.error(['spec', 'hosts', i], `invalid host ${h}`);
    else {
      issues.check(['spec', 'hosts', i], checkWildcardDomain(h));
      const partial = resolution === 'DYNAMIC_DNS' ? undefined : checkPartialWildcard(h);
      if (partial) issues.warn(['spec', 'hosts', i], partial);
    }
  }
  let cidr = false;
  for (const [a, i] of addresses) {
    cidr ||= a.includes('/');
    const ip = a.includes('/') ? a.slice(0, a.indexOf('/')) : a;
    if (!isIpAddress(ip)) issues.error(['spec', 'addresses', i], `${a} is not a valid IP address or CIDR`);
  }
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC') issues.error(['spec', 'addresses'], 'CIDR addresses are allowed only for NONE/STATIC resolution types');

  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  for (const [p, i] of ports) {
    const name = asString(p.name) ?? '';
    const n = asNumber(p.number) ?? 0;
    if (portNames.has(name)) issues.error(['spec', 'ports', i, 'name'], `service entry port name "${name}" already defined`);
    if (portNumbers.has(n)) issues.error(['spec', 'ports', i, 'number'], `service entry port ${n} already defined`);
    portNames.add(name);
    portNumbers.add(n);
    const protocol = asString(p.protocol);
    if (protocol !== undefined && protocol !== '' && !PROTOCOLS.has(protocol.toUpperCase())) issues.error(['spec', 'ports', i, 'protocol'], `unrecognized protocol name: ${protocol}`);
    issues.check(['spec', 'ports', i, 'number'], checkPort(n));
    const tp = asNumber(p.targetPort);
    if (tp !== undefined && tp !== 0) issues.check(['spec', 'ports', i, 'targetPort'], checkPort(tp));
  }

  switch (resolution) {
    case 'NONE':
      if (endpoints.length) issues.error(['spec', 'endpoints'], 'no endpoints should be provided for resolution type none');
      if (isSet(spec, 'workloadSelector')) issues.warn(['spec', 'workloadSelector'], 'workloadSelector should not be set when resolution mode is NONE');
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (endpoints.length === 0) {
        const bad = hosts.find(([h]) => checkFqdn(h));
        if (bad) issues.error(['spec', 'hosts', bad[1]], `hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode ${resolution}`);
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) issues.error(['spec', 'endpoints'], `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
      for (const [e, i] of endpoints) {
        const addr = asString(e.address) ?? '';
        if (addr && !isIpAddress(addr) && !addr.startsWith('unix://') && checkFqdn(addr)) issues.error(['spec', 'endpoints', i, 'address'], `endpoint address "${addr}" is not a valid FQDN or an IP address`);
        for (const name of Object.keys(asMap(e.ports) ?? {}))
          if (!portNames.has(name)) issues.error(['spec', 'endpoints', i, 'ports', name], `endpoint port ${name} is not defined by the service entry`);
      }
      break;
    case 'DYNAMIC_DNS':
      for (const [h, i] of hosts) if (!isWildcard(h)) issues.error(['spec', 'hosts', i], `host must be wildcarded for resolution mode ${resolution}`);
      if (addresses.length) issues.error(['spec', 'addresses'], `addresses cannot be set for resolution type ${resolution}`);
      if (endpoints.length) issues.error(['spec', 'endpoints'], `endpoints cannot be set for resolution type ${resolution}`);
      for (const [p, i] of ports) {
        const proto = (asString(p.protocol) ?? '').toUpperCase();
        if (!['HTTP', 'TLS', 'GRPC', 'HTTP2'].includes(proto)) issues.error(['spec', 'ports', i, 'protocol'], `only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type ${resolution}`);
      }
      break;
    case 'STATIC':
      for (const [e, i] of endpoints) {
        const addr = asString(e.address) ?? '';
        if (addr && !addr.startsWith('unix://') && !isIpAddress(addr)) issues.error(['spec', 'endpoints', i, 'address'], `endpoint address "${addr}" is not a valid IP address`);
        for (const name of Object.keys(asMap(e.ports) ?? {}))
          if (!portNames.has(name)) issues.error(['spec', 'endpoints', i, 'ports', name], `endpoint port ${name} is not defined by the service entry`);
      }
      break;
  }
  // Plain TCP cannot tell several hosts apart (no Host header, no SNI) unless resolution is NONE.
  if (resolution !== 'NONE' && hosts.length > 1) {
    const tcp = ports.find(([p]) => {
      const proto = asString(p.protocol) ?? 'TCP';
      return !isHttpProtocol(proto) && !isTlsProtocol(proto);
    });
    if (tcp) issues.error(['spec', 'ports', tcp[1]], 'multiple hosts provided with non-HTTP, non-TLS ports');
  }
  checkExportTo(issues, ['spec', 'exportTo'], ns, spec.exportTo);
  return issues.items;
}
