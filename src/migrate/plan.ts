// planMigration: every step a MeshMigration would take, per phase and wave, and what it will not touch; pure over a cluster snapshot.
import type { Workload } from './cluster/workloads.js';
import { workloadRef, type ClusterSnapshot } from './observed.js';
import { waveOptIn, waveWorkloads, effectiveChange, type LabelChange } from './opt-in.js';
import { DEFAULT_MAX_UNAVAILABLE, effectiveOptIn, type MeshMigration } from './spec.js';
import { proxyConfigName, ROOT_NAMESPACE } from './observe.js';
import type { ConfigFinding } from './config-findings.js';

export interface PlannedWave {
  name: string;
  pauseBefore: boolean;
  maxUnavailable: number;
  /** Namespace label changes (only keys that change), or `missing`. */
  namespaces: { name: string; change: LabelChange; missing?: boolean }[];
  /** Pod-template label changes, applied before the namespaces (podTemplateLabels opt-in, gateways). */
  templates: { workload: string; change: LabelChange }[];
  tag?: { name: string; revision: string };
  /** Restarts in order; OnDelete StatefulSets delete pods in reverse ordinal order. */
  restarts: { workload: string; how: string }[];
  gateways: { ref: string; missing?: boolean }[];
  verify: string;
  notTouched: { ref: string; reason: string }[];
}

/** What `migrate plan` read of spec.config: the import compared with the cluster, and the analyzer's findings now. */
export interface ConfigView {
  /** Objects the config holds (after the rules). */
  objects: number;
  create: string[];
  change: string[];
  unchanged: number;
  /** Never written (Secrets), each with why. */
  skipped: { ref: string; reason: string }[];
  /** Findings at or above failOn, as Init would see them now. */
  findings: ConfigFinding[];
}

/** The config part of a plan. */
export interface PlannedConfig extends ConfigView {
  from: string;
  rules?: string;
  failOn: string;
}

export interface MigrationPlan {
  name: string;
  mode: string;
  source: string;
  target: string;
  optIn: string;
  init: string[];
  prepare: string[];
  config?: PlannedConfig;
  waves: PlannedWave[];
  finish: string[];
}

function howRestarted(w: Workload): string {
  if (w.kind === 'Rollout') return 'spec.restartAt (Argo Rollouts evicts older pods)';
  if (w.kind === 'StatefulSet' && w.strategy === 'OnDelete') return 'restartedAt, then pods deleted one at a time in reverse ordinal order (OnDelete)';
  return `restartedAt (${w.strategy})`;
}

function describeOptIn(m: MeshMigration): string {
  const o = effectiveOptIn(m.spec);
  const labels = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',');
  if (o.tag) return `tag ${o.tag.name} → ${m.spec.target.revision}`;
  if (o.podTemplateLabels) return `podTemplateLabels ${labels(o.podTemplateLabels)}`;
  return `namespaceLabels ${labels(o.namespaceLabels ?? {})}${m.spec.optIn ? '' : ' (default)'}`;
}

/** Every step the migration would take against `snap`, changing nothing. */
export function planMigration(m: MeshMigration, snap: ClusterSnapshot, config?: ConfigView): MigrationPlan {
  const spec = m.spec;
  const target = spec.target.revision;
  const allNs = spec.waves.flatMap((w) => w.namespaces ?? []);
  const init = [
    'the context answers',
    'RBAC: every verb the plan uses (SelfSubjectAccessReview)',
    `namespaces exist: ${allNs.join(', ') || '(none)'}`,
    `injector webhooks of ${snap.sourceRevision} (source) and ${target} (target) are installed`,
    'the root certificates of source and target trust each other',
    'flag a default tag or validating webhook that still points at the source',
  ];
  const failOn = spec.config?.analyze?.failOn ?? 'Error';
  if (spec.config) {
    const through = spec.config.rules ? ` after the rules of ${spec.config.rules}` : '';
    const now = config ? (config.findings.length ? `; now ${config.findings.length} finding(s) would fail it: ${config.findings.map((f) => `${f.code} ${f.object} (${f.reference})`).join(', ')}` : '; none now') : '';
    init.push(`analyze the config of ${spec.config.from}${through} with the live cluster: no finding at or above ${failOn}${now}`);
  }
  const prepare: string[] = [];
  if (spec.config) {
    const counts = config ? `: create ${config.create.length}, change ${config.change.length}, unchanged ${config.unchanged}${config.skipped.length ? `, skipped ${config.skipped.length}` : ''}` : '';
    prepare.push(`import the config of ${spec.config.from}${spec.config.rules ? ` through ${spec.config.rules}` : ''} (server-side apply, field manager meshferry, each object's prior state journaled; rollback deletes what it created and restores what it changed)${counts}`);
    for (const r of config?.create ?? []) prepare.push(`create ${r}`);
    for (const r of config?.change ?? []) prepare.push(`change ${r}`);
    for (const s of config?.skipped ?? []) prepare.push(`not imported: ${s.ref}: ${s.reason}`);
  }
  if (spec.requiredProxyMetadata) {
    const md = Object.entries(spec.requiredProxyMetadata).map(([k, v]) => `${k}=${v}`).join(', ');
    prepare.push(`ProxyConfig ${ROOT_NAMESPACE}/${proxyConfigName(m.metadata.name)} with environmentVariables ${md} (created by meshferry, journaled)`);
    prepare.push('restart, wave by wave, workloads whose source-injected pods lack it; then every such pod must carry it');
  }
  const waves = spec.waves.map((wave): PlannedWave => {
    const workloads = waveWorkloads(wave, snap.workloads, snap.gateways);
    const o = waveOptIn(spec, wave, snap.workloads, snap.gateways);
    const byRef = new Map(workloads.map((w) => [workloadRef(w), w]));
    return {
      name: wave.name,
      pauseBefore: wave.pauseBefore === true,
      maxUnavailable: wave.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
      namespaces: o.namespaces.map((n) => {
        const labels = snap.namespaces[n.name];
        return labels === null || labels === undefined ? { name: n.name, change: n.change, missing: true } : { name: n.name, change: effectiveChange(labels, n.change) };
      }),
      templates: o.templates.map((t) => ({ workload: t.ref, change: effectiveChange(byRef.get(t.ref)?.podLabels ?? {}, t.change) })),
      ...(o.tag ? { tag: o.tag } : {}),
      restarts: workloads.map((w) => ({ workload: workloadRef(w), how: howRestarted(w) })),
      gateways: (wave.gateways ?? []).map((g) => (snap.gateways[g] ? { ref: g } : { ref: g, missing: true })),
      verify: `every running pod of these workloads injected by ${target} (annotation istio.io/rev and sidecar.istio.io/status)${spec.requiredProxyMetadata ? ', carrying the required proxy metadata' : ''}`,
      notTouched: snap.untouchable.filter((u) => (wave.namespaces ?? []).includes(u.namespace)).map((u) => ({ ref: `${u.kind} ${u.namespace}/${u.name}`, reason: u.reason })),
    };
  });
  const finish = [`no running pod in scope is injected by ${snap.sourceRevision}, gateways included`, 'list the residue: namespaces and gateways outside the waves on the source, its webhooks, tags pointing at it', 'the source is never uninstalled'];
  const planned = spec.config?.from && config ? { config: { from: spec.config.from, ...(spec.config.rules ? { rules: spec.config.rules } : {}), failOn, ...config } } : {};
  return { name: m.metadata.name, mode: spec.mode, source: snap.sourceRevision, target, optIn: describeOptIn(m), init, prepare, ...planned, waves, finish };
}

function changeText(c: LabelChange): string {
  const parts = Object.entries(c).map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`));
  return parts.length ? parts.join(' ') : '(already set)';
}

/** The plan as text for people. */
export function renderPlan(p: MigrationPlan): string {
  const out: string[] = [`MeshMigration ${p.name} (${p.mode}): ${p.source} → ${p.target}, opt-in ${p.optIn}`, '', 'Init checks:'];
  for (const s of p.init) out.push(`  - ${s}`);
  out.push('', 'Prepare:');
  if (p.prepare.length === 0) out.push('  - nothing to prepare');
  for (const s of p.prepare) out.push(`  - ${s}`);
  p.waves.forEach((w, i) => {
    out.push('', `Wave ${i + 1} ${w.name} (at most ${w.maxUnavailable} workload(s) restarting at once)${w.pauseBefore ? ', pauses before it starts' : ''}:`);
    out.push(`  - prove: a dry-run Pod in each namespace comes back injected by ${p.target}`);
    for (const t of w.templates) out.push(`  - label pod template of ${t.workload}: ${changeText(t.change)}`);
    for (const n of w.namespaces) out.push(n.missing ? `  - namespace ${n.name}: MISSING (Init fails until it exists)` : `  - label namespace ${n.name}: ${changeText(n.change)}`);
    if (w.tag) out.push(`  - move revision tag ${w.tag.name} to ${w.tag.revision}`);
    for (const g of w.gateways) if (g.missing) out.push(`  - gateway ${g.ref}: MISSING (Init fails until it exists)`);
    for (const r of w.restarts) out.push(`  - restart ${r.workload}: ${r.how}`);
    if (w.restarts.length === 0) out.push('  - no workloads to restart');
    out.push(`  - verify ${w.verify}`);
    for (const u of w.notTouched) out.push(`  - not touched: ${u.ref}: ${u.reason}`);
  });
  out.push('', 'Finished:');
  for (const s of p.finish) out.push(`  - ${s}`);
  return `${out.join('\n')}\n`;
}
