// The status a CrossCluster wave ends with after a resume: what it copied and scaled down comes from the journal, so writes a killed run made and the next run settled by looking still count.
import { describe, expect, it } from 'vitest';
import type { Journal, JournalEntry } from '../../journal/journal.js';
import type { ActContext } from '../act.js';
import type { MeshMigrationSpec, MigrationStatus } from '../spec.js';
import { actCross, copiedAll } from './act-cross.js';

const SPEC: MeshMigrationSpec = {
  mode: 'CrossCluster',
  source: { context: 'tcm', revision: '1-18-5' },
  target: { context: 'primary', revision: '1-31-1', clusters: ['primary', 'remote'] },
  waves: [{ name: 'move', namespaces: ['shop'], cluster: 'remote' }],
};

const done = (seq: number, step: string, kind: string, name: string, context: string): JournalEntry => ({
  seq,
  step,
  target: { apiVersion: kind === 'Service' ? 'v1' : 'apps/v1', kind, namespace: 'shop', name, context },
  intent: { wave: 0, state: {} },
  state: 'done',
  result: { settled: 'found applied in the cluster on resume' },
  at: '2026-11-30T05:00:00Z',
});

// Only the journal and the spec are read by these two actions: a context with nothing else stands in.
const ctxWith = (entries: JournalEntry[]) => ({ spec: SPEC, journal: { entries: () => entries } as unknown as Journal, clusters: { homeContext: 'primary' } }) as unknown as ActContext;

const status = (wave: Partial<MigrationStatus['waves'][number]>): MigrationStatus => ({
  phase: 'Migrating',
  message: '',
  retryCounter: 0,
  observedGeneration: 1,
  conditions: [],
  waves: [{ name: 'move', state: 'OptedIn', counts: { workloads: 0, restarted: 0, verifiedPods: 0, untouched: 0 }, ...wave }],
});

describe('actCross counts from the journal', () => {
  it('a resume that settled the copies of a killed run (its status never saved) still counts them when the wave moves on', async () => {
    const entries = [done(1, 'xc.copy', 'Service', 'frontend', 'remote'), done(2, 'xc.copy', 'Deployment', 'frontend', 'remote'), done(3, 'xc.copy', 'Deployment', 'frontend', 'remote')];
    const next = await actCross(ctxWith(entries), status({ stage: 'Workloads' }), { kind: 'crossStage', wave: 0, stage: 'Ready', message: 'workloads in remote' });
    expect(next.waves[0]).toMatchObject({ stage: 'Ready', copied: 2 });
  });

  it('a resume that settled the scale-downs of a killed run still counts them when the wave is verified', async () => {
    const entries = [done(1, 'xc.scale', 'Deployment', 'frontend', 'tcm'), done(2, 'xc.scale', 'Deployment', 'payments', 'tcm')];
    const next = await actCross(ctxWith(entries), status({ stage: 'ScalingDown' }), { kind: 'crossVerified', wave: 0 });
    expect(next.waves[0]).toMatchObject({ state: 'Verified', scaledDown: 2 });
  });
});

describe('copiedAll: a copy pass moves the wave to Ready without another look', () => {
  const wanted = new Set(['ConfigMap shop/a', 'Deployment shop/cart']);
  it.each([
    ['everything the observation named, written or left alone', { changed: [], notWritten: 0, toCopy: ['ConfigMap shop/a', 'Deployment shop/cart'], wanted }, true],
    ['nothing left to copy when the pass read the plan again', { changed: [], notWritten: 0, toCopy: [], wanted }, true],
    ['a Secret changed in the source under the pass: the next pass copies it as it is then', { changed: ['Secret shop/db: gone or changed'], notWritten: 0, toCopy: ['ConfigMap shop/a'], wanted }, false],
    ['a write waited on one that failed', { changed: [], notWritten: 2, toCopy: ['ConfigMap shop/a'], wanted }, false],
    ['the plan read by the pass holds a copy the observation did not name', { changed: [], notWritten: 0, toCopy: ['ConfigMap shop/a', 'Service shop/new'], wanted }, false],
  ])('%s: %s', (_why, pass, want) => {
    expect(copiedAll(pass)).toBe(want);
  });
});
