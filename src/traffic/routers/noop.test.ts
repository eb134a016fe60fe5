// The no-op router runs the conformance suite in memory; the cases about cluster objects say why they do not apply.
import { describe, expect, it } from 'vitest';
import { NOOP_MARK, NoopRouter } from './noop.js';
import { runRouterConformance } from './testing/routers.case.js';
import { WeightsChangedError } from './router.js';

const NO_OBJECTS = 'the no-op router writes no object, so there is no other field or object to keep or lose';

runRouterConformance({
  name: 'noop',
  reporter: 'destination',
  pairs: 2,
  setup() {
    const router = new NoopRouter({ targets: ['east/cart', 'west/cart'] });
    return Promise.resolve({
      router,
      snapshot: () => Promise.resolve([]),
      comparable: (o) => o,
      editWeights: (raw) => Promise.resolve(router.edit(0, raw)),
      editOtherField: () => Promise.resolve(),
      kept: () => true,
      removeObject: () => Promise.resolve(),
    });
  },
  skip: {
    'keeps every other field through a whole walk': NO_OBJECTS,
    'writes around an edit of another field': NO_OBJECTS,
    'validate reports a missing object': NO_OBJECTS,
  },
});

describe('NoopRouter', () => {
  it('marks every target as a dry run and says so in validate', async () => {
    const r = new NoopRouter({ targets: ['a'], to: 25 });
    const w = await r.read();
    expect(w.targets[0]?.target).toBe(`a ${NOOP_MARK}`);
    expect(w.targets[0]?.raw).toEqual({ from: 75, to: 25 });
    expect((await r.validate())[0]?.message).toMatch(/dry run/);
  });

  it('starts from a real router\'s live targets and never calls its write', async () => {
    const real = new NoopRouter({ targets: ['east/VirtualService shop/cart'], to: 10 });
    const dry = await NoopRouter.startingFrom(real);
    const moved = await dry.write(50, await dry.read());
    expect(moved.targets[0]?.to).toBe(50);
    expect(moved.targets[0]?.target).toContain('east/VirtualService shop/cart');
    expect((await real.read()).targets[0]?.to).toBe(10);
  });

  it('records the outcome of finalize', async () => {
    const r = new NoopRouter();
    await r.finalize('rolledBack');
    expect(r.outcome).toBe('rolledBack');
  });

  it('rejects a weight outside 0..100 or not whole', async () => {
    const r = new NoopRouter();
    await expect(r.write(101, await r.read())).rejects.toThrow(RangeError);
    await expect(r.write(12.5, await r.read())).rejects.toThrow(RangeError);
  });

  it('WeightsChangedError names each changed target and field', () => {
    const e = new WeightsChangedError([{ target: 'c/VirtualService ns/x', field: 'spec.http[0]', expected: { from: 90, to: 10 }, actual: { from: 50, to: 50 } }]);
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('c/VirtualService ns/x spec.http[0]: expected from 90 / to 10, found from 50 / to 50');
  });
});
