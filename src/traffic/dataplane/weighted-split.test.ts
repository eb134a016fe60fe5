// The weighted split and the error spread are exact over any window, and refuse impossible settings.
import { describe, expect, it } from 'vitest';
import { EvenErrorSpread, WeightedSplit } from './weighted-split.js';

const picks = (s: WeightedSplit, n: number): string => Array.from({ length: n }, () => (s.next() === 'to' ? 'T' : 'f')).join('');

describe('WeightedSplit', () => {
  it.each([
    [80, 20, 'ffTffffTff'],
    [50, 50, 'fTfTfTfTfT'],
    [100, 0, 'ffffffffff'],
    [0, 100, 'TTTTTTTTTT'],
    [1, 99, 'TTTTTTTTTT'],
  ])('%i/%i interleaves evenly', (from, to, want) => {
    expect(picks(new WeightedSplit(from, to), 10)).toBe(want);
  });

  it('holds 99/1 exactly over 100 requests and 3/7 over 10', () => {
    expect(picks(new WeightedSplit(99, 1), 100).split('T').length - 1).toBe(1);
    expect(picks(new WeightedSplit(3, 7), 10).split('T').length - 1).toBe(7);
  });

  it('changes the split at run time', () => {
    const s = new WeightedSplit(100, 0);
    expect(picks(s, 5)).toBe('fffff');
    s.set(0, 1);
    expect(picks(s, 5)).toBe('TTTTT');
    expect(s.weights).toEqual({ from: 0, to: 1 });
  });

  it.each([
    [0, 0, /both 0/],
    [-1, 5, /"from" weight must be a finite number ≥ 0/],
    [5, Number.NaN, /"to" weight must be a finite number ≥ 0/],
  ])('refuses %s/%s', (from, to, want) => {
    expect(() => new WeightedSplit(from, to)).toThrow(want);
  });
});

describe('EvenErrorSpread', () => {
  it.each([
    [0, 100, 0],
    [0.3, 100, 30],
    [0.3, 10, 3],
    [1, 50, 50],
    [0.01, 100, 1],
  ])('rate %s over %s requests fails %s of them', (rate, n, want) => {
    const e = new EvenErrorSpread(rate);
    expect(Array.from({ length: n }, () => e.next()).filter(Boolean)).toHaveLength(want);
  });

  it('refuses a rate outside [0, 1]', () => {
    expect(() => new EvenErrorSpread(1.5)).toThrow(/between 0 and 1/);
    expect(() => new EvenErrorSpread(-0.1)).toThrow(/between 0 and 1/);
  });
});
