// The public library surface of meshferry: one barrel, so consumers never import internal paths.
export * from './errors.js';
export * from './resources/kinds.js';
export * from './resources/object.js';
export * from './resources/resource-set.js';
export * from './resources/yaml-read.js';
export * from './resources/yaml-write.js';
export * from './resources/neat.js';
export * from './transform/index.js';
export * from './install/index.js';
export * from './kube/index.js';
export * from './analyze/index.js';
export * from './lab/index.js';
