// The API server's rules for names, label values, label and annotation keys and IPs, as k8s.io/apimachinery states them.
//
// Source: k8s.io/apimachinery@v0.34.4 pkg/util/validation/validation.go (IsQualifiedName, IsValidLabelValue,
// IsDNS1123Label, IsDNS1123Subdomain, IsDNS1035Label), pkg/util/validation/ip.go (parseIP with strict validation),
// pkg/api/validation/objectmeta.go (ValidateAnnotations: keys are qualified names compared in lower case, total size
// 256 KiB), and k8s.io/kubernetes@v1.34.4 pkg/apis/core/validation/validation.go (ValidateEndpointIP; ExternalName is
// a DNS-1123 subdomain after a trailing dot is trimmed; Service names are DNS-1035 labels). Same regexes, same limits;
// Go measures length in bytes, so do we. Each function returns the reasons a value is refused; [] means accepted.
import { isIPv4, isIPv6 } from 'node:net';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const LABEL_VALUE_MAX = 63;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX = 63;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1123_SUBDOMAIN_MAX = 253;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1035_LABEL_MAX = 63;
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

const tooLong = (max: number) => `must be no more than ${max} bytes`;

/** A label value: empty, or at most 63 of [-A-Za-z0-9_.] starting and ending alphanumeric (IsValidLabelValue). */
export function labelValueProblems(v: string): string[] {
  const out: string[] = [];
  if (bytes(v) > LABEL_VALUE_MAX) out.push(tooLong(LABEL_VALUE_MAX));
  if (!LABEL_VALUE.test(v)) out.push("must be empty or consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit");
  return out;
}

/** A DNS-1123 label: at most 63 of [-a-z0-9] starting and ending alphanumeric (IsDNS1123Label: namespaces, most names). */
export function dns1123LabelProblems(v: string): string[] {
  const out: string[] = [];
  if (bytes(v) > DNS1123_LABEL_MAX) out.push(tooLong(DNS1123_LABEL_MAX));
  if (!DNS1123_LABEL.test(v))
    out.push(DNS1123_SUBDOMAIN.test(v) ? 'must not contain dots' : "must consist of lower-case letters, digits or '-', and start and end with a letter or digit");
  return out;
}

/** A DNS-1123 subdomain: at most 253, dot-separated DNS labels (IsDNS1123Subdomain: Secret, Deployment and most object names). */
export function dns1123SubdomainProblems(v: string): string[] {
  const out: string[] = [];
  if (bytes(v) > DNS1123_SUBDOMAIN_MAX) out.push(tooLong(DNS1123_SUBDOMAIN_MAX));
  if (!DNS1123_SUBDOMAIN.test(v)) out.push("must consist of lower-case letters, digits, '-' or '.', and start and end with a letter or digit");
  return out;
}

/** A DNS-1035 label: like a DNS-1123 label but starting with a letter (IsDNS1035Label: Service names). */
export function dns1035LabelProblems(v: string): string[] {
  const out: string[] = [];
  if (bytes(v) > DNS1035_LABEL_MAX) out.push(tooLong(DNS1035_LABEL_MAX));
  if (!DNS1035_LABEL.test(v)) out.push("must consist of lower-case letters, digits or '-', start with a letter, and end with a letter or digit");
  return out;
}

/** A label key (and, compared in lower case, an annotation key): `[prefix/]name`, prefix a DNS-1123 subdomain (IsQualifiedName). */
export function qualifiedNameProblems(v: string): string[] {
  const parts = v.split('/');
  if (parts.length > 2) return ["must be a name with an optional DNS subdomain prefix and one '/' (e.g. 'example.com/my-name')"];
  const out: string[] = [];
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') out.push('prefix part must not be empty');
    else out.push(...dns1123SubdomainProblems(prefix).map((m) => `prefix part ${m}`));
  }
  if (name === '') out.push('name part must not be empty');
  else if (bytes(name) > QUALIFIED_NAME_MAX) out.push(`name part ${tooLong(QUALIFIED_NAME_MAX)}`);
  if (!QUALIFIED_NAME.test(name)) out.push("name part must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit");
  return out;
}

/** An annotation key: a qualified name, case aside (ValidateAnnotations lower-cases it first). */
export function annotationKeyProblems(k: string): string[] {
  return qualifiedNameProblems(k.toLowerCase());
}

/** Annotations as a whole: keys and values together at most 256 KiB (ValidateAnnotationsSize). */
export function annotationsSizeProblems(annotations: Readonly<Record<string, string>>): string[] {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) total += bytes(k) + bytes(v);
  return total > ANNOTATIONS_MAX_BYTES ? [`keys and values together are ${total} bytes; the limit is ${ANNOTATIONS_MAX_BYTES}`] : [];
}

/**
 * An IP as the API server takes it for an EndpointSlice address (k8s.io/kubernetes pkg/apis/discovery/validation):
 * IPv4 without leading zeros (IsValidIPForLegacyField, strict), IPv6 in canonical form (IsValidIP), never
 * IPv4-mapped or with a zone; and not unspecified, loopback or link-local (ValidateEndpointIP).
 */
export function endpointIpProblems(v: string): string[] {
  if (!isIPv4(v) && !(isIPv6(v) && !v.includes('%'))) return ['must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)'];
  if (isIPv6(v)) {
    const g = expandIPv6(v);
    if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return ['must not be an IPv4-mapped IPv6 address'];
  }
  const out: string[] = [];
  if (isIPv4(v)) {
    const [a, b, c] = v.split('.').map(Number) as [number, number, number, number];
    if (v === '0.0.0.0') out.push(`may not be unspecified (${v})`);
    if (a === 127) out.push('may not be in the loopback range (127.0.0.0/8, ::1/128)');
    if (a === 169 && b === 254) out.push('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
    if (a === 224 && b === 0 && c === 0) out.push('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
    return out;
  }
  const groups = expandIPv6(v);
  const canonical = canonicalIPv6(groups);
  if (v !== canonical) return [`must be in canonical form ("${canonical}")`];
  if (groups.every((g) => g === 0)) out.push(`may not be unspecified (${v})`);
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) out.push('may not be in the loopback range (127.0.0.0/8, ::1/128)');
  if ((groups[0]! & 0xffc0) === 0xfe80) out.push('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
  if (groups[0] === 0xff02) out.push('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  return out;
}

/** Go's net.IP String form (RFC 5952): lower-case hex, no leading zeros, the first longest run of 2+ zero groups as `::`. */
function canonicalIPv6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded IPv4 tail counts as two groups). */
function expandIPv6(v: string): number[] {
  let text = v;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
}

/** A DNS name as an ExternalName Service holds it: a DNS-1123 subdomain, a trailing dot allowed (ValidateService). */
export function externalNameProblems(v: string): string[] {
  const name = v.endsWith('.') ? v.slice(0, -1) : v;
  return name === '' ? ['must not be empty'] : dns1123SubdomainProblems(name);
}
