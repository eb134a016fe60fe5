// The run's shared index (built once: by kind, by name, hosts, workloads, schema issues) and the per-analyzer guarded view of it.
import { kindOf } from '../resources/kinds.js';
import type { PathSegment, Resource, ResourceSet } from '../resources/resource-set.js';
import type { AnalysisContext, SkipReason, TargetFacts } from './analyzer.js';
import { ServiceRegistry } from './hosts.js';
import { K, WORKLOAD_KINDS, kindRefOf, type KindRef } from './kinds.js';
import type { Message } from './message.js';
import { checkObjectSchema, type SchemaIssue } from './schema/structural.js';
import { validateWebhookRules, type ValidationIssue } from './validation/index.js';
import { WorkloadIndex } from './workloads.js';

/** The namespace an object lives in: `default` when a namespaced object's file leaves it out, '' when cluster-scoped. */
function scopeOf(r: Resource): string {
  const info = kindOf(r.object.apiVersion, r.object.kind);
  const namespaced = info ? info.namespaced : r.object.metadata.namespace !== undefined;
  return namespaced ? (r.object.metadata.namespace ?? 'default') : '';
}

/** Everything analyzers look things up in, computed once per run rather than per analyzer per object. */
export class AnalysisIndex {
  readonly target: TargetFacts;
  #byKind = new Map<KindRef, Resource[]>();
  /** kind → namespace → name: no key string is built and hashed per object, or per lookup. */
  #byName = new Map<KindRef, Map<string, Map<string, Resource>>>();
  #complete: ReadonlySet<KindRef>;
  #services: ServiceRegistry | undefined;
  #workloads: WorkloadIndex | undefined;
  #schema = new WeakMap<Resource, readonly SchemaIssue[]>();
  #webhook = new WeakMap<Resource, readonly ValidationIssue[]>();
  #kindOf = new Map<Resource, KindRef>();

  constructor(set: ResourceSet, target: TargetFacts, completeKinds: Iterable<KindRef> = []) {
    this.target = target;
    this.#complete = new Set(completeKinds);
    for (const r of set.list()) {
      const kind = kindRefOf(r.object);
      this.#kindOf.set(r, kind);
      const ns = scopeOf(r);
      const list = this.#byKind.get(kind);
      if (list) list.push(r);
      else this.#byKind.set(kind, [r]);
      let namespaces = this.#byName.get(kind);
      if (!namespaces) this.#byName.set(kind, (namespaces = new Map()));
      let names = namespaces.get(ns);
      if (!names) namespaces.set(ns, (names = new Map()));
      names.set(r.object.metadata.name, r);
    }
  }

  list(kind: KindRef): readonly Resource[] {
    return this.#byKind.get(kind) ?? [];
  }

  /** Every kind in the input with its number of objects. */
  kindCounts(): [KindRef, number][] {
    return [...this.#byKind].map(([kind, list]) => [kind, list.length]);
  }

  /** The kind reference of an indexed object (computed once). */
  kindOf(r: Resource): KindRef {
    return this.#kindOf.get(r) ?? kindRefOf(r.object);
  }

  get(kind: KindRef, namespace: string, name: string): Resource | undefined {
    return this.#byName.get(kind)?.get(namespace)?.get(name);
  }

  services(): ServiceRegistry {
    this.#services ??= new ServiceRegistry(this.list(K.Service), this.list(K.ServiceEntry));
    return this.#services;
  }

  workloads(): WorkloadIndex {
    this.#workloads ??= new WorkloadIndex(WORKLOAD_KINDS.flatMap((k) => this.list(k)));
    return this.#workloads;
  }

  schemaIssues(r: Resource): readonly SchemaIssue[] {
    let issues = this.#schema.get(r);
    if (!issues) {
      issues = checkObjectSchema(r.object, this.target.schemas);
      this.#schema.set(r, issues);
    }
    return issues;
  }

  webhookIssues(r: Resource): readonly ValidationIssue[] {
    let issues = this.#webhook.get(r);
    if (!issues) {
      issues = validateWebhookRules(r.object);
      this.#webhook.set(r, issues);
    }
    return issues;
  }

  covers(kind: KindRef, namespace: string): boolean {
    return this.#complete.has(kind) || this.#byName.get(kind)?.has(namespace) === true;
  }

  isComplete(kind: KindRef): boolean {
    return this.#complete.has(kind);
  }
}

/** Thrown when an analyzer reads a kind it did not declare: a bug in the analyzer, caught by the self-tests. */
export class UndeclaredInputError extends Error {}

export interface Report {
  analyzer: string;
  resource: Resource;
  message: Message;
  path: readonly PathSegment[] | undefined;
}

/** What one analyzer sees: the shared index, limited to the kinds its metadata declares. */
export class GuardedContext implements AnalysisContext {
  readonly target: TargetFacts;
  #index: AnalysisIndex;
  #name: string;
  #inputs: ReadonlySet<KindRef>;
  #onReport: (r: Report) => void;
  #onSkip: (reason: SkipReason, namespace: string) => void;

  constructor(
    index: AnalysisIndex,
    analyzer: { name: string; inputs: readonly KindRef[] },
    onReport: (r: Report) => void,
    onSkip: (reason: SkipReason, namespace: string) => void,
  ) {
    this.#index = index;
    this.target = index.target;
    this.#name = analyzer.name;
    this.#inputs = new Set(analyzer.inputs);
    this.#onReport = onReport;
    this.#onSkip = onSkip;
  }

  #need(kind: KindRef, why = `reads ${kind}`): void {
    if (!this.#inputs.has(kind)) throw new UndeclaredInputError(`analyzer ${this.#name} ${why} but does not declare ${kind} in its inputs`);
  }

  list(kind: KindRef): readonly Resource[] {
    this.#need(kind);
    return this.#index.list(kind);
  }

  get(kind: KindRef, namespace: string, name: string): Resource | undefined {
    this.#need(kind);
    return this.#index.get(kind, namespace, name);
  }

  services(): ServiceRegistry {
    this.#need(K.Service, 'uses the service registry');
    this.#need(K.ServiceEntry, 'uses the service registry');
    return this.#index.services();
  }

  workloads(): WorkloadIndex {
    for (const k of WORKLOAD_KINDS) this.#need(k, 'uses the workload index');
    return this.#index.workloads();
  }

  schemaIssues(r: Resource): readonly SchemaIssue[] {
    this.#need(this.#index.kindOf(r), 'checks the schema of an object');
    return this.#index.schemaIssues(r);
  }

  webhookIssues(r: Resource): readonly ValidationIssue[] {
    this.#need(this.#index.kindOf(r), 'checks the webhook rules of an object');
    return this.#index.webhookIssues(r);
  }

  covers(kind: KindRef, namespace: string): boolean {
    this.#need(kind, `asks whether the input covers ${kind}`);
    return this.#index.covers(kind, namespace);
  }

  isComplete(kind: KindRef): boolean {
    this.#need(kind, `asks whether ${kind} was read completely`);
    return this.#index.isComplete(kind);
  }

  skipped(reason: SkipReason, namespace: string): void {
    this.#onSkip(reason, namespace);
  }

  report(resource: Resource, message: Message, path?: readonly PathSegment[]): void {
    this.#onReport({ analyzer: this.#name, resource, message, path });
  }
}
