import { describe, expect, it } from 'vitest';
import { ISTIO_KINDS, KINDS, displayKind, kindOf, parseApiVersion, resolveKindWord } from './kinds.js';

describe('kind registry', () => {
  it('covers every Istio kind of the pinned release', () => {
    expect(ISTIO_KINDS.map((k) => k.kind).sort()).toEqual(
      ['AuthorizationPolicy', 'DestinationRule', 'EnvoyFilter', 'Gateway', 'PeerAuthentication', 'ProxyConfig', 'RequestAuthentication',
        'ServiceEntry', 'Sidecar', 'Telemetry', 'TrafficExtension', 'VirtualService', 'WasmPlugin', 'WorkloadEntry', 'WorkloadGroup'].sort(),
    );
  });

  it('has unique group/kind and group/plural pairs', () => {
    const gk = new Set(KINDS.map((k) => `${k.group}/${k.kind}`));
    const gp = new Set(KINDS.map((k) => `${k.group}/${k.plural}`));
    expect(gk.size).toBe(KINDS.length);
    expect(gp.size).toBe(KINDS.length);
  });

  it('resolves words as kubectl does', () => {
    expect(resolveKindWord('vs')?.kind).toBe('VirtualService');
    expect(resolveKindWord('destinationrules')?.kind).toBe('DestinationRule');
    expect(resolveKindWord('gateway')?.group).toBe('networking.istio.io');
    expect(resolveKindWord('gateways.gateway.networking.k8s.io')?.group).toBe('gateway.networking.k8s.io');
    expect(resolveKindWord('nothing')).toBeUndefined();
  });

  it('parses apiVersions and names twins by group', () => {
    expect(parseApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(parseApiVersion('networking.istio.io/v1beta1')).toEqual({ group: 'networking.istio.io', version: 'v1beta1' });
    const gw = kindOf('gateway.networking.k8s.io/v1', 'Gateway');
    expect(gw && displayKind(gw)).toBe('Gateway.gateway.networking.k8s.io');
    const igw = kindOf('networking.istio.io/v1', 'Gateway');
    expect(igw && displayKind(igw)).toBe('Gateway');
  });
});
