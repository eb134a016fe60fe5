// How `shift run` words the loop's events on stderr: the step, the weights, each check's value against its bound.
import type { ResolvedCheck } from '../../traffic/gates/templates.js';
import type { LiveWeights } from '../../traffic/routers/router.js';
import type { CheckRecord } from '../../traffic/shift/decide.js';
import type { ShiftEvent } from '../../traffic/shift/runner.js';
import { sanitizeTerminalText } from '../../terminal-text.js';

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, '');
}

/** `min 99`, `max 500`, `min 1, max 5`. */
export function boundsOf(check: Pick<ResolvedCheck, 'min' | 'max'>): string {
  return [check.min !== undefined ? `min ${formatNumber(check.min)}` : '', check.max !== undefined ? `max ${formatNumber(check.max)}` : ''].filter(Boolean).join(', ');
}

/** One check's line: its value against its bound and the verdict. */
export function describeCheck(record: CheckRecord, checks: readonly ResolvedCheck[]): string {
  const check = checks.find((c) => c.name === record.name);
  const bounds = check ? ` (${boundsOf(check)})` : '';
  if (record.verdict === 'pass' && record.value !== undefined) return `${record.name} ${formatNumber(record.value)}${bounds}: pass`;
  return record.text;
}

/** Every target's weights, e.g. `east/VirtualService shop/cart spec.http[0]: from 75 / to 25`. */
export function describeWeights(live: LiveWeights): string[] {
  return live.targets.map((t) => `${t.target} ${t.field}: from ${t.raw.from} / to ${t.raw.to}`);
}

/** The lines an event prints (already sanitized: they carry names and messages from servers). */
export function renderEvent(e: ShiftEvent, checks: readonly ResolvedCheck[]): string[] {
  const lines: string[] = [];
  switch (e.kind) {
    case 'write': {
      const what = { start: 'start', advance: 'step', rollback: 'rollback', promote: 'promote', repair: 'finish an interrupted write' }[e.why];
      lines.push(`${what}: weight of "to" → ${e.weight}`);
      for (const w of describeWeights(e.live)) lines.push(`  ${w}`);
      break;
    }
    case 'checks':
      lines.push(`checks at weight ${e.weight}:`);
      for (const c of e.checks) lines.push(`  ${describeCheck(c, checks)}`);
      break;
    case 'hold':
      lines.push(`hold: ${e.reason}`);
      break;
    case 'pause':
      lines.push(`paused: ${e.reason}`);
      break;
    case 'edit':
      lines.push(`not written: ${e.error.message}`);
      break;
    case 'wait':
      lines.push(`${e.message}; next check at ${new Date(e.until).toISOString()}`);
      break;
    case 'done':
      lines.push(`${e.outcome}: ${e.message}`);
      break;
  }
  return lines.map((l) => sanitizeTerminalText(l));
}
