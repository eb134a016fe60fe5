// `meshferry analyze --context`: live objects merged with files, reported as cluster/<context>, complete kinds checked everywhere.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import { runAnalyze, type AnalyzeFlags, type LiveRead } from './index.js';

const flags = (extra: Partial<AnalyzeFlags> = {}): AnalyzeFlags => ({
  output: 'json',
  targetVersion: '1.31.1',
  targetRevision: [],
  targetVendor: 'istio',
  rootNamespace: 'istio-system',
  suppress: [],
  failureThreshold: 'Error',
  outputThreshold: 'Info',
  context: 'old-mesh',
  ...extra,
});

const vs = (host: string): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host } }] }] },
});
const reader = (objects: KubeObject[], completeKinds: LiveRead['completeKinds'] = []) => async (): Promise<LiveRead> => ({ objects, completeKinds, contextName: 'old-mesh' });

async function capture(run: () => Promise<number>): Promise<{ code: number; rows: { name: string; origin: string; reference: string }[] }> {
  const chunks: string[] = [];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string, cb?: () => void) => {
    chunks.push(String(chunk));
    cb?.();
    return true;
  }) as typeof process.stdout.write);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((() => true) as typeof process.stderr.write);
  try {
    const code = await run();
    return { code, rows: JSON.parse(chunks.join('')) as { name: string; origin: string; reference: string }[] };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('analyze --context', () => {
  it('reports live objects as cluster/<context>', async () => {
    const { code, rows } = await capture(() => runAnalyze([], flags(), reader([vs('reviews')], ['core/Service'])));
    expect(code).toBe(1);
    expect(rows).toContainEqual(expect.objectContaining({ name: 'ReferencedResourceNotFound', origin: 'VirtualService shop/reviews', reference: 'cluster/old-mesh' }));
  });

  it('does not report a missing Service when Services were not read completely', async () => {
    const { code, rows } = await capture(() => runAnalyze([], flags(), reader([vs('reviews')], [])));
    expect(code).toBe(0);
    expect(rows.map((r) => r.name)).toEqual(['ReferenceChecksSkipped']);
  });

  it('lets a file replace the live object of the same name', async () => {
    const live = reader([vs('reviews'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ratings', namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80 }] } }], ['core/Service']);
    const file = 'test/fixtures/analyze/live-override/vs.yaml';
    const { code, rows } = await capture(() => runAnalyze([file], flags(), live));
    expect(code, JSON.stringify(rows)).toBe(0);
    expect(rows).toEqual([]);
  });
});
