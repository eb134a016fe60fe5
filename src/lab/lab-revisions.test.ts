// Which revisions each lab cluster runs: a list for every cluster (as before), or a map per cluster, checked.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { defaultRevisionOf, revisionsByCluster } from './lab-revisions.js';
import type { LabRevisions } from './lab-revisions.js';

const TCM = ['tcm', 'primary', 'remote'];

describe('revisionsByCluster', () => {
  it.each<[string, readonly string[], LabRevisions | undefined, boolean, Record<string, string[]>]>([
    ['no option: default in every cluster', ['east', 'west'], undefined, false, { east: ['default'], west: ['default'] }],
    ['a list: every revision in every cluster', ['east', 'west'], ['default', 'canary'], false, { east: ['default', 'canary'], west: ['default', 'canary'] }],
    ['an empty list: none anywhere', ['east'], [], false, { east: [] }],
    ['a map: one revision per cluster', TCM, { tcm: ['1-18-5'], primary: ['1-31-1'], remote: ['1-31-1'] }, false, { tcm: ['1-18-5'], primary: ['1-31-1'], remote: ['1-31-1'] }],
    ['a map: a cluster it does not name runs none', TCM, { tcm: ['1-18-5'], primary: ['1-31-1', 'canary'] }, false, { tcm: ['1-18-5'], primary: ['1-31-1', 'canary'], remote: [] }],
    ['an empty map: none anywhere', ['east'], {}, false, { east: [] }],
    ['bare with a list: none, and the list goes unread as before', ['east'], ['1.31.1'], true, { east: [] }],
    ['bare with a map: none', TCM, { tcm: ['1-18-5'] }, true, { tcm: [], primary: [], remote: [] }],
    ['a cluster called constructor is not found on Object.prototype', ['constructor'], {}, false, { constructor: [] }],
  ])('%s', (_name, clusters, revisions, bare, want) => {
    const got = revisionsByCluster(clusters, revisions, bare);
    expect([...got.keys()]).toEqual(clusters);
    expect(Object.fromEntries(got)).toEqual(want);
  });

  it.each<[string, readonly string[], LabRevisions, boolean, RegExp]>([
    ['a map naming a cluster the lab does not have', ['tcm', 'primary'], { tcm: ['1-18-5'], remote: ['1-31-1'] }, false, /^revisions name cluster "remote", which the lab does not have \(clusters: tcm, primary\); add it to the clusters \(--clusters\) or fix the name$/],
    ['a map naming two such clusters', ['lab'], { east: ['a'], west: ['b'] }, false, /^revisions name clusters "east", "west", which the lab does not have \(clusters: lab\); add them/],
    ['the same check on a bare lab', ['lab'], { east: ['a'] }, true, /revisions name cluster "east"/],
    ['a revision with dots in a list', ['lab'], ['1.31.1'], false, /^revision "1.31.1" is not a DNS label \(.*1-31-1/],
    ['a revision with dots in a map', TCM, { tcm: ['1.18.5'] }, false, /^revision "1.18.5" of cluster tcm is not a DNS label/],
    ['a revision given twice for one cluster', TCM, { primary: ['1-31-1', '1-31-1'] }, false, /^revision "1-31-1" of cluster primary is given twice$/],
    ['a map value that is no list', TCM, { tcm: '1-18-5' } as unknown as LabRevisions, false, /^the revisions of cluster tcm must be a list of names, got "1-18-5"$/],
  ])('refuses %s', (_name, clusters, revisions, bare, message) => {
    expect(() => revisionsByCluster(clusters, revisions, bare)).toThrow(UsageError);
    expect(() => revisionsByCluster(clusters, revisions, bare)).toThrow(message);
  });

  it('lets the same revision run in several clusters of a map (primary and remote both on 1-31-1)', () => {
    const got = revisionsByCluster(TCM, { primary: ['1-31-1'], remote: ['1-31-1'] });
    expect(got.get('primary')).toEqual(['1-31-1']);
    expect(got.get('remote')).toEqual(['1-31-1']);
  });
});

describe('defaultRevisionOf', () => {
  it.each<[readonly string[], string | undefined]>([
    [['canary', 'default'], 'default'],
    [['1-18-5'], '1-18-5'],
    [['stable', 'canary'], 'stable'],
    [[], undefined],
  ])('%j → %s', (revisions, want) => {
    expect(defaultRevisionOf(revisions)).toBe(want);
  });
});
