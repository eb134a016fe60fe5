// ACK provider: conformance plus its own annotation table.
import { describe, expect, it } from 'vitest';
import type { LoadBalancerSpec } from '../topology.js';
import { ackProvider } from './ack.js';
import { runProviderConformance } from './common.case.test.js';

const P = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';

runProviderConformance(ackProvider, {
  internal: { lb: { internal: true }, expect: { [`${P}address-type`]: 'intranet' } },
  invalid: [
    { lb: { weight: 10 }, option: 'weight' },
    { lb: { existingId: 'lb-1', weight: 10 }, option: 'weight' },
    { lb: { vgroupPorts: ['rsp-1:80'] }, option: 'vgroupPorts' },
    { lb: { subnet: 'vsw-1' }, option: 'subnet' },
    { lb: { existingId: 'lb-1', internal: true, subnet: 'vsw-1' }, option: 'subnet' },
  ],
});

describe('ack annotations', () => {
  it.each<[string, LoadBalancerSpec, Record<string, string>]>([
    [
      'reuse a CLB at weight 10',
      { existingId: 'lb-abc', vgroupPorts: ['rsp-80:80', 'rsp-443:443'], weight: 10 },
      { [`${P}id`]: 'lb-abc', [`${P}force-override-listeners`]: 'false', [`${P}vgroup-port`]: 'rsp-80:80,rsp-443:443', [`${P}weight`]: '10' },
    ],
    ['weight 0 means no traffic, and is kept', { existingId: 'lb-a', vgroupPorts: ['rsp-1:80'], weight: 0 }, { [`${P}weight`]: '0' }],
    ['internal existing CLB', { internal: true, existingId: 'lb-b' }, { [`${P}address-type`]: 'intranet', [`${P}id`]: 'lb-b' }],
    ['new intranet CLB in a vSwitch', { internal: true, subnet: 'vsw-1' }, { [`${P}address-type`]: 'intranet', [`${P}vswitch-id`]: 'vsw-1' }],
  ])('%s', (_name, lb, want) => {
    const res = ackProvider.annotations(lb, ['lb']);
    expect(res.problems).toEqual([]);
    expect(res.annotations).toMatchObject(want);
  });
});

describe('ack load balancer reuse keys', () => {
  it('are exactly the documented keys that adopt a load balancer or pin its address; settings are not among them', () => {
    expect(ackProvider.reuseAnnotations).toEqual([
    'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id',
    'service.beta.kubernetes.io/alicloud-loadbalancer-id',
    'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-force-override-listeners',
    'service.beta.kubernetes.io/alicloud-loadbalancer-force-override-listeners',
    'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-vgroup-port',
    'service.beta.kubernetes.io/alicloud-loadbalancer-vgroup-port',
    'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-weight',
    'service.beta.kubernetes.io/alicloud-loadbalancer-weight',
    'service.k8s.alibaba/loadbalancer-id',
    'service.beta.kubernetes.io/hash',
    ].map((key) => ({ key })));
  });
});
