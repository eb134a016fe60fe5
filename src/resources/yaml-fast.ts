// Fast path for reading Kubernetes YAML: js-yaml with go-yaml v2's scalar rules, positions computed on demand.
import jsyaml from 'js-yaml';

/**
 * The `yaml` library keeps a full syntax tree with positions; on thousands of objects that is most of a run.
 * Most input is plain (no anchors, no tags, no directives), so it is loaded with js-yaml instead, with the
 * scalar rules of go-yaml v2 (what kubectl uses), and positions are worked out only when someone asks.
 * Anything unusual returns undefined, and the caller takes the precise path, which also gives the errors.
 */

const { Type, FAILSAFE_SCHEMA } = jsyaml;

const NULL_RE = /^(?:~|null|Null|NULL)?$/;
const TRUE_RE = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const FALSE_RE = /^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const INT_BIN = /^[-+]?0b[0-1_]+$/;
const INT_OCT = /^[-+]?0[0-7_]+$/;
const INT_DEC = /^[-+]?[0-9][0-9_]*$/;
const INT_HEX = /^[-+]?0x[0-9a-fA-F_]+$/;
/** Exactly the float patterns of yaml-options.ts (go-yaml v2 needs a digit: a lone "." is a string). */
const FLOAT_EXP = /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/;
const FLOAT_PLAIN = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

function parseInteger(s: string): number {
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[-+]/, '').replace(/_/g, '');
  if (body.startsWith('0b')) return sign * parseInt(body.slice(2), 2);
  if (body.startsWith('0x')) return sign * parseInt(body.slice(2), 16);
  if (INT_OCT.test(s)) return sign * parseInt(body.slice(1), 8);
  return sign * Number(body);
}

function parseFloatText(s: string): number {
  if (FLOAT_SPECIAL.test(s)) return /nan/i.test(s) ? NaN : s.startsWith('-') ? -Infinity : Infinity;
  return Number(s.replace(/_/g, ''));
}

const scalar = (tag: string, test: (s: string) => boolean, construct: (s: string) => unknown) =>
  new Type(tag, { kind: 'scalar', resolve: (d: string | null) => test(d ?? ''), construct: (d: string | null) => construct(d ?? '') });

/** go-yaml v2 (sigs.k8s.io/yaml) scalar resolution, minus timestamps and sexagesimal numbers, which it leaves as strings. */
export const GO_YAML_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('tag:yaml.org,2002:null', (s) => NULL_RE.test(s), () => null),
    scalar('tag:yaml.org,2002:bool', (s) => TRUE_RE.test(s) || FALSE_RE.test(s), (s) => TRUE_RE.test(s)),
    scalar('tag:yaml.org,2002:int', (s) => INT_BIN.test(s) || INT_OCT.test(s) || INT_DEC.test(s) || INT_HEX.test(s), parseInteger),
    scalar('tag:yaml.org,2002:float', (s) => FLOAT_EXP.test(s) || FLOAT_PLAIN.test(s) || FLOAT_SPECIAL.test(s), parseFloatText),
  ],
});

/** One document of a stream: its value, its text and where that text starts. */
export interface FastDocument {
  value: unknown;
  /** The document's text (from the line after its `---`). */
  text: string;
  /** 0-based offset of `text` in the whole stream, and its 1-based first line. */
  offset: number;
  firstLine: number;
  /** 1-based line of the document's first content (after blank and comment lines), undefined when empty. */
  contentLine: number | undefined;
}

/** Anchors, aliases, tags and directives need the precise path (alias bombs, merge keys, explicit types). */
const NEEDS_PRECISE = /(?:^|[\s,[{:-])[&*!][^\s,[\]{}]|^%|^\t|^(?:---|\.\.\.)[ \t]+\S/m;
const MARKER = /^(?:---|\.\.\.)(?=[ \t]*(?:\r?\n|$))/gm;

/**
 * Loads every document of a stream, or returns undefined when the text needs the precise path: syntax
 * errors (for their positions), duplicate keys, anchors/aliases, tags, directives or content on a `---` line.
 */
export function loadStreamFast(text: string): FastDocument[] | undefined {
  if (NEEDS_PRECISE.test(text)) return undefined;
  const docs: FastDocument[] = [];
  let start = 0;
  let line = 1;
  const push = (end: number) => {
    const body = text.slice(start, end);
    let value: unknown;
    try {
      value = jsyaml.load(body, { schema: GO_YAML_SCHEMA, json: false });
    } catch {
      return false;
    }
    docs.push({ value, text: body, offset: start, firstLine: line, contentLine: firstContentLine(body, line) });
    return true;
  };
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(text); m; m = MARKER.exec(text)) {
    if (!push(m.index)) return undefined;
    const nl = text.indexOf('\n', m.index);
    const next = nl < 0 ? text.length : nl + 1;
    line += countLines(text, start, next);
    start = next;
  }
  if (!push(text.length)) return undefined;
  return docs;
}

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function firstContentLine(body: string, firstLine: number): number | undefined {
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t !== '' && !t.startsWith('#')) return firstLine + i;
  }
  return undefined;
}
