// The loop the CLI (and later a controller) runs: read the object, observe, reconcile, act, record status; until done, paused, failed or interrupted.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServedResource } from '../kube/discovery.js';
import type { ObjectClient } from '../kube/object-client.js';
import { Journal, type JournalOptions } from '../journal/journal.js';
import { SecretDigest } from '../journal/secret-digest.js';
import { MigrationClusters } from './clusters.js';
import { act } from './act.js';
import { observe } from './observe.js';
import type { CrossHooks } from './cross/observe-cross.js';
import { configLoaderFor, readConfigSource, specDigest, type ConfigLoader } from './config.js';
import { LiveSourceConfig } from './cross/source-export.js';
import { InputError } from '../errors.js';
import { reconcile, terminal, type Action } from './reconcile.js';
import { MIGRATION_API_VERSION, MIGRATION_KIND, parseDuration, DEFAULT_VERIFY_TIMEOUT_MS, type MeshMigrationSpec, type MigrationStatus } from './spec.js';
import { readMigration, writeStatus } from './store.js';

export interface RunOptions {
  /** The home cluster: where the MeshMigration and its journal live. */
  client: ObjectClient;
  /** The clusters journal entries may name (its `home` is `client`); default: home only, as InPlace needs. */
  clusters?: MigrationClusters;
  resource: ServedResource;
  name: string;
  /** Called after each action (progress on stderr). */
  onAction?: (action: Action, status: MigrationStatus) => void | Promise<void>;
  /** Stops between actions (SIGINT): the journal is consistent at every action boundary. */
  signal?: AbortSignal;
  /** Longest pause between polls while rollouts run; default 500 ms. A wait that follows a change polls sooner (pollDelay). */
  pollMs?: number;
  journal?: Pick<JournalOptions, 'localDir'>;
  /** CrossCluster: the wave shifts of this process (their runners keep state between ticks). */
  cross?: CrossHooks;
}

export interface RunResult {
  /** 0 finished or paused as asked, 1 a check failed (retry re-runs it), 130 interrupted (resumable). */
  exit: 0 | 1 | 130;
  status: MigrationStatus;
  last: Action;
}

/** Runs the migration named `name` until it finishes, pauses, fails a check or is interrupted. */
export async function runMigration(opts: RunOptions): Promise<RunResult> {
  const { client, resource, name } = opts;
  let m = await readMigration(client, resource, name);
  const journal = await Journal.open(client, { apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name, uid: m.uid }, opts.journal ?? {});
  const clusters = opts.clusters ?? MigrationClusters.homeOnly(client);
  // The key stays beside the local journal copy; nothing is created until a Secret is journaled.
  const secretDigest = SecretDigest.at(journal.localDir);
  let waitingSince: number | undefined;
  let polls = 0;
  // A CrossCluster run reaches what its spec names: the spec it started with is the one it runs to the end.
  const startedWith = m.object.spec.mode === 'CrossCluster' ? specDigest(m.object.spec) : undefined;
  for (;;) {
    m = await readMigration(client, resource, name);
    if (startedWith !== undefined && specDigest(m.object.spec) !== startedWith)
      throw new InputError(`MeshMigration ${name}'s spec changed in the cluster while it ran; meshferry stopped between two steps. Run \`meshferry migrate apply FILE\` with the migration's file to go on with what it names`, { code: 'SpecChanged' });
    const loaders = await configLoaders(m, name, journal.localDir, clusters);
    const ctx = { client, clusters, secretDigest, name, spec: m.object.spec, generation: m.generation, journal, annotations: m.object.metadata.annotations, ...loaders, ...(opts.cross ? { cross: opts.cross } : {}) };
    const status = m.status;
    if (opts.signal?.aborted) return { exit: 130, status, last: { kind: 'wait', message: 'interrupted' } };
    const obs = await observe(ctx, status);
    let action = reconcile(m.object.spec, status, obs);
    if (action.kind === 'wait') {
      waitingSince ??= Date.now();
      const limit = m.object.spec.verify?.timeout ? parseDuration(m.object.spec.verify.timeout) : DEFAULT_VERIFY_TIMEOUT_MS;
      if (Date.now() - waitingSince > limit) action = { kind: 'fail', check: 'Rollout', message: `${action.message} for longer than verify.timeout (${m.object.spec.verify?.timeout ?? '10m'})` };
    } else {
      waitingSince = undefined;
      polls = 0;
    }
    const next = await act(ctx, status, action);
    if (JSON.stringify(next) !== JSON.stringify(status)) await writeStatus(client, resource, name, next);
    await opts.onAction?.(action, next);
    const exit = terminal(action);
    if (exit !== undefined) return { exit, status: next, last: action };
    if (action.kind === 'wait') await sleep(pollDelay(polls++, opts.pollMs ?? DEFAULT_POLL_MS), undefined, { signal: opts.signal }).catch(() => undefined);
  }
}

const DEFAULT_POLL_MS = 500;
/** The first pause of a wait: what was just written (a copy, a restart) often settles within it. */
const FIRST_POLL_MS = 100;
/** How much longer each next pause of the same wait is. */
const POLL_STEP_MS = 50;

/**
 * The pause before the next look while a wait goes on: 100 ms after the change that began it, 50 ms longer each look,
 * up to `maxMs`. A rollout on a real cluster takes seconds, so a wait reaches `maxMs` within two seconds; a small wave
 * (bench/migrate cross: its pods ready one to two seconds after their Deployments) is seen ready within ~200 ms
 * rather than a whole `maxMs` later. (Doubling reached 400 ms by the third look, just when the pods came up.)
 */
export function pollDelay(polls: number, maxMs: number): number {
  return Math.min(maxMs, FIRST_POLL_MS + POLL_STEP_MS * polls);
}

/**
 * spec.config's loaders for one engine step: `config` (what Init analyzes and Prepare imports) and, in CrossCluster,
 * `configNow` (what the source says now, for ConfigParity). Without spec.config.from (CrossCluster) both read the
 * source's live export (cross/source-export.ts says why Init's export is kept for the import).
 */
export async function configLoaders(m: { object: { spec: MeshMigrationSpec; metadata: { annotations?: Record<string, string> } }; status: MigrationStatus }, name: string, localDir: string, clusters: MigrationClusters): Promise<{ config?: ConfigLoader; configNow?: ConfigLoader }> {
  const spec = m.object.spec;
  if (!spec.config) return {};
  const trusted = await readConfigSource(localDir);
  const annotations = m.object.metadata.annotations;
  if (spec.mode !== 'CrossCluster' || spec.config.from !== undefined) {
    const config = configLoaderFor(spec, annotations, name, trusted);
    return config ? { config } : {};
  }
  const source = () => clusters.clientFor(spec.source?.context, 'the source cluster (spec.source.context)');
  const config = configLoaderFor(spec, annotations, name, trusted, new LiveSourceConfig({ localDir, phase: m.status.phase, source, spec }));
  const configNow = configLoaderFor(spec, annotations, name, trusted, new LiveSourceConfig({ localDir, phase: 'now', source, spec }));
  return { ...(config ? { config } : {}), ...(configNow ? { configNow } : {}) };
}

/** Releases a wave paused by pauseBefore (what `migrate resume` does before running again). */
export async function releasePause(client: ObjectClient, resource: ServedResource, name: string): Promise<boolean> {
  const m = await readMigration(client, resource, name);
  const ws = m.status.waves.find((w) => w.state === 'Paused');
  if (!ws) return false;
  ws.released = true;
  ws.state = 'Pending';
  await writeStatus(client, resource, name, m.status);
  return true;
}
