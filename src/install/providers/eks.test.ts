// EKS provider: conformance plus its own annotation table.
import { describe, expect, it } from 'vitest';
import { runProviderConformance } from './common.case.test.js';
import { eksProvider } from './eks.js';

const P = 'service.beta.kubernetes.io/aws-load-balancer-';

runProviderConformance(eksProvider, {
  internal: { lb: { internal: true }, expect: { [`${P}scheme`]: 'internal', [`${P}type`]: 'external', [`${P}nlb-target-type`]: 'ip' } },
  invalid: [
    { lb: { existingId: 'nlb-1' }, option: 'existingId' },
    { lb: { vgroupPorts: ['a:1'] }, option: 'vgroupPorts' },
  ],
});

describe('eks annotations', () => {
  it.each([
    ['internet-facing NLB', { internal: false }, { [`${P}type`]: 'external', [`${P}nlb-target-type`]: 'ip', [`${P}scheme`]: 'internet-facing' }],
    [
      'internal NLB in a subnet',
      { internal: true, subnet: 'subnet-0abc' },
      { [`${P}type`]: 'external', [`${P}nlb-target-type`]: 'ip', [`${P}scheme`]: 'internal', [`${P}subnets`]: 'subnet-0abc' },
    ],
  ] as const)('%s', (_name, lb, want) => {
    expect(eksProvider.annotations({ ...lb }, ['lb'])).toEqual({ annotations: want, problems: [] });
  });
});

describe('eks load balancer reuse keys', () => {
  it('are exactly the documented keys that adopt a load balancer or pin its address; settings are not among them', () => {
    expect(eksProvider.reuseAnnotations).toEqual([
    'service.beta.kubernetes.io/aws-load-balancer-eip-allocations',
    'service.beta.kubernetes.io/aws-load-balancer-private-ipv4-addresses',
    'service.beta.kubernetes.io/aws-load-balancer-ipv6-addresses',
    ].map((key) => ({ key })));
  });
});
