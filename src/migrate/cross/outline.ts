// The spec-level outline `migrate plan` prints for a CrossCluster file: read from the file (and Prometheus), no cluster.
import { contextsOf, waveCluster, type MeshMigration } from '../spec.js';
import { renderCallGraphSection, type CallGraphSection } from './call-graph-section.js';
import { scaleDownWindow } from './reconcile-cross.js';

/** What the issue and the plan give as defaults (docs/plan-cross-cluster.md): a quiet window of 5m, finish window 10m. */
export const DEFAULT_SCALE_DOWN_WINDOW = '5m';
export const DEFAULT_FINISH_WINDOW = '10m';

/** A wave's shift file as read by the CLI (the TrafficShift's name, for the reader). */
export interface OutlineShift {
  wave: string;
  file: string;
  name: string;
}

export interface OutlineWave {
  name: string;
  cluster: string;
  namespaces: string[];
  shifts: { file: string; name: string }[];
  /** The quiet window before the source is scaled to 0, or false: the source keeps running. */
  scaleDownSource: string | false;
  loadBalancer: 'clusterIP' | 'keep';
  keepNodePorts: boolean;
  pauseBefore: boolean;
}

export interface CrossClusterOutline {
  name: string;
  mode: 'CrossCluster';
  /** The cluster the MeshMigration, its journal, the TrafficShifts and the imported config live in. */
  home: string;
  source: { context: string; revision?: string; managed?: string; clusterName: string };
  target: { context: string; revision: string; clusters: string[] };
  contexts: string[];
  /** `from` absent: the live export of the source, taken at Init. */
  config?: { from?: string; rules?: string; failOn: string };
  workloads: { copy: boolean; secrets: boolean; allowEmptyVolumes: boolean };
  waves: OutlineWave[];
  crossMeshPaths: { from: string; to: string; via: string }[];
  /** Who calls whom, from Prometheus, and the calls the waves would split; or why it is unknown (call-graph-section.ts). */
  callGraph?: CallGraphSection;
  finish: { window: string; oldGateways: { context: string; workload: string }[] };
}

/** The outline of a CrossCluster migration, its defaults filled in; `shifts` names each wave's TrafficShift files, `callGraph` is what plan learnt from Prometheus. */
export function crossClusterOutline(m: Pick<MeshMigration, 'metadata' | 'spec'>, shifts: readonly OutlineShift[] = [], callGraph?: CallGraphSection): CrossClusterOutline {
  const spec = m.spec;
  const source = spec.source?.context ?? '';
  const config = spec.config;
  return {
    name: m.metadata.name,
    mode: 'CrossCluster',
    home: spec.target.context ?? '',
    source: {
      context: source,
      ...(spec.source?.revision ? { revision: spec.source.revision } : {}),
      ...(spec.source?.managed ? { managed: spec.source.managed } : {}),
      clusterName: spec.source?.clusterName ?? source,
    },
    target: { context: spec.target.context ?? '', revision: spec.target.revision, clusters: spec.target.clusters ?? [] },
    contexts: contextsOf(spec),
    ...(config ? { config: { ...(config.from ? { from: config.from } : {}), ...(config.rules ? { rules: config.rules } : {}), failOn: config.analyze?.failOn ?? 'Error' } } : {}),
    workloads: { copy: spec.workloads?.copy ?? true, secrets: spec.workloads?.secrets ?? false, allowEmptyVolumes: spec.workloads?.statefulSets?.allowEmptyVolumes ?? false },
    waves: spec.waves.map((w) => ({
      name: w.name,
      cluster: waveCluster(spec, w) ?? '',
      namespaces: w.namespaces ?? [],
      shifts: (w.shifts ?? []).map((file) => ({ file, name: shifts.find((s) => s.wave === w.name && s.file === file)?.name ?? '' })),
      scaleDownSource: scaleDownWindow(w) ?? false,
      loadBalancer: w.services?.loadBalancer ?? 'clusterIP',
      keepNodePorts: w.services?.keepNodePorts ?? false,
      pauseBefore: w.pauseBefore ?? false,
    })),
    crossMeshPaths: spec.crossMeshPaths ?? [],
    ...(callGraph ? { callGraph } : {}),
    finish: { window: spec.finish?.window ?? DEFAULT_FINISH_WINDOW, oldGateways: spec.finish?.oldGateways ?? [] },
  };
}

/** The outline for people; it says first that no cluster was read. */
export function renderOutline(o: CrossClusterOutline): string {
  const src = `${o.source.context}${o.source.revision ? ` (revision ${o.source.revision}${o.source.managed ? `, managed ${o.source.managed}` : ''})` : o.source.managed ? ` (managed ${o.source.managed})` : ''}`;
  const out = [
    `MeshMigration ${o.name} (CrossCluster): ${src} → ${o.target.context} (revision ${o.target.revision}), workloads to ${o.target.clusters.join(', ')}`,
    '',
    `This outline comes from the file${o.callGraph?.known ? ' and Prometheus' : ' alone'}: no cluster was read, so it shows no prechecks and no list of objects.`,
    '',
    `Home cluster: ${o.home} (the MeshMigration, its journal, the TrafficShifts and the imported config)`,
    `Contexts, each found in the kubeconfig: ${o.contexts.join(', ')}`,
  ];
  if (o.config) {
    const from = o.config.from ?? `a live export of ${o.source.context}, taken at Init (Istio and Gateway API config in istio-system and the waves' namespaces)`;
    out.push(`Config: ${from}${o.config.rules ? `, through rules ${o.config.rules}` : ''}, imported into ${o.home}; analyze fails on ${o.config.failOn}`);
  }
  const w = o.workloads;
  out.push(
    `Workloads: ${w.copy ? 'copied from the source' : 'not copied: the waves wait for your pipeline to deploy them'}; Secrets ${w.secrets ? 'copied, create-only' : 'not copied (each one the workloads reference must exist in the target)'}; StatefulSets ${w.allowEmptyVolumes ? 'copied, starting on empty volumes' : 'not copied'}`,
    '',
    'Waves:',
  );
  o.waves.forEach((wave, i) => {
    out.push(`  ${i + 1}. ${wave.name} → ${wave.cluster}${wave.pauseBefore ? ' (pauses before it starts)' : ''}: namespaces ${wave.namespaces.join(', ')}`);
    for (const s of wave.shifts) out.push(`     shift ${s.file}${s.name ? ` (TrafficShift ${s.name})` : ''} to 100`);
    out.push(`     ${wave.scaleDownSource ? `scale the source workloads to 0 after ${wave.scaleDownSource} without requests` : 'the source workloads keep running'}`);
    out.push(`     LoadBalancer Services ${wave.loadBalancer === 'keep' ? 'stay LoadBalancer (a new load balancer)' : 'become ClusterIP'}; nodePorts ${wave.keepNodePorts ? 'kept' : 'dropped'}`);
  });
  if (o.crossMeshPaths.length) {
    out.push('', 'Calls allowed across the meshes:');
    for (const p of o.crossMeshPaths) out.push(`  ${p.from} → ${p.to} via ${p.via}`);
  }
  if (o.callGraph) out.push('', ...renderCallGraphSection(o.callGraph));
  out.push('', `Finish: ${o.finish.oldGateways.length ? `no pod left in the source (SourcePods), and old gateways without requests for ${o.finish.window}: ${o.finish.oldGateways.map((g) => `${g.context}/${g.workload}`).join(', ')}` : 'no pod left in the source (SourcePods); no old gateway is named (finish.oldGateways), so the traffic check is skipped'}`);
  out.push(`        ${o.config ? `the config in ${o.home} still equals the source's after the rules (ConfigParity)` : 'no config is imported, so ConfigParity is skipped'}; no trace of the source mesh left in the target (VendorTraces)`);
  return `${out.join('\n')}\n`;
}
