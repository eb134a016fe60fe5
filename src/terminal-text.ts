// Text that came from outside (an API server, a credential plugin, a file) made safe to print on a terminal.

// C0 controls except tab and newline, DEL, C1 controls (0x80-0x9f, which include the 8-bit CSI), the Unicode
// line and paragraph separators, and the bidirectional marks and overrides that can make a line read
// differently from what it holds.
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Replaces every control character (escape sequences included) with a visible `\xNN` / `\uNNNN` form, so that
 * a server or plugin cannot move the cursor, recolour, retitle or rewrite the user's terminal. Newlines and tabs
 * are kept unless `oneLine` is set, in which case they become spaces.
 */
export function sanitizeTerminalText(text: string, opts: { oneLine?: boolean } = {}): string {
  const safe = text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return opts.oneLine ? safe.replace(/[\r\n\t]+/g, ' ') : safe;
}
