// Public API of the analyzer: run it on a ResourceSet, render its findings, list its checks.
export type { Analyzer, AnalyzerMetadata, AnalysisContext, TargetFacts, SkipReason } from './analyzer.js';
export { analyzeResources, resolveTarget, type AnalyzeOptions, type AnalysisResult, type Finding, type TargetOptions } from './run.js';
export { allAnalyzers } from './registry.js';
export { CATALOG, msg, type MessageName } from './messages.gen.js';
export { LEVELS, atLeast, parseLevel, type Level, type Message, type MessageType } from './message.js';
export { SUPPRESS_ANNOTATION, parseSuppression, type Suppression } from './suppress.js';
export { jsonChunks, outputChunks, renderJson, renderSarif, sarifChunks, tableChunks, tableRows, TABLE_HEADERS, type OutputFormat } from './output.js';
export { DEFAULT_TARGET_VERSION, shippedVersions } from './schema/target-schemas.js';
export { K, kindRef, type KindRef } from './kinds.js';
