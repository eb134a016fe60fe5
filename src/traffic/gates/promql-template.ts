// Fills `{{ namespace }}`, `{{ workload }}`, `{{ interval }}` into PromQL so that no value can change the query's shape.
import { closestWord } from '../../closest-word.js';
import { InputError } from '../../errors.js';
import type { SourcePosition } from '../../errors.js';

/** The values a check query may use. `reporter` is what the built-in templates filter on. */
export interface TemplateValues {
  namespace?: string;
  workload?: string;
  /** A PromQL duration such as `1m` or `30s`. */
  interval?: string;
  reporter?: string;
}

type Placeholder = keyof TemplateValues;
const LABEL_VALUE_PLACEHOLDERS: readonly Placeholder[] = ['namespace', 'workload', 'reporter'];
const PLACEHOLDERS: readonly Placeholder[] = [...LABEL_VALUE_PLACEHOLDERS, 'interval'];

// PromQL durations: one or more <number><unit> (prometheus/common model.ParseDuration).
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
// Characters that pass through unchanged; everything else is written as an escape the PromQL lexer decodes
// back to the same character, so no value can end the string it sits in, whichever quote opened it.
const PLAIN = /[A-Za-z0-9_\-.:/]/;
// RE2 metacharacters: a `.` in a workload name must not match any character under `=~`.
const REGEX_META = /[\\.+*?()|[\]{}^$]/;

function escapeForString(c: string): string {
  if (PLAIN.test(c)) return c;
  const cp = c.codePointAt(0)!;
  // \x is one byte in Go's unquoting, so it only fits ASCII; higher code points need \u or \U to stay UTF-8.
  if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/**
 * Escapes a label value for the inside of a PromQL string literal (double or single quotes). With `regex`, the
 * value is also escaped for RE2, so that `=~"{{ workload }}"` matches the name literally.
 */
export function escapePromqlLabelValue(value: string, opts: { regex?: boolean } = {}): string {
  let out = '';
  for (const c of value) {
    if (opts.regex && REGEX_META.test(c)) out += `\\\\${escapeForString(c)}`;
    else out += escapeForString(c);
  }
  return out;
}

export interface RenderOptions {
  /** Where the query came from, for error messages (the check's field path and file position). */
  fieldPath?: string;
  position?: SourcePosition;
}

/**
 * Renders a check query. Label-value placeholders must sit inside a quoted string (`namespace="{{ namespace }}"`)
 * and `{{ interval }}` outside one (`[{{ interval }}]`); anything else is refused, so a value never becomes PromQL
 * syntax. Unknown placeholders and missing values are input errors.
 */
export function renderPromqlTemplate(template: string, values: TemplateValues, opts: RenderOptions = {}): string {
  const fail = (message: string): never => {
    throw new InputError(message, { ...(opts.position ? { position: opts.position } : {}), ...(opts.fieldPath ? { fieldPath: opts.fieldPath } : {}) });
  };
  let out = '';
  let quote: '"' | "'" | '`' | undefined;
  let stringIsRegex = false;
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (template.startsWith('{{', i)) {
      const end = template.indexOf('}}', i + 2);
      if (end < 0) fail(`unclosed "{{" at character ${i + 1} of the query`);
      const name = template.slice(i + 2, end).trim();
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
        const near = closestWord(name, PLACEHOLDERS);
        fail(`unknown placeholder "{{ ${name} }}"${near ? ` (did you mean "{{ ${near} }}"?)` : ''}; known: ${PLACEHOLDERS.map((p) => `{{ ${p} }}`).join(', ')}`);
      }
      const key = name as Placeholder;
      const value = values[key];
      if (value === undefined) fail(`the query uses "{{ ${key} }}", which has no value here`);
      if (key === 'interval') {
        if (quote !== undefined) fail('"{{ interval }}" must not be inside a quoted string; write e.g. rate(x[{{ interval }}])');
        if (!DURATION.test(value!)) fail(`interval "${escapePromqlLabelValue(value!)}" is not a PromQL duration such as 1m or 30s`);
        out += value;
      } else {
        if (quote === undefined) fail(`"{{ ${key} }}" must be inside a quoted label value, e.g. label="{{ ${key} }}"`);
        if (quote === '`') fail(`"{{ ${key} }}" cannot be escaped inside a \`raw string\`; use double quotes`);
        out += escapePromqlLabelValue(value!, { regex: stringIsRegex });
      }
      i = end + 2;
      continue;
    }
    if (quote === undefined) {
      if (c === '#') {
        // A comment runs to the end of the line; placeholders in it stay as written.
        const nl = template.indexOf('\n', i);
        const stop = nl < 0 ? template.length : nl;
        out += template.slice(i, stop);
        i = stop;
        continue;
      }
      if (c === '"' || c === "'" || c === '`') {
        quote = c;
        stringIsRegex = /[=!]~\s*$/.test(template.slice(0, i));
      }
      out += c;
      i++;
      continue;
    }
    if (c === '\\' && quote !== '`' && i + 1 < template.length) {
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === quote) quote = undefined;
    out += c;
    i++;
  }
  if (quote !== undefined) fail(`the query has an unterminated ${quote} string`);
  return out;
}
