// RFC 6902 JSON Patch over plain JSON data, failing in words: which step of the path is missing, expected vs found.
import { jsonEqual } from '../resources/neat.js';
import { cloneJson, isPlainObject } from '../resources/object.js';
import type { JsonPatchOperation } from './types.js';

/** Prints a value in a failure message: JSON, or `<hidden>` for values that must never be shown (Secrets). */
export type ShowValue = (v: unknown) => string;

/** The value as compact JSON, cut to `max` characters; "no value" for a missing one. */
export function showJson(v: unknown, max = 80): string {
  if (v === undefined) return 'no value';
  const text = JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** RFC 6901: `/a/b~1c` → ['a', 'b/c']. Undefined when the pointer does not start with `/` (and is not ''). */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function pointerOf(tokens: readonly string[]): string {
  return tokens.length === 0 ? '""' : `/${tokens.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

function typeWord(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : 'a map';
}

/** Where a walk down a path stopped: the value, or why there is none (`missing` names the first missing step). */
type Lookup = { found: true; value: unknown } | { found: false; missing: string; why: string };

/**
 * Walks `tokens` from `doc`. `forAdd`: the last token may be one past the end of a list (or `-`), as add allows.
 */
function lookup(doc: unknown, tokens: readonly string[], show: ShowValue, forAdd = false): Lookup {
  let node = doc;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const here = pointerOf(tokens.slice(0, i));
    const next = pointerOf(tokens.slice(0, i + 1));
    const last = i === tokens.length - 1;
    if (Array.isArray(node)) {
      if (forAdd && last && token === '-') return { found: true, value: undefined };
      if (!ARRAY_INDEX.test(token)) return { found: false, missing: next, why: `${here} is a list; "${token}" is not a list index` };
      const index = Number(token);
      const limit = forAdd && last ? node.length : node.length - 1;
      if (index > limit)
        return { found: false, missing: next, why: `${here} has ${node.length} item${node.length === 1 ? '' : 's'}; index ${index} is past its end (${here}/- appends)` };
      node = node[index];
    } else if (isPlainObject(node)) {
      if (!Object.hasOwn(node, token)) return { found: false, missing: next, why: `there is no value at ${next}` };
      node = node[token];
    } else {
      return { found: false, missing: next, why: `there is no value at ${pointerOf(tokens)}: ${here} is ${typeWord(node)} (${show(node)}), not a map or list` };
    }
  }
  return { found: true, value: node };
}

/** Puts `value` at the last token under `parent` (a list insert shifts the items after it). */
function put(parent: unknown, token: string, value: unknown, insert: boolean): void {
  if (Array.isArray(parent)) {
    const index = token === '-' ? parent.length : Number(token);
    if (insert) parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isPlainObject(parent)) parent[token] = value;
}

function take(parent: unknown, token: string): void {
  if (Array.isArray(parent)) parent.splice(Number(token), 1);
  else if (isPlainObject(parent)) delete parent[token];
}

/**
 * Applies one operation to `doc` in place. Returns undefined on success, or why it cannot be applied (values through
 * `show`, missing values as "no value"); `doc` is unchanged on failure.
 */
export function applyPatchOperation(doc: Record<string, unknown>, op: JsonPatchOperation, show: ShowValue = showJson): string | undefined {
  const path = parsePointer(op.path);
  if (path === undefined) return `path "${op.path}" is not a JSON pointer (it starts with /)`;
  const from = op.from === undefined ? undefined : parsePointer(op.from);
  if ((op.op === 'move' || op.op === 'copy') && from === undefined) return `"from" ${op.from === undefined ? 'is missing' : `"${op.from}" is not a JSON pointer (it starts with /)`}`;
  if (path.length === 0 && op.op !== 'test') return 'the whole object cannot be replaced (path "")';
  const parentTokens = path.slice(0, -1);
  const lastToken = path[path.length - 1]!;

  const addAt = (value: unknown): string | undefined => {
    const parent = lookup(doc, parentTokens, show);
    if (!parent.found) return `${parent.why}; add creates only the last step of a path, so add ${parent.missing} first`;
    if (!Array.isArray(parent.value) && !isPlainObject(parent.value))
      return `${pointerOf(parentTokens)} is ${typeWord(parent.value)} (${show(parent.value)}), not a map or list, so nothing can be added under it`;
    const slot = lookup(doc, path, show, true);
    if (!slot.found && Array.isArray(parent.value)) return slot.why;
    put(parent.value, lastToken, value, Array.isArray(parent.value));
    return undefined;
  };

  switch (op.op) {
    case 'add':
      return addAt(cloneJson(op.value));
    case 'remove':
    case 'replace': {
      const target = lookup(doc, path, show);
      if (!target.found) {
        const what = op.op === 'remove' ? 'to remove' : 'to replace (add creates a value)';
        return target.missing === pointerOf(path) ? `${target.why} ${what}` : `${target.why}, so nothing at ${pointerOf(path)} ${what}`;
      }
      const parent = lookup(doc, parentTokens, show);
      if (!parent.found) return parent.why;
      if (op.op === 'remove') take(parent.value, lastToken);
      else put(parent.value, lastToken, cloneJson(op.value), false);
      return undefined;
    }
    case 'move':
    case 'copy': {
      const source = from!;
      const value = lookup(doc, source, show);
      if (!value.found) return value.missing === pointerOf(source) ? `${value.why} to ${op.op}` : `${value.why}, so nothing at ${pointerOf(source)} to ${op.op}`;
      if (op.op === 'move') {
        if (path.length > source.length && source.every((t, i) => path[i] === t))
          return `cannot move ${pointerOf(source)} into itself (${pointerOf(path)} is inside it)`;
        if (path.length === source.length && source.every((t, i) => path[i] === t)) return undefined;
        const sourceParent = lookup(doc, source.slice(0, -1), show);
        // Check the destination first, so a failure leaves the document as it was.
        const check = lookup(doc, parentTokens, show);
        if (!check.found) return `${check.why}; add creates only the last step of a path, so add ${check.missing} first`;
        if (sourceParent.found) take(sourceParent.value, source[source.length - 1]!);
        const failed = addAt(value.value);
        if (failed && sourceParent.found) put(sourceParent.value, source[source.length - 1]!, value.value, Array.isArray(sourceParent.value));
        return failed;
      }
      return addAt(cloneJson(value.value));
    }
    case 'test': {
      const target = lookup(doc, path, show);
      const found = target.found ? target.value : undefined;
      if (target.found && jsonEqual(found, op.value)) return undefined;
      return `the test failed: expected ${show(op.value)}, found ${target.found ? show(found) : 'no value'}`;
    }
    default:
      return `unknown operation "${String((op as { op: unknown }).op)}" (add, remove, replace, move, copy, test)`;
  }
}
