// Reads one answer of Prometheus' instant-query API (GET /api/v1/query) into a QueryResult, checking its shape.
import { sanitizeTerminalText } from '../../terminal-text.js';
import { GateError } from './gate.js';
import type { GateErrorReason, QueryResult } from './gate.js';

// Server text goes into error messages: one line, made safe for a terminal, and short.
const MAX_SERVER_TEXT = 300;

/** Server-sent text made safe and short enough for a one-paragraph error message. */
export function serverText(text: string): string {
  const oneLine = sanitizeTerminalText(text, { oneLine: true }).trim();
  return oneLine.length > MAX_SERVER_TEXT ? `${oneLine.slice(0, MAX_SERVER_TEXT)}…` : oneLine;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const error = (reason: GateErrorReason, message: string, status?: number): QueryResult => ({
  kind: 'error',
  error: new GateError(reason, message, status === undefined ? {} : { status }),
});

// Prometheus writes sample values with Go's strconv.FormatFloat(v, 'f', -1, 64), plus NaN, +Inf and -Inf
// (prometheus/prometheus web/api/v1 marshalling); anything else is not a number we trust.
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Reads a `[unixTime, "value"]` sample; NaN means the query measured nothing (0/0). */
export function parseSample(sample: unknown, where: string): QueryResult {
  if (!Array.isArray(sample) || sample.length !== 2 || typeof sample[0] !== 'number' || typeof sample[1] !== 'string')
    return error('badResponse', `${where} is not a [time, "value"] sample`);
  const text = sample[1];
  if (text === 'NaN') return { kind: 'noData', reason: 'nan' };
  if (text === '+Inf' || text === 'Inf') return { kind: 'value', value: Infinity };
  if (text === '-Inf') return { kind: 'value', value: -Infinity };
  if (!DECIMAL.test(text)) return error('badResponse', `${where} holds "${serverText(text)}", which is not a number`);
  return { kind: 'value', value: Number(text) };
}

function errorReason(status: number, errorType: string): GateErrorReason {
  // docs/querying/api.md: 400 bad parameters, 422 an expression that cannot be executed, 503 a timeout or abort.
  if (errorType === 'bad_data' || errorType === 'execution' || status === 400 || status === 422) return 'badQuery';
  if (errorType === 'timeout') return 'timeout';
  return 'http';
}

/** One series of an instant vector: its labels and its number (NaN kept as NaN). */
export interface Series {
  labels: Record<string, string>;
  value: number;
}

export type VectorResult = { kind: 'vector'; series: Series[] } | { kind: 'error'; error: GateError };

/**
 * An instant query's answer as every series it holds (an empty vector is an empty list), for callers that read
 * many series at once (the call graph between namespaces); a gate uses parseQueryResponse, which takes one number.
 */
export function parseVectorResponse(status: number, body: string): VectorResult {
  const answer = parseApiAnswer(status, body);
  if (!answer.ok) return answer.failed;
  const data = answer.data;
  const fail = (message: string): VectorResult => ({ kind: 'error', error: new GateError('badResponse', message, { status }) });
  if (data.resultType !== 'vector') return fail(`the query returned a ${serverText(String(data.resultType))}, not an instant vector`);
  if (!Array.isArray(data.result)) return fail('the vector result is not a list');
  const series: Series[] = [];
  for (const [i, el] of (data.result as unknown[]).entries()) {
    if (!isRecord(el) || !isRecord(el.metric)) return fail(`vector element ${i + 1} has no metric labels`);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(el.metric)) if (typeof v === 'string') labels[k] = v;
    const sample = parseSample(el.value, `vector element ${i + 1}`);
    if (sample.kind === 'error') return sample;
    series.push({ labels, value: sample.kind === 'value' ? sample.value : NaN });
  }
  return { kind: 'vector', series };
}

/** The `data` of a successful API answer, or the error every other answer is. */
function parseApiAnswer(status: number, body: string): { ok: true; data: Record<string, unknown> } | { ok: false; failed: { kind: 'error'; error: GateError } } {
  const fail = (reason: GateErrorReason, message: string) => ({ ok: false as const, failed: { kind: 'error' as const, error: new GateError(reason, message, { status }) } });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    if (status >= 400) return fail('http', `HTTP ${status}: ${serverText(body) || '(empty body)'}`);
    return fail('badResponse', `HTTP ${status} with a body that is not JSON: ${serverText(body) || '(empty body)'}`);
  }
  if (!isRecord(parsed) || (parsed.status !== 'success' && parsed.status !== 'error'))
    return fail(status >= 400 ? 'http' : 'badResponse', `HTTP ${status} with JSON that is not a Prometheus API answer (no "status": "success"|"error")`);
  if (parsed.status === 'error' || status >= 400) {
    const errorType = typeof parsed.errorType === 'string' ? parsed.errorType : '';
    const text = typeof parsed.error === 'string' ? parsed.error : '';
    const detail = [errorType && serverText(errorType), text && serverText(text)].filter(Boolean).join(': ');
    return fail(errorReason(status, errorType), `HTTP ${status}: ${detail || 'error without a message'}`);
  }
  const data = parsed.data;
  if (!isRecord(data) || typeof data.resultType !== 'string') return fail('badResponse', 'the answer has no data.resultType');
  return { ok: true, data };
}

/**
 * Turns an HTTP status and body into a verdict. Only a single number is a value: an empty vector and NaN are
 * no data; a range vector, a string or several series cannot be judged and are errors, never a guess.
 */
export function parseQueryResponse(status: number, body: string): QueryResult {
  const answer = parseApiAnswer(status, body);
  if (!answer.ok) return answer.failed;
  const data = answer.data;
  const resultType = data.resultType as string;
  const result = data.result;
  switch (resultType) {
    case 'scalar':
      return parseSample(result, 'the scalar result');
    case 'vector': {
      if (!Array.isArray(result)) return error('badResponse', 'the vector result is not a list', status);
      if (result.length === 0) return { kind: 'noData', reason: 'empty' };
      if (result.length > 1)
        return error('badResponse', `the query returned ${result.length} series; a gate needs one number (aggregate with sum(), max() or similar)`, status);
      const only: unknown = result[0];
      if (!isRecord(only) || !isRecord(only.metric)) return error('badResponse', 'the vector element has no metric labels', status);
      return parseSample(only.value, 'the vector element');
    }
    case 'matrix':
      return error('badResponse', 'the query returned a range vector (matrix); a gate needs one number, e.g. sum(rate(x[1m])) instead of x[1m]', status);
    case 'string':
      return error('badResponse', 'the query returned a string; a gate needs a number', status);
    default:
      return error('badResponse', `unknown resultType "${serverText(resultType)}"`, status);
  }
}
