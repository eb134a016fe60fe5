// Rendering of `meshferry diff`: one line per differing object, field changes as -old +new.
import { describe, expect, it } from 'vitest';
import type { DiffReport } from '../../kube/diff.js';
import { renderDiff } from './index.js';

const report: DiffReport = {
  entries: [
    { object: 'VirtualService shop/a', file: 'd/a.yaml:1', state: 'created' },
    { object: 'VirtualService shop/b', file: 'd/b.yaml:1', state: 'changed', changes: [{ path: 'spec.http[0].route[0].weight', old: 80, new: 90 }, { path: 'spec.tls', new: {} }] },
    { object: 'VirtualService shop/c', file: 'd/c.yaml:1', state: 'unchanged' },
    { object: 'VirtualService shop/d', file: 'd/d.yaml:1', state: 'failed', message: 'denied' },
    { object: 'Secret shop/s', file: 'd/s.yaml:1', state: 'skipped', message: 'metadata only' },
    { object: 'DestinationRule shop/e', state: 'extra' },
  ],
  counts: { created: 1, changed: 1, unchanged: 1, failed: 1, skipped: 1, extra: 1 },
};

describe('renderDiff', () => {
  it('table: +, ~ with field changes, !, -, ? and nothing for unchanged objects', () => {
    expect(renderDiff(report, 'table')).toBe(
      [
        '+ VirtualService shop/a  (d/a.yaml:1)',
        '~ VirtualService shop/b  (d/b.yaml:1)',
        '    spec.http[0].route[0].weight:',
        '      - 80',
        '      + 90',
        '    spec.tls:',
        '      + {}',
        '! VirtualService shop/d  (d/d.yaml:1): denied',
        '- Secret shop/s  (d/s.yaml:1): metadata only',
        '? DestinationRule shop/e  (in the cluster, not in the folder)',
        '',
      ].join('\n'),
    );
  });

  it('nothing to change prints nothing', () => {
    expect(renderDiff({ entries: [{ object: 'VirtualService shop/c', state: 'unchanged' }], counts: { ...report.counts } }, 'table')).toBe('');
  });

  it('json carries every entry with its state', () => {
    expect((JSON.parse(renderDiff(report, 'json')) as DiffReport).entries.map((e) => e.state)).toEqual(['created', 'changed', 'unchanged', 'failed', 'skipped', 'extra']);
  });
});
