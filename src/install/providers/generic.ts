// Any other platform: meshferry knows no annotations, so the user gives them all.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerSpec, TopologyProblem } from '../topology.js';
import { unsupportedOptions, withExtraAnnotations, type LoadBalancerProvider, type ProviderResult } from './provider.js';

export const genericProvider: LoadBalancerProvider = {
  name: 'generic',
  title: 'generic Kubernetes (your own annotations)',
  options: ['annotations'],
  annotations(lb: LoadBalancerSpec, at: readonly PathSegment[]): ProviderResult {
    const problems: TopologyProblem[] = unsupportedOptions(this, lb, at).map((p) => ({
      ...p,
      message: `${p.message}; write the Service annotations your load balancer controller needs under annotations`,
    }));
    return { annotations: withExtraAnnotations({}, lb), problems };
  },
};
