// What a wave's journal says it copied and scaled down: a table of entry lists (killed runs, settled entries, redone writes, other waves).
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../journal/journal.js';
import { waveDoneObjects } from './entries.js';

const e = (step: string, name: string, state: JournalEntry['state'], wave: number | undefined, context = 'remote'): Pick<JournalEntry, 'step' | 'state' | 'target' | 'intent'> => ({
  step,
  state,
  target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name, context },
  intent: wave === undefined ? { state: {} } : { state: {}, wave },
});

describe('waveDoneObjects', () => {
  const rows: { why: string; entries: ReturnType<typeof e>[]; steps: string[]; want: number }[] = [
    { why: 'none', entries: [], steps: ['xc.copy'], want: 0 },
    { why: 'done writes count', entries: [e('xc.copy', 'a', 'done', 0), e('xc.copy', 'b', 'done', 0)], steps: ['xc.copy'], want: 2 },
    { why: 'settled by a resume after a kill (done, no status saved by the killed run) counts', entries: [e('xc.copy', 'a', 'done', 0)], steps: ['xc.copy', 'xc.secret'], want: 1 },
    { why: 'a write redone after a failed entry counts once', entries: [e('xc.copy', 'a', 'failed', 0), e('xc.copy', 'a', 'done', 0), e('xc.copy', 'a', 'done', 0)], steps: ['xc.copy'], want: 1 },
    { why: 'pending and failed entries do not count', entries: [e('xc.copy', 'a', 'pending', 0), e('xc.copy', 'b', 'failed', 0)], steps: ['xc.copy'], want: 0 },
    { why: 'other waves, other steps and entries without a wave do not count', entries: [e('xc.copy', 'a', 'done', 1), e('xc.scale', 'a', 'done', 0), e('xc.copy', 'c', 'done', undefined)], steps: ['xc.copy'], want: 0 },
    { why: 'the same name in two clusters is two objects', entries: [e('xc.scale', 'a', 'done', 0, 'tcm'), e('xc.scale', 'a', 'done', 0, 'remote')], steps: ['xc.scale'], want: 2 },
  ];
  it.each(rows)('$why', ({ entries, steps, want }) => expect(waveDoneObjects(entries, 0, steps)).toBe(want));
});
