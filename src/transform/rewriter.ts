// The interface every rule implements: check its body, pick objects, rewrite them one by one, then sum up.
import type { KubeObject } from '../resources/object.js';
import type { PathSegment, ResourceSet } from '../resources/resource-set.js';
import type { ObjectPredicate, SpecProblem } from './object-match.js';
import type { NotificationLevel, RuleSpecs, RuleType } from './types.js';

/** Edits one object while recording every change (old → new) for the report. */
export interface ObjectEdit {
  /** `Kind namespace/name` of the object as this rule found it. */
  readonly identity: string;
  /** The identity and where the object was read, for messages: `VirtualService a/v (in.yaml:1)`. */
  readonly origin: string;
  /** Sets a field; nothing is recorded when the value is already equal. Missing maps on the way are created. */
  set(path: readonly PathSegment[], value: unknown): void;
  /** Removes a field if present; `pruneEmptyParent` also drops a map it leaves empty (labels, annotations). */
  remove(path: readonly PathSegment[], pruneEmptyParent?: boolean): void;
  /** Records a change the rule made itself (a JSON Patch operation the rule applied itself). */
  record(action: 'set' | 'remove', path: readonly PathSegment[], from: unknown, to: unknown): void;
  /** A notification about this object. */
  note(level: NotificationLevel, message: string): void;
  /** This rule cannot be applied to this object: an input error (collected; the run stops after the rule). */
  fail(message: string, specPath?: readonly PathSegment[]): void;
}

/** One rule being applied to the whole set. */
export interface RuleRun {
  /** Position of the rule in the file, counting from 1. */
  readonly number: number;
  /** The objects this rule runs over (read them for cross-object checks; edit only through ObjectEdit). */
  readonly objects: ResourceSet;
  /** A notification about the rule as a whole, or about a named object. */
  note(level: NotificationLevel, message: string, object?: string): void;
}

/** The per-run part of a rule: it may keep state across objects (to sum up in `finish`). */
export interface RuleApplication {
  /** Rewrites one matching object in place (it is meshferry's private copy); returns 'drop' to remove it. */
  rewrite(obj: KubeObject, edit: ObjectEdit): 'drop' | void;
  /** Called once after every object: notes about what the rule did or deliberately left alone. */
  finish?(): void;
}

/** A rule type. One module per rule under rules/, listed in rules/index.ts. */
export interface Rewriter<T extends RuleType> {
  readonly type: T;
  /** One line for help and docs. */
  readonly summary: string;
  /** Checks what the schema cannot express. `at` is the path of the rule body in the rules file. */
  check?(spec: RuleSpecs[T], at: PathSegment[], problems: SpecProblem[]): void;
  /** Which objects the rule touches; by default its optional `match` block decides. */
  select?(spec: RuleSpecs[T], at: PathSegment[], problems: SpecProblem[]): ObjectPredicate;
  /** Starts one application of the rule over a set. */
  start(spec: RuleSpecs[T], run: RuleRun): RuleApplication;
}
