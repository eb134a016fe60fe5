// What a wave's opt-in changes, as data: namespace label patches, pod-template label patches, a tag move. Pure.
import type { Workload } from './cluster/workloads.js';
import { workloadRef } from './observed.js';
import { effectiveOptIn, type MeshMigrationSpec, type WaveSpec } from './spec.js';

/** Labels to set (string) or remove (null). */
export type LabelChange = Record<string, string | null>;

export interface WaveOptIn {
  /** Per namespace of the wave. */
  namespaces: { name: string; change: LabelChange }[];
  /** Per workload template (podTemplateLabels opt-in and gateways), applied before the namespace changes. */
  templates: { ref: string; change: LabelChange }[];
  /** A revision tag moved to the target. */
  tag?: { name: string; revision: string };
}

const INJECTION = 'istio-injection';
const REV = 'istio.io/rev';

/** The namespaces a wave names and the workloads of a wave: those of its namespaces, then its gateways. */
export function waveWorkloads(wave: WaveSpec, workloads: readonly Workload[], gateways: Record<string, Workload | null>): Workload[] {
  const ns = new Set(wave.namespaces ?? []);
  const own = workloads.filter((w) => ns.has(w.namespace));
  const gws = (wave.gateways ?? []).map((g) => gateways[g]).filter((g): g is Workload => Boolean(g) && !ns.has(g!.namespace));
  return [...own, ...gws];
}

/** Only the keys a change touches that actually differ from `labels`. */
export function effectiveChange(labels: Record<string, string>, change: LabelChange): LabelChange {
  return Object.fromEntries(Object.entries(change).filter(([k, v]) => (v === null ? k in labels : labels[k] !== v)));
}

/**
 * The opt-in of one wave. namespaceLabels: set them, remove istio-injection (it wins over istio.io/rev). tag: move
 * it (namespaces keep their labels). podTemplateLabels: pin every template of the wave, then remove both injection
 * labels from the namespaces in one patch, so a pod of any workload finds an injector at every moment. Gateways always
 * move by their pod-template label istio.io/rev=<target>.
 */
export function waveOptIn(spec: MeshMigrationSpec, wave: WaveSpec, workloads: readonly Workload[], gateways: Record<string, Workload | null>): WaveOptIn {
  const optIn = effectiveOptIn(spec);
  const target = spec.target.revision;
  const out: WaveOptIn = { namespaces: [], templates: [] };
  const inWave = new Set(wave.namespaces ?? []);
  if (optIn.namespaceLabels) {
    const change: LabelChange = { ...optIn.namespaceLabels };
    if (!(INJECTION in change)) change[INJECTION] = null;
    for (const ns of wave.namespaces ?? []) out.namespaces.push({ name: ns, change });
  } else if (optIn.podTemplateLabels) {
    const pin: LabelChange = { ...optIn.podTemplateLabels };
    // A template's own istio.io/rev would pick a revision by itself; the opt-in's labels decide instead.
    if (!(REV in pin)) pin[REV] = null;
    for (const w of workloads) if (inWave.has(w.namespace) && !w.gateway) out.templates.push({ ref: workloadRef(w), change: pin });
    for (const ns of wave.namespaces ?? []) out.namespaces.push({ name: ns, change: { [INJECTION]: null, [REV]: null } });
  } else if (optIn.tag) {
    out.tag = { name: optIn.tag.name, revision: target };
  }
  for (const g of wave.gateways ?? []) {
    const w = gateways[g];
    if (w) out.templates.push({ ref: workloadRef(w), change: { [REV]: target } });
  }
  // Gateways inside a wave namespace move by their template too.
  for (const w of workloads) if (inWave.has(w.namespace) && w.gateway && !out.templates.some((t) => t.ref === workloadRef(w))) out.templates.push({ ref: workloadRef(w), change: { [REV]: target } });
  return out;
}

/** Labels after a change. */
export function applyChange(labels: Record<string, string>, change: LabelChange): Record<string, string> {
  const out = { ...labels };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** The change that puts back what `before` held for the keys `change` touches. */
export function undoChange(before: Record<string, string>, change: LabelChange): LabelChange {
  return Object.fromEntries(Object.keys(change).map((k) => [k, before[k] ?? null]));
}

/** True when `labels` already show `change`. */
export function showsChange(labels: Record<string, string>, change: LabelChange): boolean {
  return Object.keys(effectiveChange(labels, change)).length === 0;
}
