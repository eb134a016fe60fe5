// A line parser for the plain block YAML people write by hand, the fast strategy's first try on each document.
import { BOOL_FIRST, FALSE_RE, FLOAT_FIRST, FLOAT_SPECIAL, GO_FLOAT, GO_INT, INT_FIRST, JSON_COMPATIBLE_QUOTED, NULL_FIRST, NULL_RE, TRUE_RE, parseGoFloat, parseGoInteger } from './yaml-scalars.js';

/*
 * yaml-fast.ts reads plain streams with js-yaml; on ten thousand objects that is still the largest part of
 * `analyze`. Most hand-written Kubernetes YAML is simpler than YAML: block maps and sequences (indented or not),
 * single-line plain, single- or double-quoted scalars, one-line flow collections (`{number: 80, name: http}`,
 * `["a", "b"]`) and comments. This parser reads exactly that subset, line by line, and declines everything else
 * (block scalars, multi-line scalars or flows, `? ` keys, `-` alone on a line, keys that are not strings, YAML-only
 * escapes, tabs, CR, duplicate or special keys), so js-yaml reads it. Anchors, tags and directives never reach it
 * (yaml-fast.ts sends them to the precise path). Plain scalars take go-yaml v2's rules, as in GO_YAML_SCHEMA.
 * Within the subset its values equal js-yaml's and the precise reader's; tests hold it to both.
 */

/**
 * Characters the subset leaves to other readers: tabs, CR, and every character go-yaml reads as a line break (NEL,
 * LS, PS) or refuses (other C0 and C1 controls, DEL, a BOM inside the text, U+FFFE, U+FFFF).
 */
const OUTSIDE_SUBSET = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;

/** go-yaml's keys longer than this are not simple keys; such documents are left to the other readers. */
const MAX_KEY = 1000;

/** YAML's blanks are space and tab only (tabs never get here): JavaScript's trim would also take U+00A0 and others. */
function trimSpacesEnd(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  return end === s.length ? s : s.slice(0, end);
}

function trimSpacesStart(s: string): string {
  let i = 0;
  while (s.charCodeAt(i) === 32) i++;
  return i === 0 ? s : s.slice(i);
}

class Declined extends Error {}
const DECLINED = new Declined();
const decline = (): never => {
  throw DECLINED;
};

interface Line {
  indent: number;
  /** The line after its indentation, never blank, never a whole-line comment. */
  text: string;
}

/** The value of one document's text, or undefined when it is not in the subset (then another reader takes it). */
export function parsePlainBlockYaml(text: string): { value: unknown } | undefined {
  if (OUTSIDE_SUBSET.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    let i = 0;
    while (raw.charCodeAt(i) === 32) i++;
    if (i === raw.length || raw.charCodeAt(i) === 35 /* # */) continue;
    lines.push({ indent: i, text: trimSpacesEnd(raw.slice(i)) });
  }
  if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
  try {
    const p = new Parser(lines);
    const value = p.block(0);
    return p.i === lines.length ? { value } : undefined;
  } catch (err) {
    if (err === DECLINED) return undefined;
    throw err;
  }
}

class Parser {
  i = 0;
  constructor(readonly lines: Line[]) {}

  /** A map or a sequence whose lines start at `indent`. */
  block(indent: number): unknown {
    const line = this.lines[this.i] ?? decline();
    if (line.indent !== indent) decline();
    return isItem(line.text) ? this.seq(indent) : this.map(indent);
  }

  map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.lines[this.i]; line && line.indent >= indent; line = this.lines[this.i]) {
      if (line.indent !== indent || isItem(line.text)) decline();
      const { key, rest } = splitKey(line.text);
      if (Object.prototype.hasOwnProperty.call(out, key)) decline();
      this.i++;
      out[key] = rest === '' ? this.nested(indent) : this.inline(rest, indent);
    }
    return out;
  }

  seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.lines[this.i]; line && line.indent >= indent; line = this.lines[this.i]) {
      if (line.indent !== indent || !isItem(line.text)) break;
      // `- x`: the item is what follows, as if it were a line indented to where it starts.
      let j = 1;
      while (line.text.charCodeAt(j) === 32) j++;
      if (j === line.text.length) decline();
      const rest = line.text.slice(j);
      const col = indent + j;
      if (isItem(rest) || startsWithKey(rest)) {
        this.lines[this.i] = { indent: col, text: rest };
        out.push(this.block(col));
      } else {
        this.i++;
        out.push(this.inline(rest, indent));
      }
    }
    return out;
  }

  /** The value of `key:` with nothing after it: a deeper block, an indentless sequence, or null. */
  nested(indent: number): unknown {
    const next = this.lines[this.i];
    if (!next || next.indent < indent) return null;
    if (next.indent === indent) return isItem(next.text) ? this.seq(indent) : null;
    return this.block(next.indent);
  }

  /** A value on its key's or item's line; a deeper line after it would continue it (a multi-line scalar). */
  inline(text: string, indent: number): unknown {
    const value = inlineValue(text);
    const next = this.lines[this.i];
    if (next && next.indent > indent) decline();
    return value;
  }
}

/** `- x` or `-` alone (declined later); `-x` is a plain scalar. */
function isItem(text: string): boolean {
  return text.charCodeAt(0) === 45 /* - */ && (text.length === 1 || text.charCodeAt(1) === 32);
}

/** Plain keys as Kubernetes writes them: names, label and annotation keys, ports by name. */
const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

function startsWithKey(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c === 91 /* [ */ || c === 123 /* { */) return false;
  if (c === 34 /* " */ || c === 39 /* ' */) {
    const end = quotedEnd(text);
    return end > 0 && text.charCodeAt(end) === 58 /* : */ && (end + 1 === text.length || text.charCodeAt(end + 1) === 32);
  }
  const colon = keyColon(text);
  return colon > 0;
}

/** Where the `:` of a plain key is (followed by a space or the end of the line), or -1. */
function keyColon(text: string): number {
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) if (i + 1 === text.length || text.charCodeAt(i + 1) === 32) return i;
  return -1;
}

function splitKey(text: string): { key: string; rest: string } {
  let key: string;
  let after: number;
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) {
    const end = quotedEnd(text);
    if (end < 0 || text.charCodeAt(end) !== 58) decline();
    key = quotedValue(text.slice(0, end));
    after = end + 1;
  } else {
    const colon = keyColon(text);
    if (colon <= 0) decline();
    key = text.slice(0, colon);
    // A plain key must read as a string (no `on:`, `1:`, `null:`), and not be special to some reader.
    if (!PLAIN_KEY.test(key) || typeof plainScalar(key) !== 'string') decline();
    after = colon + 1;
  }
  if (key === '<<' || key === '__proto__' || after > MAX_KEY) decline();
  if (after < text.length && text.charCodeAt(after) !== 32) decline();
  let rest = trimSpacesStart(text.slice(after));
  if (rest.charCodeAt(0) === 35 /* # */) rest = '';
  return { key, rest };
}

/** After a quoted scalar or a flow collection, only a comment may follow on the line. */
function tailIsComment(text: string, from: number): boolean {
  if (from === text.length) return true;
  if (text.charCodeAt(from) !== 32) return false;
  const t = trimSpacesStart(text.slice(from));
  return t === '' || t.charCodeAt(0) === 35;
}

/** A value written on one line: a quoted scalar, a flow collection or a plain scalar, then perhaps a comment. */
function inlineValue(text: string): unknown {
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) {
    const end = quotedEnd(text);
    if (end < 0 || !tailIsComment(text, end)) decline();
    return quotedValue(text.slice(0, end));
  }
  if (c === 91 /* [ */ || c === 123 /* { */) {
    const f = new Flow(text);
    const v = f.value();
    if (!tailIsComment(text, f.i)) decline();
    return v;
  }
  const hash = text.indexOf(' #');
  const plain = hash < 0 ? text : trimSpacesEnd(text.slice(0, hash));
  // Indicators that start something else (aliases, tags, block scalars, a nested item, a complex key), and
  // `: ` inside or `:` at the end (a second mapping on the line) are left to js-yaml, which reads or refuses them.
  if (/^[?:,\]}&*!|>%@`#]|^-(?:$| )/.test(plain)) decline();
  if (plain.includes(': ') || plain.endsWith(':')) decline();
  return plainScalar(plain);
}

/** The end (one past the closing quote) of a quoted scalar that starts `text`, or -1 when it does not close on the line. */
function quotedEnd(text: string): number {
  const q = text.charCodeAt(0);
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (q === 34 && c === 92 /* \ */) i++;
    else if (c === q) {
      if (q === 39 && text.charCodeAt(i + 1) === 39) i++;
      else return i + 1;
    }
  }
  return -1;
}

const SINGLE_QUOTED = /^'(?:[^'\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]|'')*'$/;

/** A quoted token: double quotes only with the escapes JSON shares with YAML; single quotes with `''`. */
function quotedValue(token: string): string {
  if (token.charCodeAt(0) === 34) {
    if (!JSON_COMPATIBLE_QUOTED.test(token)) decline();
    return JSON.parse(token) as string;
  }
  if (!SINGLE_QUOTED.test(token)) decline();
  return token.slice(1, -1).replace(/''/g, "'");
}

/** go-yaml v2's reading of a plain scalar, in GO_YAML_SCHEMA's order: null, bool, int, float, else the string. */
export function plainScalar(s: string): unknown {
  const c = s[0];
  if (c === undefined) return null;
  if (NULL_FIRST.has(c) && NULL_RE.test(s)) return null;
  if (BOOL_FIRST.has(c)) {
    if (TRUE_RE.test(s)) return true;
    if (FALSE_RE.test(s)) return false;
  }
  if (INT_FIRST.has(c) && GO_INT.test(s)) return parseGoInteger(s);
  if (FLOAT_FIRST.has(c) && (GO_FLOAT.test(s) || FLOAT_SPECIAL.test(s))) return parseGoFloat(s);
  return s;
}

/** A flow collection that opens and closes on one line: `[a, "b", {c: d}]`, `{number: 80, name: http}`. */
class Flow {
  i = 0;
  constructor(readonly text: string) {}

  value(): unknown {
    const c = this.text.charCodeAt(this.i);
    if (c === 91) return this.seq();
    if (c === 123) return this.map();
    if (c === 34 || c === 39) return this.quoted();
    return plainScalar(this.plain());
  }

  seq(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.space();
    if (this.eat(93 /* ] */)) return out;
    for (;;) {
      out.push(this.value());
      this.space();
      // `[a: b]` (a pair inside a sequence) is left to js-yaml.
      if (this.eat(93)) return out;
      if (!this.eat(44 /* , */)) decline();
      this.space();
      if (this.text.charCodeAt(this.i) === 93) decline(); // a trailing comma
    }
  }

  map(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.space();
    if (this.eat(125 /* } */)) return out;
    for (;;) {
      const c = this.text.charCodeAt(this.i);
      let key: string;
      if (c === 34 || c === 39) key = this.quoted();
      else {
        key = this.plain();
        if (!PLAIN_KEY.test(key) || typeof plainScalar(key) !== 'string') decline();
      }
      if (key === '<<' || key === '__proto__' || key.length > MAX_KEY || Object.prototype.hasOwnProperty.call(out, key)) decline();
      if (!this.eat(58 /* : */) || this.text.charCodeAt(this.i) !== 32) decline();
      this.space();
      const v = this.text.charCodeAt(this.i);
      if (v === 44 || v === 125) decline(); // `{a: }`: an empty value
      out[key] = this.value();
      this.space();
      if (this.eat(125)) return out;
      if (!this.eat(44)) decline();
      this.space();
      if (this.text.charCodeAt(this.i) === 125) decline();
    }
  }

  quoted(): string {
    const rest = this.text.slice(this.i);
    const end = quotedEnd(rest);
    if (end < 0) decline();
    this.i += end;
    return quotedValue(rest.slice(0, end));
  }

  /**
   * A plain scalar inside a flow: up to `,`, `[`, `]`, `{`, `}` or `: `; never empty, never a comment. go-yaml ends
   * a flow plain scalar at `?` and reads `?` or `:` at a token's start as an indicator, so both are declined.
   */
  plain(): string {
    const start = this.i;
    const t = this.text;
    for (; this.i < t.length; this.i++) {
      const c = t.charCodeAt(this.i);
      if (c === 44 || c === 91 || c === 93 || c === 123 || c === 125) break;
      if (c === 58 && (this.i + 1 === t.length || t.charCodeAt(this.i + 1) === 32 || t.charCodeAt(this.i + 1) === 44)) break;
      if (c === 35 && t.charCodeAt(this.i - 1) === 32) decline();
      if (c === 63 /* ? */) decline();
    }
    const s = trimSpacesEnd(t.slice(start, this.i));
    if (s === '' || /^[?:]|^-[ ,[\]{}]|^-$|^[&*!|>%@`#'"]/.test(s)) decline();
    return s;
  }

  space(): void {
    while (this.text.charCodeAt(this.i) === 32) this.i++;
  }

  eat(c: number): boolean {
    if (this.text.charCodeAt(this.i) !== c) return false;
    this.i++;
    return true;
  }
}
