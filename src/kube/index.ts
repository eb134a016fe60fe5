// Public surface of cluster access: kubeconfig, transport, discovery, objects, and export/diff/import.
export * from './apply.js';
export * from './cluster.js';
export * from './crd.js';
export * from './diff.js';
export * from './discovery.js';
export * from './errors.js';
export * from './export.js';
export * from './field-diff.js';
export * from './import.js';
export * from './kubeconfig.js';
export * from './live.js';
export * from './no-op.js';
export * from './object-client.js';
export { redactUrl } from './redact-url.js';
export { proxyForUrl } from './proxy.js';
export * from './retry.js';
export * from '../concurrency.js';
export * from './transport.js';
