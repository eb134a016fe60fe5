// The public library surface of meshferry: one barrel, listed name by name, so that internals can move freely.
// A name belongs here when a program using meshferry as a library needs it to do what a command does.

// Errors and exit codes.
export {
  ExitCode,
  MeshferryError,
  InputError,
  InputErrors,
  UsageError,
  ClusterError,
  LabError,
  formatPosition,
  type ExitCodeValue,
  type MeshferryErrorOptions,
  type Problem,
  type SourcePosition,
} from './errors.js';

// Objects, kinds and the set of objects of one run.
export {
  KINDS,
  ISTIO_KINDS,
  GATEWAY_API_KINDS,
  kindInfo,
  kindOf,
  displayKind,
  resolveKindWord,
  parseApiVersion,
  formatApiVersion,
  type KindInfo,
  type KindCategory,
} from './resources/kinds.js';
export { keyOf, keyString, identityOf, compareKeys, type KubeObject, type ObjectMeta, type ObjectKey } from './resources/object.js';
export { ResourceSet, sourceText, type Resource, type SourceRef, type PathSegment } from './resources/resource-set.js';

// Reading and writing YAML; neat.
export { readResources, parseResources, type ReadOptions, type ParseResult } from './resources/yaml-read.js';
export { serializeObject, serializeStream, writeLayout, writeFileAtomic, layoutPath, OUTPUT_MARKER } from './resources/yaml-write.js';
export { neatObject } from './resources/neat.js';

// transform: TransformRules files and what they change.
export {
  applyRules,
  loadTransformRules,
  parseTransformRules,
  buildReport,
  formatTransformChange,
  formatTransformNotification,
  formatTransformSummary,
  TRANSFORM_API_VERSION,
  TRANSFORM_KIND,
  type ApplyRulesOptions,
  type TransformResult,
  type LoadedRules,
  type TransformRules,
  type Rule,
  type Change,
  type Notification,
  type TransformReport,
  type TransformSummary,
} from './transform/index.js';

// analyze: checks, their catalog and their renderings.
export {
  analyzeResources,
  allAnalyzers,
  CATALOG,
  DEFAULT_TARGET_VERSION,
  shippedVersions,
  parseLevel,
  parseSuppression,
  renderJson,
  renderSarif,
  type AnalyzeOptions,
  type AnalysisResult,
  type Finding,
  type Level,
  type TargetOptions,
} from './analyze/index.js';

// install: MeshTopology → plan, its files, remote secrets.
export {
  loadTopology,
  parseTopology,
  planInstall,
  planFiles,
  writePlan,
  renderRunbook,
  buildRemoteSecret,
  TOPOLOGY_API_VERSION,
  TOPOLOGY_KIND,
  type MeshTopology,
  type LoadedTopology,
  type InstallPlan,
  type ClusterPlan,
  type PlanOptions,
  type RemoteSecretOptions,
  type RemoteSecretResult,
} from './install/index.js';

// kube: connect to a cluster and move objects in and out.
export {
  openCluster,
  listContexts,
  exportObjects,
  importObjects,
  diffObjects,
  resourceName,
  ObjectClient,
  KubeApiError,
  FIELD_MANAGER,
  type Cluster,
  type OpenClusterOptions,
  type ContextSummary,
  type ExportOptions,
  type ExportReport,
  type ImportOptions,
  type ImportReport,
  type DiffOptions,
  type DiffReport,
  type ServedResource,
} from './kube/index.js';

// lab: real local control planes for rehearsals and tests.
export { startLab, stopLab, labStatus, openLab, type Lab, type LabRevisions, type LabStatus, type StartLabOptions, type StopOptions } from './lab/index.js';
