// TKE provider: conformance plus its own annotation table.
import { describe, expect, it } from 'vitest';
import { runProviderConformance } from './common.case.test.js';
import { tkeProvider } from './tke.js';

runProviderConformance(tkeProvider, {
  internal: { lb: { internal: true, subnet: 'subnet-1' }, expect: { 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid': 'subnet-1' } },
  invalid: [
    { lb: { weight: 10 }, option: 'weight' },
    { lb: { vgroupPorts: ['rsp-1:80'] }, option: 'vgroupPorts' },
    { lb: { internal: true }, option: 'internal' },
    { lb: { existingId: 'lb-1', subnet: 'subnet-1' }, option: 'subnet' },
    { lb: { internal: false, subnet: 'subnet-1' }, option: 'subnet' },
  ],
});

describe('tke annotations', () => {
  it.each([
    ['existing internal CLB', { internal: true, existingId: 'lb-123' }, { 'service.kubernetes.io/tke-existed-lbid': 'lb-123' }],
    ['existing public CLB', { existingId: 'lb-9' }, { 'service.kubernetes.io/tke-existed-lbid': 'lb-9' }],
    ['new internal CLB', { internal: true, subnet: 'subnet-2' }, { 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid': 'subnet-2' }],
    ['subnet alone implies internal', { subnet: 'subnet-3' }, { 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid': 'subnet-3' }],
  ] as const)('%s', (_name, lb, want) => {
    expect(tkeProvider.annotations({ ...lb }, ['lb'])).toEqual({ annotations: want, problems: [] });
  });
});

describe('tke load balancer reuse keys', () => {
  it('are exactly the documented keys that adopt a load balancer or pin its address; settings are not among them', () => {
    expect(tkeProvider.reuseAnnotations).toEqual([
    'service.kubernetes.io/tke-existed-lbid',
    'service.kubernetes.io/loadbalance-id',
    ].map((key) => ({ key })));
  });
});
