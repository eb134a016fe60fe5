// After rules ran: is each object still safe to name and write (apiVersion, kind, name, namespace)?
import { kindOf } from '../resources/kinds.js';
import type { KubeObject } from '../resources/object.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A CRD's kind, lowercased, must be a DNS-1035 label (apiextensions validation); core kinds are CamelCase words. */
const KIND = /^[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
/** Kinds whose names are path segments, not DNS names (k8s.io/apimachinery ValidatePathSegmentName): `system:controller:x`. */
const PATH_SEGMENT_NAMED = new Set(['rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding']);
/** Kinds whose names become DNS labels (a namespace; a Service's DNS name). */
const LABEL_NAMED = new Set(['/Namespace', '/Service']);

/** The identity fields of an object, to compare before and after a rule. */
export interface IdentityFields {
  apiVersion: unknown;
  kind: unknown;
  name: unknown;
  namespace: unknown;
}

export function identityFields(obj: KubeObject): IdentityFields {
  const md = obj.metadata as unknown as Record<string, unknown> | undefined;
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: md?.name, namespace: md?.namespace };
}

function validApiVersion(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const slash = v.indexOf('/');
  const group = slash < 0 ? undefined : v.slice(0, slash);
  const version = slash < 0 ? v : v.slice(slash + 1);
  if (!DNS_LABEL.test(version) || version.length > 63) return false;
  return group === undefined || (DNS_SUBDOMAIN.test(group) && group.length <= 253);
}

function validName(name: string, groupKind: string): boolean {
  if (PATH_SEGMENT_NAMED.has(groupKind)) return name !== '.' && name !== '..' && !/[/%]/.test(name) && name.length <= 253;
  if (LABEL_NAMED.has(groupKind)) return DNS_LABEL.test(name) && name.length <= 63;
  return DNS_SUBDOMAIN.test(name) && name.length <= 253;
}

/**
 * What is wrong with `obj`'s apiVersion and kind (always checked: they become folder names), and with its name and
 * namespace when they differ from `before` (names read from a cluster are the cluster's business). `hideValues`
 * (Secrets) leaves the offending values out of the messages.
 */
export function unsafeIdentity(obj: KubeObject, before: IdentityFields | undefined, hideValues: boolean): string[] {
  const problems: string[] = [];
  const now = identityFields(obj);
  const show = (v: unknown) => (hideValues ? '' : ` ${JSON.stringify(v) ?? 'no value'}`);
  if (!validApiVersion(now.apiVersion))
    problems.push(`apiVersion${show(now.apiVersion)} is not group/version or version (a DNS subdomain and a DNS label, such as networking.istio.io/v1 or v1)`);
  if (typeof now.kind !== 'string' || !KIND.test(now.kind) || now.kind.length > 63)
    problems.push(`kind${show(now.kind)} is not a kind name (a letter, then letters and digits, such as VirtualService)`);
  if (problems.length > 0) return problems;
  const group = (now.apiVersion as string).includes('/') ? (now.apiVersion as string).slice(0, (now.apiVersion as string).lastIndexOf('/')) : '';
  const groupKind = `${group}/${now.kind as string}`;
  if (before === undefined || now.name !== before.name) {
    if (typeof now.name !== 'string' || !validName(now.name, groupKind))
      problems.push(
        `metadata.name${show(now.name)} is not a valid name: ${LABEL_NAMED.has(groupKind) ? 'an RFC 1123 label (lowercase letters, digits and "-", at most 63)' : PATH_SEGMENT_NAMED.has(groupKind) ? 'no "/" or "%", not "." or ".."' : 'lowercase letters, digits, "-" and "." (an RFC 1123 subdomain, at most 253)'}`,
      );
  }
  if (before === undefined || now.namespace !== before.namespace) {
    if (now.namespace !== undefined && (typeof now.namespace !== 'string' || !DNS_LABEL.test(now.namespace) || now.namespace.length > 63))
      problems.push(`metadata.namespace${show(now.namespace)} is not a valid namespace name (RFC 1123 label: lowercase letters, digits and "-", at most 63)`);
  }
  return problems;
}

/** Kinds whose values are never shown (Secrets). */
export function hidesValues(obj: KubeObject): boolean {
  return kindOf(String(obj.apiVersion), String(obj.kind))?.metadataOnly === true;
}
