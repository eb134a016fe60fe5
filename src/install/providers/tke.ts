// Tencent Kubernetes Engine: reuse a CLB by id, or create an internal CLB in a subnet.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerSpec, TopologyProblem } from '../topology.js';
import { unsupportedOptions, withExtraAnnotations, type LoadBalancerProvider, type MetadataKeyMatch, type ProviderResult } from './provider.js';

export const TKE_EXISTING_LB = 'service.kubernetes.io/tke-existed-lbid';
export const TKE_INTERNAL_SUBNET = 'service.kubernetes.io/qcloud-loadbalancer-internal-subnetid';
/** Read-only: the id of the CLB the service controller bound the Service to. */
export const TKE_LB_ID = 'service.kubernetes.io/loadbalance-id';

/**
 * cloud.tencent.com/document/product/457/51258 (Service Annotation 说明): `tke-existed-lbid` reuses an existing CLB,
 * `loadbalance-id` is the read-only id of the bound CLB; tencentcloud.com/document/product/457/36835 (Using
 * Existing CLBs) says adding the reuse annotation to a Service hands the CLB to it.
 */
const TKE_REUSE: readonly MetadataKeyMatch[] = [{ key: TKE_EXISTING_LB }, { key: TKE_LB_ID }];

export const tkeProvider: LoadBalancerProvider = {
  name: 'tke',
  title: 'Tencent Kubernetes Engine (TKE)',
  options: ['internal', 'existingId', 'subnet', 'annotations'],
  reuseAnnotations: TKE_REUSE,
  annotations(lb: LoadBalancerSpec, at: readonly PathSegment[]): ProviderResult {
    const problems: TopologyProblem[] = unsupportedOptions(this, lb, at);
    const out: Record<string, string> = {};
    if (lb.existingId !== undefined) out[TKE_EXISTING_LB] = lb.existingId;
    if (lb.subnet !== undefined) {
      // TKE reads the subnet only when it creates the CLB; with an existing CLB it would be silently ignored.
      if (lb.existingId !== undefined)
        problems.push({ message: 'give either existingId (reuse a CLB) or subnet (create an internal CLB), not both', path: [...at, 'subnet'] });
      else if (lb.internal === false)
        problems.push({ message: 'subnet creates an internal CLB, but internal is false', path: [...at, 'subnet'] });
      else out[TKE_INTERNAL_SUBNET] = lb.subnet;
    }
    if (lb.internal === true && lb.existingId === undefined && lb.subnet === undefined)
      problems.push({
        message: 'TKE creates an internal CLB only inside a subnet: give subnet (subnet-…) or the existingId of an internal CLB',
        path: [...at, 'internal'],
      });
    return { annotations: withExtraAnnotations(out, lb), problems };
  },
};
