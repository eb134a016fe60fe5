import { describe, expect, it } from 'vitest';
import { Semaphore, mapLimit } from './concurrency.js';

/** A promise the test settles by hand, so ordering never depends on timers. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Semaphore', () => {
  it('never runs more than its limit at once and runs waiters in order', async () => {
    const sem = new Semaphore(2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let peak = 0;
    const runs = gates.map((g, i) =>
      sem.run(async () => {
        started.push(i);
        peak = Math.max(peak, sem.active);
        await g.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(sem.active).toBe(0);
  });

  it('frees the slot when a task throws', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await sem.run(() => Promise.resolve('next'))).toBe('next');
  });

  it('hands a freed slot to the waiter of the lowest priority, equals in arrival order', async () => {
    const sem = new Semaphore(1);
    const order: string[] = [];
    let open!: () => void;
    const first = sem.run(() => new Promise<void>((r) => (open = r)));
    const runs = [['b1', 2], ['a1', 1], ['c', 3], ['a2', 1], ['b2', 2], ['z', 0]].map(([name, p]) => sem.run(async () => void order.push(name as string), p as number));
    await new Promise((r) => setTimeout(r, 0));
    open();
    await Promise.all([first, ...runs]);
    expect(order).toEqual(['z', 'a1', 'a2', 'b1', 'b2', 'c']);
  });

  it.each([0, -1, 1.5])('rejects limit %s', (limit) => {
    expect(() => new Semaphore(limit)).toThrow(RangeError);
  });
});

describe('mapLimit', () => {
  it('keeps input order and bounds concurrency', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setImmediate(r));
      active--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
