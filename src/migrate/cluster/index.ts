// Cluster-side primitives of a migration: control planes, injection proofs, workloads, restarts, access and roots.
export { checkAccess, describeAccess } from './access.js';
export type { AccessAnswer, AccessCheck } from './access.js';
export { controlPlanesFrom, discoverControlPlanes, injectorWebhooks } from './control-planes.js';
export type { ControlPlane, ControlPlaneDiscovery, ValidatorWebhook } from './control-planes.js';
export { podInjection, proveInjection } from './injection.js';
export type { InjectionProof, PodInjection, ProveInjectionOptions } from './injection.js';
export { compareRoots, controlPlaneRoots, parsePemBundle } from './roots.js';
export type { ControlPlaneRoots, RootCertificate, RootComparison, RootEvidence } from './roots.js';
export { parseLabelSelector, selectorMatches, selectorString, selectorVerdict, webhooksReached, withLabelChange } from './webhook-selectors.js';
export type { InjectorWebhook, LabelSelector, Labels, SelectorVerdict } from './webhook-selectors.js';
export { RESTARTED_AT, listWorkloads, restartWorkload, rolloutStatus, rolloutVerdict, workloadResource } from './workloads.js';
export type { RestartResult, RolloutStatus, Untouchable, Workload, WorkloadInventory, WorkloadKind, WorkloadRef } from './workloads.js';
