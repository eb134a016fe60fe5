// ResourceSet: the objects of one run, keyed by identity, each remembering the file and line it came from.
import { InputError, formatPosition, type SourcePosition } from '../errors.js';
import { compareKeys, identityOf, keyOf, keyString, type KubeObject, type ObjectKey } from './object.js';
import { isSecret, redactSecret } from './secrets.js';

/** A step into a document: a map key or a list index. */
export type PathSegment = string | number;

/** Where an object came from. `locate` finds the line of any field inside it. */
export interface SourceRef {
  file: string;
  line: number;
  /** The position of a field path inside the object, or of its deepest existing parent. A method: call it on the SourceRef. */
  locate?(path: readonly PathSegment[]): SourcePosition;
}

export interface Resource {
  object: KubeObject;
  source?: SourceRef;
}

/** `file:line`, or undefined when the object did not come from a file. */
export function sourceText(r: Resource): string | undefined {
  return r.source ? formatPosition({ file: r.source.file, line: r.source.line }) : undefined;
}

/** An ordered, identity-keyed collection. Iteration is deterministic (Namespaces first, then sorted). */
export class ResourceSet implements Iterable<Resource> {
  /** Each resource with its key, worked out once when added: sorting ten thousand objects asks for keys 280,000 times. */
  #byKey = new Map<string, { resource: Resource; key: ObjectKey }>();
  #sorted: Resource[] | undefined;

  constructor(resources: Iterable<Resource> = []) {
    for (const r of resources) this.add(r);
  }

  static of(objects: Iterable<KubeObject>): ResourceSet {
    const set = new ResourceSet();
    for (const object of objects) set.add({ object });
    return set;
  }

  /**
   * Adds an object; a second object with the same identity is an input error naming both places. A Secret is
   * redacted on the way in (secrets.ts), so that nothing downstream (neat, transform, analyze, reports) can
   * see its data, whichever source it came from.
   */
  add(r: Resource, onDuplicate: 'error' | 'replace' = 'error'): void {
    if (isSecret(r.object)) r = { ...r, object: redactSecret(r.object) };
    const key = keyOf(r.object);
    const k = keyString(key);
    const prev = this.#byKey.get(k)?.resource;
    if (prev && onDuplicate === 'error') {
      const where = [sourceText(prev), sourceText(r)].filter(Boolean).join(' and ');
      throw new InputError(`${identityOf(r.object)} is defined more than once${where ? ` (${where})` : ''}`, {
        code: 'DuplicateObject',
        ...(r.source ? { position: { file: r.source.file, line: r.source.line } } : {}),
      });
    }
    this.#byKey.set(k, { resource: r, key });
    this.#sorted = undefined;
  }

  get(key: ObjectKey): Resource | undefined {
    return this.#byKey.get(keyString(key))?.resource;
  }

  has(key: ObjectKey): boolean {
    return this.#byKey.has(keyString(key));
  }

  delete(key: ObjectKey): boolean {
    this.#sorted = undefined;
    return this.#byKey.delete(keyString(key));
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Resources in deterministic order. */
  list(): readonly Resource[] {
    this.#sorted ??= [...this.#byKey.values()].sort((a, b) => compareKeys(a.key, b.key)).map((e) => e.resource);
    return this.#sorted;
  }

  objects(): KubeObject[] {
    return this.list().map((r) => r.object);
  }

  /** Resources of one kind (any version), optionally only of one group. */
  ofKind(kind: string, group?: string): Resource[] {
    return this.list().filter((r) => r.object.kind === kind && (group === undefined || keyOf(r.object).group === group));
  }

  [Symbol.iterator](): Iterator<Resource> {
    return this.list()[Symbol.iterator]();
  }

  /** A new set with `fn` applied to each object; sources are kept. Pure: the input set is not changed. */
  map(fn: (obj: KubeObject, r: Resource) => KubeObject): ResourceSet {
    return new ResourceSet(this.list().map((r) => ({ ...r, object: fn(r.object, r) })));
  }

  filter(fn: (r: Resource) => boolean): ResourceSet {
    return new ResourceSet(this.list().filter(fn));
  }
}
