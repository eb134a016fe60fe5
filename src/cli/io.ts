// Terminal I/O shared by commands: data to stdout, logs to stderr, colour only on a TTY.
import { UsageError } from '../errors.js';

export type OutputFormat = 'table' | 'yaml' | 'json';

/** Writes data to stdout, respecting back-pressure (large outputs piped to `head` must not crash). */
export async function writeStdout(text: string): Promise<void> {
  if (text === '') return;
  await new Promise<void>((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

const useColor = (): boolean => Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
const paint = (code: string, s: string): string => (useColor() ? `\x1b[${code}m${s}\x1b[0m` : s);
export const style = {
  red: (s: string) => paint('31', s),
  yellow: (s: string) => paint('33', s),
  green: (s: string) => paint('32', s),
  dim: (s: string) => paint('2', s),
  bold: (s: string) => paint('1', s),
};

/** Progress and notes for people: stderr, never stdout. */
export const log = {
  quiet: false,
  info(msg: string): void {
    if (!this.quiet) process.stderr.write(`${msg}\n`);
  },
  warn(msg: string): void {
    process.stderr.write(`${style.yellow('warning:')} ${msg}\n`);
  },
};

/** A simple aligned table, kubectl style (upper-case headers, two spaces between columns). */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n';
}

/** Parses a comma-separated list flag (`--kinds a,b`), repeatable. */
export function collectList(value: string, previous: string[] = []): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`expected a comma-separated list, got "${value}"`);
  return [...previous, ...items];
}

/** Parses a positive integer flag. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`expected a positive whole number, got "${value}"`);
  return n;
}
