// The change report: one line per change for people (stderr), and the same facts as JSON for tools (--report).
import type { Change, Notification, TransformRules } from './types.js';

/** A value as a short word: plain strings bare, everything else as compact JSON, long values cut. */
export function formatValue(v: unknown, max = 80): string {
  if (v === undefined) return '(none)';
  const text = typeof v === 'string' && /^[\w.\-/:*~@=+,]+$/.test(v) ? v : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `rule 2 setRevision: Namespace shop: metadata.labels["istio.io/rev"]: 1-18-5 → 1-31-1` */
export function formatTransformChange(c: Change): string {
  const head = `rule ${c.rule} ${c.type}: ${c.object}`;
  switch (c.action) {
    case 'drop':
      return `${head}: dropped`;
    case 'remove':
      return `${head}: ${c.path}: ${formatValue(c.from)} → (removed)`;
    case 'set':
      return `${head}: ${c.path}: ${formatValue(c.from)} → ${formatValue(c.to)}`;
  }
}

/** `WARNING rule 4 mapHost: ServiceEntry payments/legacy-bank: …` */
export function formatTransformNotification(n: Notification): string {
  const rule = n.rule !== undefined ? ` rule ${n.rule}${n.type ? ` ${n.type}` : ''}:` : '';
  const object = n.object ? ` ${n.object}:` : '';
  return `${n.level.padEnd(7)}${rule}${object} ${n.message}`;
}

export interface TransformSummary {
  rules: number;
  objectsIn: number;
  objectsOut: number;
  changedObjects: number;
  changes: number;
  dropped: number;
  warnings: number;
}

/**
 * The summary's counts. `changedObjects` comes from applyRules (TransformResult.changedObjects): counting the
 * distinct `Change.object` names instead counts an object twice once a rule renames it.
 */
export function summarize(
  rules: TransformRules,
  objectsIn: number,
  objectsOut: number,
  changes: readonly Change[],
  notes: readonly Notification[],
  changedObjects: number,
): TransformSummary {
  let dropped = 0;
  for (const c of changes) if (c.action === 'drop') dropped++;
  let warnings = 0;
  for (const n of notes) if (n.level === 'WARNING') warnings++;
  return { rules: rules.rules.length, objectsIn, objectsOut, changedObjects, changes: changes.length - dropped, dropped, warnings };
}

/** One line that closes the report on stderr. */
export function formatTransformSummary(s: TransformSummary): string {
  return (
    `transform: ${s.rules} rule(s): ${s.changes} change(s) in ${s.changedObjects} object(s), ${s.dropped} dropped; ` +
    `${s.objectsIn} object(s) in, ${s.objectsOut} out; ${s.warnings} warning(s)`
  );
}

/** What `--report FILE` writes. The shape is part of the CLI contract: fields are only ever added. */
export interface TransformReport {
  apiVersion: 'meshferry.dev/v1alpha1';
  kind: 'TransformReport';
  rules: { name: string; file?: string };
  inputs: string[];
  summary: TransformSummary;
  changes: Change[];
  notifications: Notification[];
}

export function buildReport(args: {
  rules: TransformRules;
  rulesFile?: string;
  inputs: readonly string[];
  objectsIn: number;
  objectsOut: number;
  changes: Change[];
  notes: Notification[];
  /** TransformResult.changedObjects. */
  changedObjects: number;
}): TransformReport {
  return {
    apiVersion: 'meshferry.dev/v1alpha1',
    kind: 'TransformReport',
    rules: { name: args.rules.metadata.name, ...(args.rulesFile ? { file: args.rulesFile } : {}) },
    inputs: [...args.inputs],
    summary: summarize(args.rules, args.objectsIn, args.objectsOut, args.changes, args.notes, args.changedObjects),
    changes: args.changes,
    notifications: args.notes,
  };
}
