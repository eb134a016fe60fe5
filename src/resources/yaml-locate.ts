// Finds where a field path sits in a block-style YAML document from its indentation alone, without a parser.
//
// A finding names the line of its field. On the fast read paths a position used to cost a full parse of the
// document by the `yaml` library (and loading that library); that was a tenth of an analyze run. Most
// Kubernetes YAML is plain block style, whose structure shows in the indentation. Anything else (flow
// collections that go on, multi-line quoted scalars, keys that are not plain strings, tabs, `?` keys) answers
// undefined, and the caller asks the precise parser. A differential test holds this to `findOffset`.
import type { PathSegment } from './resource-set.js';
import { isPlainSafe } from './yaml-scalars.js';

/** A 1-based line and column, as the `yaml` library's LineCounter gives them. */
export interface LinePosition {
  line: number;
  col: number;
}

interface Line {
  /** The text without its line break (and without a trailing \r). */
  text: string;
  /** Leading spaces; -1 for a blank or comment-only line. */
  indent: number;
}

/** The node found so far: where it starts and where its content sits. */
interface At {
  line: number;
  col: number;
}

class Unsupported extends Error {}

const unsupported = (): never => {
  throw new Unsupported();
};

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  for (let start = 0; start <= text.length; ) {
    const nl = text.indexOf('\n', start);
    let line = text.slice(start, nl < 0 ? text.length : nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    let i = 0;
    while (line.charCodeAt(i) === 32) i++;
    if (line[i] === '\t') {
      // A tab after the indentation spaces is whitespace only if the rest is blank or a comment.
      const rest = line.slice(i).trim();
      if (rest !== '' && !rest.startsWith('#')) unsupported();
    }
    const rest = line.slice(i).trim();
    out.push({ text: line, indent: rest === '' || rest.startsWith('#') ? -1 : i });
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

/** The next content line at or after `from`, or -1. */
function nextContent(lines: Line[], from: number): number {
  for (let i = from; i < lines.length; i++) if (lines[i]!.indent >= 0) return i;
  return -1;
}

/** Whether the text at `col` starts a block sequence entry (`-` then a space or the end of the line). */
function isDash(text: string, col: number): boolean {
  return text[col] === '-' && (col + 1 === text.length || text[col + 1] === ' ');
}

/** The column where the content after `- ` starts on the same line, or -1 when the entry continues below. */
function afterDash(text: string, col: number): number {
  let c = col + 1;
  while (text[c] === ' ') c++;
  return c >= text.length || text[c] === '#' ? -1 : c;
}

/** A key at `col` of a line: its string and the column after its `:`; undefined when the line holds no key there. */
function keyAt(text: string, col: number): { key: string; after: number } | undefined {
  const c = text[col];
  if (c === '?' || c === '&' || c === '*' || c === '!' || c === '[' || c === '{' || c === '|' || c === '>' || c === '%' || c === '@' || c === '`') return unsupported();
  if (c === '"' || c === "'") {
    const close = c === '"' ? text.indexOf('"', col + 1) : text.indexOf("'", col + 1);
    if (close < 0) return unsupported();
    const raw = text.slice(col + 1, close);
    if (c === '"' && raw.includes('\\')) return unsupported();
    if (c === "'" && text[close + 1] === "'") return unsupported(); // an escaped quote: leave it to the parser
    let after = close + 1;
    while (text[after] === ' ') after++;
    if (text[after] !== ':' || (after + 1 < text.length && text[after + 1] !== ' ')) return undefined;
    return { key: raw, after: after + 1 };
  }
  // A plain key ends at the first `: ` (or a `:` at the end of the line).
  let i = col;
  for (;;) {
    i = text.indexOf(':', i);
    if (i < 0) return undefined;
    if (i + 1 === text.length || text[i + 1] === ' ') break;
    i++;
  }
  const key = text.slice(col, i).trimEnd();
  if (key.includes(' #') || !isPlainSafe(key)) return unsupported();
  return { key, after: i + 1 };
}

/** A node of a one-line flow collection: where it starts and, for collections, its entries. */
interface FlowNode {
  col: number;
  end: number;
  map?: { key: string; keyCol: number; value: FlowNode | undefined }[];
  seq?: FlowNode[];
}

function skipSpaces(text: string, i: number): number {
  while (text[i] === ' ') i++;
  return i;
}

/** A flow collection or scalar starting at `i` on one line; anything it does not read with certainty is unsupported. */
function parseFlow(text: string, i: number): FlowNode {
  const ch = text[i];
  if (ch === '{' || ch === '[') {
    const map = ch === '{';
    const node: FlowNode = map ? { col: i, end: i, map: [] } : { col: i, end: i, seq: [] };
    const close = map ? '}' : ']';
    let j = skipSpaces(text, i + 1);
    if (text[j] === close) return { ...node, end: j + 1 };
    for (;;) {
      if (map) {
        const keyCol = j;
        const key = parseFlowScalar(text, j, true);
        j = skipSpaces(text, key.end);
        if (text[j] !== ':') unsupported();
        j = skipSpaces(text, j + 1);
        let value: FlowNode | undefined;
        if (text[j] !== ',' && text[j] !== '}') {
          value = parseFlow(text, j);
          j = skipSpaces(text, value.end);
        }
        node.map!.push({ key: key.value, keyCol, value });
      } else {
        const item = parseFlow(text, j);
        j = skipSpaces(text, item.end);
        if (text[j] === ':') unsupported(); // a single-pair mapping inside a sequence
        node.seq!.push(item);
      }
      if (text[j] === close) return { ...node, end: j + 1 };
      if (text[j] !== ',') unsupported();
      j = skipSpaces(text, j + 1);
      if (text[j] === close) return { ...node, end: j + 1 }; // a trailing comma
    }
  }
  const scalar = parseFlowScalar(text, i, false);
  return { col: i, end: scalar.end };
}

/** A quoted or plain scalar inside a flow collection; keys must read back as the strings they look like. */
function parseFlowScalar(text: string, i: number, isKey: boolean): { value: string; end: number } {
  const q = text[i];
  if (q === '"' || q === "'") {
    const close = text.indexOf(q, i + 1);
    if (close < 0) return unsupported();
    const raw = text.slice(i + 1, close);
    if ((q === '"' && raw.includes('\\')) || (q === "'" && text[close + 1] === "'")) return unsupported();
    return { value: raw, end: close + 1 };
  }
  if (q === undefined || '{}[],#&*!|>?%@`'.includes(q)) return unsupported();
  let j = i;
  for (; j < text.length; j++) {
    const c = text[j]!;
    if (c === ',' || c === '}' || c === ']' || c === '[' || c === '{') break;
    if (c === ':' && (j + 1 === text.length || ' ,}]'.includes(text[j + 1]!))) break;
    if (c === '#' && text[j - 1] === ' ') unsupported();
  }
  const value = text.slice(i, j).trimEnd();
  if (value === '' || (isKey && !isPlainSafe(value))) unsupported();
  return { value, end: j };
}

/**
 * Walks the rest of a path inside a one-line flow collection. `found` is the column of the deepest node found
 * so far (the key that holds the collection); returns the column findOffset would give.
 */
function walkFlow(node: FlowNode, rest: readonly PathSegment[], found: number): number {
  let at: FlowNode | undefined = node;
  for (const seg of rest) {
    if (!at) break;
    if (at.map) {
      const entry: { key: string; keyCol: number; value: FlowNode | undefined } | undefined = at.map.find((e) => e.key === String(seg));
      if (!entry) break;
      found = entry.keyCol;
      at = entry.value;
    } else if (at.seq && typeof seg === 'number') {
      const item = at.seq[seg];
      if (!item) break;
      found = item.col;
      at = item;
    } else break;
  }
  return found;
}

/** What follows a key's `:` on its line: nothing (the value is below), or where the inline value starts. */
function inlineValue(text: string, after: number): number {
  let c = after;
  while (text[c] === ' ') c++;
  if (c >= text.length || text[c] === '#') return -1;
  checkInline(text, c);
  return c;
}

/** An inline value that continues on later lines in a way indentation does not show is not handled. */
function checkInline(text: string, c: number): void {
  const v = text.slice(c);
  const ch = v[0];
  if (ch === '&' || ch === '*' || ch === '!' || ch === '?') unsupported();
  if (ch === '[' || ch === '{') {
    // One-line flow collections only, with nothing after them but spaces.
    const flow = parseFlow(text, c);
    if (text.slice(flow.end).trim() !== '') unsupported();
  } else if (ch === '"') {
    let i = 1;
    for (; i < v.length; i++) {
      if (v[i] === '\\') i++;
      else if (v[i] === '"') break;
    }
    if (i >= v.length) unsupported();
  } else if (ch === "'") {
    let i = 1;
    for (; i < v.length; i++) {
      if (v[i] === "'") {
        if (v[i + 1] === "'") i++;
        else break;
      }
    }
    if (i >= v.length) unsupported();
  }
}

/**
 * The value of a key (on line `line`, in a mapping at column `col`) whose inline part is empty: the node below
 * it, or undefined when there is none (a null value).
 */
function nodeBelow(lines: Line[], line: number, col: number): At | undefined {
  const next = nextContent(lines, line + 1);
  if (next < 0) return undefined;
  const l = lines[next]!;
  if (l.indent > col) return { line: next, col: l.indent };
  if (l.indent === col && isDash(l.text, col)) return { line: next, col };
  return undefined;
}

/** In the mapping whose first key is at (at.line, at.col): the line of `key`, and the column after its `:`. */
function findKey(lines: Line[], at: At, key: string): { line: number; after: number } | undefined {
  for (let i = at.line; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.indent < 0) continue;
    if (i !== at.line) {
      if (l.indent < at.col) return undefined; // the mapping ended
      if (l.indent > at.col || isDash(l.text, at.col)) continue; // inside a value (or a sequence at the key's indent)
    }
    const k = keyAt(l.text, at.col);
    if (!k) return unsupported(); // a line at the mapping's indent that is not a key: not a mapping this reads
    if (k.key === key) return { line: i, after: k.after };
  }
  return undefined;
}

/** In the sequence whose first entry's dash is at (at.line, at.col): the line of entry `index`. */
function findEntry(lines: Line[], at: At, index: number): number | undefined {
  let n = -1;
  for (let i = at.line; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.indent < 0) continue;
    const dashHere = i === at.line ? isDash(l.text, at.col) : l.indent === at.col && isDash(l.text, at.col);
    if (i !== at.line) {
      if (l.indent < at.col) return undefined;
      if (l.indent > at.col) continue;
      if (!dashHere) return undefined; // the next key of the parent mapping
    }
    if (!dashHere) return unsupported();
    if (++n === index) return i;
  }
  return undefined;
}

/** Where a node starts: at `col` of its line (the first key of a mapping, the first dash of a sequence, a scalar). */
function kindOf(text: string, col: number): 'seq' | 'map' | 'flow' | 'scalar' {
  if (isDash(text, col)) return 'seq';
  const ch = text[col];
  if (ch === '[' || ch === '{') return 'flow';
  // A (plain or quoted) scalar followed by `: ` is a key; keyAt decides, and gives up on what it cannot read.
  return keyAt(text, col) ? 'map' : 'scalar';
}

/**
 * The position `findOffset` would give for `path` in the document `text` (the deepest node of the path that
 * exists), or undefined when the document is not plain block YAML this function reads with certainty.
 */
export function locateByLines(text: string, path: readonly PathSegment[]): LinePosition | undefined {
  return lineLocator(text)(path);
}

/**
 * locateByLines for many paths in one document: the text is split into lines once (a finding per item of a large
 * `kind: List` must not split the whole list again each time).
 */
export function lineLocator(text: string): (path: readonly PathSegment[]) => LinePosition | undefined {
  let lines: Line[] | undefined;
  try {
    lines = splitLines(text);
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
  }
  return (path) => (lines ? locateIn(lines, path) : undefined);
}

function locateIn(lines: Line[], path: readonly PathSegment[]): LinePosition | undefined {
  try {
    const first = nextContent(lines, 0);
    if (first < 0) return undefined;
    const firstLine = lines[first]!;
    if (firstLine.text.startsWith('---') || firstLine.text.startsWith('...')) return undefined;
    let node: At | undefined = { line: first, col: firstLine.indent };
    let found: At = node;
    for (let s = 0; s < path.length; s++) {
      const seg = path[s]!;
      if (!node) break;
      const text = lines[node.line]!.text;
      const kind = kindOf(text, node.col);
      if (kind === 'map') {
        const k = findKey(lines, node, String(seg));
        if (!k) break;
        found = { line: k.line, col: node.col };
        const v = inlineValue(lines[k.line]!.text, k.after);
        if (v < 0) node = nodeBelow(lines, k.line, node.col);
        else {
          const vt = lines[k.line]!.text;
          // A block scalar or a plain/quoted/flow value on the key's line: nothing to descend into by indentation.
          node = vt[v] === '|' || vt[v] === '>' ? undefined : { line: k.line, col: v };
          const inline = node ? kindOf(vt, v) : 'scalar';
          if (inline === 'map' || inline === 'seq') return undefined; // `a: b: c` and `a: - b` are errors the parser words
        }
      } else if (kind === 'seq') {
        if (typeof seg !== 'number') break;
        const e = findEntry(lines, node, seg);
        if (e === undefined) break;
        const et = lines[e]!.text;
        const c = afterDash(et, node.col);
        if (c < 0) {
          const below = nodeBelow(lines, e, node.col);
          if (!below || below.line === e) return undefined;
          node = below;
        } else {
          if (et[c] === '|' || et[c] === '>') return undefined;
          checkInline(et, c);
          node = { line: e, col: c };
        }
        found = node;
      } else if (kind === 'flow') {
        const col = walkFlow(parseFlow(lines[node.line]!.text, node.col), path.slice(s), found.line === node.line ? found.col : -1);
        if (col < 0) return undefined; // the path ends at a collection on a line of its own: the parser knows
        return { line: node.line + 1, col: col + 1 };
      } else break;
    }
    return { line: found.line + 1, col: found.col + 1 };
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}
