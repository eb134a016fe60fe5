// Runs every analyzer over one ResourceSet against the target facts, and returns sorted, de-duplicated, unsuppressed findings.
import { formatPosition, type SourcePosition } from '../errors.js';
import { identityOf } from '../resources/object.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { VENDORS, type Vendor } from '../resources/vendors.js';
import { UsageError } from '../errors.js';
import type { Analyzer, SkipReason, TargetFacts } from './analyzer.js';
import { AnalysisIndex, GuardedContext, type Report } from './context.js';
import type { KindRef } from './kinds.js';
import type { Level, Message } from './message.js';
import { msg } from './messages.gen.js';
import { allAnalyzers } from './registry.js';
import { DEFAULT_TARGET_VERSION, loadTargetSchemas } from './schema/target-schemas.js';
import { isSuppressed, type Suppression } from './suppress.js';

export interface TargetOptions {
  /** Istio release X.Y.Z (default: the lab's pinned release). */
  version?: string;
  /** Revisions (and revision tags) installed in the target (default: `default` only, as an assumption). */
  revisions?: readonly string[];
  /** The revisions are read from a live target, so even an empty list is known. Given `revisions` are always known. */
  revisionsKnown?: boolean;
  vendor?: Vendor;
  rootNamespace?: string;
}

export interface AnalyzeOptions {
  target?: TargetOptions;
  suppressions?: readonly Suppression[];
  /** Kinds the input holds completely (a live cluster read), so "not found" needs no coverage check. */
  completeKinds?: Iterable<KindRef>;
  /** Objects without a file came from this cluster context: their reference is `cluster/<name>`. */
  clusterName?: string;
  /** Defaults to every registered analyzer. */
  analyzers?: readonly Analyzer[];
}

/** One reported problem; the JSON output is exactly code, name, level, origin, reference, message. */
export interface Finding {
  code: string;
  name: string;
  level: Level;
  /** `Kind namespace/name`, `Kind name` for cluster-scoped objects, '' for run-level notes. */
  origin: string;
  /** `file:line` of the offending field, `cluster/<context>` for live objects, '' when unknown. */
  reference: string;
  message: string;
  analyzer: string;
  position?: SourcePosition;
}

export interface AnalysisResult {
  findings: Finding[];
  suppressed: number;
  target: TargetFacts;
  /** Set when the requested release has no shipped schemas and a same-minor release's were used. */
  schemasFrom?: string;
  objects: number;
}

/** Resolves target options into facts (loads the release's schemas). Bad values are usage errors. */
export function resolveTarget(opts: TargetOptions = {}): { target: TargetFacts; schemasFrom?: string } {
  const version = opts.version ?? DEFAULT_TARGET_VERSION;
  const vendor = opts.vendor ?? 'istio';
  if (!VENDORS.includes(vendor)) throw new UsageError(`--target-vendor must be one of ${VENDORS.join(', ')}, got "${String(vendor)}"`);
  for (const rev of opts.revisions ?? [])
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(rev) || rev.length > 63)
      throw new UsageError(`--target-revision "${rev}" is not a revision name: revisions are DNS labels such as 1-24-2 (not 1.24.2)`);
  const { schemas, substitutedFor } = loadTargetSchemas(version);
  const target: TargetFacts = {
    istioVersion: version,
    revisions: opts.revisions && opts.revisions.length ? [...new Set(opts.revisions)] : opts.revisionsKnown ? [] : ['default'],
    revisionsKnown: Boolean(opts.revisionsKnown || (opts.revisions && opts.revisions.length)),
    vendor,
    schemas,
    rootNamespace: opts.rootNamespace ?? 'istio-system',
  };
  return substitutedFor ? { target, schemasFrom: schemas.version } : { target };
}

/** The kind a reference check skipped for lack of it, as ReferenceChecksSkipped names it. */
const SKIPPED_KIND: Record<Exclude<SkipReason, 'workloads'>, string> = { services: 'Services', secrets: 'Secrets', namespaces: 'Namespaces' };

/** Analyzes a set of objects (from files, a live cluster, or both merged) against the target. Pure: never touches a cluster. */
export function analyzeResources(set: ResourceSet, opts: AnalyzeOptions = {}): AnalysisResult {
  const { target, schemasFrom } = resolveTarget(opts.target);
  const index = new AnalysisIndex(set, target, opts.completeKinds);
  const suppressions = opts.suppressions ?? [];
  const findings = new Map<string, Finding>();
  let suppressed = 0;
  const skipped = new Map<SkipReason, Map<string, number>>();

  const add = (f: Finding, object: Report['resource']['object'] | undefined) => {
    if (isSuppressed(f, object, suppressions)) {
      suppressed++;
      return;
    }
    findings.set(`${f.code}|${f.origin}|${f.reference}|${f.message}`, f);
  };
  const onReport = (rep: Report) => {
    const { resource, message, path } = rep;
    const src = resource.source;
    let position: SourcePosition | undefined;
    if (src) position = (path && src.locate?.(path)) || { file: src.file, line: src.line };
    const reference = position ? formatPosition({ file: position.file, ...(position.line !== undefined ? { line: position.line } : {}) }) : opts.clusterName ? `cluster/${opts.clusterName}` : '';
    add(toFinding(message, identityOf(resource.object), reference, rep.analyzer, position), resource.object);
  };
  const onSkip = (reason: SkipReason, namespace: string) => {
    let m = skipped.get(reason);
    if (!m) skipped.set(reason, (m = new Map()));
    m.set(namespace, (m.get(namespace) ?? 0) + 1);
  };

  for (const analyzer of opts.analyzers ?? allAnalyzers()) {
    const ctx = new GuardedContext(index, analyzer.metadata, onReport, onSkip);
    try {
      analyzer.analyze(ctx);
    } catch (err) {
      add(toFinding(msg.AnalyzerFailed(analyzer.metadata.name, err instanceof Error ? err.message : String(err)), '', '', analyzer.metadata.name, undefined), undefined);
    }
  }
  for (const [reason, namespaces] of skipped) {
    const count = [...namespaces.values()].reduce((a, b) => a + b, 0);
    const scope = describeNamespaces([...namespaces.keys()]);
    const m = reason === 'workloads' ? msg.SelectorChecksSkipped(scope, count) : msg.ReferenceChecksSkipped(SKIPPED_KIND[reason], scope, count);
    add(toFinding(m, '', '', 'analyze', undefined), undefined);
  }
  // Kinds no registered check reads pass through: one note per kind, not per object (a folder of Jobs is one line).
  const read = new Set(allAnalyzers().flatMap((a) => a.metadata.inputs));
  for (const [kind, count] of index.kindCounts())
    if (!read.has(kind)) {
      const slash = kind.lastIndexOf('/');
      add(toFinding(msg.KindNotAnalyzed(`${kind.slice(slash + 1)} (${kind.slice(0, slash)})`, count), '', '', 'analyze', undefined), undefined);
    }
  const sorted = [...findings.values()].sort(compareFindings);
  return { findings: sorted, suppressed, target, objects: set.size, ...(schemasFrom ? { schemasFrom } : {}) };
}

function toFinding(m: Message, origin: string, reference: string, analyzer: string, position: SourcePosition | undefined): Finding {
  return { code: m.type.code, name: m.type.name, level: m.type.level, origin, reference, message: m.text, analyzer, ...(position ? { position } : {}) };
}

function describeNamespaces(ns: string[]): string {
  const sorted = ns.sort();
  const shown = sorted.slice(0, 5).join(', ');
  const more = sorted.length > 5 ? ` and ${sorted.length - 5} more` : '';
  return `${sorted.length === 1 ? 'namespace' : 'namespaces'} ${shown}${more}`;
}

/** File order (file, line), then origin, code and text; findings without a place go last. */
function compareFindings(a: Finding, b: Finding): number {
  const af = a.position?.file;
  const bf = b.position?.file;
  if (af !== bf) return af === undefined ? 1 : bf === undefined ? -1 : af < bf ? -1 : 1;
  const line = (a.position?.line ?? 0) - (b.position?.line ?? 0);
  if (line) return line;
  return cmp(a.origin, b.origin) || cmp(a.code, b.code) || cmp(a.message, b.message);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
