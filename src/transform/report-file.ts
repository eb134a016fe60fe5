// Writes the change report piece by piece: a million changes never become one string, one call or one stack frame.
import { InputError, isErrnoException } from '../errors.js';
import { writeFileAtomic } from '../resources/atomic-write.js';
import type { TransformReport } from './report.js';

/** Indents every line after the first by `pad` (JSON.stringify's nesting, done piecewise). */
function indent(json: string, pad: string): string {
  return json.replace(/\n/g, `\n${pad}`);
}

/**
 * The report as JSON.stringify(report, null, 2) would print it, plus a final newline, in pieces: the lists of
 * changes and notifications are written one item at a time.
 */
export function* transformReportJson(report: TransformReport): Generator<string> {
  const entries = Object.entries(report);
  yield '{\n';
  for (let e = 0; e < entries.length; e++) {
    const [key, value] = entries[e]!;
    yield `  ${JSON.stringify(key)}: `;
    if (Array.isArray(value) && value.length > 0) {
      yield '[\n';
      for (let i = 0; i < value.length; i++) yield `    ${indent(JSON.stringify(value[i], null, 2), '    ')}${i < value.length - 1 ? ',\n' : '\n'}`;
      yield '  ]';
    } else yield indent(JSON.stringify(value, null, 2), '  ');
    yield e < entries.length - 1 ? ',\n' : '\n';
  }
  yield '}\n';
}

/**
 * Writes the `--report` file with the one atomic writer (temp file beside it, then rename; mode 0600, as the report
 * holds cluster data; a device, pipe or symlink is written through, not replaced), piece by piece.
 */
export async function writeTransformReportFile(file: string, report: TransformReport): Promise<void> {
  try {
    await writeFileAtomic(file, transformReportJson(report));
  } catch (err) {
    const cause = err instanceof InputError ? err.cause : err;
    if (isErrnoException(cause)) throw new InputError(`cannot write the change report ${file}: ${cause.code ?? ''} ${cause.message.replace(/^[A-Z]+: /, '')}`.replace(/  +/g, ' '), { code: 'ReportWrite', cause });
    throw err;
  }
}

/** Characters gathered before one write to a stream: few system calls, bounded memory. */
const CHUNK = 1 << 20;

/** Writes one line per item to `stream` in large chunks, waiting whenever the stream asks for it (a slow pipe). */
export async function writeLines<T>(stream: NodeJS.WritableStream, items: Iterable<T>, format: (item: T) => string): Promise<void> {
  let buffer = '';
  const flush = async (): Promise<void> => {
    const ok = stream.write(buffer);
    buffer = '';
    if (!ok) await new Promise<void>((resolve) => stream.once('drain', resolve));
  };
  for (const item of items) {
    buffer += `${format(item)}\n`;
    if (buffer.length >= CHUNK) await flush();
  }
  if (buffer) await flush();
}
