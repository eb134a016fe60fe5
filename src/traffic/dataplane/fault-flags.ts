// Reads the fault flags of `lab traffic` (`--error-rate to=0.3`, `--latency to=200ms`, `--status to=404`).
import { UsageError } from '../../errors.js';
import { checkFaults } from './backend.js';
import type { Faults } from './backend.js';
import type { Side } from './weighted-split.js';

/** The raw values of each fault flag, as a repeatable option collects them. */
export interface FaultFlags {
  errorRate?: readonly string[];
  latency?: readonly string[];
  status?: readonly string[];
}

function splitSide(flag: string, raw: string): { side: Side; value: string } {
  const eq = raw.indexOf('=');
  const side = raw.slice(0, eq);
  if (eq < 0 || (side !== 'from' && side !== 'to')) throw new UsageError(`${flag} ${raw}: expected SIDE=VALUE with SIDE "from" or "to", e.g. ${flag} to=${example[flag]}`);
  return { side, value: raw.slice(eq + 1) };
}

const example: Record<string, string> = { '--error-rate': '0.3', '--latency': '200ms', '--status': '404' };

/** `0.3` or `30%`, in [0, 1]. */
function parseRate(flag: string, raw: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value);
  const rate = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!(rate >= 0 && rate <= 1)) throw new UsageError(`${flag} ${raw}: the rate must be between 0 and 1 (or 0% and 100%)`);
  return rate;
}

/** `200ms`, `1.5s` or `0`. */
function parseLatency(flag: string, raw: string, value: string): number {
  if (value === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(value);
  if (!m) throw new UsageError(`${flag} ${raw}: the latency needs a unit, e.g. 200ms or 1.5s`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

function parseStatus(flag: string, raw: string, value: string): number {
  const code = /^\d{3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(code >= 100 && code <= 599)) throw new UsageError(`${flag} ${raw}: the status must be an HTTP status code (100-599)`);
  return code;
}

/** The faults per side that the flags ask for; a side given twice for one flag is a usage error. */
export function faultsFromFlags(flags: FaultFlags): Record<Side, Faults> {
  const faults: Record<Side, Faults> = { from: {}, to: {} };
  const apply = (flag: string, raws: readonly string[] | undefined, key: keyof Faults, parse: (flag: string, raw: string, value: string) => number): void => {
    for (const raw of raws ?? []) {
      const { side, value } = splitSide(flag, raw);
      if (faults[side][key] !== undefined) throw new UsageError(`${flag} is given twice for "${side}"`);
      faults[side][key] = parse(flag, raw, value);
    }
  };
  apply('--error-rate', flags.errorRate, 'errorRate', parseRate);
  apply('--latency', flags.latency, 'latencyMs', parseLatency);
  apply('--status', flags.status, 'status', parseStatus);
  checkFaults(faults.from);
  checkFaults(faults.to);
  return faults;
}
