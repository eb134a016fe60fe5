// The provider registry: one entry per supported cloud, looked up by the topology's `provider` field.
import type { ProviderName } from '../topology.js';
import { ackProvider } from './ack.js';
import { aksProvider } from './aks.js';
import { eksProvider } from './eks.js';
import { genericProvider } from './generic.js';
import { gkeProvider } from './gke.js';
import type { LoadBalancerProvider } from './provider.js';
import { tkeProvider } from './tke.js';

export type { LoadBalancerProvider, ProviderResult } from './provider.js';

/** Every provider, by name. */
export const PROVIDERS: Readonly<Record<ProviderName, LoadBalancerProvider>> = {
  tke: tkeProvider,
  ack: ackProvider,
  gke: gkeProvider,
  eks: eksProvider,
  aks: aksProvider,
  generic: genericProvider,
};

/** The provider for a name, or undefined for a name meshferry does not know. */
export function providerFor(name: string): LoadBalancerProvider | undefined {
  return Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name as ProviderName] : undefined;
}
