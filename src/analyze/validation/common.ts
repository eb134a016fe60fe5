// Building blocks of Istio's webhook validation (istio pkg/config/validation/agent): DNS names, ports, exportTo, issue lists.
import type { PathSegment } from '../../resources/resource-set.js';

export interface ValidationIssue {
  level: 'error' | 'warning';
  path: PathSegment[];
  message: string;
  /** Set for route-reachability warnings, which have their own message type. */
  unreachable?: { rule: string; reason: string };
}

/** Collects issues with paths; `error`/`warn` return nothing so call sites stay one line each. */
export class IssueList {
  readonly items: ValidationIssue[] = [];
  error(path: PathSegment[], message: string): void {
    this.items.push({ level: 'error', path, message });
  }
  warn(path: PathSegment[], message: string): void {
    this.items.push({ level: 'warning', path, message });
  }
  /** Adds the message of a checker that returns one (or undefined). */
  check(path: PathSegment[], message: string | undefined): void {
    if (message) this.error(path, message);
  }
}

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** Labels after the first: each a DNS-1123 label; the last may be empty (`istio.io.`), the TLD not all digits. */
function checkDnsLabels(domain: string, whole: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1] ?? '';
  if (/^\d+$/.test(tld)) return `domain name "${whole}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  for (const [i, label] of parts.entries()) {
    if (i === parts.length - 1 && label === '') return undefined;
    if (!isDns1123Label(label)) return `domain name "${whole}" invalid (label "${label}" invalid)`;
  }
  return undefined;
}

function preconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name "${name}" too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

/** A DNS name whose first label may be a wildcard (`*`, `*.example.com`, `*-x.example.com`). */
export function checkWildcardDomain(domain: string): string | undefined {
  const pre = preconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (first.length > 63 || !WILDCARD_LABEL.test(first)) return `domain name "${domain}" invalid (label "${first}" invalid)`;
  return dot < 0 ? undefined : checkDnsLabels(domain.slice(dot + 1), domain);
}

/** A fully qualified name (no wildcards). */
export function checkFqdn(name: string): string | undefined {
  return preconditions(name) ?? checkDnsLabels(name, name);
}

export function checkPort(n: number): string | undefined {
  return n >= 1 && n <= 65535 ? undefined : `port number ${n} must be in the range 1..65535`;
}

/** A partial wildcard such as `foo*.com` (allowed only as a whole first label: `*.com`). */
export function checkPartialWildcard(host: string): string | undefined {
  return host.includes('*') && host.length !== 1 && !host.startsWith('*.') ? `partial wildcard "${host}" not allowed` : undefined;
}

export function isIpAddress(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s)) return s.split('.').every((o) => Number(o) <= 255);
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s);
}

/** Istio's exportTo rules: no duplicates, `*` alone, `~` alone, namespaces are DNS labels. */
export function checkExportTo(issues: IssueList, path: PathSegment[], namespace: string, exportTo: unknown): void {
  if (!Array.isArray(exportTo) || exportTo.length === 0) return;
  const seen = new Set<string>();
  exportTo.forEach((raw, i) => {
    if (typeof raw !== 'string') return;
    const key = raw === '.' ? namespace : raw;
    if (seen.has(key)) {
      issues.error([...path, i], key !== raw ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${raw}`);
      return;
    }
    seen.add(key);
    if (key !== '*' && key !== '~' && !isDns1123Label(key)) issues.error([...path, i], `exportTo "${raw}" is not a valid namespace name, ".", "*" or "~"`);
  });
  if (seen.has('*') && exportTo.length > 1) issues.error(path, 'cannot have both public (*) and non-public exportTo values for a resource');
  if (seen.has('~') && exportTo.length > 1) issues.error(path, 'cannot export service entry to no one (~) and someone');
}

/** Port protocols Istio understands (istio pkg/config/protocol Parse), upper-cased. */
export const PROTOCOLS = new Set(['TCP', 'UDP', 'GRPC', 'GRPC-WEB', 'HTTP', 'HTTP_PROXY', 'HTTP2', 'HTTPS', 'TLS', 'MONGO', 'REDIS', 'MYSQL']);

export function isHttpProtocol(p: string): boolean {
  return ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY'].includes(p.toUpperCase());
}

export function isTlsProtocol(p: string): boolean {
  return ['HTTPS', 'TLS'].includes(p.toUpperCase());
}
