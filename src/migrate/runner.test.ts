// The runner's pause between looks while a wait goes on: soon after the change that began it, then longer by steps.
import { describe, expect, it } from 'vitest';
import { pollDelay } from './runner.js';

describe('pollDelay', () => {
  it.each([
    [0, 500, 100],
    [1, 500, 150],
    [2, 500, 200],
    [7, 500, 450],
    [8, 500, 500],
    [40, 500, 500],
    [0, 10, 10],
    [20, 5000, 1100],
    [5000, 5000, 5000],
  ])('look %i with at most %i ms: %i ms', (polls, maxMs, want) => {
    expect(pollDelay(polls, maxMs)).toBe(want);
  });
});
