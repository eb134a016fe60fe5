// Applies TransformRules to a ResourceSet: rules in order, each over every matching object, recording each change.
import { InputErrors, type Problem } from '../errors.js';
import { jsonEqual } from '../resources/neat.js';
import { kindOf } from '../resources/kinds.js';
import { cloneJson, identityOf, keyOf, keyString, type KubeObject } from '../resources/object.js';
import { ResourceSet, sourceText, type PathSegment, type Resource } from '../resources/resource-set.js';
import { compileRules, rulesFileError, type CompiledRule, type Locate } from './compile-rules.js';
import { formatPath, getPath, hasPath, removePath, setPath } from './field-path.js';
import type { SpecProblem } from './object-match.js';
import { hidesValues, identityFields, unsafeIdentity } from './object-safety.js';
import type { ObjectEdit, RuleRun } from './rewriter.js';
import type { Change, Notification, NotificationLevel, TransformRules } from './types.js';

export interface ApplyRulesOptions {
  /** Maps a path in the rules document to file:line, for errors (loadTransformRules provides it). */
  locate?: Locate;
  /** The rules file, named in errors. */
  file?: string;
}

export interface TransformResult {
  set: ResourceSet;
  changes: Change[];
  notes: Notification[];
  /** How many input objects at least one rule changed, each counted once (renames change `Change.object`). */
  changedObjects: number;
}

/**
 * Applies the rules in order and returns the new set with every change and notification. Pure: the input set and
 * its objects are never modified. Each rule sees the output of the rules before it.
 * Throws InputErrors for invalid rules, a patch that cannot be applied, or two objects ending up with one identity.
 */
export function applyRules(set: ResourceSet, rules: TransformRules, options: ApplyRulesOptions = {}): TransformResult {
  const compiled = compileRules(rules, options.locate, options.file);
  const changes: Change[] = [];
  const notes: Notification[] = [];
  let current = new ResourceSet(set.list().map((r) => ({ ...r, object: cloneJson(r.object) })));
  // Resources keep their identity (as JS objects) from rule to rule, whatever a rule renames; count those.
  const changed = new Set<Resource>();
  for (const rule of compiled) current = applyOne(rule, current, changes, notes, changed, options);
  checkInputIdentities(current);
  return { set: current, changes, notes, changedObjects: changed.size };
}

/** An object no rule touched may still carry an apiVersion or kind unsafe to write (a reader that accepts any kind). */
function checkInputIdentities(set: ResourceSet): void {
  const problems: Problem[] = [];
  for (const r of set.list()) {
    for (const message of unsafeIdentity(r.object, identityFields(r.object), hidesValues(r.object)))
      problems.push({ message: `${originOf(r)}: ${message}`, ...(r.source ? { position: { file: r.source.file, line: r.source.line } } : {}) });
  }
  if (problems.length > 0) throw new InputErrors('an input object cannot be written:', problems, 'UnsafeObject');
}

/** `VirtualService a/v (in.yaml:1)`: the identity and, when it came from a file, where. */
function originOf(r: Resource): string {
  const where = sourceText(r);
  return where ? `${identityOf(r.object)} (${where})` : identityOf(r.object);
}

function applyOne(
  rule: CompiledRule,
  objects: ResourceSet,
  changes: Change[],
  notes: Notification[],
  changed: Set<Resource>,
  options: ApplyRulesOptions,
): ResourceSet {
  const base = { rule: rule.number, type: rule.type };
  const firstChange = changes.length;
  const firstNote = notes.length;
  const failures: SpecProblem[] = [];
  const unsafe: Problem[] = [];
  const run: RuleRun = {
    number: rule.number,
    objects,
    note: (level, message, object) => notes.push({ level, ...base, ...(object ? { object } : {}), message }),
  };
  const application = rule.rewriter.start(rule.spec, run);
  const kept: Resource[] = [];
  let matched = 0;
  for (const r of objects.list()) {
    if (!rule.select(r.object)) {
      kept.push(r);
      continue;
    }
    matched++;
    const origin = originOf(r);
    const before = identityFields(r.object);
    const changesBefore = changes.length;
    const edit = objectEdit(r.object, origin, base, changes, notes, (message, specPath) => failures.push({ path: [...rule.at, ...(specPath ?? [])], message }));
    const dropped = application.rewrite(r.object, edit) === 'drop';
    if (changes.length > changesBefore) {
      changed.add(r);
      // A rule may rename, re-kind or re-version an object; what it leaves must still be safe to name and write.
      for (const message of unsafeIdentity(r.object, before, hidesValues(r.object) || kindHidesValues(before))) {
        const at = options.locate?.(rule.at);
        unsafe.push({ message: `${origin}: ${message}`, ...(at ? { position: at } : {}), fieldPath: formatPath(rule.at) });
      }
    }
    if (dropped) changes.push({ ...base, object: edit.identity, path: '', action: 'drop' });
    else kept.push(r);
  }
  application.finish?.();
  if (failures.length > 0)
    throw rulesFileError(failures, options.locate, options.file, `rule ${rule.number} (${rule.type}) cannot be applied to ${failures.length === 1 ? 'an object' : `${failures.length} objects`}:`);
  if (unsafe.length > 0) throw new InputErrors(`rule ${rule.number} (${rule.type}) leaves an object that cannot be written:`, unsafe, 'UnsafeObject');
  if (changes.length === firstChange && notes.length === firstNote)
    notes.push({
      level: 'INFO',
      ...base,
      message: matched === 0 ? 'matched no object' : `changed nothing in the ${matched} object(s) it matched`,
    });
  const collision = firstCollision(kept);
  if (collision) {
    const at = options.locate?.(rule.at);
    throw new InputErrors(`rule ${rule.number} (${rule.type}) makes two objects the same:`, [
      {
        message: `${collision.identity} would come from both ${collision.sources.join(' and ')}; the output would lose one of them`,
        ...(at ? { position: at } : {}),
        fieldPath: formatPath(rule.at),
      },
    ], 'TransformCollision');
  }
  return new ResourceSet(kept);
}

/** The first identity two resources now share, with where each came from. */
function firstCollision(resources: readonly Resource[]): { identity: string; sources: string[] } | undefined {
  const seen = new Map<string, Resource>();
  for (const r of resources) {
    const k = keyString(keyOf(r.object));
    const prev = seen.get(k);
    if (prev) return { identity: identityOf(r.object), sources: [prev, r].map((x) => sourceText(x) ?? 'an object without a file') };
    seen.set(k, r);
  }
  return undefined;
}

function objectEdit(
  obj: KubeObject,
  origin: string,
  base: { rule: number; type: Change['type'] },
  changes: Change[],
  notes: Notification[],
  fail: (message: string, specPath?: readonly PathSegment[]) => void,
): ObjectEdit {
  const identity = identityOf(obj);
  const root = obj as Record<string, unknown>;
  // No value of a Secret is ever shown, whatever a rule did: its data, and its annotations too (kubectl's
  // last-applied-configuration annotation holds the data). Its name and namespace are in its identity anyway.
  const secret = hidesValues(obj);
  const hidden = (path: readonly PathSegment[]) =>
    (secret || hidesValues(obj)) && !(path.length === 2 && path[0] === 'metadata' && (path[1] === 'name' || path[1] === 'namespace'));
  const record = (action: 'set' | 'remove', path: readonly PathSegment[], from: unknown, to: unknown) => {
    const secret = hidden(path);
    changes.push({
      ...base,
      object: identity,
      path: formatPath(path),
      action,
      ...(from !== undefined ? { from: secret ? '<hidden>' : from } : {}),
      ...(to !== undefined ? { to: secret ? '<hidden>' : to } : {}),
    });
  };
  return {
    identity,
    origin,
    set(path, value) {
      const existed = hasPath(root, path);
      const before = existed ? getPath(root, path) : undefined;
      if (existed && jsonEqual(before, value)) return;
      setPath(root, path, copy(value));
      record('set', path, copy(before), copy(value));
    },
    remove(path, pruneEmptyParent = false) {
      if (!hasPath(root, path)) return;
      const before = copy(getPath(root, path));
      removePath(root, path, pruneEmptyParent);
      record('remove', path, before, undefined);
    },
    record,
    note(level: NotificationLevel, message: string) {
      notes.push({ level, ...base, object: identity, message });
    },
    fail,
  };
}

/** Whether the object was a Secret before the rule (a patch could change its kind, not what its values are). */
function kindHidesValues(before: { apiVersion: unknown; kind: unknown }): boolean {
  return kindOf(String(before.apiVersion), String(before.kind))?.metadataOnly === true;
}

/** A private copy of a value for the report; strings and numbers are immutable, so most changes need none. */
function copy<T>(v: T): T {
  return typeof v === 'object' && v !== null ? cloneJson(v) : v;
}
