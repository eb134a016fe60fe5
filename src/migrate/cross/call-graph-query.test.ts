// The file's window as a Prometheus range, and the query it goes into.
import { describe, expect, it } from 'vitest';
import { callGraphQuery, prometheusRange } from './call-graph-query.js';
import { parseDuration } from '../spec.js';

describe('prometheusRange', () => {
  it.each([
    ['168h', '168h'],
    ['1h30m', '90m'],
    ['90s', '90s'],
    ['1m1s', '61s'],
    ['1s500ms', '1500ms'],
    ['120m', '2h'],
  ])('%s → %s, a range Prometheus takes', (file, want) => {
    expect(prometheusRange(parseDuration(file))).toBe(want);
    expect(() => callGraphQuery(want)).not.toThrow();
  });

  it('0 is no range', () => {
    expect(() => prometheusRange(0)).toThrow(RangeError);
  });
});
