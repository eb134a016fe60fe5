// The one interface every cloud provider implements: load balancer options in, Service annotations out.
import type { PathSegment } from '../../resources/resource-set.js';
import type { LoadBalancerOption, LoadBalancerSpec, ProviderName, TopologyProblem } from '../topology.js';

/** What a provider made of one `loadBalancer` block. */
export interface ProviderResult {
  /** Service annotations, user-given extra annotations already merged in (they win). */
  annotations: Record<string, string>;
  /** Options this provider cannot honour, with paths below the block's path. */
  problems: TopologyProblem[];
}

/** A cloud's load balancer dialect (hono-style: tiny interface, one file per implementation, shared conformance suite). */
export interface LoadBalancerProvider {
  readonly name: ProviderName;
  /** Human name for messages and docs, e.g. "Tencent Kubernetes Engine (TKE)". */
  readonly title: string;
  /** The `loadBalancer` options it understands; any other option set is a problem. */
  readonly options: readonly LoadBalancerOption[];
  /** Annotations for a gateway Service; `at` is the path of the `loadBalancer` block in the topology. */
  annotations(lb: LoadBalancerSpec, at: readonly PathSegment[]): ProviderResult;
  /**
   * Service metadata keys (annotations, and labels some cloud controllers write) that make this cloud's controller
   * adopt one existing load balancer or pin its address. A Service copied into another cluster with one of them
   * would have that cluster's controller take over, or fight for, the live load balancer, so a copy drops them.
   */
  readonly reuseAnnotations: readonly MetadataKeyMatch[];
}

/** One metadata key, or every key under a prefix. */
export type MetadataKeyMatch = { key: string } | { prefix: string };

/** Whether a metadata key is the one named, or starts with the prefix. */
export function matchesMetadataKey(match: MetadataKeyMatch, key: string): boolean {
  return 'key' in match ? key === match.key : key.startsWith(match.prefix);
}

/**
 * Shared first pass of every provider: reports options the provider does not understand and returns the
 * problems list the provider appends to. Unset (undefined) options never count.
 */
export function unsupportedOptions(provider: Pick<LoadBalancerProvider, 'name' | 'title' | 'options'>, lb: LoadBalancerSpec, at: readonly PathSegment[]): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  for (const [key, value] of Object.entries(lb)) {
    if (value === undefined || key === 'annotations') continue;
    if (!(provider.options as readonly string[]).includes(key))
      problems.push({
        message: `provider ${provider.name} (${provider.title}) has no "${key}" load balancer option; it understands ${provider.options.join(', ')}`,
        path: [...at, key],
      });
  }
  return problems;
}

/** Merges the user's extra annotations over the generated ones, so the user always has the last word. */
export function withExtraAnnotations(generated: Record<string, string>, lb: LoadBalancerSpec): Record<string, string> {
  return { ...generated, ...(lb.annotations ?? {}) };
}
