// Compiles `match` blocks (kinds, namespaces, names, labelSelector) into predicates over objects.
import { KINDS, resolveKindWord, type KindInfo } from '../resources/kinds.js';
import { keyOf, type KubeObject } from '../resources/object.js';
import type { PathSegment } from '../resources/resource-set.js';
import { didYouMean, editDistance } from '../closest-word.js';
import { LabelSelectorError, parseLabelSelector } from './label-selector.js';
import type { ObjectMatch } from './types.js';

/** A problem in a rule body; `path` is relative to the rules file root. */
export interface SpecProblem {
  path: PathSegment[];
  message: string;
}

export type ObjectPredicate = (obj: KubeObject) => boolean;

const KIND_WORDS = [...new Set(KINDS.flatMap((k) => [k.kind, k.plural, ...(k.shortNames ?? [])]))];

/** A kind to match: a registry kind, or a kind meshferry does not know, named by `Kind` (any group) or `Kind.group`. */
export interface KindMatcher {
  kind: string;
  /** Undefined: any group (an unknown kind named without its group). */
  group?: string;
}

/** `Kind` or `Kind.group`: how a kind meshferry does not know is named (kubectl's plural words need its discovery). */
const UNKNOWN_KIND_WORD = /^([A-Z][A-Za-z0-9]{0,62})(?:\.([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*))?$/;

/** A registry kind one typo away from `kind` (same group when one is given): a misspelling, not a new kind. */
function likelyTypo(kind: string, group: string | undefined): KindInfo | undefined {
  const limit = Math.max(1, Math.floor(kind.length / 6));
  return KINDS.find((k) => (group === undefined || k.group === group) && editDistance(kind.toLowerCase(), k.kind.toLowerCase()) <= limit);
}

/**
 * Resolves kind words, reporting unknown ones (with a suggestion) at `at`. Kind names meshferry does not know
 * (`Ingress`, `Widget.example.com`) match objects of that kind, unless they look like a misspelt known kind.
 */
export function resolveKinds(words: readonly string[], at: PathSegment[], problems: SpecProblem[]): KindMatcher[] {
  const out: KindMatcher[] = [];
  words.forEach((word, i) => {
    const info = resolveKindWord(word);
    if (info) {
      out.push({ kind: info.kind, group: info.group });
      return;
    }
    const m = UNKNOWN_KIND_WORD.exec(word);
    const typo = m ? likelyTypo(m[1]!, m[2]) : undefined;
    if (m && !typo) {
      out.push({ kind: m[1]!, ...(m[2] !== undefined ? { group: m[2] } : {}) });
      return;
    }
    if (typo) {
      problems.push({ path: [...at, i], message: `unknown kind "${word}" (did you mean ${typo.kind}?)` });
      return;
    }
    problems.push({
      path: [...at, i],
      message: `unknown kind "${word}"${didYouMean(word, KIND_WORDS)}; write a kind meshferry does not know by its Kind name, such as Ingress or Ingress.networking.k8s.io`,
    });
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
      return kinds.some((m) => m.kind === k.kind && (m.group === undefined || m.group === k.group));
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
