// GKE provider: conformance plus its own annotation table.
import { describe, expect, it } from 'vitest';
import { runProviderConformance } from './common.case.test.js';
import { gkeProvider } from './gke.js';

runProviderConformance(gkeProvider, {
  internal: { lb: { internal: true }, expect: { 'networking.gke.io/load-balancer-type': 'Internal' } },
  invalid: [
    { lb: { existingId: 'lb-1' }, option: 'existingId' },
    { lb: { weight: 1 }, option: 'weight' },
    { lb: { subnet: 'sub' }, option: 'subnet' },
  ],
});

describe('gke annotations', () => {
  it('puts an internal load balancer in a named subnet', () => {
    expect(gkeProvider.annotations({ internal: true, subnet: 'gke-ilb' }, ['lb'])).toEqual({
      annotations: { 'networking.gke.io/load-balancer-type': 'Internal', 'networking.gke.io/internal-load-balancer-subnet': 'gke-ilb' },
      problems: [],
    });
  });
  it('makes nothing for a public load balancer', () => {
    expect(gkeProvider.annotations({ internal: false }, ['lb'])).toEqual({ annotations: {}, problems: [] });
  });
});

describe('gke load balancer reuse keys', () => {
  it('are exactly the documented keys that adopt a load balancer or pin its address; settings are not among them', () => {
    expect(gkeProvider.reuseAnnotations).toEqual([
    'networking.gke.io/load-balancer-ip-addresses',
    ].map((key) => ({ key })));
  });
});
