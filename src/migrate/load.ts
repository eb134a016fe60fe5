// Reads a MeshMigration file through the shared meshferry-file loader, then the cross-field checks a schema cannot make.
import { loadMeshferryFile, parseMeshferryFile, type FileProblem, type MeshferryFile } from '../resources/meshferry-file.js';
import { MIGRATION_KIND, type MeshMigration } from './spec.js';
import { configPathProblems } from './config.js';

/** Problems a schema cannot see: a namespace or gateway in two waves, two waves with one name, source = target. */
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
  if (spec.source?.revision && spec.source.revision === spec.target.revision)
    problems.push({ path: ['spec', 'target', 'revision'], message: `the target revision is the source revision ("${spec.target.revision}"); name the revision workloads move to` });
  if (spec.target.context && spec.source?.context && spec.target.context !== spec.source.context)
    problems.push({ path: ['spec', 'target', 'context'], message: `mode InPlace moves workloads within one cluster: the target context "${spec.target.context}" must equal the source's ("${spec.source.context}") or be left out` });
  problems.push(...configPathProblems(spec));
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
