import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectGolden, goldenCases } from '../../test/support/golden.js';
import { neatObject } from './neat.js';
import type { KubeObject } from './object.js';
import { readResources } from './yaml-read.js';
import { serializeStream } from './yaml-write.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/neat');

describe('neat golden files', () => {
  it.each(goldenCases(fixtures))('$name', async ({ inputFile, outputFile }) => {
    const set = await readResources([inputFile]);
    expectGolden(outputFile, serializeStream(set.objects().map(neatObject)));
  });
});

describe('neatObject', () => {
  const ap: KubeObject = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'a', namespace: 'n', uid: 'u', resourceVersion: '1' },
    spec: { rules: [{}] },
  };

  it('does not change its input', () => {
    const before = structuredClone(ap);
    neatObject(ap);
    expect(ap).toEqual(before);
  });

  it('is idempotent', () => {
    const once = neatObject(ap);
    expect(neatObject(once)).toEqual(once);
  });

  it('keeps meaningful empty values in Istio specs', () => {
    expect(neatObject(ap).spec).toEqual({ rules: [{}] });
  });

  it('drops a namespace from cluster-scoped objects', () => {
    const ns = neatObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', namespace: 'oops' } });
    expect(ns.metadata).toEqual({ name: 'x' });
  });
});
