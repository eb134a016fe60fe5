// Gateway rules istiod's validating webhook enforces beyond the CRD schema (istio pkg/config/validation ValidateGateway).
import type { KubeObject } from '../../resources/object.js';
import type { PathSegment } from '../../resources/resource-set.js';
import { asList, asMap, asNumber, asString, isSet, mapsIn, specOf, stringsIn, type JsonMap } from '../fields.js';
import {
  IssueList, PROTOCOLS, checkPartialWildcard, checkPort, checkWildcardDomain, isDns1123Label, isHttpProtocol, isIpAddress, isTlsProtocol,
  type ValidationIssue,
} from './common.js';

/** Every webhook-level issue of an Istio Gateway. */
export function validateGateway(obj: KubeObject): ValidationIssue[] {
  const issues = new IssueList();
  const spec = specOf(obj);
  if (!isDns1123Label(obj.metadata.name)) issues.error(['metadata', 'name'], `invalid gateway name: "${obj.metadata.name}" (a Gateway name must be a DNS label, no dots)`);
  const servers = mapsIn(spec.servers);
  if (asList(spec.servers).length === 0) issues.error(['spec'], 'gateway must have at least one server');
  const portNames = new Set<string>();
  for (const [server, i] of servers) {
    const path: PathSegment[] = ['spec', 'servers', i];
    validateServer(issues, path, server);
    const port = asMap(server.port);
    if (!port) continue;
    const name = asString(port.name) ?? '';
    if (portNames.has(name)) issues.error([...path, 'port', 'name'], `port names in servers must be unique: duplicate name ${name}`);
    portNames.add(name);
    const tls = asMap(server.tls);
    if (tls?.httpsRedirect === true && !isHttpProtocol(asString(port.protocol) ?? '')) issues.warn([...path, 'tls', 'httpsRedirect'], 'tls.httpsRedirect should only be used with http servers');
  }
  return issues.items;
}

function validateServer(issues: IssueList, path: PathSegment[], server: JsonMap): void {
  const hosts = stringsIn(server.hosts);
  if (asList(server.hosts).length === 0) issues.error([...path, 'hosts'], 'server config must contain at least one host');
  for (const [h, i] of hosts) for (const err of checkGatewayHost(h)) issues.error([...path, 'hosts', i], err);
  const port = asMap(server.port);
  const bind = asString(server.bind) ?? '';
  let portOk = true;
  if (!port) {
    issues.error([...path, 'port'], 'port is required');
    portOk = false;
  } else {
    const protocol = asString(port.protocol) ?? '';
    if (!PROTOCOLS.has(protocol.toUpperCase())) {
      issues.error([...path, 'port', 'protocol'], `invalid protocol "${protocol}", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`);
      portOk = false;
    }
    const n = asNumber(port.number) ?? 0;
    if (n > 0 || !bind.startsWith('unix://')) {
      const err = checkPort(n);
      if (err) {
        issues.error([...path, 'port', 'number'], err);
        portOk = false;
      }
    }
    if ((asNumber(port.targetPort) ?? 0) > 0) issues.error([...path, 'port', 'targetPort'], 'targetPort has no impact on Gateways');
    if (!asString(port.name)) {
      issues.error([...path, 'port', 'name'], 'port name must be set');
      portOk = false;
    }
  }
  if (bind.startsWith('unix://')) {
    const sock = bind.slice('unix://'.length);
    if (!sock.startsWith('@') && (!sock.startsWith('/') || sock.endsWith('/'))) issues.error([...path, 'bind'], `${sock} is not an absolute path to a file`);
  } else if (bind !== '' && !isIpAddress(bind)) issues.error([...path, 'bind'], `${bind} is not a valid IP`);

  const tls = asMap(server.tls);
  if (tls) validateTlsOptions(issues, [...path, 'tls'], tls);
  if (portOk && port) {
    const protocol = asString(port.protocol) ?? '';
    if (isTlsProtocol(protocol) && !tls) issues.error([...path, 'tls'], 'server must have TLS settings for HTTPS/TLS protocols');
    else if (!isTlsProtocol(protocol) && tls) {
      const passthroughOnly = Object.keys(tls).every((k) => k === 'httpsRedirect');
      if (isHttpProtocol(protocol)) {
        if (!passthroughOnly) issues.error([...path, 'tls'], 'server cannot have TLS settings for plain text HTTP ports');
      } else issues.error([...path, 'tls'], 'server cannot have TLS settings for non HTTPS/TLS ports');
    }
  }
}

/** `ns/dnsName` or a bare DNS name; short names and partial wildcards are rejected; an IP is allowed. */
function checkGatewayHost(host: string): string[] {
  const errs: string[] = [];
  const slash = host.indexOf('/');
  let name = host;
  if (slash >= 0) {
    const ns = host.slice(0, slash);
    name = host.slice(slash + 1);
    if (!ns || !name) return ['config namespace and dnsName in host entry cannot be empty'];
    if (ns !== '*' && ns !== '.' && !isDns1123Label(ns)) errs.push(`invalid namespace value "${ns}" in gateway`);
  }
  if (name !== '*' && !name.includes('.')) errs.push('short names (non FQDN) are not allowed');
  const err = checkWildcardDomain(name);
  if (err && !isIpAddress(name)) errs.push(err);
  const partial = checkPartialWildcard(name);
  if (partial) errs.push(partial);
  return errs;
}

function validateTlsOptions(issues: IssueList, path: PathSegment[], tls: JsonMap): void {
  const mode = asString(tls.mode) ?? 'PASSTHROUGH';
  const s = (k: string) => asString(tls[k]) ?? '';
  const certNames = asList(tls.credentialNames);
  const tlsCerts = asList(tls.tlsCertificates);
  if (mode === 'ISTIO_MUTUAL') {
    for (const [field, label] of [['serverCertificate', 'server certificate'], ['privateKey', 'private key'], ['caCertificates', 'CA bundle'], ['credentialName', 'credentialName']] as const)
      if (s(field)) issues.error([...path, field], `ISTIO_MUTUAL TLS cannot have associated ${label}`);
    if (tlsCerts.length) issues.error([...path, 'tlsCertificates'], 'ISTIO_MUTUAL TLS cannot have associated tlsCertificates');
    if (certNames.length) issues.error([...path, 'credentialNames'], 'ISTIO_MUTUAL TLS cannot have associated credentialNames');
    return;
  }
  if ((mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') && (s('caCrl') || s('serverCertificate') || s('privateKey') || s('caCertificates') || tlsCerts.length || s('credentialName') || certNames.length))
    issues.warn(path, `${mode} mode does not use certificates, they will be ignored`);
  const sources = [s('serverCertificate') && s('privateKey'), s('credentialName'), certNames.length > 0, tlsCerts.length > 0].filter(Boolean).length;
  if (sources > 1) issues.error(path, 'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified');
  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  if (terminating && (s('credentialName') || certNames.length)) return;
  if (terminating) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS';
    if (mode !== 'SIMPLE' && !s('caCertificates')) issues.error(path, `${prefix} requires a client CA bundle`);
    const certs = tlsCerts.length ? mapsIn(tls.tlsCertificates).map(([c]) => c) : [tls];
    for (const c of certs) {
      if (!asString(c.serverCertificate)) issues.error(path, `${prefix} requires a server certificate`);
      if (!asString(c.privateKey)) issues.error(path, `${prefix} requires a private key`);
    }
  }
  if (s('caCrl')) {
    if (s('credentialName')) issues.error([...path, 'caCrl'], 'CRL is not supported with credentialName. CRL has to be specified in the credential');
    if (mode === 'SIMPLE') issues.error([...path, 'caCrl'], 'CRL is not supported with SIMPLE TLS');
  }
  if (isSet(tls, 'minProtocolVersion') && ['TLSV1_0', 'TLSV1_1'].includes(s('minProtocolVersion')) && asList(tls.cipherSuites).length === 0)
    issues.warn([...path, 'minProtocolVersion'], 'TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.');
}
