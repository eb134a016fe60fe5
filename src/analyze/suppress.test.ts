// Suppressions: the annotation and the --suppress flag.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import type { KubeObject } from '../resources/object.js';
import { SUPPRESS_ANNOTATION, isSuppressed, parseSuppression } from './suppress.js';

const finding = { name: 'ReferencedResourceNotFound', code: 'MF0005', origin: 'VirtualService shop/reviews' };
const obj = (anno?: string): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'shop', ...(anno ? { annotations: { [SUPPRESS_ANNOTATION]: anno } } : {}) } });

describe('suppressions', () => {
  it.each([
    ['ReferencedResourceNotFound', true],
    ['MF0005', true],
    ['*', true],
    ['SchemaValidationError, MF0005', true],
    ['SchemaValidationError', false],
  ])('annotation %j → suppressed %s', (anno, want) => {
    expect(isSuppressed(finding, obj(anno), [])).toBe(want);
  });

  it.each([
    ['ReferencedResourceNotFound=VirtualService shop/reviews', true],
    ['MF0005=vs shop/*', true],
    ['*=virtualservices */reviews', true],
    ['MF0005=DestinationRule shop/reviews', false],
    ['MF0005=VirtualService other/reviews', false],
  ])('--suppress %j → suppressed %s', (flag, want) => {
    expect(isSuppressed(finding, obj(), [parseSuppression(flag)])).toBe(want);
  });

  it.each(['nope', '=VirtualService a/b', 'X=VirtualService', 'ReferencedResourceNotFound=Frobnicator a/b'])('rejects %j', (flag) => {
    expect(() => parseSuppression(flag)).toThrow(/--suppress/);
  });

  it.each([
    ['ReferencedResourceNotFund=VirtualService a/b', /unknown check "ReferencedResourceNotFund".*did you mean ReferencedResourceNotFound\?/],
    ['MF0500=VirtualService a/b', /unknown check "MF0500"/],
    ['NoSuchThingAtAll=VirtualService a/b', /unknown check "NoSuchThingAtAll"; checks are message names or codes/],
  ])('rejects an unknown check name %j with a usage error (exit 2)', (flag, want) => {
    let caught: unknown;
    try {
      parseSuppression(flag);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toMatch(want);
    expect((caught as UsageError).exitCode).toBe(2);
  });

  it.each(['referencedresourcenotfound=VirtualService a/b', 'MF0005=VirtualService a/b', '*=VirtualService a/b'])('accepts the known check %j', (flag) => {
    expect(() => parseSuppression(flag)).not.toThrow();
  });
});
