import { describe, expect, it } from 'vitest';
import { establishedVerdict } from './crd.js';

const crd = (conditions: unknown[]) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'xs.meshferry.dev' }, status: { conditions } });

describe('establishedVerdict', () => {
  it.each([
    ['absent', undefined, 'not found yet'],
    ['no status yet', crd([]), 'not Established yet'],
    ['established', crd([{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'True' }]), true],
    ['installing', crd([{ type: 'Established', status: 'False', message: 'not all names are accepted' }]), 'not all names are accepted'],
    ['name clash', crd([{ type: 'NamesAccepted', status: 'False', message: '"xs" is already in use' }]), 'rejected: "xs" is already in use'],
  ])('%s', (_name, obj, want) => {
    expect(establishedVerdict(obj)).toBe(want);
  });
});
