// The analyzer contract: metadata (name, description, inputs) and a read-only context an analyzer can only query and report to.
import type { Resource, PathSegment } from '../resources/resource-set.js';
import type { Vendor } from '../resources/vendors.js';
import type { ServiceRegistry } from './hosts.js';
import type { KindRef } from './kinds.js';
import type { Message } from './message.js';
import type { SchemaIssue } from './schema/structural.js';
import type { TargetSchemas } from './schema/target-schemas.js';
import type { ValidationIssue } from './validation/index.js';
import type { WorkloadIndex } from './workloads.js';

export interface AnalyzerMetadata {
  /** `<area>.<Check>`, e.g. `virtualservice.GatewayAnalyzer`; unique. */
  readonly name: string;
  readonly description: string;
  /** Every kind the analyzer reads; reading anything else throws (see context.ts). */
  readonly inputs: readonly KindRef[];
}

export interface Analyzer {
  readonly metadata: AnalyzerMetadata;
  analyze(ctx: AnalysisContext): void;
}

/** What is known about the mesh the config is moving to. */
export interface TargetFacts {
  readonly istioVersion: string;
  /** Injection revisions (and revision tags) the target has; `default` is the unnamed one. */
  readonly revisions: readonly string[];
  /**
   * True when someone said which revisions the target has (`--target-revision`, or a live target). Otherwise
   * `revisions` is the assumption `default`, and a revision missing from it is not an error.
   */
  readonly revisionsKnown: boolean;
  readonly vendor: Vendor;
  readonly schemas: TargetSchemas;
  /** Istio's root namespace: policies there apply mesh-wide. */
  readonly rootNamespace: string;
}

/** Data a reference check needed but the input lacks; the run turns these into one Info message each. */
export type SkipReason = 'workloads' | 'services' | 'secrets' | 'namespaces';

export interface AnalysisContext {
  readonly target: TargetFacts;
  /** Objects of one kind, in deterministic order. */
  list(kind: KindRef): readonly Resource[];
  /** One object by kind, namespace ('' for cluster-scoped) and name. */
  get(kind: KindRef, namespace: string, name: string): Resource | undefined;
  /** Every Service and ServiceEntry host (needs both kinds as inputs). */
  services(): ServiceRegistry;
  /** Every workload (needs WORKLOAD_KINDS as inputs). */
  workloads(): WorkloadIndex;
  /** Issues of an object against the target's CRD schema (computed once per run). */
  schemaIssues(r: Resource): readonly SchemaIssue[];
  /** Issues of an object against istiod's webhook rules (computed once per run). */
  webhookIssues(r: Resource): readonly ValidationIssue[];
  /** True when the input can be trusted to hold every object of `kind` in `namespace`, so "not found" is real. */
  covers(kind: KindRef, namespace: string): boolean;
  /** True when `kind` was read completely (a live cluster), so an object missing from the input does not exist. */
  isComplete(kind: KindRef): boolean;
  /** Notes a check skipped for lack of data (see SkipReason). */
  skipped(reason: SkipReason, namespace: string): void;
  /** Reports a message about an object; `path` points at the offending field (for its file:line). */
  report(r: Resource, message: Message, path?: readonly PathSegment[]): void;
}
