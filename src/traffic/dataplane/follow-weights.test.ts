import { describe, expect, it } from 'vitest';
import { WeightFollower, combineTargets } from './follow-weights.js';
import type { LiveWeightsRead, Split } from './follow-weights.js';

describe('combineTargets', () => {
  it.each([
    { name: 'one target', tos: [10], want: { from: 90, to: 10 } },
    { name: 'two targets that agree', tos: [25, 25], want: { from: 75, to: 25 } },
    { name: 'two targets mid-step: the mean', tos: [25, 50], want: { from: 62.5, to: 37.5 } },
    { name: 'all to "to"', tos: [100, 100], want: { from: 0, to: 100 } },
    { name: 'all to "from"', tos: [0], want: { from: 100, to: 0 } },
    { name: 'a 99:1 egress move', tos: [1], want: { from: 99, to: 1 } },
    { name: 'float noise is rounded', tos: [33.333333, 33.333334], want: { from: 66.67, to: 33.33 } },
  ])('$name', ({ tos, want }) => {
    expect(combineTargets({ targets: tos.map((to) => ({ to })) })).toEqual(want);
  });

  it('refuses no targets and a weight outside 0..100', () => {
    expect(() => combineTargets({ targets: [] })).toThrow(/no targets/);
    expect(() => combineTargets({ targets: [{ to: 120 }] })).toThrow(/outside 0\.\.100/);
    expect(() => combineTargets({ targets: [{ to: Number.NaN }] })).toThrow(/outside 0\.\.100/);
  });
});

/** A router whose answers a test scripts: each read takes the next answer (the last one repeats). */
function scripted(answers: (number[] | Error)[]): { read(): Promise<LiveWeightsRead>; reads: number } {
  const r = {
    reads: 0,
    read(): Promise<LiveWeightsRead> {
      const a = answers[Math.min(r.reads, answers.length - 1)]!;
      r.reads++;
      return a instanceof Error ? Promise.reject(a) : Promise.resolve({ targets: a.map((to) => ({ to })) });
    },
  };
  return r;
}

describe('WeightFollower', () => {
  it('applies the first read and then only changes; a failed read keeps the split and is reported', async () => {
    const reader = scripted([[0], [0], [10], new Error('apiserver down'), new Error('apiserver down'), [10], [50]]);
    const applied: Split[] = [];
    const errors: number[] = [];
    const recovered: number[] = [];
    const f = new WeightFollower({
      reader,
      pollMs: 1,
      apply: (s) => applied.push(s),
      onError: (_e, n) => errors.push(n),
      onRecovered: (n) => recovered.push(n),
    });
    f.start();
    while (reader.reads < 8) await new Promise((r) => setTimeout(r, 1));
    await f.stop();
    expect(applied).toEqual([
      { from: 100, to: 0 },
      { from: 90, to: 10 },
      { from: 50, to: 50 },
    ]);
    expect(errors).toEqual([1, 2]);
    expect(recovered).toEqual([2]);
    expect(f.current).toEqual({ from: 50, to: 50 });
  });

  it('poll() throws on a failed first read, so a caller can refuse to start', async () => {
    const f = new WeightFollower({ reader: scripted([new Error('no such VirtualService')]), apply: () => undefined });
    await expect(f.poll()).rejects.toThrow(/no such VirtualService/);
    expect(f.current).toBeUndefined();
  });

  it('stop() ends a long wait at once', async () => {
    const reader = scripted([[5]]);
    const f = new WeightFollower({ reader, pollMs: 60 * 60_000, apply: () => undefined });
    f.start();
    while (reader.reads < 1) await new Promise((r) => setTimeout(r, 1));
    await f.stop();
    expect(reader.reads).toBe(1);
  });
});
