// The registry of rule types: one rewriter per rule, keyed by the name used in TransformRules files.
import type { Rewriter } from '../rewriter.js';
import type { RuleType } from '../types.js';
import { drop } from './drop.js';
import { mapHost } from './map-host.js';
import { mapNamespace } from './map-namespace.js';
import { patch } from './patch.js';
import { removeAnnotations } from './remove-annotations.js';
import { removeLabels } from './remove-labels.js';
import { renameGatewaySelector } from './rename-gateway-selector.js';
import { setRevision } from './set-revision.js';
import { upgradeApiVersion } from './upgrade-api-version.js';

/** Every rule type, in the order the docs present them. The mapped type makes a missing rewriter a compile error. */
export const REWRITERS: { readonly [T in RuleType]: Rewriter<T> } = {
  renameGatewaySelector,
  setRevision,
  mapNamespace,
  mapHost,
  upgradeApiVersion,
  removeLabels,
  removeAnnotations,
  drop,
  patch,
};

export const RULE_TYPES = Object.keys(REWRITERS) as RuleType[];

/** True when `name` is a rule type. */
export function isRuleType(name: string): name is RuleType {
  return Object.hasOwn(REWRITERS, name);
}
