// Azure Kubernetes Service: an internal Azure load balancer, optionally in a given subnet.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerSpec, TopologyProblem } from '../topology.js';
import { unsupportedOptions, withExtraAnnotations, type LoadBalancerProvider, type MetadataKeyMatch, type ProviderResult } from './provider.js';

export const AKS_INTERNAL = 'service.beta.kubernetes.io/azure-load-balancer-internal';
export const AKS_INTERNAL_SUBNET = 'service.beta.kubernetes.io/azure-load-balancer-internal-subnet';
export const AKS_PIP_NAME = 'service.beta.kubernetes.io/azure-pip-name';
export const AKS_IPV4 = 'service.beta.kubernetes.io/azure-load-balancer-ipv4';
export const AKS_IPV6 = 'service.beta.kubernetes.io/azure-load-balancer-ipv6';

/**
 * learn.microsoft.com/azure/aks/static-ip and kubernetes-sigs.github.io/cloud-provider-azure topics/loadbalancer
 * (LoadBalancer annotations): `azure-pip-name` binds the Service to an existing public IP by name;
 * `azure-load-balancer-ipv4`/`-ipv6` pin the frontend address (they replace spec.loadBalancerIP).
 */
const AKS_REUSE: readonly MetadataKeyMatch[] = [{ key: AKS_PIP_NAME }, { key: AKS_IPV4 }, { key: AKS_IPV6 }];

export const aksProvider: LoadBalancerProvider = {
  name: 'aks',
  title: 'Azure Kubernetes Service (AKS)',
  options: ['internal', 'subnet', 'annotations'],
  reuseAnnotations: AKS_REUSE,
  annotations(lb: LoadBalancerSpec, at: readonly PathSegment[]): ProviderResult {
    const problems: TopologyProblem[] = unsupportedOptions(this, lb, at);
    const out: Record<string, string> = {};
    if (lb.internal === true) out[AKS_INTERNAL] = 'true';
    if (lb.subnet !== undefined) {
      if (lb.internal !== true) problems.push({ message: 'subnet applies to an internal load balancer: set internal: true', path: [...at, 'subnet'] });
      else out[AKS_INTERNAL_SUBNET] = lb.subnet;
    }
    return { annotations: withExtraAnnotations(out, lb), problems };
  },
};
