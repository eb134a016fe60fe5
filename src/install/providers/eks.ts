// Amazon EKS with the AWS Load Balancer Controller: an NLB with IP targets, internal or internet-facing.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerSpec, TopologyProblem } from '../topology.js';
import { unsupportedOptions, withExtraAnnotations, type LoadBalancerProvider, type ProviderResult } from './provider.js';

const PREFIX = 'service.beta.kubernetes.io/aws-load-balancer-';
export const EKS_LB_TYPE = `${PREFIX}type`;
export const EKS_TARGET_TYPE = `${PREFIX}nlb-target-type`;
export const EKS_SCHEME = `${PREFIX}scheme`;
export const EKS_SUBNETS = `${PREFIX}subnets`;

export const eksProvider: LoadBalancerProvider = {
  name: 'eks',
  title: 'Amazon Elastic Kubernetes Service (EKS, AWS Load Balancer Controller)',
  options: ['internal', 'subnet', 'annotations'],
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
