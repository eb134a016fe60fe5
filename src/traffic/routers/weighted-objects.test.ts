// The pair engine's pure parts: who else owns an object, what counts as a lost optimistic write, weight arithmetic.
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../kube/errors.js';
import type { KubeObject } from '../../resources/object.js';
import { disagreement, percentTo, rawWeightsFor, weightChanges } from './router.js';
import { mayHaveLostRace, sharedOwners } from './weighted-objects.js';

const withManagers = (entries: unknown[]): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'x', managedFields: entries },
});
const spec = { 'f:spec': { 'f:http': {} } };

describe('sharedOwners', () => {
  it.each([
    { name: 'a GitOps controller owning spec', entries: [{ manager: 'argocd-controller', operation: 'Apply', fieldsV1: spec }], want: ['argocd-controller'] },
    { name: 'Flux and Helm', entries: [{ manager: 'kustomize-controller', fieldsV1: spec }, { manager: 'helm', fieldsV1: spec }], want: ['helm', 'kustomize-controller'] },
    { name: "people's tools", entries: [{ manager: 'kubectl-client-side-apply', fieldsV1: spec }, { manager: 'kubectl', fieldsV1: spec }, { manager: 'kubectl-edit', fieldsV1: spec }], want: [] },
    { name: 'meshferry itself', entries: [{ manager: 'meshferry', fieldsV1: spec }, { manager: 'meshferry-lab', fieldsV1: spec }], want: [] },
    { name: 'a status writer', entries: [{ manager: 'pilot-discovery', subresource: 'status', fieldsV1: { 'f:status': {} } }], want: [] },
    { name: 'a manager of labels only', entries: [{ manager: 'label-bot', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }], want: [] },
  ])('$name', ({ entries, want }) => expect(sharedOwners(withManagers(entries))).toEqual(want));
});

describe('mayHaveLostRace', () => {
  it.each([
    ['409 Conflict', new KubeApiError(409, 'Conflict', 'the object has been modified'), true],
    ['422 without causes (a JSON patch that did not apply: a failed test)', new KubeApiError(422, 'Invalid', 'the server rejected our request due to an error in our request'), true],
    ['422 with field causes (schema)', new KubeApiError(422, 'Invalid', 'spec.http[0].route[0].weight: Invalid value', { causes: [{ field: 'spec.http[0].route[0].weight', message: 'Invalid value' }] }), false],
    ['400 from a webhook', new KubeApiError(400, 'BadRequest', 'admission webhook "validation.istio.io" denied the request'), false],
    ['500', new KubeApiError(500, 'InternalError', 'etcd'), false],
    ['not an API error', new Error('test failed'), false],
  ])('%s', (_name, err, want) => expect(mayHaveLostRace(err)).toBe(want));
});

describe('weights', () => {
  it('percentTo is relative and 0 when both are 0', () => {
    expect(percentTo({ from: 90, to: 10 })).toBe(10);
    expect(percentTo({ from: 80, to: 30 })).toBe(27.27);
    expect(percentTo({ from: 1, to: 1 })).toBe(50);
    expect(percentTo({ from: 0, to: 0 })).toBe(0);
  });

  it('rawWeightsFor never gives both 0', () => {
    for (let w = 0; w <= 100; w++) {
      const r = rawWeightsFor(w);
      expect(r.from + r.to).toBe(100);
    }
  });

  it('weightChanges names changed, vanished and new pairs', () => {
    const t = (field: string, from: number, to: number) => ({ target: 'c/VirtualService ns/x', field, to: percentTo({ from, to }), raw: { from, to }, resourceVersion: '1' });
    const changes = weightChanges({ targets: [t('a', 90, 10), t('b', 90, 10), t('c', 90, 10)] }, { targets: [t('a', 90, 10), t('b', 50, 50), t('d', 1, 1)] });
    expect(changes.map((c) => [c.field, c.expected?.to, c.actual?.to])).toEqual([
      ['b', 10, 50],
      ['c', 10, undefined],
      ['d', undefined, 1],
    ]);
  });

  it('disagreement warns when pairs start apart, and only then', () => {
    const t = (target: string, from: number, to: number) => ({ target, field: 'spec.http[0]', to: percentTo({ from, to }), raw: { from, to }, resourceVersion: '1' });
    expect(disagreement([t('east/VirtualService ns/x', 90, 10), t('west/VirtualService ns/x', 9, 1)])).toBeUndefined();
    expect(disagreement([])).toBeUndefined();
    const w = disagreement([t('west/VirtualService ns/x', 50, 50), t('east/VirtualService ns/x', 90, 10)]);
    expect(w).toMatchObject({ severity: 'warning', code: 'Disagree' });
    expect(w?.message).toContain('(east/VirtualService ns/x spec.http[0]: 10%; west/VirtualService ns/x spec.http[0]: 50%)');
  });
});
