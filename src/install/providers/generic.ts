// Any other platform: meshferry knows no annotations, so the user gives them all.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerSpec, TopologyProblem } from '../topology.js';
import { unsupportedOptions, withExtraAnnotations, type LoadBalancerProvider, type MetadataKeyMatch, type ProviderResult } from './provider.js';

/**
 * The load balancer controllers of other platforms, where they pin an address or adopt a load balancer:
 * DigitalOcean CCM (`load-balancer-id`, docs/controllers/services/annotations.md), MetalLB (`loadBalancerIPs`, old
 * and new domain, metallb.io usage docs), Cilium LB-IPAM (`lbipam.cilium.io/ips` and the older `io.cilium/lb-ipam-ips`,
 * docs.cilium.io network/lb-ipam) and kube-vip (`kube-vip.io/loadbalancerIPs`, kube-vip.io docs usage/kubernetes-services).
 */
const GENERIC_REUSE: readonly MetadataKeyMatch[] = [
  { key: 'kubernetes.digitalocean.com/load-balancer-id' },
  { key: 'metallb.universe.tf/loadBalancerIPs' },
  { key: 'metallb.io/loadBalancerIPs' },
  { key: 'lbipam.cilium.io/ips' },
  { key: 'io.cilium/lb-ipam-ips' },
  { key: 'kube-vip.io/loadbalancerIPs' },
];

export const genericProvider: LoadBalancerProvider = {
  name: 'generic',
  title: 'generic Kubernetes (your own annotations)',
  options: ['annotations'],
  reuseAnnotations: GENERIC_REUSE,
  annotations(lb: LoadBalancerSpec, at: readonly PathSegment[]): ProviderResult {
    const problems: TopologyProblem[] = unsupportedOptions(this, lb, at).map((p) => ({
      ...p,
      message: `${p.message}; write the Service annotations your load balancer controller needs under annotations`,
    }));
    return { annotations: withExtraAnnotations({}, lb), problems };
  },
};
