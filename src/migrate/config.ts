// spec.config of a MeshMigration: reads the config (export folder, then TransformRules), analyzes it with the live cluster, and compares it with what is live.
import { isDeepStrictEqual } from 'node:util';
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeResources, atLeast, kindRef, type Level } from '../analyze/index.js';
import { InputError } from '../errors.js';
import { CONTEXT_KINDS, exportObjects } from '../kube/export.js';
import { readLiveState } from '../kube/live.js';
import type { ObjectClient } from '../kube/object-client.js';
import { writeFileAtomic } from '../resources/atomic-write.js';
import { recordsTarget, type JournalTarget } from '../journal/journal.js';
import type { FileProblem } from '../resources/meshferry-file.js';
import { cloneJson, formatIdentity, isPlainObject, keyOf, type KubeObject } from '../resources/object.js';
import { ResourceSet } from '../resources/resource-set.js';
import { isSecret } from '../resources/secrets.js';
import { readResources } from '../resources/yaml-read.js';
import { jsonEqual } from '../resources/neat.js';
import { applyRules } from '../transform/apply.js';
import { loadTransformRules } from '../transform/load-rules.js';
import type { ControlPlaneDiscovery } from './cluster/control-planes.js';
import type { ConfigFinding } from './config-findings.js';
import { contextsOf, type MeshMigrationSpec } from './spec.js';

/** Annotation `migrate apply` sets on the object: the folder of the MeshMigration file, which spec.config's paths are relative to. */
export const CONFIG_BASE_ANNOTATION = 'meshferry.dev/config-base';

/** The config Prepare imports, as read and transformed. */
export interface ConfigInput {
  /** The folder the spec's paths are relative to. */
  base: string;
  from: string;
  rules?: string;
  /** The transformed objects, each with the file:line it came from. */
  set: ResourceSet;
  /** How many objects the rules changed. */
  changedByRules: number;
}

/** Reads spec.config (for observe and act); undefined when the spec has none. */
export type ConfigLoader = () => Promise<ConfigInput>;

function escapes(p: string): boolean {
  if (path.isAbsolute(p) || path.win32.isAbsolute(p)) return true;
  const norm = path.posix.normalize(p.replace(/\\/g, '/'));
  return norm === '..' || norm.startsWith('../');
}

/** spec.config paths that leave the MeshMigration file's folder (absolute, or `..` above it): a schema cannot say so. */
export function configPathProblems(spec: MeshMigrationSpec): FileProblem[] {
  const out: FileProblem[] = [];
  for (const field of ['from', 'rules'] as const) {
    const p = spec.config?.[field];
    if (p !== undefined && escapes(p))
      out.push({ path: ['spec', 'config', field], message: `config.${field} "${p}" leaves the folder of the MeshMigration file: paths in spec.config are relative to that file and must stay inside its folder (put the ${field === 'from' ? 'export' : 'rules file'} beside it)` });
  }
  return out;
}

/** CrossCluster shift files (waves[].shifts) that leave the MeshMigration file's folder, like configPathProblems. */
export function shiftPathProblems(spec: MeshMigrationSpec): FileProblem[] {
  const out: FileProblem[] = [];
  spec.waves.forEach((w, i) =>
    (w.shifts ?? []).forEach((p, j) => {
      if (escapes(p))
        out.push({ path: ['spec', 'waves', i, 'shifts', j], message: `shift file "${p}" leaves the folder of the MeshMigration file: shift paths are relative to that file and must stay inside its folder (put the TrafficShift file beside it)` });
    }),
  );
  return out;
}

/** Resolves a spec.config path against `base`, refusing one that leads outside it (also through a symlink). */
export function resolveConfigPath(base: string, p: string, field: 'from' | 'rules'): string {
  return resolveInside(base, p, `spec.config.${field}`, 'spec.config');
}

/** Resolves the shift file waves[wave].shifts[index] against `base`, inside it like resolveConfigPath. */
export function resolveShiftPath(base: string, p: string, wave: number, index: number): string {
  return resolveInside(base, p, `spec.waves[${wave}].shifts[${index}]`, 'waves[].shifts');
}

/** Resolves a path of the file (`field` names it in messages) against `base`, refusing one that leads outside it, also through a symlink. */
export function resolveInside(base: string, p: string, field: string, where: string): string {
  if (escapes(p)) throw new InputError(`${field} "${p}" leaves the folder of the MeshMigration file (${base}); paths in ${where} stay inside it`, { code: 'ConfigPathEscapes' });
  const full = path.resolve(base, p);
  let real: string;
  let realBase: string;
  try {
    real = realpathSync(full);
    realBase = realpathSync(base);
  } catch {
    throw new InputError(`${field} "${p}": ${full} does not exist (paths in ${where} are relative to the folder of the MeshMigration file, ${base})`, { code: 'FileNotFound' });
  }
  const rel = path.relative(realBase, real);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new InputError(`${field} "${p}" leads outside the folder of the MeshMigration file through a symlink (${full} is ${real}); paths in ${where} stay inside ${base}`, { code: 'ConfigPathEscapes' });
  return full;
}

/** The folder a CrossCluster migration without spec.config.from reads its config from (cross/source-export.ts LiveSourceConfig). */
export interface LiveConfigFolder {
  /** How messages name the config ("the live export of tcm (kept in ...)"). */
  readonly describe: string;
  folder(): Promise<string>;
}

/**
 * Reads the config and applies the rules, as `meshferry transform` would; bad files throw InputError (exit 2) with
 * file:line. Without `from` (CrossCluster only: the loader refuses it in InPlace) the config is the source's live
 * export, read from the folder `live` gives, so findings still carry file:line.
 */
export async function loadConfig(spec: MeshMigrationSpec, base: string, live?: LiveConfigFolder): Promise<ConfigInput> {
  const config = spec.config;
  if (!config) throw new TypeError('the migration has no spec.config');
  if (config.from === undefined && !live) throw new TypeError('spec.config has no `from`, and no live export of the source was given');
  const rulesFile = config.rules ? resolveConfigPath(base, config.rules, 'rules') : undefined;
  const rules = rulesFile ? await loadTransformRules(rulesFile) : undefined;
  const from = config.from !== undefined ? resolveConfigPath(base, config.from, 'from') : await live!.folder();
  const read = await readResources([from]);
  if (read.size === 0 && config.from !== undefined) throw new InputError(`spec.config.from "${config.from}" holds no Kubernetes object (${from}): a wrong path or an empty folder?`, { code: 'NoObjects' });
  const result = rules && read.size > 0 ? applyRules(read, rules.rules, rules) : undefined;
  // A live export's findings name files relative to the kept export's folder, not the MeshMigration file's.
  return { base: config.from !== undefined ? base : from, from: config.from ?? live!.describe, ...(config.rules ? { rules: config.rules } : {}), set: result?.set ?? read, changedByRules: result?.changedObjects ?? 0 };
}

/**
 * Where `migrate apply FILE` read spec.config from on this machine, kept beside the local journal copy. The folder
 * is also an annotation on the MeshMigration, but anyone who may edit that object could point it anywhere on the
 * operator's disk; so `retry` and `resume` read the config only from a folder this machine recorded itself.
 */
export interface ConfigSource {
  base: string;
  /** Absent: the live export of the source (CrossCluster). */
  from?: string;
  rules?: string;
}

/** A shift file a wave names, with the sha256 of its bytes when `migrate apply` read it. */
export interface RecordedShift {
  wave: string;
  path: string;
  sha256: string;
}

/**
 * The apply record: what `migrate apply FILE` vouched for on this machine, beside the local journal copy. Besides
 * the config's folder and paths, it holds every kubeconfig context the spec names (`contextsOf`) and each shift
 * file's digest: an edit of the object in the cluster could otherwise aim `resume` at another context (to scale
 * workloads there, say) or at another shift.
 */
export interface ApplyRecord {
  base: string;
  from?: string;
  rules?: string;
  /** Absent only in a record written before contexts were recorded (config-source.json). */
  contexts?: string[];
  shifts: RecordedShift[];
  /** CrossCluster: specDigest of the spec as the cluster stored it when apply ran (absent in older records). */
  spec?: string;
}

const APPLY_RECORD_FILE = 'apply-record.json';
/** What earlier versions wrote (config paths only); still read so a migration started with them can resume. */
const LEGACY_CONFIG_SOURCE_FILE = 'config-source.json';

/** The hex sha256 of some bytes: what the apply record and the kept source export record of a file. */
export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The apply record for a spec read from `base`: reads and hashes the shift files (each kept inside `base`). */
export async function applyRecordFor(spec: MeshMigrationSpec, base: string): Promise<ApplyRecord> {
  const shifts: RecordedShift[] = [];
  for (const [i, w] of spec.waves.entries())
    for (const [j, p] of (w.shifts ?? []).entries()) {
      const full = resolveShiftPath(base, p, i, j);
      shifts.push({ wave: w.name, path: p, sha256: sha256(await readFile(full)) });
    }
  const config = spec.config;
  return { base, ...(config?.from ? { from: config.from } : {}), ...(config?.rules ? { rules: config.rules } : {}), contexts: contextsOf(spec), shifts };
}

/**
 * `sha256:<hex>` of a spec with sorted keys, without retryCounter (which `migrate retry` moves): what a CrossCluster
 * apply record pins, so an edit of the object (a context swapped for another, a namespace added to a wave) is refused
 * by resume, retry and rollback, and stops a run under way.
 */
export function specDigest(spec: MeshMigrationSpec): string {
  const { retryCounter: _ignored, ...rest } = spec;
  const canonical = (v: unknown): unknown => (Array.isArray(v) ? v.map(canonical) : isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v);
  return `sha256:${sha256(JSON.stringify(canonical(rest)))}`;
}

/** Writes the apply record beside the local journal copy (every mode: it carries the contexts even without spec.config). */
export async function recordApply(journalDir: string, record: ApplyRecord): Promise<void> {
  await mkdir(journalDir, { recursive: true });
  await writeFileAtomic(path.join(journalDir, APPLY_RECORD_FILE), `${JSON.stringify(record, null, 1)}\n`);
}

/** Records spec.config's source, the contexts and the shift files (`applyRecordFor` + `recordApply`). */
export async function recordConfigSource(journalDir: string, spec: MeshMigrationSpec, base: string, stored?: MeshMigrationSpec): Promise<void> {
  const record = await applyRecordFor(spec, base);
  await recordApply(journalDir, spec.mode === 'CrossCluster' && stored ? { ...record, spec: specDigest(stored) } : record);
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The apply record this machine wrote for the migration, or undefined (none, or unreadable: trusted as nothing). */
export async function readApplyRecord(journalDir: string): Promise<ApplyRecord | undefined> {
  for (const file of [APPLY_RECORD_FILE, LEGACY_CONFIG_SOURCE_FILE]) {
    let v: unknown;
    try {
      v = JSON.parse(await readFile(path.join(journalDir, file), 'utf8'));
    } catch {
      continue;
    }
    if (!isPlainObject(v) || typeof v.base !== 'string') return undefined;
    const shifts = Array.isArray(v.shifts) ? v.shifts.filter((s): s is RecordedShift => isPlainObject(s) && typeof s.wave === 'string' && typeof s.path === 'string' && typeof s.sha256 === 'string') : [];
    return {
      base: v.base,
      ...(typeof v.from === 'string' ? { from: v.from } : {}),
      ...(typeof v.rules === 'string' ? { rules: v.rules } : {}),
      ...(strings(v.contexts) ? { contexts: v.contexts } : {}),
      ...(typeof v.spec === 'string' ? { spec: v.spec } : {}),
      shifts,
    };
  }
  return undefined;
}

/** spec.config's recorded source, for `configLoaderFor`; undefined without a record. A record without `from` trusts the live export of the source, through the recorded rules. */
export async function readConfigSource(journalDir: string): Promise<ConfigSource | undefined> {
  const r = await readApplyRecord(journalDir);
  return r ? { base: r.base, ...(r.from !== undefined ? { from: r.from } : {}), ...(r.rules !== undefined ? { rules: r.rules } : {}) } : undefined;
}

/**
 * Refuses (InputError, exit 2) a `resume` or `retry` whose object names contexts or shift files other than those
 * `migrate apply` recorded on this machine, or whose shift file changed on disk since. CrossCluster needs a record
 * (it reaches several clusters); InPlace works from any machine, so without a record it is checked as before (the
 * config alone, by configLoaderFor).
 */
export async function checkApplyRecord(spec: MeshMigrationSpec, annotations: Record<string, string> | undefined, name: string, record: ApplyRecord | undefined): Promise<void> {
  const redo = 'Run `meshferry migrate apply FILE` with the migration\'s file: it continues where the migration stopped and records what you name';
  const refuse = (what: string) => {
    throw new InputError(`MeshMigration ${name} ${what}: the object in the cluster may have been changed, or apply ran elsewhere. ${redo}`, { code: 'ApplyRecordMismatch' });
  };
  if (!record) {
    if (spec.mode === 'CrossCluster') refuse('has no apply record on this machine (the contexts and shift files `migrate apply` vouched for)');
    return;
  }
  if (spec.mode === 'CrossCluster' && record.spec !== undefined && record.spec !== specDigest(spec))
    refuse('has a spec other than the one `migrate apply` recorded (a context, a wave or a namespace changed in the cluster)');
  const named = contextsOf(spec);
  if (record.contexts !== undefined || spec.mode === 'CrossCluster') {
    const recorded = record.contexts ?? [];
    const extra = named.filter((c) => !recorded.includes(c));
    const gone = recorded.filter((c) => !named.includes(c));
    if (extra.length || gone.length)
      refuse(`names the kubeconfig context(s) ${named.join(', ') || '(none)'}, not the ${recorded.join(', ') || '(none)'} \`migrate apply\` recorded${extra.length ? ` (not recorded: ${extra.join(', ')})` : ''}`);
  }
  const shiftKey = (s: { wave: string; path: string }) => `${s.wave}: ${s.path}`;
  const wanted = spec.waves.flatMap((w) => (w.shifts ?? []).map((p) => shiftKey({ wave: w.name, path: p })));
  const recordedShifts = record.shifts.map(shiftKey);
  if (wanted.join('\n') !== recordedShifts.join('\n'))
    refuse(`names the shift file(s) ${wanted.join('; ') || '(none)'}, not the ${recordedShifts.join('; ') || '(none)'} \`migrate apply\` recorded`);
  if (record.shifts.length === 0) return;
  // The files are read where apply read them: the recorded folder, which the object's annotation must still name.
  const base = annotations?.[CONFIG_BASE_ANNOTATION];
  if (base !== record.base) refuse(`reads its files from ${base ?? '(no folder)'}, not from ${record.base} where \`migrate apply\` read them`);
  for (const s of record.shifts) {
    let digest: string;
    try {
      digest = sha256(await readFile(resolveInside(record.base, s.path, `shift file of wave ${s.wave}`, 'waves[].shifts')));
    } catch (err) {
      if (err instanceof InputError) throw err;
      refuse(`cannot read its shift file ${s.path} (wave ${s.wave}) in ${record.base}`);
      return;
    }
    if (digest !== s.sha256) refuse(`names the shift file ${s.path} (wave ${s.wave}), which changed in ${record.base} since \`migrate apply\` read it (sha256 ${s.sha256.slice(0, 12)}… then, ${digest.slice(0, 12)}… now)`);
  }
}

/**
 * The loader for a migration object: its spec.config read relative to the folder `migrate apply` recorded, and only
 * when the object's folder, `from` and `rules` are the ones this machine recorded (`trusted`).
 */
export function configLoaderFor(spec: MeshMigrationSpec, annotations: Record<string, string> | undefined, name: string, trusted: ConfigSource | undefined, live?: LiveConfigFolder): ConfigLoader | undefined {
  if (!spec.config) return undefined;
  const config = spec.config;
  const base = annotations?.[CONFIG_BASE_ANNOTATION];
  return async () => {
    if (!base)
      throw new InputError(`MeshMigration ${name} has spec.config but no ${CONFIG_BASE_ANNOTATION} annotation, so its relative paths cannot be resolved; run \`meshferry migrate apply FILE\` with its file`, { code: 'ConfigBaseUnknown' });
    if (!trusted || trusted.base !== base || trusted.from !== config.from || (trusted.rules ?? '') !== (config.rules ?? ''))
      throw new InputError(
        `MeshMigration ${name} reads its config from ${base} (${config.from ?? 'the live export of the source'}${config.rules ? `, rules ${config.rules}` : ''}), which is not what \`migrate apply\` recorded on this machine${trusted ? ` (${trusted.base}: ${trusted.from ?? 'the live export of the source'}${trusted.rules ? `, rules ${trusted.rules}` : ''})` : ''}: the object in the cluster may have been changed, or apply ran elsewhere. Run \`meshferry migrate apply FILE\` with the migration's file: it continues where the migration stopped and reads the files you name`,
        { code: 'ConfigBaseUntrusted' },
      );
    return loadConfig(spec, base, live);
  };
}

/**
 * Analyzes the config together with the live cluster's Istio config (and the workloads, Services and Secrets of the
 * mesh's `others` clusters) and the objects around it (files win over the
 * live object they name), plus the workloads and Services `coming` (CrossCluster: what the waves move, which the config
 * routes to before they arrive) where the cluster lacks them, against the revisions installed. Only findings on objects
 * of the config at or above `failOn` are returned: the live cluster's own problems are not this migration's to fix.
 */
export async function analyzeConfig(client: ObjectClient, input: ConfigInput, found: ControlPlaneDiscovery, failOn: Level, others: readonly ObjectClient[] = [], coming: readonly KubeObject[] = []): Promise<ConfigFinding[]> {
  const live = await exportObjects({ client, discovery: client.discovery }, { withContext: true });
  const set = ResourceSet.of(live.objects);
  // The other clusters of the target mesh (CrossCluster: the remotes) run workloads the config selects, above all the
  // ingress gateways, and hold their credentialName Secrets: `istioctl analyze --remote-contexts` reads them too. Only
  // their workloads, Services and Secrets join; the config cluster's own copy of a name wins.
  const contextOnly = new Set(CONTEXT_KINDS.map((k) => k.kind));
  let complete = live.kinds.filter((k) => !k.skipped).map((k) => `${k.kind.group}/${k.kind.kind}`);
  for (const other of others) {
    const theirs = await exportObjects({ client: other, discovery: other.discovery }, { withContext: true });
    for (const object of theirs.objects) if (contextOnly.has(object.kind) && !set.has(keyOf(object))) set.add({ object });
    // A kind is known completely only when every cluster listed it.
    const read = new Set(theirs.kinds.filter((k) => !k.skipped).map((k) => `${k.kind.group}/${k.kind.kind}`));
    complete = complete.filter((k) => !contextOnly.has(k.slice(k.indexOf('/') + 1)) || read.has(k));
  }
  // What will be there before the config matters (CrossCluster: the waves' workloads and Services), where the target
  // lacks it; the config cluster's own copy of a name wins, as the files win over both.
  for (const object of coming) if (contextOnly.has(object.kind) && !set.has(keyOf(object))) set.add({ object });
  for (const r of input.set) set.add(r, 'replace');
  const revisions = [...new Set(found.controlPlanes.flatMap((cp) => [cp.revision, ...cp.tags]))];
  const result = analyzeResources(set, {
    target: { revisions, revisionsKnown: true },
    completeKinds: complete.map((k) => kindRef(k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1))),
    clusterName: client.transport.contextName,
  });
  return result.findings
    .filter((f) => f.position !== undefined && f.origin !== '' && atLeast(f.level, failOn))
    .map((f) => ({
      code: f.code,
      name: f.name,
      level: f.level,
      object: f.origin,
      reference: `${path.relative(input.base, f.position!.file) || f.position!.file}${f.position!.line !== undefined ? `:${f.position!.line}` : ''}`,
      message: f.message,
    }));
}

/** One object the config import would write, or leaves alone. */
export interface ImportItem {
  ref: string;
  object: KubeObject;
  /** create: absent; change: live does not show the file's fields yet; unchanged: it does; skip: never written (why in reason). */
  change: 'create' | 'change' | 'unchanged' | 'skip';
  reason?: string;
}

/** Objects of namespaced kinds without a namespace go to `default`, as kubectl apply does without a context namespace. */
function withNamespace(client: ObjectClient, obj: KubeObject): KubeObject {
  const res = client.resourceOf(obj);
  if (!res?.namespaced || obj.metadata.namespace) return obj;
  return { ...obj, metadata: { ...obj.metadata, namespace: 'default' } };
}

/** What Prepare imports, and so the only kinds its rollback deletes or restores: Istio's and Gateway API's config, and namespaces. */
export function importable(apiVersion: string, kind: string): boolean {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return group.endsWith('.istio.io') || group === 'gateway.networking.k8s.io' || (group === '' && kind === 'Namespace');
}

/** The kinds rollback may delete or restore for one kind of journal entry, and how a refusal names them. */
export interface RestorableKinds {
  allows(apiVersion: string, kind: string): boolean;
  /** Completes "<Kind> is not ...", e.g. "config the import writes (...)". */
  says: string;
}

/** What the config import writes (`importable`). */
export const IMPORTED_KINDS: RestorableKinds = { allows: importable, says: 'config the import writes (only Istio and Gateway API config, and namespaces)' };

/** group → kinds a CrossCluster wave copies (issue 13 point 5; Secrets go by digest, never through a copy entry). */
const COPYABLE: Readonly<Record<string, readonly string[]>> = {
  '': ['Service', 'ServiceAccount', 'ConfigMap', 'Namespace'],
  apps: ['Deployment', 'DaemonSet', 'StatefulSet'],
  'rbac.authorization.k8s.io': ['Role', 'RoleBinding'],
  autoscaling: ['HorizontalPodAutoscaler'],
  policy: ['PodDisruptionBudget'],
  'networking.k8s.io': ['NetworkPolicy'],
};

/** What a CrossCluster wave copies, and so the only kinds its rollback deletes or restores as copies. */
export function copyable(apiVersion: string, kind: string): boolean {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return COPYABLE[group]?.includes(kind) ?? false;
}

/** What a wave copies (`copyable`). */
export const COPIED_KINDS: RestorableKinds = { allows: copyable, says: 'a kind a wave copies (workloads, Services, ServiceAccounts, ConfigMaps, RBAC roles, HPAs, PDBs, NetworkPolicies, namespaces)' };

/**
 * Why rollback must not act on an import (or, with `kinds` COPIED_KINDS, a copy) entry, or undefined. The journal
 * is ConfigMaps in the cluster, which people with far fewer rights than the operator may be able to write, so an
 * entry alone never decides what gets deleted or overwritten: the object must be a kind that step writes, the
 * recorded prior state must be that very object, and the live object must carry meshferry's own server-side apply
 * (which nobody can add without write access to it); to delete, meshferry's write must be the oldest one on it (it
 * created the object).
 */
export function untrustedImport(target: JournalTarget, before: KubeObject | null, live: KubeObject | undefined, kinds: RestorableKinds = IMPORTED_KINDS): string | undefined {
  if (!kinds.allows(target.apiVersion, target.kind)) return `${target.kind} is not ${kinds.says}`;
  if (before !== null && !recordsTarget(before, target)) return 'the prior state recorded for it is another object';
  if (!live) return undefined;
  const fields = Array.isArray(live.metadata.managedFields) ? (live.metadata.managedFields as unknown[]) : [];
  const mine = fields.find((f): f is { time?: unknown } => isPlainObject(f) && f.manager === 'meshferry' && f.operation === 'Apply' && f.subresource === undefined);
  if (!mine) return 'the live object carries no server-side apply by meshferry (managedFields)';
  if (before === null) {
    const at = typeof mine.time === 'string' ? Date.parse(mine.time) : Number.NaN;
    const older = fields.some((f) => isPlainObject(f) && f !== mine && typeof f.time === 'string' && Date.parse(f.time) < at);
    if (Number.isNaN(at) || older) return 'another field manager wrote it before meshferry did, so meshferry did not create it';
  }
  return undefined;
}

/**
 * Every object of the config, compared with the cluster: Namespaces first (so the rest has somewhere to go).
 * Secrets are never written: files hold them as metadata only (the export keeps their data in the source
 * cluster), as `meshferry import` skips them.
 */
export async function compareConfig(client: ObjectClient, input: ConfigInput): Promise<ImportItem[]> {
  const items: ImportItem[] = [];
  const objects = input.set.list().map((r) => withNamespace(client, r.object));
  // One LIST per kind, as `meshferry import` reads the live side, instead of a GET per object.
  const liveState = await readLiveState(client, objects.filter((o) => !isSecret(o) && importable(o.apiVersion, o.kind)));
  for (const obj of objects) {
    const ref = formatIdentity(keyOf(obj));
    if (isSecret(obj)) {
      items.push({ ref, object: obj, change: 'skip', reason: 'a Secret: its data never leaves the source cluster, create it in the target yourself' });
      continue;
    }
    if (!importable(obj.apiVersion, obj.kind)) {
      items.push({ ref, object: obj, change: 'skip', reason: 'not Istio or Gateway API config (nor a namespace): the migration imports only those; apply it yourself' });
      continue;
    }
    const res = client.resourceOf(obj);
    if (!res) {
      items.push({ ref, object: obj, change: 'create', reason: `the cluster does not serve ${obj.apiVersion} ${obj.kind}` });
      continue;
    }
    const live = liveState.get(keyOf(obj));
    items.push({ ref, object: obj, change: !live ? 'create' : showsObject(obj, live) ? 'unchanged' : 'change' });
  }
  const rank = (i: ImportItem) => (i.object.kind === 'Namespace' && i.object.apiVersion === 'v1' ? 0 : 1);
  return items.sort((a, b) => rank(a) - rank(b));
}

/** `want` ⊆ `have`: every field the file sets has its value live (maps key by key, lists item by item; server defaults may add). */
function subset(want: unknown, have: unknown): boolean {
  if (want === null) return have === null || have === undefined;
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => subset(w, have[i]));
  if (isPlainObject(want)) return isPlainObject(have) && Object.entries(want).every(([k, v]) => subset(v, have[k]));
  return jsonEqual(want, have);
}

/** Whether the live object shows what the file's object sets (labels, annotations and every other top-level field). */
export function showsObject(want: KubeObject, live: KubeObject): boolean {
  for (const k of ['labels', 'annotations'] as const) if (want.metadata[k] !== undefined && !subset(want.metadata[k], live.metadata[k] ?? {})) return false;
  return Object.entries(want).every(([k, v]) => k === 'apiVersion' || k === 'kind' || k === 'metadata' || k === 'status' || subset(v, live[k]));
}

/**
 * Whether an object meshferry created (never a Namespace: objects made inside one move no resourceVersion of it) has
 * been written since only through its status, which moves its resourceVersion but not the object: istiod's ipallocate
 * controller (on by default, PILOT_ENABLE_IP_AUTOALLOCATE) patches the status of every ServiceEntry without addresses
 * (istio pilot/pkg/controllers/ipallocate/ipallocate.go PatchStatus). It holds when the live object is the very one
 * the import left (its recorded uid), its generation has not moved (any change outside metadata and status moves it),
 * and its labels, annotations, finalizers and owners are exactly what meshferry wrote. managedFields are not trusted:
 * a client can set them.
 */
export function onlyStatusWrittenSince(target: JournalTarget, wrote: unknown, left: unknown, live: KubeObject): boolean {
  if (target.kind === 'Namespace' || !isPlainObject(wrote) || !isPlainObject(wrote.metadata) || !isPlainObject(left)) return false;
  if (!recordsTarget(wrote as unknown as KubeObject, target)) return false;
  if (typeof left.uid !== 'string' || typeof left.generation !== 'number') return false;
  const m = live.metadata;
  if (m.uid !== left.uid || m.generation !== left.generation) return false;
  const w = wrote.metadata as KubeObject['metadata'];
  // isDeepStrictEqual ignores the order of an object's keys, not a list's.
  return isDeepStrictEqual(w.labels ?? {}, m.labels ?? {}) && isDeepStrictEqual(w.annotations ?? {}, m.annotations ?? {}) && isDeepStrictEqual(w.finalizers ?? [], m.finalizers ?? []) && isDeepStrictEqual(w.ownerReferences ?? [], m.ownerReferences ?? []);
}

const SERVER_METADATA = ['managedFields', 'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/** The live object as rollback would put it back: everything but status and the fields the server sets. */
export function restorable(live: KubeObject): KubeObject {
  const out = cloneJson(live);
  delete out.status;
  for (const k of SERVER_METADATA) delete (out.metadata as Record<string, unknown>)[k];
  return out;
}

/** Two restorable forms say the same thing. */
export function sameRestorable(a: KubeObject, b: KubeObject): boolean {
  return jsonEqual(restorable(a), restorable(b));
}

/** What `migrate plan` shows of spec.config: the import against the cluster and the findings Init would fail on now. */
export async function viewConfig(client: ObjectClient, input: ConfigInput, found: ControlPlaneDiscovery, failOn: Level): Promise<{ objects: number; create: string[]; change: string[]; unchanged: number; skipped: { ref: string; reason: string }[]; findings: ConfigFinding[] }> {
  const items = await compareConfig(client, input);
  return {
    objects: items.length,
    create: items.filter((i) => i.change === 'create').map((i) => i.ref),
    change: items.filter((i) => i.change === 'change').map((i) => i.ref),
    unchanged: items.filter((i) => i.change === 'unchanged').length,
    skipped: items.filter((i) => i.change === 'skip').map((i) => ({ ref: i.ref, reason: i.reason ?? '' })),
    findings: await analyzeConfig(client, input, found, failOn),
  };
}
