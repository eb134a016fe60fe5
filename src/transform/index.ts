// Public surface of the transform library: load rules, apply them, report what changed.
export * from './types.js';
export { applyRules, type ApplyRulesOptions, type TransformResult } from './apply.js';
export { compileRules, type CompiledRule, type Locate } from './compile-rules.js';
export { loadTransformRules, parseTransformRules, type LoadedRules } from './load-rules.js';
export { checkTransformRulesSchema, TRANSFORM_RULES_SCHEMA_URL, type SchemaProblem } from './rules-schema.js';
export { parseLabelSelector, LabelSelectorError, type LabelSelector, type SelectorRequirement } from './label-selector.js';
export { REWRITERS, RULE_TYPES } from './rules/index.js';
export type { Rewriter, RuleApplication, RuleRun, ObjectEdit } from './rewriter.js';
export {
  buildReport,
  formatTransformChange,
  formatTransformNotification,
  formatTransformSummary,
  type TransformReport,
  type TransformSummary,
} from './report.js';
