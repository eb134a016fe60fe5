// Rendering of `meshferry import` results: the summary line, the JSON shape scripts rely on, the table.
import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../../kube/import.js';
import { renderImport, summaryLine } from './index.js';

const report: ImportReport = {
  created: 1,
  configured: 1,
  unchanged: 2,
  failed: 1,
  skipped: 0,
  outcomes: [
    { object: 'Namespace shop', file: 'd/_cluster/namespaces/shop.yaml:1', result: 'unchanged' },
    { object: 'VirtualService shop/a', file: 'd/shop/virtualservices/a.yaml:1', result: 'created', pruned: ['spec.http[0].websocketUpgrade'] },
    { object: 'VirtualService shop/b', file: 'd/shop/virtualservices/b.yaml:1', result: 'configured' },
    { object: 'VirtualService shop/c', file: 'd/shop/virtualservices/c.yaml:1', result: 'unchanged' },
    { object: 'VirtualService shop/bad', file: 'd/shop/virtualservices/bad.yaml:1', result: 'failed', message: 'admission webhook "validation.istio.io" denied the request' },
  ],
};

describe('import output', () => {
  it.each([
    { r: report, want: 'created 1, configured 1, unchanged 2, failed 1' },
    { r: { ...report, skipped: 2 }, want: 'created 1, configured 1, unchanged 2, failed 1, skipped 2' },
  ])('summary: $want', ({ r, want }) => {
    expect(summaryLine(r)).toBe(want);
  });

  it('-o json has the counts, the failures with file and message, and the pruned fields', () => {
    expect(JSON.parse(renderImport(report, 'json'))).toEqual({
      created: 1,
      configured: 1,
      unchanged: 2,
      failed: 1,
      failures: [{ object: 'VirtualService shop/bad', file: 'd/shop/virtualservices/bad.yaml:1', message: 'admission webhook "validation.istio.io" denied the request' }],
      pruned: [{ object: 'VirtualService shop/a', file: 'd/shop/virtualservices/a.yaml:1', fields: ['spec.http[0].websocketUpgrade'] }],
    });
  });

  it('a clean re-run prints an empty failures list and no table rows', () => {
    const clean: ImportReport = { created: 0, configured: 0, unchanged: 1, failed: 0, skipped: 0, outcomes: [{ object: 'VirtualService shop/c', result: 'unchanged' }] };
    expect(JSON.parse(renderImport(clean, 'json'))).toEqual({ created: 0, configured: 0, unchanged: 1, failed: 0, failures: [] });
    expect(renderImport(clean, 'table')).toBe('');
  });

  it('the table lists what changed or failed, not what stayed', () => {
    const lines = renderImport(report, 'table').trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s{2,}/)[0])).toEqual(['RESULT', 'created', 'configured', 'failed']);
    expect(lines[1]).toContain('pruned unknown fields: spec.http[0].websocketUpgrade');
    expect(lines[3]).toContain('admission webhook "validation.istio.io" denied the request');
  });
});
