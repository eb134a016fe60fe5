// shift status's weight column: the recorded weight, and a write recorded but not yet confirmed as from->to.
import { describe, expect, test } from 'vitest';
import { initialState } from '../../traffic/shift/decide.js';
import { weightText } from './control.js';

describe('weightText', () => {
  test.each([
    ['before the first look', {}, '-'],
    ['a recorded weight', { weight: 25 }, '25'],
    ['a write recorded, its result not yet', { weight: 25, pendingWeight: 50 }, '25->50'],
    ['the first write recorded before any weight', { pendingWeight: 10 }, '-->10'],
  ])('%s', (_what, fields, want) => {
    expect(weightText({ ...initialState(), ...fields })).toBe(want);
  });
});
