// The scalar rules of Kubernetes YAML in one place: how go-yaml v2 reads a plain scalar, and when a string may be written plain.

/*
 * Reading follows go-yaml v2 (sigs.k8s.io/yaml, what kubectl uses; kubernetes/kubernetes
 * vendor/sigs.k8s.io/yaml/goyaml.v2, a fork of go-yaml v2.4.0, resolve.go): YAML 1.1 booleans and nulls,
 * integers in bases 2, 8, 10 and 16, and floats that need a digit (a lone `.` is a string, so Istio's
 * `exportTo: [.]` stays "."). Timestamps and sexagesimal numbers are left as strings, as go-yaml leaves them
 * when it decodes into JSON data. Both readers (js-yaml in yaml-fast.ts, the `yaml` library in yaml-options.ts)
 * take their patterns from here.
 */
export const NULL_RE = /^(?:~|null|Null|NULL)?$/;
export const TRUE_RE = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
export const FALSE_RE = /^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/;
/*
 * go-yaml v2 tries a plain scalar that starts with a digit or a sign as a number: `_` removed, then Go's
 * strconv.ParseInt(s, 0, 64) (so `0x1F`, `0X1F`, `0o17`, `0O17`, `0b101`, `0B101` and `017` are integers), then
 * its float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`; one that starts with `.` only as Go's
 * ParseFloat reads it, with no `_` (go.yaml.in/yaml/v2 v2.4.2 resolve.go, `resolve`). Anything else is a string:
 * `e3` is not a float, since no digit comes before its exponent.
 */
/** go-yaml v2's floats (see above): a digit always comes before any exponent, so a lone "." and "e3" are strings. */
export const GO_FLOAT =
  /^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9_]*[0-9][0-9_]*)?|[-+]\.[0-9_]*[0-9][0-9_]*(?:[eE][-+]?[0-9_]*[0-9][0-9_]*)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?)$/;
/** Every integer go-yaml v2 reads, in one pattern (decimal and `0`-led octal share the last branch). */
export const GO_INT = /^[-+]?(?:0[bB][01_]*[01][01_]*|0[xX][0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*|0[oO][0-7_]*[0-7][0-7_]*|[0-9][0-9_]*)$/;

/** The value of an integer that matched GO_INT, as go-yaml v2 reads it. */
export function parseGoInteger(s: string): number {
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[-+]/, '').replace(/_/g, '');
  const prefix = body.slice(0, 2).toLowerCase();
  if (prefix === '0b') return sign * parseInt(body.slice(2), 2);
  if (prefix === '0x') return sign * parseInt(body.slice(2), 16);
  if (prefix === '0o') return sign * parseInt(body.slice(2), 8);
  if (/^0[0-7]+$/.test(body)) return sign * parseInt(body.slice(1), 8);
  return sign * Number(body);
}
export const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** The value of a float that matched GO_FLOAT or FLOAT_SPECIAL. */
export function parseGoFloat(s: string): number {
  if (FLOAT_SPECIAL.test(s)) return /nan/i.test(s) ? NaN : s.startsWith('-') ? -Infinity : Infinity;
  return Number(s.replace(/_/g, ''));
}

/*
 * First characters that can start each kind of non-string plain scalar: a reader tries a pattern only after its
 * gate admits the first character (names, hosts and paths, most plain scalars, are settled by one set lookup).
 */
export const NULL_FIRST: ReadonlySet<string> = new Set('~nN');
export const BOOL_FIRST: ReadonlySet<string> = new Set('yYnNtTfFoO');
export const INT_FIRST: ReadonlySet<string> = new Set('0123456789+-');
export const FLOAT_FIRST: ReadonlySet<string> = new Set('0123456789+-.');

/**
 * A double-quoted scalar whose escapes JSON and go-yaml v2 read alike, so JSON.parse gives its value: no YAML-only
 * escape (\x, \e, \N, ...), no `\/` (YAML 1.1 has none) and no `\u` of a surrogate half (go-yaml refuses them).
 */
export const JSON_COMPATIBLE_QUOTED = /^"(?:[^"\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]|\\["\\bfnrt]|\\u(?![dD][89abAB])[0-9a-fA-F]{4})*"$/;

/*
 * Writing is stricter than any one reader: a string is written plain only when no YAML 1.1 or 1.2 reader
 * (go-yaml v2 and v3, libyaml/PyYAML, js-yaml, the `yaml` library, a reader that follows the 1.1 spec's own
 * regular expressions) could take it for anything but that string. Everything else is double-quoted. The
 * rule is built to be right by construction, not to match one reader: when in doubt, quote.
 *
 * - Only letters, digits, space and `_ . / - : = +` may appear; no indicator, comment or flow character.
 * - It starts with a letter, `_` or `/` (never a digit, sign or dot: numbers in every base and form,
 *   timestamps, sexagesimals, `.inf` and `.nan` all start with one of those), except for words that begin
 *   with a digit but hold a letter no number or timestamp can hold (`5s`, `1h30m`, `3rd-party`, `10.0.0.0/8`).
 * - It is not a YAML 1.1 boolean or null in any letter case (`y`, `No`, `oFF`, `null`, `~`).
 * - No leading or trailing space, no `: ` or trailing `:` (a mapping key), no ` #` (a comment).
 */
const PLAIN_CHARS = /^[A-Za-z0-9_./ :=+-]+$/;
const PLAIN_START = /^[A-Za-z_/]/;
/** The common case: a letter, `_` or `/` first, then only letters, digits and `_ . / -` (a subset of the rule). */
const IDENTIFIER = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const EXPONENT_ONLY = /^[eE][-+]?[0-9]/;
const ANY_CASE_WORDS = /^(?:y|n|yes|no|true|false|on|off|null)$/i;
/**
 * Characters that numbers and timestamps of any schema are made of (digits, signs, dots, `_`, `:`, the letters
 * of hex digits, exponents, base prefixes and the `t`/`z` of timestamps). A digit-led word with a letter outside
 * this set (`3rd-party`, `10gb`) cannot be one.
 */
const NUMBERISH = /^[0-9a-fA-F_.:+\- xXoObBeEtTzZ]*$/;

/** Whether a string can be written as a plain YAML scalar and still be read back as that string by every reader. */
export function isPlainSafe(s: string): boolean {
  // The `yaml` library's 1.1 float pattern makes the digits before an exponent optional: it reads `e3` as NaN.
  if (EXPONENT_ONLY.test(s)) return false;
  // Most strings in Kubernetes objects are identifiers, hosts and paths: settle them with one pattern.
  if (IDENTIFIER.test(s)) return s.length > 5 || !ANY_CASE_WORDS.test(s);
  if (s === '' || !PLAIN_CHARS.test(s)) return false;
  if (s.startsWith(' ') || s.endsWith(' ') || s.endsWith(':') || s.includes(': ') || s.includes('  ')) return false;
  if (PLAIN_START.test(s)) return !ANY_CASE_WORDS.test(s);
  if (!/^[0-9]/.test(s)) return false; // a sign, dot, space, colon or `=` first: quote
  return !NUMBERISH.test(s) && !s.includes(' ') && !s.includes(':') && !s.includes('+');
}

/**
 * A double-quoted YAML scalar. JSON's escapes are all valid YAML escapes; beyond them, characters YAML
 * treats as line breaks (U+0085, U+2028, U+2029) or does not allow unescaped (DEL, C1 controls, BOM,
 * U+FFFE/U+FFFF) are escaped too, so a reader cannot fold or reject them.
 */
export function doubleQuoted(s: string): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
