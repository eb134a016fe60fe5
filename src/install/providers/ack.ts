// Alibaba Cloud ACK: reuse a CLB and its vServer groups with a weight, or create an intranet CLB.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerSpec, TopologyProblem } from '../topology.js';
import { unsupportedOptions, withExtraAnnotations, type LoadBalancerProvider, type MetadataKeyMatch, type ProviderResult } from './provider.js';

const PREFIX = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';
export const ACK_ADDRESS_TYPE = `${PREFIX}address-type`;
export const ACK_LB_ID = `${PREFIX}id`;
export const ACK_FORCE_OVERRIDE = `${PREFIX}force-override-listeners`;
export const ACK_VGROUP_PORT = `${PREFIX}vgroup-port`;
export const ACK_WEIGHT = `${PREFIX}weight`;
export const ACK_VSWITCH = `${PREFIX}vswitch-id`;
/** The keyword before 2019-09-11, still honoured by the cloud controller. */
const LEGACY_PREFIX = 'service.beta.kubernetes.io/alicloud-loadbalancer-';
/** Labels cloud-provider-alibaba-cloud writes on a Service it reconciled: the load balancer's id and the Service's hash. */
export const ACK_LB_ID_LABEL = 'service.k8s.alibaba/loadbalancer-id';
export const ACK_HASH_LABEL = 'service.beta.kubernetes.io/hash';

/**
 * alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/add-annotations-to-the-yaml-file-of-a-service-to-configure-clb-instances
 * ("Use an existing instance": `id`, `force-override-listeners`; backend server groups: `vgroup-port`, `weight`; the
 * `alicloud` keyword "is still supported"). The labels are constants of kubernetes/cloud-provider-alibaba-cloud
 * (LabelLoadBalancerId, LabelServiceHash), which finds a Service's load balancer by the id label.
 */
const ACK_REUSE: readonly MetadataKeyMatch[] = [
  ...['id', 'force-override-listeners', 'vgroup-port', 'weight'].flatMap((k) => [{ key: `${PREFIX}${k}` }, { key: `${LEGACY_PREFIX}${k}` }]),
  { key: ACK_LB_ID_LABEL },
  { key: ACK_HASH_LABEL },
];

export const ackProvider: LoadBalancerProvider = {
  name: 'ack',
  title: 'Alibaba Cloud Container Service (ACK)',
  options: ['internal', 'existingId', 'subnet', 'vgroupPorts', 'weight', 'annotations'],
  reuseAnnotations: ACK_REUSE,
  annotations(lb: LoadBalancerSpec, at: readonly PathSegment[]): ProviderResult {
    const problems: TopologyProblem[] = unsupportedOptions(this, lb, at);
    const out: Record<string, string> = {};
    if (lb.internal === true) out[ACK_ADDRESS_TYPE] = 'intranet';
    if (lb.existingId !== undefined) {
      out[ACK_LB_ID] = lb.existingId;
      // Never let the cloud controller rewrite listeners of a CLB that other Services (the old gateway) still use.
      out[ACK_FORCE_OVERRIDE] = 'false';
    }
    if (lb.vgroupPorts !== undefined) {
      if (lb.existingId === undefined)
        problems.push({ message: 'vgroupPorts reuse vServer groups of an existing CLB: give existingId too', path: [...at, 'vgroupPorts'] });
      out[ACK_VGROUP_PORT] = lb.vgroupPorts.join(',');
    }
    if (lb.weight !== undefined) {
      // The weight only means something inside a shared vServer group (istio-facts.md).
      if (lb.existingId === undefined || lb.vgroupPorts === undefined)
        problems.push({ message: 'weight applies only to a reused vServer group: give existingId and vgroupPorts too', path: [...at, 'weight'] });
      out[ACK_WEIGHT] = String(lb.weight);
    }
    if (lb.subnet !== undefined) {
      if (lb.existingId !== undefined)
        problems.push({ message: 'give either existingId (reuse a CLB) or subnet (vSwitch of a new intranet CLB), not both', path: [...at, 'subnet'] });
      else if (lb.internal !== true) problems.push({ message: 'subnet (a vSwitch) applies to an intranet CLB: set internal: true', path: [...at, 'subnet'] });
      else out[ACK_VSWITCH] = lb.subnet;
    }
    return { annotations: withExtraAnnotations(out, lb), problems };
  },
};
