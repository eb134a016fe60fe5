import { describe, expect, it } from 'vitest';
import { fieldChanges, formatChange, type FieldChange } from './field-diff.js';

describe('fieldChanges', () => {
  it.each<{ name: string; before: unknown; after: unknown; want: FieldChange[] }>([
    { name: 'equal documents', before: { a: { b: [1, { c: 2 }] } }, after: { a: { b: [1, { c: 2 }] } }, want: [] },
    { name: 'key order does not matter', before: { a: 1, b: 2 }, after: { b: 2, a: 1 }, want: [] },
    { name: 'changed scalar', before: { spec: { weight: 80 } }, after: { spec: { weight: 90 } }, want: [{ path: 'spec.weight', old: 80, new: 90 }] },
    { name: 'added field', before: { spec: {} }, after: { spec: { tls: {} } }, want: [{ path: 'spec.tls', new: {} }] },
    { name: 'removed field', before: { spec: { a: 1, b: 2 } }, after: { spec: { a: 1 } }, want: [{ path: 'spec.b', old: 2 }] },
    {
      name: 'list items by index, longer list adds',
      before: { r: [{ w: 1 }] },
      after: { r: [{ w: 2 }, { w: 3 }] },
      want: [
        { path: 'r[0].w', old: 1, new: 2 },
        { path: 'r[1]', new: { w: 3 } },
      ],
    },
    { name: 'shorter list removes', before: { r: ['a', 'b'] }, after: { r: ['a'] }, want: [{ path: 'r[1]', old: 'b' }] },
    { name: 'type change', before: { x: 'on' }, after: { x: true }, want: [{ path: 'x', old: 'on', new: true }] },
    {
      name: 'label keys with dots are quoted',
      before: { metadata: { labels: { 'istio.io/rev': '1-18-5' } } },
      after: { metadata: { labels: { 'istio.io/rev': '1-24-2' } } },
      want: [{ path: 'metadata.labels["istio.io/rev"]', old: '1-18-5', new: '1-24-2' }],
    },
    { name: 'whole documents differ in kind', before: 1, after: [1], want: [{ path: '.', old: 1, new: [1] }] },
  ])('$name', ({ before, after, want }) => {
    expect(fieldChanges(before, after)).toEqual(want);
  });
});

describe('formatChange', () => {
  it.each<{ change: FieldChange; want: string[] }>([
    { change: { path: 'spec.w', old: 1, new: 2 }, want: ['    spec.w:', '      - 1', '      + 2'] },
    { change: { path: 'spec.mode', new: 'yes' }, want: ['    spec.mode:', '      + "yes"'] },
    { change: { path: 'spec.x', old: { a: 1 } }, want: ['    spec.x:', '      - {"a":1}'] },
  ])('$change.path', ({ change, want }) => {
    expect(formatChange(change)).toEqual(want);
  });
});
