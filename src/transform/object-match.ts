// Compiles `match` blocks (kinds, namespaces, names, labelSelector) into predicates over objects.
import { KINDS, resolveKindWord, type KindInfo } from '../resources/kinds.js';
import { keyOf, type KubeObject } from '../resources/object.js';
import type { PathSegment } from '../resources/resource-set.js';
import { didYouMean } from '../closest-word.js';
import { LabelSelectorError, parseLabelSelector } from './label-selector.js';
import type { ObjectMatch } from './types.js';

/** A problem in a rule body; `path` is relative to the rules file root. */
export interface SpecProblem {
  path: PathSegment[];
  message: string;
}

export type ObjectPredicate = (obj: KubeObject) => boolean;

const KIND_WORDS = [...new Set(KINDS.flatMap((k) => [k.kind, k.plural, ...(k.shortNames ?? [])]))];

/** Resolves kind words, reporting unknown ones (with a suggestion) at `at`. */
export function resolveKinds(words: readonly string[], at: PathSegment[], problems: SpecProblem[]): KindInfo[] {
  const out: KindInfo[] = [];
  words.forEach((word, i) => {
    const info = resolveKindWord(word);
    if (info) out.push(info);
    else problems.push({ path: [...at, i], message: `unknown kind "${word}"${didYouMean(word, KIND_WORDS)}` });
  });
  return out;
}

/** The namespace an object is in for matching; a Namespace object counts as being in itself. */
export function matchNamespaceOf(obj: KubeObject): string {
  if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') return obj.metadata.name;
  return keyOf(obj).namespace;
}

/** `*` matches any run of characters; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

/**
 * Compiles a match block found at `at` (a path in the rules file). Problems are appended, not thrown, so that a
 * rules file with several mistakes reports them all. Fields that are absent do not restrict.
 */
export function compileMatch(m: ObjectMatch | undefined, at: PathSegment[], problems: SpecProblem[]): ObjectPredicate {
  if (!m) return () => true;
  const tests: ObjectPredicate[] = [];
  if (m.kinds !== undefined) {
    const kinds = resolveKinds(m.kinds, [...at, 'kinds'], problems);
    tests.push((obj) => {
      const k = keyOf(obj);
      return kinds.some((info) => info.kind === k.kind && info.group === k.group);
    });
  }
  if (m.namespaces !== undefined) {
    const patterns = m.namespaces.map(globToRegExp);
    tests.push((obj) => {
      const ns = matchNamespaceOf(obj);
      return ns !== '' && patterns.some((p) => p.test(ns));
    });
  }
  if (m.names !== undefined) {
    const patterns = m.names.map(globToRegExp);
    tests.push((obj) => patterns.some((p) => p.test(obj.metadata.name)));
  }
  if (m.labelSelector !== undefined) {
    try {
      const selector = parseLabelSelector(m.labelSelector);
      tests.push((obj) => selector.matches(obj.metadata.labels));
    } catch (err) {
      if (!(err instanceof LabelSelectorError)) throw err;
      problems.push({
        path: [...at, 'labelSelector'],
        message: `labelSelector "${m.labelSelector}" does not parse at character ${err.offset + 1}: ${err.message}`,
      });
    }
  }
  return (obj) => tests.every((t) => t(obj));
}
