// What the lab waits for after creating CRDs: every served version of every kind, as discovery lists them.
import { describe, expect, it } from 'vitest';
import { servedKinds } from './cluster.js';

describe('servedKinds', () => {
  it('lists each served version of each CRD and skips unserved ones and malformed entries', () => {
    const crd = (group: string, kind: string, versions: { name: string; served: boolean }[]) => ({ spec: { group, names: { kind }, versions } });
    expect(
      servedKinds([
        crd('networking.istio.io', 'VirtualService', [{ name: 'v1', served: true }, { name: 'v1beta1', served: true }, { name: 'v1alpha3', served: false }]),
        crd('security.istio.io', 'PeerAuthentication', [{ name: 'v1', served: true }]),
        { spec: 'broken' },
      ]),
    ).toEqual([
      { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' },
      { group: 'networking.istio.io', version: 'v1beta1', kind: 'VirtualService' },
      { group: 'security.istio.io', version: 'v1', kind: 'PeerAuthentication' },
    ]);
  });
});
