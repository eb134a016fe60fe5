// The TransformRules file format and what applying it produces: changes and notifications.
import type { Vendor } from '../resources/vendors.js';

export const TRANSFORM_API_VERSION = 'meshferry.dev/v1alpha1';
export const TRANSFORM_KIND = 'TransformRules';

/** Which objects a rule touches; every given field must match (a list matches when any entry does). */
export interface ObjectMatch {
  /** Kind words as kubectl takes them: `VirtualService`, `virtualservices`, `vs`, `gateways.gateway.networking.k8s.io`. */
  kinds?: string[];
  /** Namespaces (`*` globs allowed). A Namespace object counts as being in itself. */
  namespaces?: string[];
  /** Object names (`*` globs allowed). */
  names?: string[];
  /** Kubernetes label selector syntax: `a=b,c!=d,e in (x,y),!f`. */
  labelSelector?: string;
}

/** `match` of a patch rule: the singular forms (`kind`, `namespace`, `name`) read naturally for one object. */
export interface PatchMatch extends ObjectMatch {
  kind?: string;
  namespace?: string;
  name?: string;
}

export interface RenameGatewaySelectorRule {
  from: Record<string, string>;
  to: Record<string, string>;
  match?: ObjectMatch;
}
export interface SetRevisionRule {
  to: string;
  match?: ObjectMatch;
}
export interface MapNamespaceRule {
  from: string;
  to: string;
  /** The cluster DNS domain of FQDN hosts (`<svc>.<ns>.svc.<clusterDomain>`); `cluster.local` when omitted. */
  clusterDomain?: string;
  match?: ObjectMatch;
}
export interface MapHostRule {
  from?: string;
  to?: string;
  fromSuffix?: string;
  toSuffix?: string;
  match?: ObjectMatch;
}
export interface UpgradeApiVersionRule {
  to: string;
  match?: ObjectMatch;
}
export type PresetName = Exclude<Vendor, 'istio'>;
export interface RemoveKeysRule {
  /** Exact keys; a key ending in `*` removes every key with that prefix. */
  keys?: string[];
  presets?: PresetName[];
  match?: ObjectMatch;
}
export interface DropRule extends ObjectMatch {
  match?: ObjectMatch;
}
/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}
export interface PatchRule {
  match: PatchMatch;
  jsonPatch: JsonPatchOperation[];
}

/** Every rule type and the shape of its body. */
export interface RuleSpecs {
  renameGatewaySelector: RenameGatewaySelectorRule;
  setRevision: SetRevisionRule;
  mapNamespace: MapNamespaceRule;
  mapHost: MapHostRule;
  upgradeApiVersion: UpgradeApiVersionRule;
  removeLabels: RemoveKeysRule;
  removeAnnotations: RemoveKeysRule;
  drop: DropRule;
  patch: PatchRule;
}
export type RuleType = keyof RuleSpecs;

/** One entry of `rules:`: a single key naming the rule type. */
export type Rule = { [K in RuleType]: { [P in K]: RuleSpecs[K] } }[RuleType];

/** The whole rules file. */
export interface TransformRules {
  apiVersion: typeof TRANSFORM_API_VERSION;
  kind: typeof TRANSFORM_KIND;
  metadata: { name: string; [field: string]: unknown };
  rules: Rule[];
}

/** One field a rule changed (or one object it dropped). `rule` counts from 1, as people read the file. */
export interface Change {
  rule: number;
  type: RuleType;
  /** `Kind namespace/name` of the object as the rule found it. */
  object: string;
  /** Field path such as `spec.http[0].route[0].destination.host`; empty for a dropped object. */
  path: string;
  action: 'set' | 'remove' | 'drop';
  from?: unknown;
  to?: unknown;
}

export type NotificationLevel = 'INFO' | 'WARNING';

/** Something lossy, surprising or left undone, reported beside the output (ingress2gateway style). */
export interface Notification {
  level: NotificationLevel;
  rule?: number;
  type?: RuleType;
  object?: string;
  message: string;
}
