// Reads a MeshMigration file through the shared meshferry-file loader, then the cross-field checks a schema cannot make.
import { loadMeshferryFile, parseMeshferryFile, type FileProblem, type MeshferryFile } from '../resources/meshferry-file.js';
import type { PathSegment } from '../resources/resource-set.js';
import { MIGRATION_KIND, type MeshMigration, type MeshMigrationSpec } from './spec.js';
import { configPathProblems, shiftPathProblems } from './config.js';

/** Problems a schema cannot see: a namespace or gateway in two waves, two waves with one name, source = target, and each mode's own rules. */
export function checkMigration(m: MeshMigration): FileProblem[] {
  const problems: FileProblem[] = [];
  const spec = m.spec;
  const waveNames = new Map<string, number>();
  const namespaces = new Map<string, string>();
  const gateways = new Map<string, string>();
  spec.waves.forEach((w, i) => {
    const first = waveNames.get(w.name);
    if (first !== undefined) problems.push({ path: ['spec', 'waves', i, 'name'], message: `wave name "${w.name}" is used twice (first by wave ${first + 1})` });
    else waveNames.set(w.name, i);
    (w.namespaces ?? []).forEach((ns, j) => {
      const seen = namespaces.get(ns);
      if (seen !== undefined) problems.push({ path: ['spec', 'waves', i, 'namespaces', j], message: `namespace "${ns}" appears twice: already in wave "${seen}"; a namespace moves in one wave` });
      else namespaces.set(ns, w.name);
    });
    (w.gateways ?? []).forEach((g, j) => {
      const seen = gateways.get(g);
      if (seen !== undefined) problems.push({ path: ['spec', 'waves', i, 'gateways', j], message: `gateway "${g}" appears twice: already in wave "${seen}"` });
      else gateways.set(g, w.name);
    });
  });
  problems.push(...(spec.mode === 'CrossCluster' ? crossClusterProblems(spec) : inPlaceProblems(spec)));
  problems.push(...configPathProblems(spec), ...shiftPathProblems(spec));
  return problems;
}

/** Fields only a CrossCluster file may set, with where they sit; `InPlace` refuses each. */
function crossClusterFields(spec: MeshMigrationSpec): PathSegment[][] {
  const out: PathSegment[][] = [];
  if (spec.source?.managed !== undefined) out.push(['spec', 'source', 'managed']);
  if (spec.source?.clusterName !== undefined) out.push(['spec', 'source', 'clusterName']);
  if (spec.target.clusters !== undefined) out.push(['spec', 'target', 'clusters']);
  for (const key of ['workloads', 'crossMeshPaths', 'callGraph', 'finish'] as const) if (spec[key] !== undefined) out.push(['spec', key]);
  spec.waves.forEach((w, i) => {
    for (const key of ['cluster', 'shifts', 'scaleDownSource', 'services'] as const) if (w[key] !== undefined) out.push(['spec', 'waves', i, key]);
  });
  return out;
}

const dotted = (path: readonly PathSegment[]) => path.slice(1).map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1);

function inPlaceProblems(spec: MeshMigrationSpec): FileProblem[] {
  const problems: FileProblem[] = [];
  if (spec.source?.revision && spec.source.revision === spec.target.revision)
    problems.push({ path: ['spec', 'target', 'revision'], message: `the target revision is the source revision ("${spec.target.revision}"); name the revision workloads move to` });
  if (spec.target.context && spec.source?.context && spec.target.context !== spec.source.context)
    problems.push({ path: ['spec', 'target', 'context'], message: `mode InPlace moves workloads within one cluster: the target context "${spec.target.context}" must equal the source's ("${spec.source.context}") or be left out (to move workloads to another cluster, use mode CrossCluster)` });
  if (spec.config && spec.config.from === undefined)
    problems.push({ path: ['spec', 'config'], message: 'config needs "from" in mode InPlace: the folder or file of exported config Prepare imports (only mode CrossCluster may leave it out, to export the source cluster live)' });
  for (const path of crossClusterFields(spec))
    problems.push({ path, message: `${dotted(path)} belongs to mode CrossCluster (workloads moving to other clusters); mode InPlace has no use for it: remove it, or set mode: CrossCluster` });
  return problems;
}

function crossClusterProblems(spec: MeshMigrationSpec): FileProblem[] {
  const problems: FileProblem[] = [];
  const source = spec.source?.context;
  // Both ends are named: the current context could be either cluster, and a guess here moves workloads.
  if (source === undefined)
    problems.push({ path: spec.source ? ['spec', 'source'] : ['spec'], message: 'mode CrossCluster needs source.context: the kubeconfig context of the cluster the workloads leave' });
  if (spec.target.context === undefined)
    problems.push({ path: ['spec', 'target'], message: 'mode CrossCluster needs target.context: the kubeconfig context of the target\'s config cluster (the primary), where the MeshMigration and its journal live' });
  else if (spec.target.context === source)
    problems.push({ path: ['spec', 'target', 'context'], message: `mode CrossCluster moves workloads to other clusters: the target context "${source}" is the source's; to stay in one cluster, use mode InPlace` });
  const clusters = spec.target.clusters;
  if (clusters === undefined)
    problems.push({ path: ['spec', 'target'], message: 'mode CrossCluster needs target.clusters: the kubeconfig contexts of the target\'s clusters the waves move to (primary and remotes)' });
  const seen = new Set<string>();
  (clusters ?? []).forEach((c, i) => {
    if (seen.has(c)) problems.push({ path: ['spec', 'target', 'clusters', i], message: `cluster "${c}" is named twice in target.clusters` });
    seen.add(c);
    if (c === source) problems.push({ path: ['spec', 'target', 'clusters', i], message: `target.clusters names the source's context "${c}": workloads cannot move to the cluster they leave (use mode InPlace to change the control plane of one cluster)` });
  });
  const shiftFiles = new Map<string, string>();
  spec.waves.forEach((w, i) => {
    if (w.cluster !== undefined && clusters !== undefined && !clusters.includes(w.cluster))
      problems.push({ path: ['spec', 'waves', i, 'cluster'], message: `wave "${w.name}" moves to cluster "${w.cluster}", which target.clusters does not name (${clusters.join(', ')})` });
    if (w.cluster === undefined && clusters !== undefined && clusters.length !== 1)
      problems.push({ path: ['spec', 'waves', i], message: `wave "${w.name}" names no cluster: with ${clusters.length} target.clusters (${clusters.join(', ')}), say which one it moves to with cluster` });
    if (w.namespaces === undefined)
      problems.push({ path: ['spec', 'waves', i], message: `wave "${w.name}" names no namespaces: a CrossCluster wave moves namespaces (its gateways move with them, and ingress traffic moves with shifts)` });
    if (w.gateways !== undefined)
      problems.push({ path: ['spec', 'waves', i, 'gateways'], message: 'gateways belongs to mode InPlace (gateway Deployments relabelled in place); in CrossCluster the target\'s gateways are installed there and traffic moves to them with the wave\'s shifts' });
    if (w.maxUnavailable !== undefined)
      problems.push({ path: ['spec', 'waves', i, 'maxUnavailable'], message: 'maxUnavailable belongs to mode InPlace (restarts at once); a CrossCluster wave restarts nothing in the source' });
    (w.shifts ?? []).forEach((f, j) => {
      const first = shiftFiles.get(f);
      if (first !== undefined) problems.push({ path: ['spec', 'waves', i, 'shifts', j], message: `shift file "${f}" is already run by wave "${first}"; a shift runs once` });
      else shiftFiles.set(f, w.name);
    });
  });
  // Copies are injected by namespace labels: a tag or pod-template labels would be written into copied workloads.
  if (spec.optIn?.tag !== undefined) problems.push({ path: ['spec', 'optIn', 'tag'], message: 'optIn.tag belongs to mode InPlace; in CrossCluster the target namespaces opt in with namespaceLabels only' });
  if (spec.optIn?.podTemplateLabels !== undefined)
    problems.push({ path: ['spec', 'optIn', 'podTemplateLabels'], message: 'optIn.podTemplateLabels belongs to mode InPlace; in CrossCluster the target namespaces opt in with namespaceLabels only' });
  (spec.crossMeshPaths ?? []).forEach((p, i) => {
    if (p.from === p.to) problems.push({ path: ['spec', 'crossMeshPaths', i, 'to'], message: `crossMeshPaths entry ${i + 1} goes from namespace "${p.from}" to itself: a call within a namespace never crosses the meshes` });
  });
  return problems;
}

/** Reads and validates a MeshMigration file (or `-`). Bad input throws InputError(s) with file:line, exit 2. */
export async function loadMigration(file: string, opts: { stdin?: () => Promise<string> } = {}): Promise<MeshferryFile<MeshMigration>> {
  return loadMeshferryFile<MeshMigration>(file, MIGRATION_KIND, { ...opts, check: checkMigration });
}

/** Parses and validates MeshMigration text (tests, library callers). */
export function parseMigration(text: string, file: string): MeshferryFile<MeshMigration> {
  return parseMeshferryFile<MeshMigration>(text, file, MIGRATION_KIND, { check: checkMigration });
}
