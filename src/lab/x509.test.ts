// The lab's certificates must parse, chain to their CA and name the loopback hosts, or Go clients refuse them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueCertificate } from './x509.js';

const ca = issueCertificate({ commonName: 'meshferry-lab-ca', organization: 'meshferry', isCA: true });
const caIssuer = { ...ca, commonName: 'meshferry-lab-ca', organization: 'meshferry' };
const serving = issueCertificate({ commonName: 'lab-serving', hosts: ['localhost', '127.0.0.1', '::1', 'istiod.istio-system.svc'] }, caIssuer);

describe('issueCertificate', () => {
  it('makes a self-signed CA', () => {
    const c = new X509Certificate(ca.certPem);
    expect(c.ca).toBe(true);
    expect(c.subject).toBe('O=meshferry\nCN=meshferry-lab-ca');
    expect(c.issuer).toBe(c.subject);
    expect(c.verify(c.publicKey)).toBe(true);
  });

  it('makes a leaf signed by the CA whose key matches its private key', () => {
    const c = new X509Certificate(serving.certPem);
    expect(c.ca).toBe(false);
    expect(c.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(c.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(c.checkPrivateKey(createPrivateKey(serving.keyPem))).toBe(true);
    expect(c.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  });

  it.each([
    ['localhost', 'host', true],
    ['istiod.istio-system.svc', 'host', true],
    ['example.com', 'host', false],
    ['127.0.0.1', 'ip', true],
    ['::1', 'ip', true],
    ['10.0.0.1', 'ip', false],
  ] as const)('subjectAltName %s (%s) -> %s', (value, kind, want) => {
    const c = new X509Certificate(serving.certPem);
    const got = kind === 'ip' ? c.checkIP(value) : c.checkHost(value);
    expect(got !== undefined).toBe(want);
  });

  it('is valid now and for years', () => {
    const c = new X509Certificate(serving.certPem);
    expect(new Date(c.validFrom).getTime()).toBeLessThan(Date.now());
    expect(new Date(c.validTo).getTime()).toBeGreaterThan(Date.now() + 365 * 86400_000);
    expect(createPublicKey(serving.keyPem).asymmetricKeyType).toBe('ec');
  });

  it('passes openssl verify when openssl is installed', () => {
    let hasOpenssl = true;
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      hasOpenssl = false;
    }
    if (!hasOpenssl) return; // node's own checks above already cover the chain
    const dir = mkdtempSync(path.join(tmpdir(), 'x509-'));
    try {
      writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
      writeFileSync(path.join(dir, 'leaf.crt'), serving.certPem);
      const out = execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.crt'), '-purpose', 'sslserver', path.join(dir, 'leaf.crt')]);
      expect(out.toString()).toContain(': OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
