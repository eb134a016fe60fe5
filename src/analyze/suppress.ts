// Suppressions: the `meshferry.dev/suppress` annotation on an object, and `--suppress NAME=Kind ns/name` on the command line.
import { closestWord } from '../closest-word.js';
import { UsageError } from '../errors.js';
import { displayKind, resolveKindWord } from '../resources/kinds.js';
import type { KubeObject } from '../resources/object.js';
import { CATALOG, RETIRED_CODES } from './messages.gen.js';

/** Comma-separated message names or codes (or `*`) that are not reported for the annotated object. */
export const SUPPRESS_ANNOTATION = 'meshferry.dev/suppress';

export interface Suppression {
  /** A message name, a code, or `*`. */
  check: string;
  /** Matches a finding's origin (`Kind ns/name`); `*` globs within the name parts. */
  origin: RegExp;
  text: string;
}

function globToRegExp(glob: string): string {
  return glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
}

/** Parses `NAME=Kind ns/name` (or `NAME=Kind name` for cluster-scoped kinds); `*` globs in the names. */
export function parseSuppression(text: string): Suppression {
  const eq = text.indexOf('=');
  const usage = `--suppress takes NAME=Kind namespace/name (for example ReferencedResourceNotFound=VirtualService default/reviews), got "${text}"`;
  if (eq <= 0) throw new UsageError(usage);
  const check = text.slice(0, eq).trim();
  const target = text.slice(eq + 1).trim();
  const space = target.indexOf(' ');
  if (!check || space <= 0) throw new UsageError(usage);
  checkName(check, text);
  const kindWord = target.slice(0, space);
  const name = target.slice(space + 1).trim();
  if (!name) throw new UsageError(usage);
  let kind = '.*';
  if (kindWord !== '*') {
    const info = resolveKindWord(kindWord);
    if (!info) throw new UsageError(`--suppress "${text}": unknown kind ${kindWord}`);
    kind = globToRegExp(displayKind(info));
  }
  return { check, origin: new RegExp(`^${kind} ${globToRegExp(name)}$`), text };
}

/** A suppression naming no check would silently suppress nothing, so an unknown name is a usage error. */
function checkName(check: string, text: string): void {
  if (check === '*') return;
  const types = Object.values(CATALOG);
  if (types.some((m) => m.code === check || m.name.toLowerCase() === check.toLowerCase())) return;
  if (RETIRED_CODES.includes(check)) throw new UsageError(`--suppress "${text}": the check ${check} is retired; nothing reports it any more`);
  const guess = closestWord(check, /^MF\d+$/i.test(check) ? types.map((m) => m.code) : types.map((m) => m.name));
  throw new UsageError(
    `--suppress "${text}": unknown check "${check}"${guess ? ` (did you mean ${guess}?)` : ''}; checks are message names or codes, as \`meshferry analyze --list-checks\` prints them, or *`,
  );
}

function matchesCheck(token: string, name: string, code: string): boolean {
  const t = token.trim();
  return t === '*' || t === code || t.toLowerCase() === name.toLowerCase();
}

/** True when the object's annotation or a command-line suppression silences this finding. */
export function isSuppressed(
  finding: { name: string; code: string; origin: string },
  object: KubeObject | undefined,
  suppressions: readonly Suppression[],
): boolean {
  const anno = object?.metadata.annotations?.[SUPPRESS_ANNOTATION];
  if (anno && anno.split(',').some((t) => matchesCheck(t, finding.name, finding.code))) return true;
  return suppressions.some((s) => matchesCheck(s.check, finding.name, finding.code) && s.origin.test(finding.origin));
}
