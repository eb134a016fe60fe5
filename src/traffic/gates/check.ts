// Judges one check: pass, fail (value outside its bounds), noData or error, each kept apart for the shift loop.
import type { GateError, MetricGate, QueryResult } from './gate.js';
import type { ResolvedCheck } from './templates.js';

/** The verdict of one check at one moment. `noData` and `error` are never a `fail`: the loop decides on them. */
export type CheckOutcome =
  | { verdict: 'pass'; check: string; value: number }
  | { verdict: 'fail'; check: string; value: number; bound: 'min' | 'max'; limit: number }
  | { verdict: 'noData'; check: string; reason: 'empty' | 'nan' }
  | { verdict: 'error'; check: string; error: GateError };

/** Compares a query result with the check's inclusive bounds. */
export function evaluateCheck(check: ResolvedCheck, result: QueryResult): CheckOutcome {
  switch (result.kind) {
    case 'error':
      return { verdict: 'error', check: check.name, error: result.error };
    case 'noData':
      return { verdict: 'noData', check: check.name, reason: result.reason };
    case 'value': {
      const value = result.value;
      if (check.min !== undefined && value < check.min) return { verdict: 'fail', check: check.name, value, bound: 'min', limit: check.min };
      if (check.max !== undefined && value > check.max) return { verdict: 'fail', check: check.name, value, bound: 'max', limit: check.max };
      return { verdict: 'pass', check: check.name, value };
    }
  }
}

/** Runs a check's query on `gate` and judges the answer. */
export async function runCheck(gate: MetricGate, check: ResolvedCheck): Promise<CheckOutcome> {
  return evaluateCheck(check, await gate.query(check.promql));
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, '');
}

/** One line for progress output, e.g. `request-success-rate 70.02 < min 99: fail`. */
export function describeOutcome(o: CheckOutcome): string {
  switch (o.verdict) {
    case 'pass':
      return `${o.check} ${formatValue(o.value)}: pass`;
    case 'fail':
      return `${o.check} ${formatValue(o.value)} ${o.bound === 'min' ? '<' : '>'} ${o.bound} ${formatValue(o.limit)}: fail`;
    case 'noData':
      return `${o.check}: no data (${o.reason === 'empty' ? 'no series matched' : 'NaN, e.g. no requests in the window'})`;
    case 'error':
      return `${o.check}: query error: ${o.error.message}`;
  }
}
