// Typed errors: every failure a user can see carries a stable code, an exit code and its cause.

/** Exit codes of the command-line contract (design.md). */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  cluster: 3,
  /** A bug in meshferry (EX_SOFTWARE of sysexits.h): not the user's input, not the cluster. */
  bug: 70,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Where in a file a problem sits; line and column are 1-based. */
export interface SourcePosition {
  file: string;
  line?: number;
  column?: number;
}

export interface MeshferryErrorOptions {
  cause?: unknown;
  exitCode?: ExitCodeValue;
}

/** Base class: `code` is stable (scripts may match on it), `exitCode` follows the CLI contract. */
export class MeshferryError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  constructor(code: string, message: string, options: MeshferryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.usage;
  }
}

/** Formats `file:line:column` (omitting what is unknown). */
export function formatPosition(pos: SourcePosition): string {
  let s = pos.file;
  if (pos.line !== undefined) {
    s += `:${pos.line}`;
    if (pos.column !== undefined) s += `:${pos.column}`;
  }
  return s;
}

/** Bad input: a file, a document or a field that cannot be used. Exit 2. */
export class InputError extends MeshferryError {
  readonly position: SourcePosition | undefined;
  readonly fieldPath: string | undefined;
  constructor(
    message: string,
    opts: { position?: SourcePosition; fieldPath?: string; code?: string; cause?: unknown } = {},
  ) {
    const where = opts.position ? `${formatPosition(opts.position)}: ` : '';
    const field = opts.fieldPath ? ` (at ${opts.fieldPath})` : '';
    super(opts.code ?? 'InvalidInput', `${where}${message}${field}`, { cause: opts.cause, exitCode: ExitCode.usage });
    this.position = opts.position;
    this.fieldPath = opts.fieldPath;
  }
}

/** One problem in a list of problems; used where we collect instead of throwing on the first. */
export interface Problem {
  message: string;
  position?: SourcePosition;
  fieldPath?: string;
}

/** How many problems an InputErrors message names; the rest are counted. */
export const MAX_PROBLEMS_SHOWN = 100;

/** Several input problems at once (a schema-invalid file, say). Exit 2. */
export class InputErrors extends MeshferryError {
  readonly problems: Problem[];
  constructor(summary: string, problems: Problem[], code = 'InvalidInput') {
    // A generated file can hold a problem per document: name the first ones, count the rest.
    const lines = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => {
      const where = p.position ? `${formatPosition(p.position)}: ` : '';
      const field = p.fieldPath ? ` (at ${p.fieldPath})` : '';
      return `  ${where}${p.message}${field}`;
    });
    if (problems.length > MAX_PROBLEMS_SHOWN) lines.push(`  ... and ${problems.length - MAX_PROBLEMS_SHOWN} more problem(s)`);
    super(code, `${summary}\n${lines.join('\n')}`, { exitCode: ExitCode.usage });
    this.problems = problems;
  }
}

/** Wrong flags or arguments. Exit 2. */
export class UsageError extends MeshferryError {
  constructor(message: string, cause?: unknown) {
    super('Usage', message, { cause, exitCode: ExitCode.usage });
  }
}

/** The cluster or its API failed after retries, or access was refused. Exit 3. */
export class ClusterError extends MeshferryError {
  readonly context: string | undefined;
  constructor(code: string, message: string, opts: { context?: string; cause?: unknown } = {}) {
    super(code, message, { cause: opts.cause, exitCode: ExitCode.cluster });
    this.context = opts.context;
  }
}

/** The lab could not be built or started. Exit 3 (an environment failure, not bad input). */
export class LabError extends MeshferryError {
  constructor(message: string, cause?: unknown) {
    super('LabFailure', message, { cause, exitCode: ExitCode.cluster });
  }
}

/** Node's system error shape, narrowed without `any`. */
export function isErrnoException(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
