// Templating of check queries: values land only inside strings (escaped) or as a checked duration.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import { escapePromqlLabelValue, renderPromqlTemplate } from './promql-template.js';

const values = { namespace: 'shop', workload: 'cart-v2', interval: '1m', reporter: 'destination' };

describe('escapePromqlLabelValue', () => {
  it.each([
    ['plain names pass through', 'cart-v2.prod', {}, 'cart-v2.prod'],
    ['a double quote cannot end the string', 'a"b', {}, 'a\\x22b'],
    ['a single quote cannot end a single-quoted string', "a'b", {}, 'a\\x27b'],
    ['a backslash cannot start an escape', 'a\\b', {}, 'a\\x5cb'],
    ['a newline and a brace are escaped', 'a\n}', {}, 'a\\x0a\\x7d'],
    ['non-ASCII keeps its code point (\\u, not a \\x byte)', 'é😀', {}, '\\u00e9\\U0001f600'],
    ['in a regex, a dot matches only a dot', 'a.b', { regex: true }, 'a\\\\.b'],
    ['in a regex, a quote stays escaped for the string', 'a"(', { regex: true }, 'a\\x22\\\\\\x28'],
  ])('%s', (_why, input, opts, want) => {
    expect(escapePromqlLabelValue(input, opts)).toBe(want);
  });
});

describe('renderPromqlTemplate', () => {
  it.each([
    ['fills every placeholder', 'sum(rate(x{ns="{{ namespace }}",w="{{workload}}"}[{{ interval }}]))', values, 'sum(rate(x{ns="shop",w="cart-v2"}[1m]))'],
    ['single-quoted strings work too', "x{w='{{ workload }}'}", values, "x{w='cart-v2'}"],
    ['a regex matcher escapes regex syntax', 'x{w=~"{{ workload }}"}', { ...values, workload: 'a.b' }, 'x{w=~"a\\\\.b"}'],
    ['a regex matcher with spaces before the string', 'x{w !~ "{{ workload }}"}', { ...values, workload: 'a.b' }, 'x{w !~ "a\\\\.b"}'],
    ['an exact matcher does not escape regex syntax', 'x{w="{{ workload }}"}', { ...values, workload: 'a.b' }, 'x{w="a.b"}'],
    [
      'a hostile workload stays inside its string',
      'sum(x{w="{{ workload }}"})',
      { ...values, workload: '"} or vector(1) #' },
      'sum(x{w="\\x22\\x7d\\x20or\\x20vector\\x281\\x29\\x20\\x23"})',
    ],
    ['escaped quotes in the template do not end the string', 'x{a="q\\"{{ workload }}"}', values, 'x{a="q\\"cart-v2"}'],
    ['placeholders in a comment stay as written', 'x # {{ bogus }}\n', values, 'x # {{ bogus }}\n'],
    ['compound durations are accepted', 'rate(x[{{ interval }}])', { ...values, interval: '1m30s' }, 'rate(x[1m30s])'],
  ])('%s', (_why, template, vals, want) => {
    expect(renderPromqlTemplate(template, vals)).toBe(want);
  });

  it.each([
    ['an unknown placeholder, with a suggestion', 'x{w="{{ workloads }}"}', values, /unknown placeholder "\{\{ workloads \}\}" \(did you mean "\{\{ workload \}\}"\?\)/],
    ['a label placeholder outside quotes', 'x{w={{ workload }}}', values, /must be inside a quoted label value/],
    ['a label placeholder in a raw string', 'x{w=`{{ workload }}`}', values, /cannot be escaped inside a `raw string`/],
    ['the interval inside quotes', 'x{w="{{ interval }}"}', values, /must not be inside a quoted string/],
    ['an interval that is not a duration', 'rate(x[{{ interval }}])', { ...values, interval: '1m] or vector(1) [1m' }, /is not a PromQL duration/],
    ['a placeholder without a value', 'x{w="{{ workload }}"}', { namespace: 'shop' }, /uses "\{\{ workload \}\}", which has no value here/],
    ['an unclosed placeholder', 'x{w="{{ workload"}', values, /unclosed "\{\{"/],
    ['an unterminated string', 'x{w="{{ workload }}}', values, /unterminated " string/],
  ])('refuses %s', (_why, template, vals, want) => {
    expect(() => renderPromqlTemplate(template, vals)).toThrow(want);
  });

  it('names the field and file position in its errors', () => {
    let caught: unknown;
    try {
      renderPromqlTemplate('x{w={{ workload }}}', values, { fieldPath: 'spec.gates.checks[2].query', position: { file: 'shift.yaml', line: 14 } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).message).toMatch(/^shift\.yaml:14: .*\(at spec\.gates\.checks\[2\]\.query\)$/);
    expect((caught as InputError).exitCode).toBe(2);
  });
});
