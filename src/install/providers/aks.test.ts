// AKS provider: conformance plus its own annotation table.
import { describe, expect, it } from 'vitest';
import { aksProvider } from './aks.js';
import { runProviderConformance } from './common.case.test.js';

const P = 'service.beta.kubernetes.io/azure-load-balancer-';

runProviderConformance(aksProvider, {
  internal: { lb: { internal: true }, expect: { [`${P}internal`]: 'true' } },
  invalid: [
    { lb: { existingId: 'pip-1' }, option: 'existingId' },
    { lb: { subnet: 'apps' }, option: 'subnet' },
    { lb: { weight: 50 }, option: 'weight' },
  ],
});

describe('aks annotations', () => {
  it('puts an internal load balancer in a named subnet', () => {
    expect(aksProvider.annotations({ internal: true, subnet: 'mesh-ilb' }, ['lb'])).toEqual({
      annotations: { [`${P}internal`]: 'true', [`${P}internal-subnet`]: 'mesh-ilb' },
      problems: [],
    });
  });
});

describe('aks load balancer reuse keys', () => {
  it('are exactly the documented keys that adopt a load balancer or pin its address; settings are not among them', () => {
    expect(aksProvider.reuseAnnotations).toEqual([
    'service.beta.kubernetes.io/azure-pip-name',
    'service.beta.kubernetes.io/azure-load-balancer-ipv4',
    'service.beta.kubernetes.io/azure-load-balancer-ipv6',
    ].map((key) => ({ key })));
  });
});
