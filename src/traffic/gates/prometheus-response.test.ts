// Prometheus API answers → value, noData or error, for every result type and the failure shapes.
import { describe, expect, it } from 'vitest';
import { parseQueryResponse, parseVectorResponse } from './prometheus-response.js';

const ok = (data: unknown): string => JSON.stringify({ status: 'success', data });
const vector = (...values: string[]): string =>
  ok({ resultType: 'vector', result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1700000000.123, v] })) });

describe('parseQueryResponse', () => {
  it.each([
    ['a vector of one sample', vector('70.00000000000001'), 70.00000000000001],
    ['an integer sample', vector('3'), 3],
    ['an exponent', vector('1e-7'), 1e-7],
    ['a negative number', vector('-2.5'), -2.5],
    ['+Inf (histogram_quantile in the +Inf bucket)', vector('+Inf'), Infinity],
    ['-Inf', vector('-Inf'), -Infinity],
    ['a scalar', ok({ resultType: 'scalar', result: [1700000000, '1'] }), 1],
  ])('reads %s as a value', (_why, body, want) => {
    expect(parseQueryResponse(200, body)).toEqual({ kind: 'value', value: want });
  });

  it('reads an empty vector (sum() over no series) as no data, not 0', () => {
    expect(parseQueryResponse(200, vector())).toEqual({ kind: 'noData', reason: 'empty' });
  });

  it('reads NaN (0/0) as no data, in a vector and in a scalar', () => {
    expect(parseQueryResponse(200, vector('NaN'))).toEqual({ kind: 'noData', reason: 'nan' });
    expect(parseQueryResponse(200, ok({ resultType: 'scalar', result: [1, 'NaN'] }))).toEqual({ kind: 'noData', reason: 'nan' });
  });

  it.each([
    ['a matrix (range vector)', 200, ok({ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1']] }] }), 'badResponse', /range vector \(matrix\)/],
    ['a string result', 200, ok({ resultType: 'string', result: [1, 'x'] }), 'badResponse', /returned a string/],
    ['several series', 200, vector('1', '2'), 'badResponse', /returned 2 series; a gate needs one number/],
    ['an unknown result type', 200, ok({ resultType: 'histogram', result: [] }), 'badResponse', /unknown resultType "histogram"/],
    ['no data object', 200, JSON.stringify({ status: 'success' }), 'badResponse', /no data\.resultType/],
    ['a vector that is not a list', 200, ok({ resultType: 'vector', result: {} }), 'badResponse', /not a list/],
    ['a sample that is not [time, "string"]', 200, ok({ resultType: 'vector', result: [{ metric: {}, value: [1, 2] }] }), 'badResponse', /not a \[time, "value"\] sample/],
    ['a sample that is not a number', 200, vector('seventy'), 'badResponse', /"seventy", which is not a number/],
    ['a body that is not JSON', 200, '<html>hi</html>', 'badResponse', /not JSON: <html>hi<\/html>/],
    ['JSON that is not the API envelope', 200, '[1,2]', 'badResponse', /not a Prometheus API answer/],
    ['bad PromQL (400 bad_data)', 400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected "}"' }), 'badQuery', /HTTP 400: bad_data: 1:5: parse error/],
    ['an expression that cannot run (422)', 422, JSON.stringify({ status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' }), 'badQuery', /HTTP 422: execution: many-to-many/],
    ['a server-side query timeout (503)', 503, JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out' }), 'timeout', /HTTP 503: timeout: query timed out/],
    ['a proxy error page (502, not JSON)', 502, 'Bad Gateway', 'http', /HTTP 502: Bad Gateway/],
    ['an empty 500', 500, '', 'http', /HTTP 500: \(empty body\)/],
    ['an error envelope under 200', 200, JSON.stringify({ status: 'error', errorType: 'internal', error: 'boom' }), 'http', /HTTP 200: internal: boom/],
  ])('reads %s as an error', (_why, status, body, reason, message) => {
    const r = parseQueryResponse(status, body);
    expect(r.kind).toBe('error');
    if (r.kind !== 'error') return;
    expect(r.error.reason).toBe(reason);
    expect(r.error.message).toMatch(message);
  });

  it('makes server text safe for a terminal before it reaches a message', () => {
    const hostile = JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'bad \u001b[2J\u001b]0;pwned\u0007 query\nsecond line' });
    const r = parseQueryResponse(400, hostile);
    if (r.kind !== 'error') throw new Error('expected an error');
    expect(r.error.message).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f]/);
    expect(r.error.message).toContain('\\x1b[2J');
    expect(r.error.message).toContain('query second line');
  });

  it('cuts long server text', () => {
    const r = parseQueryResponse(500, 'x'.repeat(10_000));
    if (r.kind !== 'error') throw new Error('expected an error');
    expect(r.error.message.length).toBeLessThan(400);
  });
});

describe('parseVectorResponse', () => {
  it('reads every series with its labels; NaN stays NaN; an empty vector is an empty list', () => {
    const body = ok({
      resultType: 'vector',
      result: [
        { metric: { source_workload_namespace: 'shop', destination_workload_namespace: 'payments' }, value: [1, '40'] },
        { metric: { source_workload_namespace: 'payments', destination_workload_namespace: 'shop', odd: 3 }, value: [1, 'NaN'] },
      ],
    });
    expect(parseVectorResponse(200, body)).toEqual({
      kind: 'vector',
      series: [
        { labels: { source_workload_namespace: 'shop', destination_workload_namespace: 'payments' }, value: 40 },
        { labels: { source_workload_namespace: 'payments', destination_workload_namespace: 'shop' }, value: NaN },
      ],
    });
    expect(parseVectorResponse(200, vector())).toEqual({ kind: 'vector', series: [] });
  });

  it.each([
    ['a scalar', ok({ resultType: 'scalar', result: [1, '1'] }), /returned a scalar, not an instant vector/],
    ['an element without labels', ok({ resultType: 'vector', result: [{ value: [1, '1'] }] }), /vector element 1 has no metric labels/],
    ['a sample that is not a number', vector('1', 'x'), /vector element 2 holds "x", which is not a number/],
    ['an API error', JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }), /bad_data: parse error/],
    ['a data object that looks like a verdict', ok({ kind: 'error', resultType: 'vector', result: [] }), undefined],
  ])('%s', (_why, body, message) => {
    const r = parseVectorResponse(200, body);
    if (message === undefined) expect(r).toEqual({ kind: 'vector', series: [] });
    else {
      expect(r.kind).toBe('error');
      expect(r.kind === 'error' && r.error.message).toMatch(message);
    }
  });
});
