// Amazon EKS with the AWS Load Balancer Controller: an NLB with IP targets, internal or internet-facing.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerSpec, TopologyProblem } from '../topology.js';
import { unsupportedOptions, withExtraAnnotations, type LoadBalancerProvider, type MetadataKeyMatch, type ProviderResult } from './provider.js';

const PREFIX = 'service.beta.kubernetes.io/aws-load-balancer-';
export const EKS_LB_TYPE = `${PREFIX}type`;
export const EKS_TARGET_TYPE = `${PREFIX}nlb-target-type`;
export const EKS_SCHEME = `${PREFIX}scheme`;
export const EKS_SUBNETS = `${PREFIX}subnets`;
export const EKS_EIP_ALLOCATIONS = `${PREFIX}eip-allocations`;
export const EKS_PRIVATE_IPV4 = `${PREFIX}private-ipv4-addresses`;
export const EKS_IPV6 = `${PREFIX}ipv6-addresses`;

/**
 * kubernetes-sigs.github.io/aws-load-balancer-controller guide/service/annotations and kubernetes.io's well-known
 * annotations (`aws-load-balancer-private-ipv4-addresses`): Elastic IP allocations, pinned private IPv4 and IPv6
 * addresses of an NLB. An address is held by one load balancer at a time.
 */
const EKS_REUSE: readonly MetadataKeyMatch[] = [{ key: EKS_EIP_ALLOCATIONS }, { key: EKS_PRIVATE_IPV4 }, { key: EKS_IPV6 }];

export const eksProvider: LoadBalancerProvider = {
  name: 'eks',
  title: 'Amazon Elastic Kubernetes Service (EKS, AWS Load Balancer Controller)',
  options: ['internal', 'subnet', 'annotations'],
  reuseAnnotations: EKS_REUSE,
  annotations(lb: LoadBalancerSpec, at: readonly PathSegment[]): ProviderResult {
    const problems: TopologyProblem[] = unsupportedOptions(this, lb, at);
    const out: Record<string, string> = {};
    if (lb.internal !== undefined || lb.subnet !== undefined) {
      // "external" hands the Service to the AWS Load Balancer Controller instead of the legacy in-tree controller.
      out[EKS_LB_TYPE] = 'external';
      out[EKS_TARGET_TYPE] = 'ip';
      out[EKS_SCHEME] = lb.internal === true ? 'internal' : 'internet-facing';
    }
    if (lb.subnet !== undefined) out[EKS_SUBNETS] = lb.subnet;
    return { annotations: withExtraAnnotations(out, lb), problems };
  },
};
