// Every analyzer, sorted by name; the run and the self-tests read this list and nothing else.
import type { Analyzer } from './analyzer.js';
import { deprecatedFieldAnalyzer } from './analyzers/deprecation/fields.js';
import { subsetPodsAnalyzer } from './analyzers/destinationrule/subset-pods.js';
import { unknownHostAnalyzer } from './analyzers/destinationrule/unknown-host.js';
import { envoyFilterRiskAnalyzer } from './analyzers/envoyfilter/migration-risk.js';
import { conflictingGatewaysAnalyzer } from './analyzers/gateway/conflicts.js';
import { gatewayCredentialsAnalyzer } from './analyzers/gateway/credentials.js';
import { gatewaySelectorAnalyzer } from './analyzers/gateway/selector.js';
import { injectionLabelsAnalyzer } from './analyzers/injection/labels.js';
import { revisionsAnalyzer } from './analyzers/injection/revisions.js';
import { legacyGlobalHostAnalyzer } from './analyzers/multicluster/legacy-global-host.js';
import { policyNamespacesAnalyzer } from './analyzers/policy/namespaces.js';
import { policySelectorAnalyzer } from './analyzers/policy/selector.js';
import { crdSchemaAnalyzer } from './analyzers/schema/crd-schema.js';
import { prunedFieldAnalyzer } from './analyzers/schema/pruned-fields.js';
import { webhookValidationAnalyzer } from './analyzers/schema/webhook.js';
import { portNamesAnalyzer } from './analyzers/service/port-names.js';
import { sidecarSelectorConflictsAnalyzer } from './analyzers/sidecar/selector-conflicts.js';
import { vendorTracesAnalyzer } from './analyzers/vendor/traces.js';
import { conflictingMeshHostsAnalyzer } from './analyzers/virtualservice/conflicting-mesh-hosts.js';
import { destinationHostsAnalyzer } from './analyzers/virtualservice/destination-hosts.js';
import { destinationSubsetsAnalyzer } from './analyzers/virtualservice/destination-subsets.js';
import { gatewayRefsAnalyzer } from './analyzers/virtualservice/gateways.js';

const ALL: readonly Analyzer[] = [
  deprecatedFieldAnalyzer,
  unknownHostAnalyzer,
  subsetPodsAnalyzer,
  envoyFilterRiskAnalyzer,
  conflictingGatewaysAnalyzer,
  gatewayCredentialsAnalyzer,
  gatewaySelectorAnalyzer,
  injectionLabelsAnalyzer,
  revisionsAnalyzer,
  legacyGlobalHostAnalyzer,
  policyNamespacesAnalyzer,
  policySelectorAnalyzer,
  crdSchemaAnalyzer,
  prunedFieldAnalyzer,
  webhookValidationAnalyzer,
  portNamesAnalyzer,
  sidecarSelectorConflictsAnalyzer,
  vendorTracesAnalyzer,
  conflictingMeshHostsAnalyzer,
  destinationHostsAnalyzer,
  destinationSubsetsAnalyzer,
  gatewayRefsAnalyzer,
];

/** All analyzers, sorted by metadata name (a self-test keeps ALL itself sorted and unique). */
export function allAnalyzers(): readonly Analyzer[] {
  return ALL;
}
