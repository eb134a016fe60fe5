// Code generated from messages.yaml by scripts/gen-analyze-messages.mjs; DO NOT EDIT.
// Regenerate: node scripts/gen-analyze-messages.mjs (src/analyze/catalog-codegen.test.ts checks it is current)
import { makeMessage, type Message, type MessageType } from './message.js';

/** Every message type, by name. */
export const CATALOG = {
  AnalyzerFailed: {
    code: "MF0001",
    name: "AnalyzerFailed",
    level: "Error",
    description: "An analyzer crashed; its other findings for this run are missing. This is a bug in meshferry.",
    template: "analyzer {analyzer} failed: {error}",
    args: [{ name: "analyzer", type: "string" }, { name: "error", type: "string" }],
  },
  SchemaValidationError: {
    code: "MF0002",
    name: "SchemaValidationError",
    level: "Error",
    description: "The object violates the target release's CRD schema (types, enums, required fields, CEL rules) or a rule that istiod's validating webhook enforces; the target API server would reject it.",
    template: "{field}: {problem}",
    args: [{ name: "field", type: "string" }, { name: "problem", type: "string" }],
  },
  FieldPrunedByTarget: {
    code: "MF0003",
    name: "FieldPrunedByTarget",
    level: "Error",
    description: "A field the target release's schema does not know. The API server silently drops it on apply (or rejects the object under kubectl's default strict field validation), so its behaviour is lost after the move.",
    template: "{field} is not in the Istio {version} schema of {kind}; the API server would drop it{hint}",
    args: [{ name: "field", type: "string" }, { name: "version", type: "string" }, { name: "kind", type: "string" }, { name: "hint", type: "string" }],
  },
  DeprecatedField: {
    code: "MF0004",
    name: "DeprecatedField",
    level: "Warning",
    description: "A field (or enum value) the target release still accepts but has deprecated.",
    template: "{field} is deprecated in Istio {version}: {note}",
    args: [{ name: "field", type: "string" }, { name: "version", type: "string" }, { name: "note", type: "string" }],
  },
  ReferencedResourceNotFound: {
    code: "MF0005",
    name: "ReferencedResourceNotFound",
    level: "Error",
    description: "The object refers to something that is not in the input: a Gateway, a destination host (Service or ServiceEntry), a subset, a gateway or policy workload (only checked when workloads are known), or a TLS credential Secret (only checked when Secrets are known), or an AuthorizationPolicy source namespace (only checked when Namespaces are known).",
    template: "Referenced {what} not found: {name}",
    args: [{ name: "what", type: "string" }, { name: "name", type: "string" }],
  },
  ConflictingMeshGatewayVirtualServiceHosts: {
    code: "MF0006",
    name: "ConflictingMeshGatewayVirtualServiceHosts",
    level: "Error",
    description: "Two or more VirtualServices bound to the mesh gateway define the same host; which one wins is undefined.",
    template: "The VirtualServices {names} associated with the mesh gateway define the same host {host}, which leads to undefined behaviour; merge them into one VirtualService",
    args: [{ name: "names", type: "strings" }, { name: "host", type: "string" }],
  },
  ConflictingGateways: {
    code: "MF0007",
    name: "ConflictingGateways",
    level: "Error",
    description: "Two Gateways select the same workload and define the same port and host; one of them is ignored.",
    template: "Conflict with gateways {gateways} (workload selector {selector}, port {port}, hosts {hosts})",
    args: [{ name: "gateways", type: "strings" }, { name: "selector", type: "string" }, { name: "port", type: "number" }, { name: "hosts", type: "strings" }],
  },
  VirtualServiceHostNotFoundInGateway: {
    code: "MF0008",
    name: "VirtualServiceHostNotFoundInGateway",
    level: "Warning",
    description: "None of the VirtualService's hosts is served by a Gateway it binds to, so the route is never used there.",
    template: "None of the hosts {hosts} of this VirtualService is served by Gateway {gateway}",
    args: [{ name: "hosts", type: "strings" }, { name: "gateway", type: "string" }],
  },
  DestinationRuleSubsetNotSelectPods: {
    code: "MF0009",
    name: "DestinationRuleSubsetNotSelectPods",
    level: "Error",
    description: "A DestinationRule subset whose labels select none of the service's known workloads; traffic routed to it fails with 503 UH (no healthy upstream).",
    template: "The subset {subset} selects none of the workloads of {host}, so requests routed to it fail (503 UH)",
    args: [{ name: "subset", type: "string" }, { name: "host", type: "string" }],
  },
  UnknownDestinationRuleHost: {
    code: "MF0010",
    name: "UnknownDestinationRuleHost",
    level: "Warning",
    description: "A DestinationRule host that matches no Service or ServiceEntry; the rule has no effect.",
    template: "The host {host} of this DestinationRule matches no Service or ServiceEntry",
    args: [{ name: "host", type: "string" }],
  },
  NamespaceMultipleInjectionLabels: {
    code: "MF0011",
    name: "NamespaceMultipleInjectionLabels",
    level: "Warning",
    description: "A namespace carries both istio-injection and istio.io/rev; istio-injection wins, which is rarely what a revision move intends.",
    template: "The namespace has more than one kind of injection label ({labels}); istio-injection wins over istio.io/rev, so remove one of them (for a revision move: kubectl label namespace {namespace} istio-injection-)",
    args: [{ name: "labels", type: "strings" }, { name: "namespace", type: "string" }],
  },
  RevisionNotInstalled: {
    code: "MF0012",
    name: "RevisionNotInstalled",
    level: "Error",
    description: "A namespace or workload asks for an injection revision that the target control plane does not have, so its pods get no sidecar.",
    template: "{label} asks for revision {revision}, which the target does not have (target revisions: {installed}); pods here will start without a sidecar",
    args: [{ name: "label", type: "string" }, { name: "revision", type: "string" }, { name: "installed", type: "strings" }],
  },
  LegacyGlobalHost: {
    code: "MF0013",
    name: "LegacyGlobalHost",
    level: "Warning",
    description: "A host under .global, the DNS scheme of Istio's retired replicated-control-plane multicluster setup; today's multicluster uses the ordinary service names.",
    template: "The host {host} uses the retired .global multicluster DNS scheme; use {replacement} (multi-primary and primary-remote meshes resolve ordinary service names across clusters)",
    args: [{ name: "host", type: "string" }, { name: "replacement", type: "string" }],
  },
  VendorTraceLeft: {
    code: "MF0014",
    name: "VendorTraceLeft",
    level: "Warning",
    description: "A label, annotation or revision left by a managed mesh (TCM, ASM, CSM, OSSM) other than the target's vendor; the target control plane ignores it or it keeps the old one in charge.",
    template: "{what} {key} is a trace of {vendor}, which is not the target ({target}); remove or translate it",
    args: [{ name: "what", type: "string" }, { name: "key", type: "string" }, { name: "vendor", type: "string" }, { name: "target", type: "string" }],
  },
  EnvoyFilterMigrationRisk: {
    code: "MF0015",
    name: "EnvoyFilterMigrationRisk",
    level: "Warning",
    description: "An EnvoyFilter that is likely to stop working or break after the move: pinned to another proxy version, using deprecated Envoy filter names, or unsupported by the target vendor.",
    template: "{problem}",
    args: [{ name: "problem", type: "string" }],
  },
  SelectorChecksSkipped: {
    code: "MF0016",
    name: "SelectorChecksSkipped",
    level: "Info",
    description: "Workload-selector checks were skipped where the input holds no workloads (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, WorkloadEntries), rather than reporting workloads as missing.",
    template: "No workloads in the input for {scope}: workload selector checks there were skipped ({count} skipped); add Pods or Deployments to check them",
    args: [{ name: "scope", type: "string" }, { name: "count", type: "number" }],
  },
  ReferenceChecksSkipped: {
    code: "MF0017",
    name: "ReferenceChecksSkipped",
    level: "Info",
    description: "Reference checks to Services, Secrets or Namespaces were skipped where the input holds none of them, rather than reporting every reference as missing.",
    template: "No {kind} in the input for {scope}: references to them were not checked ({count} skipped)",
    args: [{ name: "kind", type: "string" }, { name: "scope", type: "string" }, { name: "count", type: "number" }],
  },
  VirtualServiceDestinationPortSelectorRequired: {
    code: "MF0018",
    name: "VirtualServiceDestinationPortSelectorRequired",
    level: "Error",
    description: "A route destination names a service with several ports but no port, so the route is ambiguous.",
    template: "This VirtualService routes to {host}, which exposes several ports ({ports}); name the port in the destination",
    args: [{ name: "host", type: "string" }, { name: "ports", type: "strings" }],
  },
  ConflictingSidecarWorkloadSelectors: {
    code: "MF0019",
    name: "ConflictingSidecarWorkloadSelectors",
    level: "Error",
    description: "Two or more Sidecars in one namespace select the same workload; which one applies is undefined.",
    template: "The Sidecars {names} in namespace {namespace} select the same workload {workload}, which leads to undefined behaviour",
    args: [{ name: "names", type: "strings" }, { name: "namespace", type: "string" }, { name: "workload", type: "string" }],
  },
  MultipleSidecarsWithoutWorkloadSelectors: {
    code: "MF0020",
    name: "MultipleSidecarsWithoutWorkloadSelectors",
    level: "Error",
    description: "Two or more Sidecars in one namespace have no workload selector; which one applies is undefined.",
    template: "The Sidecars {names} in namespace {namespace} have no workload selector, which leads to undefined behaviour",
    args: [{ name: "names", type: "strings" }, { name: "namespace", type: "string" }],
  },
  NamespaceNotInjected: {
    code: "MF0021",
    name: "NamespaceNotInjected",
    level: "Info",
    description: "A namespace with no injection label; its pods get no sidecar from the target unless their templates ask for one.",
    template: "The namespace is not labelled for sidecar injection; label it istio.io/rev=<revision> (or istio-injection=enabled), or istio-injection=disabled to say it stays out of the mesh",
    args: [],
  },
  PortNameIsNotUnderNamingConvention: {
    code: "MF0022",
    name: "PortNameIsNotUnderNamingConvention",
    level: "Info",
    description: "A Service port whose name does not start with a protocol prefix and has no appProtocol, so Istio must sniff the protocol.",
    template: "Port name {port} (port {number}) does not follow Istio's <protocol>[-<suffix>] naming and sets no appProtocol; Istio will sniff the protocol",
    args: [{ name: "port", type: "string" }, { name: "number", type: "number" }],
  },
  SchemaWarning: {
    code: "MF0023",
    name: "SchemaWarning",
    level: "Warning",
    description: "Istio's validation webhook accepts the object with a warning (for example the legacy gateway name format).",
    template: "{field}: {problem}",
    args: [{ name: "field", type: "string" }, { name: "problem", type: "string" }],
  },
  VirtualServiceUnreachableRule: {
    code: "MF0024",
    name: "VirtualServiceUnreachableRule",
    level: "Warning",
    description: "An HTTP, TLS or TCP route that can never match because an earlier route matches everything.",
    template: "{rule} is never used: {reason}",
    args: [{ name: "rule", type: "string" }, { name: "reason", type: "string" }],
  },
  RevisionNotChecked: {
    code: "MF0025",
    name: "RevisionNotChecked",
    level: "Info",
    description: "A namespace or workload asks for an injection revision, and nobody said which revisions the target has (no --target-revision, no live target), so whether it exists there could not be checked.",
    template: "{label} asks for revision {revision}; which revisions the target has is unknown, so this was not checked (name them with --target-revision)",
    args: [{ name: "label", type: "string" }, { name: "revision", type: "string" }],
  },
  KindNotAnalyzed: {
    code: "MF0026",
    name: "KindNotAnalyzed",
    level: "Info",
    description: "Objects of a kind no meshferry check reads (an Ingress, a Job, a custom resource, an IstioOperator, ...) pass through unanalyzed; one note per kind says so.",
    template: "{kind}: {count} object(s) were not analyzed: no meshferry check reads this kind",
    args: [{ name: "kind", type: "string" }, { name: "count", type: "number" }],
  },
  NoMatchingWorkloadsFound: {
    code: "MF0027",
    name: "NoMatchingWorkloadsFound",
    level: "Warning",
    description: "An AuthorizationPolicy selects no workload: its selector matches no pod template, or it is namespace-wide in a namespace where no workload runs (only checked when workloads are known). It protects nothing yet, which is legitimate for a namespace prepared ahead of its workloads; Istio's authz analyzer reports the same as IST0127 at Warning.",
    template: "No matching workloads for this AuthorizationPolicy: {labels}",
    args: [{ name: "labels", type: "string" }],
  },
} as const satisfies Record<string, MessageType>;

export type MessageName = keyof typeof CATALOG;

/** Codes retired from the catalog; never reused. */
export const RETIRED_CODES: readonly string[] = [];

/** Typed constructors, one per message type. */
export const msg = {
  /** MF0001 (Error): An analyzer crashed; its other findings for this run are missing. This is a bug in meshferry. */
  AnalyzerFailed: (analyzer: string, error: string): Message => makeMessage(CATALOG.AnalyzerFailed, { analyzer, error }),
  /** MF0002 (Error): The object violates the target release's CRD schema (types, enums, required fields, CEL rules) or a rule that istiod's validating webhook enforces; the target API server would reject it. */
  SchemaValidationError: (field: string, problem: string): Message => makeMessage(CATALOG.SchemaValidationError, { field, problem }),
  /** MF0003 (Error): A field the target release's schema does not know. The API server silently drops it on apply (or rejects the object under kubectl's default strict field validation), so its behaviour is lost after the move. */
  FieldPrunedByTarget: (field: string, version: string, kind: string, hint: string): Message => makeMessage(CATALOG.FieldPrunedByTarget, { field, version, kind, hint }),
  /** MF0004 (Warning): A field (or enum value) the target release still accepts but has deprecated. */
  DeprecatedField: (field: string, version: string, note: string): Message => makeMessage(CATALOG.DeprecatedField, { field, version, note }),
  /** MF0005 (Error): The object refers to something that is not in the input: a Gateway, a destination host (Service or ServiceEntry), a subset, a gateway or policy workload (only checked when workloads are known), or a TLS credential Secret (only checked when Secrets are known), or an AuthorizationPolicy source namespace (only checked when Namespaces are known). */
  ReferencedResourceNotFound: (what: string, name: string): Message => makeMessage(CATALOG.ReferencedResourceNotFound, { what, name }),
  /** MF0006 (Error): Two or more VirtualServices bound to the mesh gateway define the same host; which one wins is undefined. */
  ConflictingMeshGatewayVirtualServiceHosts: (names: readonly string[], host: string): Message => makeMessage(CATALOG.ConflictingMeshGatewayVirtualServiceHosts, { names, host }),
  /** MF0007 (Error): Two Gateways select the same workload and define the same port and host; one of them is ignored. */
  ConflictingGateways: (gateways: readonly string[], selector: string, port: number, hosts: readonly string[]): Message => makeMessage(CATALOG.ConflictingGateways, { gateways, selector, port, hosts }),
  /** MF0008 (Warning): None of the VirtualService's hosts is served by a Gateway it binds to, so the route is never used there. */
  VirtualServiceHostNotFoundInGateway: (hosts: readonly string[], gateway: string): Message => makeMessage(CATALOG.VirtualServiceHostNotFoundInGateway, { hosts, gateway }),
  /** MF0009 (Error): A DestinationRule subset whose labels select none of the service's known workloads; traffic routed to it fails with 503 UH (no healthy upstream). */
  DestinationRuleSubsetNotSelectPods: (subset: string, host: string): Message => makeMessage(CATALOG.DestinationRuleSubsetNotSelectPods, { subset, host }),
  /** MF0010 (Warning): A DestinationRule host that matches no Service or ServiceEntry; the rule has no effect. */
  UnknownDestinationRuleHost: (host: string): Message => makeMessage(CATALOG.UnknownDestinationRuleHost, { host }),
  /** MF0011 (Warning): A namespace carries both istio-injection and istio.io/rev; istio-injection wins, which is rarely what a revision move intends. */
  NamespaceMultipleInjectionLabels: (labels: readonly string[], namespace: string): Message => makeMessage(CATALOG.NamespaceMultipleInjectionLabels, { labels, namespace }),
  /** MF0012 (Error): A namespace or workload asks for an injection revision that the target control plane does not have, so its pods get no sidecar. */
  RevisionNotInstalled: (label: string, revision: string, installed: readonly string[]): Message => makeMessage(CATALOG.RevisionNotInstalled, { label, revision, installed }),
  /** MF0013 (Warning): A host under .global, the DNS scheme of Istio's retired replicated-control-plane multicluster setup; today's multicluster uses the ordinary service names. */
  LegacyGlobalHost: (host: string, replacement: string): Message => makeMessage(CATALOG.LegacyGlobalHost, { host, replacement }),
  /** MF0014 (Warning): A label, annotation or revision left by a managed mesh (TCM, ASM, CSM, OSSM) other than the target's vendor; the target control plane ignores it or it keeps the old one in charge. */
  VendorTraceLeft: (what: string, key: string, vendor: string, target: string): Message => makeMessage(CATALOG.VendorTraceLeft, { what, key, vendor, target }),
  /** MF0015 (Warning): An EnvoyFilter that is likely to stop working or break after the move: pinned to another proxy version, using deprecated Envoy filter names, or unsupported by the target vendor. */
  EnvoyFilterMigrationRisk: (problem: string): Message => makeMessage(CATALOG.EnvoyFilterMigrationRisk, { problem }),
  /** MF0016 (Info): Workload-selector checks were skipped where the input holds no workloads (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, WorkloadEntries), rather than reporting workloads as missing. */
  SelectorChecksSkipped: (scope: string, count: number): Message => makeMessage(CATALOG.SelectorChecksSkipped, { scope, count }),
  /** MF0017 (Info): Reference checks to Services, Secrets or Namespaces were skipped where the input holds none of them, rather than reporting every reference as missing. */
  ReferenceChecksSkipped: (kind: string, scope: string, count: number): Message => makeMessage(CATALOG.ReferenceChecksSkipped, { kind, scope, count }),
  /** MF0018 (Error): A route destination names a service with several ports but no port, so the route is ambiguous. */
  VirtualServiceDestinationPortSelectorRequired: (host: string, ports: readonly string[]): Message => makeMessage(CATALOG.VirtualServiceDestinationPortSelectorRequired, { host, ports }),
  /** MF0019 (Error): Two or more Sidecars in one namespace select the same workload; which one applies is undefined. */
  ConflictingSidecarWorkloadSelectors: (names: readonly string[], namespace: string, workload: string): Message => makeMessage(CATALOG.ConflictingSidecarWorkloadSelectors, { names, namespace, workload }),
  /** MF0020 (Error): Two or more Sidecars in one namespace have no workload selector; which one applies is undefined. */
  MultipleSidecarsWithoutWorkloadSelectors: (names: readonly string[], namespace: string): Message => makeMessage(CATALOG.MultipleSidecarsWithoutWorkloadSelectors, { names, namespace }),
  /** MF0021 (Info): A namespace with no injection label; its pods get no sidecar from the target unless their templates ask for one. */
  NamespaceNotInjected: (): Message => makeMessage(CATALOG.NamespaceNotInjected, {}),
  /** MF0022 (Info): A Service port whose name does not start with a protocol prefix and has no appProtocol, so Istio must sniff the protocol. */
  PortNameIsNotUnderNamingConvention: (port: string, number: number): Message => makeMessage(CATALOG.PortNameIsNotUnderNamingConvention, { port, number }),
  /** MF0023 (Warning): Istio's validation webhook accepts the object with a warning (for example the legacy gateway name format). */
  SchemaWarning: (field: string, problem: string): Message => makeMessage(CATALOG.SchemaWarning, { field, problem }),
  /** MF0024 (Warning): An HTTP, TLS or TCP route that can never match because an earlier route matches everything. */
  VirtualServiceUnreachableRule: (rule: string, reason: string): Message => makeMessage(CATALOG.VirtualServiceUnreachableRule, { rule, reason }),
  /** MF0025 (Info): A namespace or workload asks for an injection revision, and nobody said which revisions the target has (no --target-revision, no live target), so whether it exists there could not be checked. */
  RevisionNotChecked: (label: string, revision: string): Message => makeMessage(CATALOG.RevisionNotChecked, { label, revision }),
  /** MF0026 (Info): Objects of a kind no meshferry check reads (an Ingress, a Job, a custom resource, an IstioOperator, ...) pass through unanalyzed; one note per kind says so. */
  KindNotAnalyzed: (kind: string, count: number): Message => makeMessage(CATALOG.KindNotAnalyzed, { kind, count }),
  /** MF0027 (Warning): An AuthorizationPolicy selects no workload: its selector matches no pod template, or it is namespace-wide in a namespace where no workload runs (only checked when workloads are known). It protects nothing yet, which is legitimate for a namespace prepared ahead of its workloads; Istio's authz analyzer reports the same as IST0127 at Warning. */
  NoMatchingWorkloadsFound: (labels: string): Message => makeMessage(CATALOG.NoMatchingWorkloadsFound, { labels }),
};
