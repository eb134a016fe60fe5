// The fault flags of `lab traffic`: side=value pairs, units, ranges, and clear usage errors.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { faultsFromFlags } from './fault-flags.js';

describe('faultsFromFlags', () => {
  it('reads every flag for both sides', () => {
    expect(faultsFromFlags({ errorRate: ['to=0.3', 'from=5%'], latency: ['to=200ms', 'from=1.5s'], status: ['to=404'] })).toEqual({
      from: { errorRate: 0.05, latencyMs: 1500 },
      to: { errorRate: 0.3, latencyMs: 200, status: 404 },
    });
  });

  it('reads no flags as no faults', () => {
    expect(faultsFromFlags({})).toEqual({ from: {}, to: {} });
  });

  it.each([
    [{ errorRate: ['0.3'] }, /--error-rate 0\.3: expected SIDE=VALUE with SIDE "from" or "to", e\.g\. --error-rate to=0\.3/],
    [{ errorRate: ['canary=0.3'] }, /SIDE "from" or "to"/],
    [{ errorRate: ['to=1.5'] }, /--error-rate to=1\.5: the rate must be between 0 and 1/],
    [{ errorRate: ['to=150%'] }, /the rate must be between 0 and 1/],
    [{ errorRate: ['to=0.1', 'to=0.2'] }, /--error-rate is given twice for "to"/],
    [{ latency: ['to=200'] }, /--latency to=200: the latency needs a unit/],
    [{ latency: ['to=-5ms'] }, /the latency needs a unit/],
    [{ status: ['to=40'] }, /--status to=40: the status must be an HTTP status code/],
    [{ status: ['to=700'] }, /the status must be an HTTP status code/],
  ])('refuses %j', (flags, want) => {
    expect(() => faultsFromFlags(flags)).toThrow(UsageError);
    expect(() => faultsFromFlags(flags)).toThrow(want);
  });
});
