// DestinationRule rules istiod's validating webhook enforces beyond the CRD schema (istio pkg/config/validation ValidateDestinationRule).
import type { KubeObject } from '../../resources/object.js';
import type { PathSegment } from '../../resources/resource-set.js';
import { asMap, asNumber, asString, isSet, mapsIn, specOf, type JsonMap } from '../fields.js';
import { IssueList, checkExportTo, checkPort, checkWildcardDomain, isDns1123Label, type ValidationIssue } from './common.js';

/** Every webhook-level issue of a DestinationRule. */
export function validateDestinationRule(obj: KubeObject): ValidationIssue[] {
  const issues = new IssueList();
  const spec = specOf(obj);
  const ns = obj.metadata.namespace ?? 'default';
  const host = asString(spec.host);
  if (host !== undefined) issues.check(['spec', 'host'], checkWildcardDomain(host));
  const tp = asMap(spec.trafficPolicy);
  if (tp) validateTrafficPolicy(issues, ['spec', 'trafficPolicy'], tp);
  const names = new Set<string>();
  for (const [subset, i] of mapsIn(spec.subsets)) {
    const name = asString(subset.name) ?? '';
    if (names.has(name)) issues.error(['spec', 'subsets', i, 'name'], `duplicate subset names: ${name}`);
    names.add(name);
    if (name === '') issues.error(['spec', 'subsets', i, 'name'], 'subset name cannot be empty');
    else if (!isDns1123Label(name)) issues.error(['spec', 'subsets', i, 'name'], `subset name is invalid: ${name}`);
    const stp = asMap(subset.trafficPolicy);
    if (stp) validateTrafficPolicy(issues, ['spec', 'subsets', i, 'trafficPolicy'], stp);
  }
  checkExportTo(issues, ['spec', 'exportTo'], ns, spec.exportTo);
  const exportTo = Array.isArray(spec.exportTo) ? spec.exportTo.map((e) => (e === '.' ? ns : e)) : [];
  if (asMap(spec.workloadSelector) && exportTo.length > 0) {
    if (!exportTo.includes(ns)) issues.error(['spec', 'exportTo'], 'destination rule with workload selector cannot have exportTo beyond current namespace');
    else if (new Set(exportTo).size > 1) issues.error(['spec', 'exportTo'], 'destination rule with workload selector cannot have multiple entries in exportTo');
  }
  return issues.items;
}

const POLICY_FIELDS = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol', 'retryBudget'];
const PORT_POLICY_FIELDS = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'];

function validateTrafficPolicy(issues: IssueList, path: PathSegment[], tp: JsonMap): void {
  if (!POLICY_FIELDS.some((f) => isSet(tp, f))) {
    issues.error(path, 'traffic policy must have at least one field');
    return;
  }
  if (isSet(tp, 'tunnel') && isSet(tp, 'proxyProtocol')) issues.error(path, 'tunnel and proxyProtocol must not be set together');
  validatePolicyParts(issues, path, tp);
  for (const [pls, i] of mapsIn(tp.portLevelSettings)) {
    const at: PathSegment[] = [...path, 'portLevelSettings', i];
    const port = asMap(pls.port);
    if (!port) issues.error(at, 'portTrafficPolicy must have valid port');
    const n = asNumber(port?.number);
    if (n !== undefined) issues.check([...at, 'port', 'number'], checkPort(n));
    if (!PORT_POLICY_FIELDS.some((f) => isSet(pls, f))) issues.error(at, 'port traffic policy must have at least one field');
    else validatePolicyParts(issues, at, pls);
  }
}

function validatePolicyParts(issues: IssueList, path: PathSegment[], tp: JsonMap): void {
  const outlier = asMap(tp.outlierDetection);
  if (outlier) {
    const local = asNumber(outlier.consecutiveLocalOriginFailures);
    if (outlier.splitExternalLocalOriginErrors !== true && local !== undefined && local > 0)
      issues.error([...path, 'outlierDetection'], 'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false');
    for (const f of ['maxEjectionPercent', 'minHealthPercent']) {
      const pct = asNumber(outlier[f]);
      if (pct !== undefined && (pct < 0 || pct > 100)) issues.error([...path, 'outlierDetection', f], `percentage ${pct} is not in range 0..100`);
    }
  }
  const tls = asMap(tp.tls);
  if (!tls) return;
  const mode = asString(tls.mode) ?? 'DISABLE';
  const s = (k: string) => asString(tls[k]) ?? '';
  const insecure = tls.insecureSkipVerify === true;
  if (insecure && mode === 'SIMPLE' && (s('caCertificates') || s('credentialName') || isSet(tls, 'subjectAltNames')))
    issues.error([...path, 'tls'], 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true');
  if (insecure && mode === 'MUTUAL' && (s('caCertificates') || isSet(tls, 'subjectAltNames')))
    issues.error([...path, 'tls'], 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true');
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && s('credentialName')) {
    if (s('clientCertificate') || s('caCertificates') || s('privateKey') || s('caCrl'))
      issues.error([...path, 'tls'], 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set');
    return;
  }
  if (mode === 'MUTUAL') {
    if (!s('clientCertificate')) issues.error([...path, 'tls'], 'client certificate required for mutual tls');
    if (!s('privateKey')) issues.error([...path, 'tls'], 'private key required for mutual tls');
  }
}
