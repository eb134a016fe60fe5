// Issues the lab's X.509 certificates (a CA and loopback serving certs) with node:crypto alone, so no openssl is needed.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

/** A certificate and its private key, both PEM. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateRequest {
  commonName: string;
  organization?: string;
  /** DNS names and IP addresses for subjectAltName (a serving cert). */
  hosts?: readonly string[];
  /** A CA certificate (basicConstraints CA, keyCertSign) instead of a leaf. */
  isCA?: boolean;
  /** Extended key usages of a leaf; default server and client auth. */
  usages?: readonly ('server' | 'client')[];
  validDays?: number;
}

// DER, just the handful of ASN.1 types an X.509 v3 certificate needs.
function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const octets = (b: Buffer) => der(0x04, b);
const bool = (v: boolean) => der(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => der(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, inner: Buffer) => der(0xa0 + n, inner);

/** INTEGER from unsigned big-endian bytes (a leading zero keeps it positive, as DER requires). */
function uint(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && ((b[1] ?? 0) & 0x80) === 0) b = b.subarray(1);
  if (((b[0] ?? 0) & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return der(0x02, b);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

/** BIT STRING of whole bytes (keys, signatures). */
const bitString = (bytes: Buffer) => der(0x03, Buffer.concat([Buffer.from([0]), bytes]));

/** A one-byte named-bit list (KeyUsage): DER drops trailing zero bits and counts them as unused. */
function namedBits(byte: number): Buffer {
  let unused = 0;
  while (unused < 7 && ((byte >> unused) & 1) === 0) unused++;
  return der(0x03, Buffer.from([unused, byte]));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
}

const OID = {
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

function name(commonName: string, organization?: string): Buffer {
  const rdns = [];
  if (organization) rdns.push(set(seq(oid(OID.organization), utf8(organization))));
  rdns.push(set(seq(oid(OID.commonName), utf8(commonName))));
  return seq(...rdns);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand "::" then write eight 16-bit groups.
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

function subjectAltNames(hosts: readonly string[]): Buffer {
  // GeneralName: dNSName is [2] IA5String, iPAddress is [7] OCTET STRING (both implicit).
  return seq(...hosts.map((h) => (isIP(h) ? der(0x87, ipBytes(h)) : der(0x82, Buffer.from(h, 'ascii')))));
}

function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

/** A fresh P-256 key pair (fast to make; Go, the API server and istiod all accept ECDSA). */
export function newKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** Issues a certificate signed by `issuer` (or self-signed when issuer is omitted). */
export function issueCertificate(req: CertificateRequest, issuer?: { certPem: string; keyPem: string; commonName: string; organization?: string }): PemPair {
  const { privateKey, publicKey } = newKeyPair();
  const signingKey = issuer ? issuer.keyPem : privateKey;
  const issuerPublic = issuer ? createPublicKey(issuer.keyPem) : publicKey;
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;

  const exts: Buffer[] = [];
  if (req.isCA) {
    exts.push(extension(OID.basicConstraints, true, seq(bool(true))));
    exts.push(extension(OID.keyUsage, true, namedBits(0x86))); // digitalSignature, keyCertSign, cRLSign
  } else {
    exts.push(extension(OID.basicConstraints, true, seq()));
    exts.push(extension(OID.keyUsage, true, namedBits(0xa0))); // digitalSignature, keyEncipherment
    const usages = req.usages ?? ['server', 'client'];
    exts.push(extension(OID.extKeyUsage, false, seq(...usages.map((u) => oid(u === 'server' ? OID.serverAuth : OID.clientAuth)))));
  }
  exts.push(extension(OID.subjectKeyId, false, octets(keyId(publicKey))));
  if (issuer) exts.push(extension(OID.authorityKeyId, false, seq(der(0x80, keyId(issuerPublic)))));
  if (req.hosts?.length) exts.push(extension(OID.subjectAltName, false, subjectAltNames(req.hosts)));

  const algorithm = seq(oid(OID.ecdsaWithSHA256));
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))), // v3
    uint(serial),
    algorithm,
    issuer ? name(issuer.commonName, issuer.organization) : name(req.commonName, req.organization),
    // Back-dated an hour so small clock differences between processes never matter.
    seq(time(new Date(now - 3600_000)), time(new Date(now + (req.validDays ?? 3650) * 86400_000))),
    name(req.commonName, req.organization),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...exts)),
  );
  const signature = sign('sha256', tbs, signingKey); // ECDSA signatures come out DER-encoded, as X.509 wants
  const cert = seq(tbs, algorithm, bitString(signature));
  return { certPem: toPem('CERTIFICATE', cert), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function toPem(label: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
