// Fast path for reading Kubernetes YAML: js-yaml with go-yaml v2's scalar rules, positions computed on demand.
import jsyaml from 'js-yaml';
import { parsePlainBlockYaml } from './yaml-lines.js';
import { BOOL_FIRST, FALSE_RE, FLOAT_FIRST, FLOAT_SPECIAL, GO_FLOAT, GO_INT, INT_FIRST, NULL_FIRST, NULL_RE, TRUE_RE, parseGoFloat, parseGoInteger } from './yaml-scalars.js';

/**
 * The `yaml` library keeps a full syntax tree with positions; on thousands of objects that is most of a run.
 * Most input is plain (no anchors, no tags, no directives), so it is loaded with js-yaml instead, with the
 * scalar rules of go-yaml v2 (what kubectl uses), and positions are worked out only when someone asks.
 * Anything unusual returns undefined, and the caller takes the precise path, which also gives the errors.
 */

const { Type, FAILSAFE_SCHEMA } = jsyaml;

const scalar = (tag: string, test: (s: string) => boolean, construct: (s: string) => unknown) =>
  new Type(tag, { kind: 'scalar', resolve: (d: string | null) => test(d ?? ''), construct: (d: string | null) => construct(d ?? '') });

/** go-yaml v2 (sigs.k8s.io/yaml) scalar resolution, minus timestamps and sexagesimal numbers, which it leaves as strings. */
export const GO_YAML_SCHEMA = FAILSAFE_SCHEMA.extend({
  // js-yaml tries every implicit type on every plain scalar; a look at the first character settles most of them
  // (names, hosts, paths) before any pattern runs. Each gate only admits what its pattern could match.
  implicit: [
    scalar('tag:yaml.org,2002:null', (s) => (s === '' || NULL_FIRST.has(s[0]!)) && NULL_RE.test(s), () => null),
    scalar('tag:yaml.org,2002:bool', (s) => BOOL_FIRST.has(s[0]!) && (TRUE_RE.test(s) || FALSE_RE.test(s)), (s) => TRUE_RE.test(s)),
    scalar('tag:yaml.org,2002:int', (s) => INT_FIRST.has(s[0]!) && GO_INT.test(s), parseGoInteger),
    scalar('tag:yaml.org,2002:float', (s) => FLOAT_FIRST.has(s[0]!) && (GO_FLOAT.test(s) || FLOAT_SPECIAL.test(s)), parseGoFloat),
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
      // Hand-written block YAML is read line by line; anything outside that subset by js-yaml.
      const plain = parsePlainBlockYaml(body);
      value = plain ? plain.value : jsyaml.load(body, { schema: GO_YAML_SCHEMA, json: false });
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
  // Line by line without splitting the whole body: the first content line is almost always the first line.
  let line = firstLine;
  for (let start = 0; start < body.length; line++) {
    const nl = body.indexOf('\n', start);
    const end = nl < 0 ? body.length : nl;
    const t = body.slice(start, end).trim();
    if (t !== '' && !t.startsWith('#')) return line;
    if (nl < 0) break;
    start = nl + 1;
  }
  return undefined;
}
