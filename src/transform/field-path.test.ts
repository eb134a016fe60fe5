// Field paths: printing, JSON Pointer conversion, and reading/writing objects by path.
import { describe, expect, test } from 'vitest';
import { formatPath, getPath, hasPath, pointerToPath, removePath, setPath } from './field-path.js';

describe('formatPath', () => {
  const cases: { path: (string | number)[]; want: string }[] = [
    { path: [], want: '' },
    { path: ['spec', 'http', 0, 'route', 1, 'destination', 'host'], want: 'spec.http[0].route[1].destination.host' },
    { path: ['metadata', 'labels', 'istio.io/rev'], want: 'metadata.labels["istio.io/rev"]' },
    { path: ['metadata', 'labels', 'istio-injection'], want: 'metadata.labels.istio-injection' },
    { path: ['a b'], want: '["a b"]' },
  ];
  test.each(cases)('$want', ({ path, want }) => expect(formatPath(path)).toBe(want));
});

describe('pointerToPath', () => {
  const doc = { spec: { http: [{ a: 1 }], 'a/b': { '~x': 1 } } };
  const cases: { pointer: string; want: (string | number)[] }[] = [
    { pointer: '', want: [] },
    { pointer: '/spec/http/0/a', want: ['spec', 'http', 0, 'a'] },
    { pointer: '/spec/http/-', want: ['spec', 'http', 1] },
    { pointer: '/spec/a~1b/~0x', want: ['spec', 'a/b', '~x'] },
    { pointer: '/spec/missing/0', want: ['spec', 'missing', '0'] }, // no list there: the segment stays a key
  ];
  test.each(cases)('$pointer', ({ pointer, want }) => expect(pointerToPath(pointer, doc)).toEqual(want));
});

describe('get, set and remove', () => {
  test('setPath creates missing maps and never invents list items', () => {
    const doc: Record<string, unknown> = { spec: { hosts: ['a'] } };
    setPath(doc, ['metadata', 'labels', 'x'], 'y');
    setPath(doc, ['spec', 'hosts', 0], 'b');
    expect(doc).toEqual({ spec: { hosts: ['b'] }, metadata: { labels: { x: 'y' } } });
    expect(() => setPath(doc, ['spec', 'hosts', 5], 'c')).toThrow();
  });

  test('removePath prunes an emptied parent only when asked', () => {
    const doc: Record<string, unknown> = { metadata: { name: 'n', labels: { a: '1' } }, spec: { tls: { mode: 'X' } } };
    removePath(doc, ['metadata', 'labels', 'a'], true);
    removePath(doc, ['spec', 'tls', 'mode']);
    expect(doc).toEqual({ metadata: { name: 'n' }, spec: { tls: {} } });
  });

  test('getPath and hasPath tell a missing field from an undefined-looking one', () => {
    const doc = { a: { b: null, c: [0] } };
    expect(getPath(doc, ['a', 'b'])).toBeNull();
    expect(hasPath(doc, ['a', 'b'])).toBe(true);
    expect(hasPath(doc, ['a', 'x'])).toBe(false);
    expect(hasPath(doc, ['a', 'c', 0])).toBe(true);
    expect(hasPath(doc, ['a', 'c', 1])).toBe(false);
  });
});
