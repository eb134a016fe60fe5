// The CrossCluster config source when spec.config has no `from`: the source cluster's live export (as `meshferry export` reads it), kept beside the local journal as Init analyzed it.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError, MeshferryError, ExitCode } from '../../errors.js';
import { exportObjects } from '../../kube/export.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { writeFileAtomic } from '../../resources/atomic-write.js';
import { displayKind } from '../../resources/kinds.js';
import { isPlainObject, type KubeObject } from '../../resources/object.js';
import { isSecret } from '../../resources/secrets.js';
import { layoutPath, serializeObject, writeLayout } from '../../resources/yaml-write.js';
import type { MeshMigrationSpec, Phase } from '../spec.js';
import { sha256 } from '../config.js';

/** The folder, beside the local journal copy, that holds the export in `meshferry export`'s layout. */
export const SOURCE_EXPORT_DIR = 'source-export';
/** The finish check's own fresh export (ConfigParity), beside the kept one. */
export const SOURCE_EXPORT_NOW_DIR = 'source-export-now';
/** Beside that folder: what was exported, when, and each file's sha256. */
export const SOURCE_EXPORT_MANIFEST = 'source-export.json';

/** Istio's root namespace: mesh-wide config (Gateways, PeerAuthentication, Sidecar defaults) lives there. */
const ROOT_NAMESPACE = 'istio-system';

/** The namespaces the live export reads: the waves' namespaces and the root namespace (cluster-scoped kinds too). */
export function sourceExportNamespaces(spec: MeshMigrationSpec): string[] {
  return [...new Set([ROOT_NAMESPACE, ...spec.waves.flatMap((w) => w.namespaces ?? [])])];
}

/**
 * The source's mesh config now: every Istio and Gateway API kind the source serves, in the export namespaces, neat
 * (exportObjects, the code `meshferry export` runs). A kind the source will not let meshferry list fails the export
 * (exit 1, naming it): a config import that silently lacks a kind would look complete. Secrets are never read.
 */
export async function exportSourceConfig(source: ObjectClient, spec: MeshMigrationSpec): Promise<KubeObject[]> {
  const report = await exportObjects({ client: source, discovery: source.discovery }, { namespaces: sourceExportNamespaces(spec) });
  const forbidden = report.kinds.filter((k) => k.skipped?.reason === 'forbidden');
  if (forbidden.length)
    throw new MeshferryError(
      'SourceExportForbidden',
      `the live export of the source (context ${spec.source?.context ?? ''}) may not list ${forbidden.map((k) => `${displayKind(k.kind)} (${k.skipped?.message ?? ''})`).join('; ')}: the config import would lack them. Grant list on them, or export by hand and name the folder in spec.config.from`,
      { exitCode: ExitCode.findings },
    );
  const objects = report.objects.filter((o) => !isSecret(o));
  // The config's namespaces, bare: the import must have somewhere to put the objects in home before any wave made
  // them (Prepare comes first). Name only: a namespace home already has shows it, so it is never written; the
  // source's labels (its revision, its network) are the source mesh's, never carried over.
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined))].sort();
  return [...namespaces.map((name): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })), ...objects];
}

/** What was exported and each file's digest (relative path → sha256 of its bytes). */
export interface SourceExportManifest {
  context: string;
  exportedAt: string;
  files: Record<string, string>;
}

/** Writes the export as files (the folder swapped in whole), then its manifest. */
export async function writeSourceExport(localDir: string, objects: readonly KubeObject[], context: string, at: Date): Promise<void> {
  const dir = path.join(localDir, SOURCE_EXPORT_DIR);
  await writeLayout(dir, objects);
  const files: Record<string, string> = {};
  for (const o of objects) files[layoutPath(o)] = sha256(serializeObject(o));
  const manifest: SourceExportManifest = { context, exportedAt: at.toISOString(), files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) };
  await writeFileAtomic(path.join(localDir, SOURCE_EXPORT_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
}

/** The object files of a layout folder; hidden names (the `.meshferry-output` marker) are not objects: layoutPath escapes a leading dot. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile() && !e.name.startsWith('.')) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  return out.sort();
}

/**
 * Checks the kept export against its manifest: files changed, added or removed since Init analyzed them, each
 * named; empty when it is as exported. Throws InputError when the export or its manifest is gone.
 */
export async function checkSourceExport(localDir: string): Promise<{ manifest: SourceExportManifest; changes: string[] }> {
  const dir = path.join(localDir, SOURCE_EXPORT_DIR);
  let manifest: SourceExportManifest;
  let present: string[];
  try {
    const raw = JSON.parse(await readFile(path.join(localDir, SOURCE_EXPORT_MANIFEST), 'utf8')) as unknown;
    if (!isPlainObject(raw) || !isPlainObject(raw.files) || typeof raw.context !== 'string' || typeof raw.exportedAt !== 'string') throw new TypeError('not a manifest');
    manifest = { context: raw.context, exportedAt: raw.exportedAt, files: Object.fromEntries(Object.entries(raw.files).filter((e): e is [string, string] => typeof e[1] === 'string')) };
    present = await filesUnder(dir);
  } catch {
    throw new InputError(
      `the live export of the source that Init analyzed is gone from ${dir} (or its manifest ${SOURCE_EXPORT_MANIFEST} is unreadable): meshferry imports only the config it analyzed. Put the folder back, or roll the migration back (\`meshferry migrate rollback\`) and apply it again, which exports the source afresh`,
      { code: 'SourceExportMissing' },
    );
  }
  const changes: string[] = [];
  for (const [rel, digest] of Object.entries(manifest.files)) {
    if (!present.includes(rel)) changes.push(`removed: ${rel}`);
    else if (sha256(await readFile(path.join(dir, rel))) !== digest) changes.push(`changed: ${rel}`);
  }
  for (const rel of present) if (!(rel in manifest.files)) changes.push(`added: ${rel}`);
  return { manifest, changes };
}

/**
 * Where the config comes from in a CrossCluster migration without spec.config.from, for one engine step.
 *
 * Why the export is taken at Init and kept, instead of re-exported on every read: Init analyzes the config, and
 * Prepare imports it object by object, each import journaled; the engine reads the config again at every step
 * (compare, then import), and a run may die between two imports. If each read exported the source anew, an edit in
 * the source between Init and Prepare (or between a crash and `migrate resume`) would import config nobody
 * analyzed, and the journal's entries would describe one export while the rest came from another. So every Init
 * check exports the source afresh (a `migrate retry` after fixing the source sees the fix) and keeps it, with a
 * manifest of its files' digests, beside the local journal copy (where the apply record a CrossCluster resume needs
 * lives too); from Prepare on only that folder is read, so a restart imports exactly the objects Init analyzed. A
 * kept file that changed (or a folder that is gone) is refused, naming each file, never silently re-exported.
 * What the source changes after Init is not lost: the ConfigParity finish check compares a fresh export of the
 * source (after the rules) with the target, and names every object that differs.
 */
export class LiveSourceConfig {
  readonly #localDir: string;
  readonly #mode: 'init' | 'kept' | 'now';
  readonly #source: () => Promise<ObjectClient>;
  readonly #spec: MeshMigrationSpec;
  readonly #now: () => Date;
  #folder: Promise<string> | undefined;

  /**
   * `phase` Init exports the source now and keeps it; a later phase reads the kept export. `now` (the ConfigParity
   * finish check) exports the source now into a folder of its own, leaving the kept export as it is.
   */
  constructor(opts: { localDir: string; phase: Phase | 'now'; source: () => Promise<ObjectClient>; spec: MeshMigrationSpec; now?: () => Date }) {
    this.#localDir = opts.localDir;
    this.#mode = opts.phase === 'now' ? 'now' : opts.phase === 'Init' ? 'init' : 'kept';
    this.#source = opts.source;
    this.#spec = opts.spec;
    this.#now = opts.now ?? (() => new Date());
  }

  /** How messages name this config. */
  get describe(): string {
    const context = this.#spec.source?.context ?? 'the source';
    return this.#mode === 'now' ? `the live export of ${context}, read now` : `the live export of ${context} (kept in ${path.join(this.#localDir, SOURCE_EXPORT_DIR)})`;
  }

  /** The folder to read: exported now (Init, once per engine step; or `now`), else the kept export, checked against its manifest. */
  folder(): Promise<string> {
    this.#folder ??= this.#resolve();
    return this.#folder;
  }

  async #resolve(): Promise<string> {
    const dir = path.join(this.#localDir, SOURCE_EXPORT_DIR);
    if (this.#mode === 'now') {
      const nowDir = path.join(this.#localDir, SOURCE_EXPORT_NOW_DIR);
      await writeLayout(nowDir, await exportSourceConfig(await this.#source(), this.#spec));
      return nowDir;
    }
    if (this.#mode === 'init') {
      const objects = await exportSourceConfig(await this.#source(), this.#spec);
      await writeSourceExport(this.#localDir, objects, this.#spec.source?.context ?? '', this.#now());
      return dir;
    }
    const { manifest, changes } = await checkSourceExport(this.#localDir);
    if (changes.length)
      throw new InputError(
        `the live export of ${manifest.context} that Init analyzed (${dir}, exported ${manifest.exportedAt}) changed since: ${changes.slice(0, 10).join('; ')}${changes.length > 10 ? `; and ${changes.length - 10} more` : ''}. meshferry imports only the config it analyzed: put the files back as exported, or roll the migration back and apply it again`,
        { code: 'SourceExportChanged' },
      );
    return dir;
  }
}
