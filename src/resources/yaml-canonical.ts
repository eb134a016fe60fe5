// The fastest reading strategy: one document in exactly the block style serializeObject writes, read by a small line parser.
import { JSON_COMPATIBLE_QUOTED, isPlainSafe } from './yaml-scalars.js';

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]*)\.[0-9]+$/;
/**
 * A key line: a double-quoted key, or a plain one that ends at the first `:` followed by a space or the end of
 * the line (the key itself is then held to isPlainSafe).
 */
const KEY_LINE = /^( *)("(?:[^"\\]|\\.)*"|[^\s"].*?):(?: (.*))?$/;

class NotCanonical extends Error {}
const notCanonical = (): never => {
  throw new NotCanonical();
};

/**
 * Parses one YAML document written in meshferry's canonical block style: two-space indentation, sequences
 * indented under their key, plain strings that every reader reads as strings (isPlainSafe, the writer's own
 * rule), double-quoted strings that are valid JSON strings, decimal numbers, true/false/null and empty
 * `{}`/`[]`. Returns undefined for anything else (comments, other quoting, block scalars, anchors, several
 * documents, YAML 1.1 words), so the caller takes another strategy; within the subset the result equals what
 * the precise reader reads (a test checks this).
 */
export function parseCanonicalYaml(text: string): unknown {
  // Cheap scans first: streams of several documents are never canonical, and the split below would cost.
  if (!text.endsWith('\n') || text.startsWith('---') || text.includes('\n---') || text.includes('\r') || text.includes('\t')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  if (lines.length === 0 || lines.some((l) => l === '' || l.startsWith('---') || l.startsWith('...'))) return undefined;
  try {
    const state = { i: 0 };
    const value = parseBlock(lines, state, 0);
    return state.i === lines.length ? value : undefined;
  } catch (err) {
    if (err instanceof NotCanonical) return undefined;
    throw err;
  }
}

function indentOf(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
}

/** A map or a sequence whose lines start at exactly `indent`. */
function parseBlock(lines: readonly string[], state: { i: number }, indent: number): unknown {
  const first = lines[state.i] ?? notCanonical();
  if (indentOf(first) !== indent) notCanonical();
  return first.startsWith('- ', indent) ? parseSeq(lines, state, indent) : parseMap(lines, state, indent, undefined);
}

/**
 * Map entries at `indent`. `firstRest` is the text after `- ` when the map starts on a sequence item's line.
 */
function parseMap(lines: readonly string[], state: { i: number }, indent: number, firstRest: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let first = firstRest !== undefined;
  while (state.i < lines.length) {
    const line = first ? `${' '.repeat(indent)}${firstRest ?? ''}` : (lines[state.i] as string);
    if (!first && indentOf(line) < indent) break;
    first = false;
    const m = KEY_LINE.exec(line);
    if (!m || (m[1] ?? '').length !== indent) notCanonical();
    const key = scalarKey(m?.[2] ?? '');
    if (Object.prototype.hasOwnProperty.call(out, key) || key === '__proto__' || key === '<<') notCanonical();
    state.i++;
    const rest = m?.[3];
    if (rest !== undefined) out[key] = inlineValue(rest);
    else {
      // A block value: a map two deeper, or a sequence two deeper (never at the key's own indent).
      if (state.i >= lines.length || indentOf(lines[state.i] as string) !== indent + 2) notCanonical();
      out[key] = parseBlock(lines, state, indent + 2);
    }
  }
  return out;
}

/** Sequence items at `indent`. `firstRest` is the text after `- ` when the sequence starts on an outer item's line. */
function parseSeq(lines: readonly string[], state: { i: number }, indent: number, firstRest?: string): unknown[] {
  const out: unknown[] = [];
  let first = firstRest !== undefined;
  while (state.i < lines.length) {
    const line = first ? `${' '.repeat(indent)}- ${firstRest ?? ''}` : (lines[state.i] as string);
    first = false;
    const ind = indentOf(line);
    if (ind < indent) break;
    if (ind !== indent || !line.startsWith('- ', indent)) notCanonical();
    const rest = line.slice(indent + 2);
    if (rest.startsWith('- ')) out.push(parseSeq(lines, state, indent + 2, rest.slice(2)));
    else if (KEY_LINE.test(`${' '.repeat(indent + 2)}${rest}`) && !isQuotedScalarOnly(rest)) out.push(parseMap(lines, state, indent + 2, rest));
    else {
      out.push(inlineValue(rest));
      state.i++;
    }
  }
  return out;
}

/** `"a: b"` alone is a quoted scalar, not a key. */
function isQuotedScalarOnly(rest: string): boolean {
  return rest.startsWith('"') && /^"(?:[^"\\]|\\.)*"$/.test(rest);
}

function scalarKey(token: string): string {
  if (token.startsWith('"')) return quoted(token);
  return isPlainSafe(token) ? token : notCanonical();
}

function inlineValue(token: string): unknown {
  if (token === '{}') return {};
  if (token === '[]') return [];
  if (token === 'null') return null;
  if (token === 'true') return true;
  if (token === 'false') return false;
  if (token.startsWith('"')) return quoted(token);
  if (INTEGER.test(token) || DECIMAL.test(token)) return safeNumber(token);
  return isPlainSafe(token) ? token : notCanonical();
}

/** Integers beyond 2^53 and negative zero are edge cases best left to the reference parser. */
function safeNumber(token: string): number {
  const n = Number(token);
  if (Object.is(n, -0) || (Number.isInteger(n) && !Number.isSafeInteger(n))) return notCanonical();
  return n;
}

/**
 * A double-quoted scalar that is also a JSON string; YAML-only escapes (\x, \e, \N, ...) are not canonical, nor are
 * the JSON escapes go-yaml v2 refuses (`\/`, and `\u` of a surrogate half).
 */
function quoted(token: string): string {
  if (!JSON_COMPATIBLE_QUOTED.test(token)) notCanonical();
  return JSON.parse(token) as string;
}
