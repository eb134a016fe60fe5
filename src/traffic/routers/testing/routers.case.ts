// The conformance suite every router runs (hono's common.case shape): one fixture per router, the same cases for
// all, and any case a router cannot run listed with its reason. Under testing/, so it stays out of the package.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../resources/object.js';
import { WeightsChangedError, type LiveWeights, type Router } from '../router.js';

/** The cases, by name. A fixture's `skip` must name one of these with a reason. */
export const CONFORMANCE_CASES = [
  'validate accepts a good setup',
  'read is live, never from memory',
  'walks 0 to 100 and back, every target together',
  'keeps every other field through a whole walk',
  'refuses to overwrite a weight someone else changed',
  'writes around an edit of another field',
  'writes nothing when the weights are already there',
  'validate reports a missing object',
  'finalize changes nothing',
] as const;
export type ConformanceCase = (typeof CONFORMANCE_CASES)[number];

/** One router set up on fresh objects with "to" at 0. */
export interface ConformanceSubject {
  router: Router;
  /** The objects the router writes, read live now (empty for routers that write no object). */
  snapshot(): Promise<KubeObject[]>;
  /** The snapshot without what a shift changes (weights) and what the server changes (resourceVersion, status...). */
  comparable(objects: KubeObject[]): unknown;
  /** Someone else sets the first target's raw weights. */
  editWeights(raw: { from: number; to: number }): Promise<void>;
  /** Someone else changes a field that is not a weight; `kept` tells whether a snapshot still shows that change. */
  editOtherField(): Promise<void>;
  kept(objects: KubeObject[]): boolean;
  /** Deletes an object the router needs. */
  removeObject(): Promise<void>;
}

export interface ConformanceFixture {
  /** The router's name in test titles. */
  name: string;
  /** The reporter this router must declare. */
  reporter: Router['reporter'];
  /** How many targets (pairs) a subject has; several means they must move together. */
  pairs: number;
  /** Fresh objects for one case (each case gets its own, so cases never see each other's writes). */
  setup(testCase: ConformanceCase): Promise<ConformanceSubject>;
  /** Cases this router cannot run, each with the reason. */
  skip?: Partial<Record<ConformanceCase, string>>;
}

const STEPS = [10, 25, 50, 100, 25, 0];

/** Registers the suite for one fixture. */
export function runRouterConformance(fixture: ConformanceFixture): void {
  const skip = fixture.skip ?? {};
  for (const name of Object.keys(skip))
    if (!(CONFORMANCE_CASES as readonly string[]).includes(name)) throw new Error(`${fixture.name}: skip names no case: "${name}"`);
  const test = (name: ConformanceCase, body: () => Promise<void>) => {
    const reason = skip[name];
    // A skipped case is still listed, with its reason, and asserts that the reason is given.
    if (reason) it(`${name} — not run: ${reason}`, () => expect(reason.length).toBeGreaterThan(10));
    else it(name, body);
  };
  const allAt = (w: LiveWeights, to: number) => {
    expect(w.targets).toHaveLength(fixture.pairs);
    for (const t of w.targets) {
      expect(t.to, `${t.target} ${t.field}`).toBe(to);
      expect(t.raw).toEqual({ from: 100 - to, to });
      expect(t.raw.from + t.raw.to).toBeGreaterThan(0);
    }
  };

  describe(`router conformance: ${fixture.name}`, () => {
    test('validate accepts a good setup', async () => {
      const s = await fixture.setup('validate accepts a good setup');
      expect(s.router.reporter).toBe(fixture.reporter);
      const problems = await s.router.validate();
      expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
      allAt(await s.router.read(), 0);
    });

    test('read is live, never from memory', async () => {
      const s = await fixture.setup('read is live, never from memory');
      allAt(await s.router.read(), 0);
      await s.editWeights({ from: 30, to: 70 });
      const after = await s.router.read();
      expect(after.targets[0]?.raw).toEqual({ from: 30, to: 70 });
      expect(after.targets[0]?.to).toBe(70);
      // Relative weights: 80/30 is 27.27 % for "to".
      await s.editWeights({ from: 80, to: 30 });
      expect((await s.router.read()).targets[0]?.to).toBeCloseTo(27.27, 2);
    });

    test('walks 0 to 100 and back, every target together', async () => {
      const s = await fixture.setup('walks 0 to 100 and back, every target together');
      let expected = await s.router.read();
      for (const step of STEPS) {
        const back = await s.router.write(step, expected);
        allAt(back, step);
        expected = await s.router.read();
        allAt(expected, step);
      }
    });

    test('keeps every other field through a whole walk', async () => {
      const s = await fixture.setup('keeps every other field through a whole walk');
      const before = await s.snapshot();
      let expected = await s.router.read();
      for (const step of STEPS) expected = await s.router.write(step, expected);
      const after = await s.snapshot();
      expect(s.comparable(after)).toEqual(s.comparable(before));
    });

    test('refuses to overwrite a weight someone else changed', async () => {
      const s = await fixture.setup('refuses to overwrite a weight someone else changed');
      const stale = await s.router.read();
      await s.editWeights({ from: 60, to: 40 });
      const edited = await s.snapshot();
      const err: unknown = await s.router.write(50, stale).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WeightsChangedError);
      const changed = err as WeightsChangedError;
      const first = stale.targets[0];
      expect(changed.changes.some((c) => c.target === first?.target && c.field === first.field && c.actual?.to === 40)).toBe(true);
      expect(changed.message).toContain(first?.target ?? '?');
      // Nothing was written: the other person's edit stands, on every object.
      expect(s.comparable(await s.snapshot())).toEqual(s.comparable(edited));
      expect((await s.router.read()).targets[0]?.raw).toEqual({ from: 60, to: 40 });
    });

    test('writes around an edit of another field', async () => {
      const s = await fixture.setup('writes around an edit of another field');
      const expected = await s.router.read();
      await s.editOtherField();
      allAt(await s.router.write(25, expected), 25);
      expect(s.kept(await s.snapshot())).toBe(true);
    });

    test('writes nothing when the weights are already there', async () => {
      const s = await fixture.setup('writes nothing when the weights are already there');
      const once = await s.router.write(40, await s.router.read());
      const twice = await s.router.write(40, once);
      expect(twice).toEqual(once);
    });

    test('validate reports a missing object', async () => {
      const s = await fixture.setup('validate reports a missing object');
      await s.removeObject();
      const problems = await s.router.validate();
      expect(problems.some((p) => p.severity === 'error' && p.code === 'NotFound')).toBe(true);
      await expect(s.router.read()).rejects.toThrow(/does not exist/);
    });

    test('finalize changes nothing', async () => {
      const s = await fixture.setup('finalize changes nothing');
      const at = await s.router.write(50, await s.router.read());
      const before = await s.snapshot();
      await s.router.finalize('promoted');
      await s.router.finalize('rolledBack');
      expect(s.comparable(await s.snapshot())).toEqual(s.comparable(before));
      expect((await s.router.read()).targets.map((t) => t.raw)).toEqual(at.targets.map((t) => t.raw));
    });
  });
}
