// Public API of the install planner: topology model and loader, providers, planner, emitters, plan writer.
export * from './topology.js';
export { loadTopology, parseTopology, TOPOLOGY_SCHEMA_URL, type LoadedTopology } from './topology-load.js';
export { checkTopology } from './topology-check.js';
export { PROVIDERS, providerFor, type LoadBalancerProvider, type ProviderResult } from './providers/index.js';
export { gatewaysOf, EASTWEST_PORTS, type GatewayModel, type ServicePort } from './gateways.js';
export { istioOperatorsFor, injectionPath, ISTIO_OPERATOR_API_VERSION, type OperatorFile, type OperatorOptions } from './istio-operator.js';
export { helmReleasesFor, type HelmRelease } from './helm-values.js';
export { exposeIstiod, exposeServices, networkingApiVersion } from './expose.js';
export { systemNamespaces, injectionNamespaces, injectionLabels } from './namespaces.js';
export { planInstall, missingPilotAddresses, INSTALL_PLAN_KIND, type InstallPlan, type ClusterPlan, type PlanOptions } from './plan.js';
export { planSteps, shellWord, type RunbookStep } from './runbook-steps.js';
export { renderRunbook } from './runbook.js';
export { planFiles, writePlan } from './plan-files.js';
export { resolvePilotAddresses, loadBalancerAddress, primariesToResolve, type ServiceReader } from './pilot-address.js';
export * from './remote-secret.js';
export { buildRemoteSecret, type RemoteSecretOptions, type RemoteSecretResult } from './remote-secret-live.js';
