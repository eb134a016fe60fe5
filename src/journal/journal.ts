// A generic write-ahead journal beside a Kubernetes object: intent before each change, result after, sharded ConfigMaps in the cluster plus a local copy.
import os from 'node:os';
import path from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import { ClusterError, InputError } from '../errors.js';
import { KubeApiError } from '../kube/errors.js';
import { FIELD_MANAGER } from '../kube/object-client.js';
import type { ObjectClient } from '../kube/object-client.js';
import { writeFileAtomic } from '../resources/atomic-write.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { isSecret, redactSecret } from '../resources/secrets.js';
import { scalarsOnly, secretEntryProblem } from './secret-entry.js';

/** The object a journal belongs to (a MeshMigration, a TrafficShift). Its uid ties the journal to one incarnation of it. */
export interface JournalOwner {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
}

/** What a step changes. */
export interface JournalTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The kubeconfig context of the cluster it lives in; absent: the cluster that holds the journal (every entry written before entries named their cluster). */
  context?: string;
}

/**
 * Whether an entry's recorded object is its target itself (apiVersion, kind, namespace, name). The journal is
 * ConfigMaps that others may write, so whoever acts on a recorded object checks this first.
 */
export function recordsTarget(obj: unknown, t: JournalTarget): boolean {
  if (!isPlainObject(obj) || !isPlainObject(obj.metadata)) return false;
  const md = obj.metadata;
  return obj.apiVersion === t.apiVersion && obj.kind === t.kind && md.name === t.name && (md.namespace ?? t.namespace) === t.namespace;
}

/** What `begin` records before a change. */
export interface JournalIntent {
  target?: JournalTarget;
  /** What the target looked like before the change (what rollback puts back). */
  before?: unknown;
  /** What the step is about to do (what resume checks against the cluster before redoing it). */
  intent: unknown;
}

/** What `finishMany` records after a change: done (with an optional result), or failed and why. */
export type JournalOutcome = { seq: number; result?: unknown } | { seq: number; failed: string };

/** One step: written `pending` before the change, `done` or `failed` after it. */
export interface JournalEntry {
  seq: number;
  step: string;
  target?: JournalTarget;
  /** What the target looked like before the change (what rollback puts back). */
  before?: unknown;
  /** What the step is about to do (what resume checks against the cluster before redoing it). */
  intent: unknown;
  state: 'pending' | 'done' | 'failed';
  result?: unknown;
  /** RFC 3339 time of the last state change. */
  at: string;
}

export interface JournalOptions {
  /** Folder of the local copy; default `journalHome()`. */
  localDir?: string;
  /** Namespace of the journal's ConfigMaps when the owner is cluster-scoped; default JOURNAL_NAMESPACE. */
  namespace?: string;
  /** Upper bound of one shard's JSON, in bytes (default 256 KiB; the API server's limit is 1 MiB per object). */
  shardBytes?: number;
  /** The clock (tests). */
  now?: () => Date;
}

/** Label on every journal shard: the owner's uid. */
export const JOURNAL_OF_LABEL = 'meshferry.dev/journal-of';
/** Annotation on every journal shard: its index, from 0. */
export const JOURNAL_SHARD_ANNOTATION = 'meshferry.dev/journal-shard';
/** Where the shards of a cluster-scoped owner live (created on first use). */
export const JOURNAL_NAMESPACE = 'meshferry-system';
const DATA_KEY = 'entries.json';
const DEFAULT_SHARD_BYTES = 256 * 1024;
/** Far below 1 MiB: the ConfigMap's metadata and JSON escaping need room too. */
const MAX_SHARD_BYTES = 768 * 1024;

/**
 * The folder that holds local journal copies: `$MESHFERRY_STATE_DIR`, else `$XDG_STATE_HOME/meshferry`, else
 * `~/.local/state/meshferry`; each journal in `journals/<kind>.<name>.<uid>/`.
 */
export function journalHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESHFERRY_STATE_DIR) return path.join(env.MESHFERRY_STATE_DIR, 'journals');
  const state = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(state, 'meshferry', 'journals');
}

/** The folder of one owner's local copy. */
export function localJournalDir(owner: JournalOwner, home = journalHome()): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(home, `${safe(owner.kind.toLowerCase())}.${safe(owner.name)}.${safe(owner.uid)}`);
}

interface Shard {
  index: number;
  entries: JournalEntry[];
  /** The ConfigMap's resourceVersion, for optimistic writes; undefined until it exists. */
  resourceVersion?: string;
}

/**
 * The journal of one owner. The cluster copy is the truth: `open` reads it from the cluster (so resume works from
 * any machine with the kubeconfig) and refreshes the local copy. Every write goes to the cluster first, with the
 * shard's resourceVersion, so two processes writing one journal fail loudly instead of losing entries.
 */
export class Journal {
  readonly owner: JournalOwner;
  readonly namespace: string;
  readonly localDir: string;
  #client: ObjectClient;
  #shards: Shard[];
  #shardBytes: number;
  #now: () => Date;

  private constructor(client: ObjectClient, owner: JournalOwner, shards: Shard[], opts: Required<Pick<JournalOptions, 'localDir' | 'namespace' | 'shardBytes' | 'now'>>) {
    this.#client = client;
    this.owner = owner;
    this.#shards = shards;
    this.namespace = opts.namespace;
    this.localDir = opts.localDir;
    this.#shardBytes = opts.shardBytes;
    this.#now = opts.now;
  }

  /** Reads the owner's journal from the cluster (empty when new) and refreshes the local copy. */
  static async open(client: ObjectClient, owner: JournalOwner, opts: JournalOptions = {}): Promise<Journal> {
    if (!owner.uid) throw new ClusterError('JournalOwnerUnsaved', `${owner.kind} ${owner.name} has no uid yet: create it in the cluster before journaling its steps`);
    const configMaps = client.discovery.resourceFor('', 'ConfigMap');
    if (!configMaps) throw new ClusterError('ConfigMapsNotServed', 'the cluster does not serve ConfigMaps, where the journal lives');
    const namespace = owner.namespace ?? opts.namespace ?? JOURNAL_NAMESPACE;
    const items = await client.list(configMaps, { namespace, labelSelector: `${JOURNAL_OF_LABEL}=${owner.uid}` });
    const shards = items.map((cm) => shardOf(cm, owner)).sort((a, b) => a.index - b.index);
    shards.forEach((s, i) => {
      if (s.index !== i) throw new ClusterError('JournalShardMissing', `journal of ${owner.kind} ${owner.name}: shard ${i} is missing in namespace ${namespace} (found ${shards.map((x) => x.index).join(', ')})`);
    });
    const journal = new Journal(client, owner, shards, {
      localDir: opts.localDir ?? localJournalDir(owner),
      namespace,
      shardBytes: Math.min(opts.shardBytes ?? DEFAULT_SHARD_BYTES, MAX_SHARD_BYTES),
      now: opts.now ?? (() => new Date()),
    });
    if (shards.length === 0 && !owner.namespace) await journal.#ensureNamespace();
    await journal.#writeLocalAll();
    return journal;
  }

  /** Every entry, oldest first. */
  entries(): readonly JournalEntry[] {
    return this.#shards.flatMap((s) => s.entries);
  }

  /** Entries written before a change whose result was never recorded: look at the cluster before redoing them. */
  pending(): JournalEntry[] {
    return this.entries().filter((e) => e.state === 'pending');
  }

  /**
   * Records intent before a change (in the cluster, then locally). A Secret is recorded only in the digest form
   * (`secretEntryProblem`): its data never enters a journal.
   */
  async begin(step: string, e: JournalIntent): Promise<JournalEntry> {
    const [entry] = await this.beginMany([{ ...e, step }]);
    return entry!;
  }

  /**
   * Records the intent of several changes with one write per shard touched (one, unless the batch crosses a
   * shard's size), instead of one whole-shard write per entry. Call it before any of the changes: a crash after
   * it leaves every entry pending, and the next run settles each against the cluster.
   */
  async beginMany(batch: readonly (JournalIntent & { step: string })[]): Promise<JournalEntry[]> {
    let seq = this.entries().at(-1)?.seq ?? 0;
    const at = this.#now().toISOString();
    const entries = batch.map(({ step, target, before, intent }): JournalEntry => {
      if (target && isSecret(target)) {
        const problem = secretEntryProblem(before, intent);
        if (problem) throw new InputError(`the journal never records Secrets, only a digest of their data: step ${step} targets Secret ${target.namespace ?? ''}/${target.name}, and ${problem}`, { code: 'JournalSecret' });
      }
      return {
        seq: ++seq,
        step,
        ...(target ? { target: { ...target } } : {}),
        ...(before === undefined ? {} : { before: withoutSecretData(before) }),
        intent: withoutSecretData(intent),
        state: 'pending',
        at,
      };
    });
    const sizes = entries.map((entry) => {
      const own = Buffer.byteLength(JSON.stringify(entry), 'utf8');
      if (own + 2 > this.#shardBytes) throw new ClusterError('JournalEntryTooLarge', `journal entry for step ${entry.step} is larger than one shard (${this.#shardBytes} bytes)`);
      return own;
    });
    const touched: { shard: Shard; added: number }[] = [];
    let shard = this.#shards.at(-1);
    let size = shard ? byteLength(shard.entries) : 0;
    for (const [i, entry] of entries.entries()) {
      const own = sizes[i]!;
      // The JSON of a shard is [e1,e2,...]: two brackets, and a comma before every entry but the first.
      if (!shard || (shard.entries.length > 0 && size + own + 1 > this.#shardBytes)) {
        shard = { index: this.#shards.length, entries: [] };
        this.#shards.push(shard);
        size = 2;
      }
      if (touched.at(-1)?.shard !== shard) touched.push({ shard, added: 0 });
      size += own + (shard.entries.length > 0 ? 1 : 0);
      shard.entries.push(entry);
      touched.at(-1)!.added++;
    }
    for (const [i, t] of touched.entries()) {
      try {
        await this.#write(t.shard);
      } catch (err) {
        // What reached the cluster stays (pending, settled by the next run); the rest is forgotten.
        for (const u of touched.slice(i)) {
          u.shard.entries.splice(u.shard.entries.length - u.added, u.added);
          if (u.shard.entries.length === 0 && u.shard.resourceVersion === undefined) this.#shards.splice(this.#shards.indexOf(u.shard), 1);
        }
        throw err;
      }
    }
    return entries;
  }

  /** Records that a pending step finished. */
  async finish(seq: number, result?: unknown): Promise<void> {
    await this.finishMany([{ seq, ...(result === undefined ? {} : { result }) }]);
  }

  /** Records that a pending step failed, and why. */
  async fail(seq: number, reason: string): Promise<void> {
    await this.finishMany([{ seq, failed: reason }]);
  }

  /**
   * Records the outcomes of several changes with one write per shard touched. An entry left out stays pending:
   * that is how a change whose answer was lost is recorded (the next run settles it against the cluster).
   */
  async finishMany(outcomes: readonly JournalOutcome[]): Promise<void> {
    const at = this.#now().toISOString();
    const changes: { shard: Shard; idx: number; old: JournalEntry; next: JournalEntry }[] = [];
    for (const o of outcomes) {
      const shard = this.#shards.find((s) => s.entries.some((e) => e.seq === o.seq));
      const idx = shard?.entries.findIndex((e) => e.seq === o.seq) ?? -1;
      const old = shard?.entries[idx];
      if (!shard || !old) throw new ClusterError('JournalEntryUnknown', `journal of ${this.owner.kind} ${this.owner.name} has no entry ${o.seq}`);
      const result = 'failed' in o ? { reason: o.failed } : o.result === undefined ? undefined : withoutSecretData(o.result);
      if (old.target && isSecret(old.target) && result !== undefined && !scalarsOnly(result))
        throw new InputError(`the journal records only scalar results for Secret ${old.target.namespace ?? ''}/${old.target.name} (entry ${o.seq}): a uid, a resourceVersion, never an object`, { code: 'JournalSecret' });
      const next: JournalEntry = { ...old, state: 'failed' in o ? 'failed' : 'done', at };
      if (result === undefined) delete next.result;
      else next.result = result;
      changes.push({ shard, idx, old, next });
    }
    // Applied only once every outcome is known to be valid: a refused batch leaves memory as it was.
    for (const c of changes) c.shard.entries[c.idx] = c.next;
    const shards = [...new Set(changes.map((c) => c.shard))].sort((a, b) => a.index - b.index);
    for (const [i, shard] of shards.entries()) {
      try {
        await this.#write(shard);
      } catch (err) {
        const unwritten = new Set(shards.slice(i));
        for (const c of changes.reverse()) if (unwritten.has(c.shard)) c.shard.entries[c.idx] = c.old;
        throw err;
      }
    }
  }

  #shardName(index: number): string {
    return `${this.owner.name}-journal-${index}`;
  }

  async #write(shard: Shard): Promise<void> {
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.#shardName(shard.index),
        namespace: this.namespace,
        labels: { [JOURNAL_OF_LABEL]: this.owner.uid, 'app.kubernetes.io/managed-by': 'meshferry' },
        annotations: { [JOURNAL_SHARD_ANNOTATION]: String(shard.index), 'meshferry.dev/journal-owner': `${this.owner.kind}/${this.owner.name}` },
        ownerReferences: [{ apiVersion: this.owner.apiVersion, kind: this.owner.kind, name: this.owner.name, uid: this.owner.uid }],
        ...(shard.resourceVersion ? { resourceVersion: shard.resourceVersion } : {}),
      },
      data: { [DATA_KEY]: JSON.stringify(shard.entries) },
    };
    try {
      const res = shard.resourceVersion ? await this.#client.replace(cm) : await this.#client.create(cm);
      const rv = res.object.metadata.resourceVersion;
      shard.resourceVersion = typeof rv === 'string' ? rv : undefined;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409)
        throw new ClusterError(
          'JournalConflict',
          `journal of ${this.owner.kind} ${this.owner.name} (ConfigMap ${this.namespace}/${cm.metadata.name}) was changed by someone else: is another meshferry working on it? Run the command again to continue from the cluster's record`,
          { cause: err },
        );
      throw err;
    }
    await this.#writeLocal(shard);
  }

  async #writeLocal(shard: Shard): Promise<void> {
    const doc = { owner: this.owner, shard: shard.index, configMap: `${this.namespace}/${this.#shardName(shard.index)}`, entries: shard.entries };
    await writeFileAtomic(path.join(this.localDir, `shard-${shard.index}.json`), `${JSON.stringify(doc, null, 1)}\n`);
  }

  async #writeLocalAll(): Promise<void> {
    for (const s of this.#shards) await this.#writeLocal(s);
  }

  async #ensureNamespace(): Promise<void> {
    const namespaces = this.#client.discovery.resourceFor('', 'Namespace');
    if (!namespaces) return;
    if (await this.#client.get(namespaces, undefined, this.namespace)) return;
    try {
      await this.#client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace, labels: { 'app.kubernetes.io/managed-by': 'meshferry' } } });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    }
  }
}

/** Reads a local journal copy (for `status` when the cluster is gone, and tests). */
export async function readLocalJournal(dir: string): Promise<JournalEntry[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^shard-\d+\.json$/.test(f));
  files.sort((a, b) => Number(a.slice(6, -5)) - Number(b.slice(6, -5)));
  const out: JournalEntry[] = [];
  for (const f of files) {
    const doc: unknown = JSON.parse(await readFile(path.join(dir, f), 'utf8'));
    if (isPlainObject(doc) && Array.isArray(doc.entries)) out.push(...(doc.entries as JournalEntry[]));
  }
  return out;
}

function shardOf(cm: KubeObject, owner: JournalOwner): Shard {
  const where = `journal of ${owner.kind} ${owner.name}: ConfigMap ${cm.metadata.namespace ?? ''}/${cm.metadata.name}`;
  const index = Number(cm.metadata.annotations?.[JOURNAL_SHARD_ANNOTATION]);
  if (!Number.isInteger(index) || index < 0) throw new ClusterError('JournalCorrupt', `${where} has no valid ${JOURNAL_SHARD_ANNOTATION} annotation`);
  // Rollback acts on what the journal says, so a ConfigMap that merely carries the label is not trusted: it must
  // have the shard's name, belong to the owner (ownerReference uid), and have been written only by meshferry.
  if (cm.metadata.name !== `${owner.name}-journal-${index}`)
    throw new ClusterError('JournalForeign', `${where} carries the journal label but is not named ${owner.name}-journal-${index}; meshferry did not write it: delete it, or ask who did`);
  const refs = Array.isArray(cm.metadata.ownerReferences) ? cm.metadata.ownerReferences : [];
  if (!refs.some((r) => isPlainObject(r) && r.uid === owner.uid))
    throw new ClusterError('JournalForeign', `${where} carries the journal label but does not belong to ${owner.kind} ${owner.name} (no ownerReference with its uid); meshferry did not write it`);
  const managers = (Array.isArray(cm.metadata.managedFields) ? cm.metadata.managedFields : []).map((f) => (isPlainObject(f) ? f.manager : undefined)).filter((m) => m !== FIELD_MANAGER && m !== 'kube-controller-manager');
  if (managers.length > 0)
    throw new ClusterError('JournalForeign', `${where} was also written by ${[...new Set(managers.map(String))].join(', ')}; a journal only meshferry wrote can be trusted for a resume or rollback`);
  const data = isPlainObject(cm.data) ? cm.data[DATA_KEY] : undefined;
  let entries: unknown;
  try {
    entries = typeof data === 'string' ? JSON.parse(data) : undefined;
  } catch {
    entries = undefined;
  }
  if (!Array.isArray(entries) || !entries.every(isEntry)) throw new ClusterError('JournalCorrupt', `${where} does not hold a list of journal entries in data.${DATA_KEY}`);
  const rv = cm.metadata.resourceVersion;
  return { index, entries, ...(typeof rv === 'string' ? { resourceVersion: rv } : {}) };
}

function isEntry(v: unknown): v is JournalEntry {
  return isPlainObject(v) && typeof v.seq === 'number' && typeof v.step === 'string' && (v.state === 'pending' || v.state === 'done' || v.state === 'failed') && typeof v.at === 'string' && (v.target === undefined || isTarget(v.target));
}

/** Every field a target's reader uses is a string: an edited shard cannot slip another type past them. */
function isTarget(v: unknown): v is JournalTarget {
  const optional = (x: unknown) => x === undefined || typeof x === 'string';
  return isPlainObject(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string' && typeof v.name === 'string' && optional(v.namespace) && optional(v.context);
}

function byteLength(entries: readonly JournalEntry[]): number {
  return Buffer.byteLength(JSON.stringify(entries), 'utf8');
}

/** A deep copy in which every Secret object has lost its data (redactSecret); other values are copied as they are. */
export function withoutSecretData(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutSecretData);
  if (!isPlainObject(v)) return v;
  if (typeof v.apiVersion === 'string' && typeof v.kind === 'string' && isPlainObject(v.metadata) && isSecret({ apiVersion: v.apiVersion, kind: v.kind }))
    return redactSecret(v as unknown as KubeObject);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutSecretData(x)]));
}
