// Did-you-mean suggestions for rule names and fields.
import { describe, expect, test } from 'vitest';
import { closestWord, editDistance } from './closest-word.js';

const RULES = ['renameGatewaySelector', 'setRevision', 'mapNamespace', 'mapHost', 'upgradeApiVersion', 'removeLabels', 'removeAnnotations', 'drop', 'patch'];

describe('closestWord', () => {
  const cases: { word: string; want: string | undefined }[] = [
    { word: 'setRevison', want: 'setRevision' },
    { word: 'SetRevision', want: 'setRevision' },
    { word: 'maphost', want: 'mapHost' },
    { word: 'removeLabel', want: 'removeLabels' },
    { word: 'dorp', want: 'drop' }, // a swap of neighbours is one edit
    { word: 'renameGatewaySelecter', want: 'renameGatewaySelector' },
    { word: 'rewriteEverything', want: undefined },
    { word: 'x', want: undefined },
  ];
  test.each(cases)('$word → $want', ({ word, want }) => {
    expect(closestWord(word, RULES)).toBe(want);
  });

  test('editDistance counts inserts, deletes, substitutions and swaps', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('abc', 'abd')).toBe(1);
    expect(editDistance('abc', 'acb')).toBe(1);
    expect(editDistance('abcd', 'abc')).toBe(1);
  });
});

describe('editDistance', () => {
  test.each([
    ['kitten', 'sitting', 3],
    ['virtualservice', 'virtualsrvice', 1],
    ['', 'abc', 3],
    ['same', 'same', 0],
    ['ab', 'ba', 1],
  ])('%s ~ %s = %i', (a, b, d) => expect(editDistance(a, b)).toBe(d));
});
