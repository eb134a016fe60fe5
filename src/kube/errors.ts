// Errors from the Kubernetes API, carrying the HTTP status, the Status reason and the server's own message.
import { ClusterError } from '../errors.js';
import { isPlainObject } from '../resources/object.js';
import { sanitizeTerminalText } from '../terminal-text.js';

/** One field-level cause in a Status (`details.causes[]`). */
export interface StatusCause {
  field?: string;
  message: string;
  reason?: string;
}

/** A request the API server answered with an error status. Exit 3 when it reaches the user unhandled. */
export class KubeApiError extends ClusterError {
  readonly status: number;
  /** The Status reason (`Forbidden`, `NotFound`, `Invalid`, `Conflict`, `BadRequest`, ...). */
  readonly reason: string;
  /** The server's message, verbatim. */
  readonly serverMessage: string;
  readonly causes: readonly StatusCause[];
  /** Warning headers that came with the error response (unknown fields found while decoding, say). */
  readonly warnings: readonly string[];
  constructor(
    status: number,
    reason: string,
    serverMessage: string,
    opts: { context?: string; causes?: StatusCause[]; what?: string; warnings?: string[] } = {},
  ) {
    const what = opts.what ? `${opts.what}: ` : '';
    super(`Api${reason || status}`, `${what}${serverMessage || `HTTP ${status}`}`, opts.context === undefined ? {} : { context: opts.context });
    this.status = status;
    this.reason = reason;
    this.serverMessage = serverMessage;
    this.causes = opts.causes ?? [];
    this.warnings = opts.warnings ?? [];
  }

  get isForbidden(): boolean {
    return this.status === 403;
  }
  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** Builds a KubeApiError from a response body that should be a `Status` (falls back to the raw text). */
export function apiErrorFromResponse(
  status: number,
  body: string,
  opts: { context?: string; what?: string; warnings?: string[] } = {},
): KubeApiError {
  let reason = statusReason(status);
  // Not a Status (a proxy's HTML page, say): one line of it is enough to recognise it.
  let message = sanitizeTerminalText(body.trim().slice(0, 300), { oneLine: true });
  let causes: StatusCause[] = [];
  try {
    const parsed: unknown = JSON.parse(body);
    if (isPlainObject(parsed)) {
      // Everything the server wrote is sanitized here, at the edge, so no caller can print an escape sequence.
      if (typeof parsed.reason === 'string' && /^[A-Za-z]+$/.test(parsed.reason)) reason = parsed.reason;
      if (typeof parsed.message === 'string') message = sanitizeTerminalText(parsed.message);
      const details = parsed.details;
      if (isPlainObject(details) && Array.isArray(details.causes))
        causes = details.causes.filter(isPlainObject).map((c) => ({
          message: typeof c.message === 'string' ? sanitizeTerminalText(c.message) : '',
          ...(typeof c.field === 'string' ? { field: sanitizeTerminalText(c.field, { oneLine: true }) } : {}),
          ...(typeof c.reason === 'string' ? { reason: sanitizeTerminalText(c.reason, { oneLine: true }) } : {}),
        }));
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the text.
  }
  return new KubeApiError(status, reason, message, { causes, ...opts });
}

function statusReason(status: number): string {
  switch (status) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    default:
      return status >= 500 ? 'InternalError' : `Http${status}`;
  }
}
