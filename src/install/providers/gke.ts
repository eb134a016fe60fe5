// Google Kubernetes Engine: an internal passthrough load balancer, optionally in a given subnet.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerSpec, TopologyProblem } from '../topology.js';
import { unsupportedOptions, withExtraAnnotations, type LoadBalancerProvider, type MetadataKeyMatch, type ProviderResult } from './provider.js';

export const GKE_LB_TYPE = 'networking.gke.io/load-balancer-type';
export const GKE_INTERNAL_SUBNET = 'networking.gke.io/internal-load-balancer-subnet';
export const GKE_IP_ADDRESSES = 'networking.gke.io/load-balancer-ip-addresses';

/**
 * cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters ("Static IP addresses"): the
 * annotation names reserved addresses for the load balancer's forwarding rules; the ingress-gce L4 controller
 * prefers it over spec.loadBalancerIP.
 */
const GKE_REUSE: readonly MetadataKeyMatch[] = [{ key: GKE_IP_ADDRESSES }];

export const gkeProvider: LoadBalancerProvider = {
  name: 'gke',
  title: 'Google Kubernetes Engine (GKE)',
  options: ['internal', 'subnet', 'annotations'],
  reuseAnnotations: GKE_REUSE,
  annotations(lb: LoadBalancerSpec, at: readonly PathSegment[]): ProviderResult {
    const problems: TopologyProblem[] = unsupportedOptions(this, lb, at);
    const out: Record<string, string> = {};
    if (lb.internal === true) out[GKE_LB_TYPE] = 'Internal';
    if (lb.subnet !== undefined) {
      if (lb.internal !== true) problems.push({ message: 'subnet applies to an internal load balancer: set internal: true', path: [...at, 'subnet'] });
      else out[GKE_INTERNAL_SUBNET] = lb.subnet;
    }
    return { annotations: withExtraAnnotations(out, lb), problems };
  },
};
