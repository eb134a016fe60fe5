// Turns a TransformRules document into checked, ready-to-run rules, collecting every problem with its place.
import { InputErrors, type Problem, type SourcePosition } from '../errors.js';
import { isPlainObject } from '../resources/object.js';
import type { PathSegment } from '../resources/resource-set.js';
import { didYouMean } from '../closest-word.js';
import { formatPath } from './field-path.js';
import { compileMatch, type ObjectPredicate, type SpecProblem } from './object-match.js';
import type { Rewriter } from './rewriter.js';
import { REWRITERS, RULE_TYPES, isRuleType } from './rules/index.js';
import type { RuleSpecs, RuleType, TransformRules } from './types.js';

/** Finds where a path of the rules document sits in its file. */
export type Locate = (path: readonly PathSegment[]) => SourcePosition | undefined;

/** A rule ready to run. */
export interface CompiledRule {
  /** Position in the file, counting from 1. */
  number: number;
  type: RuleType;
  spec: RuleSpecs[RuleType];
  /** Path of the rule body in the document: `['rules', i, type]`. */
  at: PathSegment[];
  rewriter: Rewriter<RuleType>;
  select: ObjectPredicate;
}

/** Problems in a rules file as one exit-2 error, each line with file:line and field path where known. */
export function rulesFileError(problems: readonly SpecProblem[], locate: Locate | undefined, file?: string, summary?: string): InputErrors {
  const list: Problem[] = problems.map((p) => {
    const position = locate?.(p.path);
    return { message: p.message, ...(position ? { position } : {}), ...(p.path.length ? { fieldPath: formatPath(p.path) } : {}) };
  });
  const where = file ? `${file}: ` : '';
  return new InputErrors(summary ?? `${where}the TransformRules file has ${problems.length} problem${problems.length === 1 ? '' : 's'}:`, list, 'InvalidRules');
}

/**
 * Checks every rule (shape, kind words, label selectors, rule-specific checks) and compiles its object selection.
 * Throws InputErrors listing all problems; `locate` turns their paths into file:line.
 */
export function compileRules(rules: TransformRules, locate?: Locate, file?: string): CompiledRule[] {
  const problems: SpecProblem[] = [];
  const out: CompiledRule[] = [];
  const list: unknown = rules.rules;
  if (!Array.isArray(list)) throw rulesFileError([{ path: ['rules'], message: 'rules must be a list' }], locate, file);
  list.forEach((rule: unknown, i) => {
    const keys = isPlainObject(rule) ? Object.keys(rule) : [];
    if (!isPlainObject(rule) || keys.length !== 1) {
      problems.push({ path: ['rules', i], message: 'a rule is a map with exactly one key, its type (for example "- setRevision: {to: 1-31-1}")' });
      return;
    }
    const type = keys[0]!;
    if (!isRuleType(type)) {
      problems.push({ path: ['rules', i, type], message: `unknown rule "${type}"${didYouMean(type, RULE_TYPES)}; rules are ${RULE_TYPES.join(', ')}` });
      return;
    }
    const spec = rule[type];
    const at: PathSegment[] = ['rules', i, type];
    if (!isPlainObject(spec)) {
      problems.push({ path: at, message: `the body of ${type} must be a map` });
      return;
    }
    const typedSpec = spec as unknown as RuleSpecs[RuleType];
    // The registry is keyed by type, so this rewriter takes exactly this rule's body.
    const rewriter = REWRITERS[type] as Rewriter<RuleType>;
    rewriter.check?.(typedSpec, at, problems);
    const select = rewriter.select
      ? rewriter.select(typedSpec, at, problems)
      : compileMatch((typedSpec as { match?: Parameters<typeof compileMatch>[0] }).match, [...at, 'match'], problems);
    out.push({ number: i + 1, type, spec: typedSpec, at, rewriter, select });
  });
  if (problems.length > 0) throw rulesFileError(problems, locate, file);
  return out;
}
