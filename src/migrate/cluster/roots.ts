// The root certificates two control planes sign with, found without reading any Secret, and whether they trust each other.
import { X509Certificate } from 'node:crypto';
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject } from '../../resources/object.js';
import type { ControlPlane } from './control-planes.js';

/** One certificate of a root bundle. */
export interface RootCertificate {
  /** SHA-256 of the DER, colon-separated upper-case hex (as `openssl x509 -fingerprint -sha256`). */
  fingerprint: string;
  subject: string;
  notAfter: string;
}

/** Where a root bundle was found. */
export interface RootEvidence {
  /**
   * `injector-caBundle`: the caBundle istiod patches into its own injector webhook (`pkg/webhooks/webhookpatch.go`):
   * the root of istiod's serving certificate, which is the mesh root when istiod signs its own serving certificate
   * (PILOT_CERT_PROVIDER=istiod, the default). `istio-ca-root-cert`: the ConfigMap istiod's namespace controller
   * writes into every namespace (`root-cert.pem`, the root workloads trust); one per namespace, written by the
   * elected leader among the revisions, so it does not tell revisions of one namespace apart.
   */
  source: 'injector-caBundle' | 'istio-ca-root-cert';
  /** `MutatingWebhookConfiguration istio-sidecar-injector-canary`, `ConfigMap istio-system/istio-ca-root-cert`. */
  where: string;
  certificates: RootCertificate[];
}

export interface ControlPlaneRoots {
  revision: string;
  /** Best evidence first: the injector caBundle (per revision), then the ConfigMap. Empty when neither exists. */
  evidence: RootEvidence[];
}

/**
 * Finds a control plane's roots from its injector webhook's caBundle and from the `istio-ca-root-cert` ConfigMap of
 * its istiod namespace (`istio-system` when its webhooks are URLs). No Secret is read.
 */
export async function controlPlaneRoots(client: ObjectClient, cp: ControlPlane): Promise<ControlPlaneRoots> {
  const evidence: RootEvidence[] = [];
  const mwcRes = client.discovery.resourceFor('admissionregistration.k8s.io', 'MutatingWebhookConfiguration');
  for (const name of cp.injectorConfigs) {
    const mwc = mwcRes ? await client.get(mwcRes, undefined, name) : undefined;
    const hooks = Array.isArray(mwc?.webhooks) ? mwc.webhooks.filter(isPlainObject) : [];
    const bundle = hooks.map((h) => (isPlainObject(h.clientConfig) && typeof h.clientConfig.caBundle === 'string' ? h.clientConfig.caBundle : '')).find((b) => b !== '');
    if (!bundle) continue;
    const certificates = parsePemBundle(Buffer.from(bundle, 'base64').toString('utf8'));
    if (certificates.length > 0) {
      evidence.push({ source: 'injector-caBundle', where: `MutatingWebhookConfiguration ${name}`, certificates });
      break;
    }
  }
  const cmRes = client.discovery.resourceFor('', 'ConfigMap');
  const ns = cp.systemNamespace ?? 'istio-system';
  const cm = cmRes ? await client.get(cmRes, ns, 'istio-ca-root-cert') : undefined;
  const pem = isPlainObject(cm?.data) && typeof cm.data['root-cert.pem'] === 'string' ? cm.data['root-cert.pem'] : '';
  const certificates = parsePemBundle(pem);
  if (certificates.length > 0) evidence.push({ source: 'istio-ca-root-cert', where: `ConfigMap ${ns}/istio-ca-root-cert`, certificates });
  return { revision: cp.revision, evidence };
}

/** Every certificate of a PEM bundle; unreadable blocks are skipped. */
export function parsePemBundle(pem: string): RootCertificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const out: RootCertificate[] = [];
  for (const block of blocks) {
    try {
      const cert = new X509Certificate(block);
      out.push({ fingerprint: cert.fingerprint256, subject: cert.subject.replace(/\n/g, ', '), notAfter: new Date(cert.validTo).toISOString() });
    } catch {
      // Not a certificate Node can read: it cannot be compared either.
    }
  }
  return out;
}

export type RootComparison = { trusted: true; message: string } | { trusted: false; message: string };

/**
 * Whether workloads of `a` and `b` can trust each other: their best evidence of the same source shares a certificate
 * (a bundle in the middle of a root rotation holds both roots). Refuses, with how each root was found, when they share
 * none or when a root cannot be found.
 */
export function compareRoots(a: ControlPlaneRoots, b: ControlPlaneRoots): RootComparison {
  if (a.evidence.length === 0 || b.evidence.length === 0) {
    const missing = [a, b].filter((r) => r.evidence.length === 0).map((r) => `revision ${r.revision}`);
    return {
      trusted: false,
      message: `cannot find the root certificate of ${missing.join(' and ')}: neither its injector webhook carries a caBundle nor its namespace an istio-ca-root-cert ConfigMap. meshferry will not move workloads between control planes whose roots it cannot compare.`,
    };
  }
  // Compare like with like: a per-revision caBundle against a caBundle when both have one.
  const source = a.evidence[0]?.source === b.evidence[0]?.source ? a.evidence[0]?.source : a.evidence.find((e) => b.evidence.some((f) => f.source === e.source))?.source;
  const ea = a.evidence.find((e) => e.source === source) ?? (a.evidence[0] as RootEvidence);
  const eb = b.evidence.find((e) => e.source === source) ?? (b.evidence[0] as RootEvidence);
  const shared = ea.certificates.filter((c) => eb.certificates.some((d) => d.fingerprint === c.fingerprint));
  const describe = (r: ControlPlaneRoots, e: RootEvidence) =>
    `revision ${r.revision}: ${e.certificates.map((c) => `${c.subject} (sha256 ${c.fingerprint.slice(0, 23)}…)`).join(' + ')}, found in the ${e.source === 'injector-caBundle' ? 'caBundle of' : 'root-cert.pem of'} ${e.where}`;
  if (shared.length > 0) return { trusted: true, message: `both control planes sign with the same root: ${describe(a, ea)}; ${describe(b, eb)}` };
  return {
    trusted: false,
    message:
      `the control planes sign with different roots, so proxies of one would not trust certificates of the other (mTLS between moved and unmoved workloads fails): ${describe(a, ea)}; ${describe(b, eb)}. ` +
      `Give both the same root (plug the same CA into both, istio-system/cacerts) or put both roots in each mesh's trust bundle, then retry.`,
  };
}
