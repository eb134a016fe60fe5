// Public surface of the traffic routers: the interface, the spec types, each router and createRouter.
export * from './router.js';
export type * from './spec.js';
export * from './create-router.js';
export * from './cluster-set.js';
export * from './noop.js';
export * from './virtualservice.js';
export * from './lb-weight.js';
export * from './httproute.js';
export { compareGateways } from './gateway-servers.js';
