// Server and plugin text is printed without control characters.
import { describe, expect, test } from 'vitest';
import { sanitizeTerminalText } from './terminal-text.js';

describe('sanitizeTerminalText', () => {
  test.each([
    ['plain text', 'plain text'],
    ['red \x1b[31mALERT\x1b[0m', 'red \\x1b[31mALERT\\x1b[0m'],
    ['title \x1b]0;pwned\x07', 'title \\x1b]0;pwned\\x07'],
    ['8-bit csi \x9b2J', '8-bit csi \\x9b2J'],
    ['bell\x07 and del\x7f', 'bell\\x07 and del\\x7f'],
    ['carriage\rreturn', 'carriage\\x0dreturn'],
    ['bidi \u202egnp.exe', 'bidi \\u202egnp.exe'],
    ['line\u2028separator\u2029paragraph', 'line\\u2028separator\\u2029paragraph'],
    ['marks \u200e\u200f\u061c', 'marks \\u200e\\u200f\\u061c'],
    ['keeps\nnewline\tand tab', 'keeps\nnewline\tand tab'],
    ['unicode ünïcødé 日本', 'unicode ünïcødé 日本'],
  ])('%j', (input, want) => expect(sanitizeTerminalText(input)).toBe(want));

  test('oneLine folds newlines and tabs', () => {
    expect(sanitizeTerminalText('a\nb\tc', { oneLine: true })).toBe('a b c');
  });
});
