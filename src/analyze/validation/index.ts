// Istio webhook validation, one function per kind; the schema analyzers run these next to the CRD schema.
import type { KubeObject } from '../../resources/object.js';
import { K, kindRefOf, type KindRef } from '../kinds.js';
import type { ValidationIssue } from './common.js';
import { validateDestinationRule } from './destinationrule.js';
import { validateEnvoyFilter } from './envoyfilter.js';
import { validateGateway } from './gateway.js';
import { validateAuthorizationPolicy, validatePeerAuthentication, validateSidecar } from './policy.js';
import { validateServiceEntry } from './serviceentry.js';
import { validateVirtualService } from './virtualservice.js';

export type { ValidationIssue } from './common.js';

const VALIDATORS: Partial<Record<KindRef, (o: KubeObject) => ValidationIssue[]>> = {
  [K.VirtualService]: validateVirtualService,
  [K.Gateway]: validateGateway,
  [K.DestinationRule]: validateDestinationRule,
  [K.ServiceEntry]: validateServiceEntry,
  [K.Sidecar]: validateSidecar,
  [K.EnvoyFilter]: validateEnvoyFilter,
  [K.AuthorizationPolicy]: validateAuthorizationPolicy,
  [K.PeerAuthentication]: validatePeerAuthentication,
};

/** Kinds that have webhook rules beyond their CRD schema. */
export const WEBHOOK_VALIDATED_KINDS: readonly KindRef[] = Object.keys(VALIDATORS) as KindRef[];

/** Webhook issues of one object (none for kinds without extra rules). */
export function validateWebhookRules(obj: KubeObject): ValidationIssue[] {
  return VALIDATORS[kindRefOf(obj)]?.(obj) ?? [];
}
