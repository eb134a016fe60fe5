// Generic provider: conformance (it refuses internal: it knows no cloud) plus pass-through.
import { describe, expect, it } from 'vitest';
import { runProviderConformance } from './common.case.test.js';
import { genericProvider } from './generic.js';

runProviderConformance(genericProvider, {
  internal: { refused: 'a generic cluster has no known internal load balancer annotation' },
  invalid: [
    { lb: { internal: true }, option: 'internal' },
    { lb: { existingId: 'x' }, option: 'existingId' },
    { lb: { subnet: 'x' }, option: 'subnet' },
  ],
});

describe('generic annotations', () => {
  it('uses exactly the annotations given', () => {
    const annotations = { 'metallb.universe.tf/address-pool': 'mesh', 'example.com/x': 'y' };
    expect(genericProvider.annotations({ annotations }, ['lb'])).toEqual({ annotations, problems: [] });
  });
  it('tells the user where to write annotations instead', () => {
    const res = genericProvider.annotations({ internal: true }, ['lb']);
    expect(res.problems[0]?.message).toMatch(/under annotations/);
  });
});

describe('generic load balancer reuse keys', () => {
  it('are exactly the documented keys that adopt a load balancer or pin its address; settings are not among them', () => {
    expect(genericProvider.reuseAnnotations).toEqual([
    'kubernetes.digitalocean.com/load-balancer-id',
    'metallb.universe.tf/loadBalancerIPs',
    'metallb.io/loadBalancerIPs',
    'lbipam.cilium.io/ips',
    'io.cilium/lb-ipam-ips',
    'kube-vip.io/loadbalancerIPs',
    ].map((key) => ({ key })));
  });
});
