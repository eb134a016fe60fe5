import { describe, expect, it } from 'vitest';
import { isRetryableNetworkError, isRetryableStatus, parseRetryAfter, retryDelay, type RetryPolicy } from './retry.js';

const status = (code: number, message: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', code, message });

describe('isRetryableStatus', () => {
  it.each([
    { name: 'throttled', status: 429, body: '', retryAfter: false, want: true },
    { name: 'bad gateway', status: 502, body: '', retryAfter: false, want: true },
    { name: 'unavailable', status: 503, body: status(503, 'x'), retryAfter: false, want: true },
    { name: 'gateway timeout', status: 504, body: '', retryAfter: false, want: true },
    { name: '500 with Retry-After', status: 500, body: status(500, 'boom'), retryAfter: true, want: true },
    { name: '500 from a proxy (not a Status)', status: 500, body: '<html>oops</html>', retryAfter: false, want: true },
    { name: '500 etcd timeout', status: 500, body: status(500, 'etcdserver: request timed out'), retryAfter: false, want: true },
    { name: '500 undeclared field (deterministic)', status: 500, body: status(500, 'failed to create typed patch object (a/b): .spec.x: field not declared in schema'), retryAfter: false, want: false },
    { name: '500 other Status', status: 500, body: status(500, 'admission webhook panicked'), retryAfter: false, want: false },
    { name: 'forbidden', status: 403, body: '', retryAfter: false, want: false },
    { name: 'invalid', status: 422, body: '', retryAfter: false, want: false },
    { name: 'not found', status: 404, body: '', retryAfter: true, want: false },
  ])('$name', ({ status: s, body, retryAfter, want }) => {
    expect(isRetryableStatus(s, body, retryAfter)).toBe(want);
  });
});

describe('isRetryableNetworkError', () => {
  it.each([
    { err: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), want: true },
    { err: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), want: true },
    { err: new Error('socket hang up'), want: true },
    { err: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), want: false },
    { err: 'not an error', want: false },
  ])('$err', ({ err, want }) => {
    expect(isRetryableNetworkError(err)).toBe(want);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    { value: undefined, want: undefined },
    { value: '3', want: 3000 },
    { value: ' 0 ', want: 0 },
    { value: 'Thu, 01 Jan 2026 00:00:05 GMT', want: 5000 },
    { value: 'Wed, 31 Dec 2025 23:59:00 GMT', want: 0 },
    { value: 'soon', want: undefined },
  ])('$value', ({ value, want }) => {
    expect(parseRetryAfter(value, now)).toBe(want);
  });
});

describe('retryDelay', () => {
  const policy: RetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };
  it.each([
    { retry: 1, random: 0, retryAfter: undefined, want: 50 },
    { retry: 1, random: 1, retryAfter: undefined, want: 100 },
    { retry: 3, random: 0.5, retryAfter: undefined, want: 300 },
    { retry: 10, random: 1, retryAfter: undefined, want: 1000 },
    { retry: 1, random: 0, retryAfter: 700, want: 700 },
    { retry: 1, random: 0, retryAfter: 60_000, want: 1000 },
  ])('retry $retry random $random retryAfter $retryAfter', ({ retry, random, retryAfter, want }) => {
    expect(retryDelay(policy, retry, retryAfter, () => random)).toBe(want);
  });
});
