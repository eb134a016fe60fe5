// Azure Kubernetes Service: an internal Azure load balancer, optionally in a given subnet.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerSpec, TopologyProblem } from '../topology.js';
import { unsupportedOptions, withExtraAnnotations, type LoadBalancerProvider, type ProviderResult } from './provider.js';

export const AKS_INTERNAL = 'service.beta.kubernetes.io/azure-load-balancer-internal';
export const AKS_INTERNAL_SUBNET = 'service.beta.kubernetes.io/azure-load-balancer-internal-subnet';

export const aksProvider: LoadBalancerProvider = {
  name: 'aks',
  title: 'Azure Kubernetes Service (AKS)',
  options: ['internal', 'subnet', 'annotations'],
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
