// A CrossCluster wave's TrafficShifts inside the engine's process (one ShiftRunner tick per engine step, each file's runner kept between ticks), and the rollback's way back from an xc.shift journal entry.
import { ExitCode, MeshferryError } from '../../errors.js';
import type { JournalEntry } from '../../journal/journal.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject } from '../../resources/object.js';
import type { KubeObject } from '../../resources/object.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { createRouter } from '../../traffic/routers/create-router.js';
import type { ClusterSet } from '../../traffic/routers/router.js';
import { isTerminal } from '../../traffic/shift/decide.js';
import type { ShiftState } from '../../traffic/shift/decide.js';
import { resolveShiftChecks } from '../../traffic/shift/gate-checks.js';
import { describeRouterProblem, preflightShift, shiftGate } from '../../traffic/shift/preflight.js';
import { homeClusterSet, reverseShift } from '../../traffic/shift/reverse-weights.js';
import type { ReverseOutcome, ReverseShiftOptions } from '../../traffic/shift/reverse-weights.js';
import { ShiftRunner } from '../../traffic/shift/runner.js';
import type { TickResult } from '../../traffic/shift/runner.js';
import { loadTrafficShift } from '../../traffic/shift/spec.js';
import type { LoadedTrafficShift } from '../../traffic/shift/spec.js';
import { SHIFT_API_VERSION, TrafficShiftStore, statusToState, trafficShiftObject } from '../../traffic/shift/store.js';
import { describeEntry } from '../clusters.js';
import { resolveInside } from '../config.js';

export interface WaveShiftsOptions {
  /** The home cluster: the TrafficShift objects live there, and router targets that name no context too (as with `shift run --context home`). */
  home: ObjectClient;
  /** The other contexts the routers name (the migration's shared set, so each context is opened once). */
  set: ClusterSet;
  /** The folder the wave's shift paths are relative to (the MeshMigration file's); a path may not leave it. */
  base: string;
  now?: () => Date;
  /** Shift even when another field manager owns the weights; default false: refused, as `shift run` refuses. */
  allowSharedOwner?: boolean;
  /** The router's warnings from the check before a file's first tick, one line each (progress on stderr). */
  onWarning?: (message: string) => void;
}

/** How one tick of a wave's shift ended. */
export interface WaveShiftTick {
  /** The TrafficShift in home, `ns/name`. */
  ref: string;
  /** Its phase after the tick (decide.ts ShiftPhase). */
  phase: string;
  /** It succeeded: the wave moves on. */
  done: boolean;
  /** It ended RolledBack, Failed or Aborted: why, with the failed checks (`status.rollback.failed`). */
  failed?: string;
  /** Its status message. */
  message: string;
  /** When to tick again (ms since the epoch); absent once it has ended. */
  nextTickAt?: number;
}

/** What a shift's tick tells the engine (pure; the runner's result in the wave's words). */
export function waveShiftTick(ref: string, result: TickResult): WaveShiftTick {
  const s: ShiftState = result.decision.state;
  const done = s.phase === 'Succeeded';
  const failed = !done && isTerminal(s.phase) ? failureOf(ref, s) : undefined;
  return {
    ref,
    phase: s.phase,
    done,
    ...(failed ? { failed } : {}),
    message: sanitizeTerminalText(s.message, { oneLine: true }),
    ...(Number.isFinite(result.nextTickAt) ? { nextTickAt: result.nextTickAt } : {}),
  };
}

function failureOf(ref: string, s: ShiftState): string {
  const checks = s.rollback?.failed ?? [];
  const named = checks.length ? `; failed checks: ${checks.map((c) => c.text || c.name).join('; ')}` : '';
  return sanitizeTerminalText(`TrafficShift ${ref} ${s.phase}: ${s.message}${named}`, { oneLine: true });
}

/** The TrafficShift meshferry applies for a file, as the engine journals it (xc.shift) before the first tick. */
export interface PlannedShift {
  namespace: string;
  name: string;
  object: KubeObject;
}

interface Running {
  ref: string;
  runner: ShiftRunner;
}

const SHARED_OWNER_REMEDY = 'Suspend that sync (or let it own the weights), then resume the migration.';

/**
 * The wave shifts of one engine process. Each file is loaded once, with `shift run`'s validation and errors
 * (file:line, exit 2); its TrafficShift is applied in home once, after the router was checked against the live
 * objects as `shift run` checks it; its ShiftRunner is kept, so the in-memory state a runner carries from one tick
 * to the next (a write it saw land whose result is not saved yet, finalize done) survives between engine steps.
 */
export class WaveShifts {
  readonly #o: WaveShiftsOptions;
  readonly #files = new Map<string, Promise<LoadedTrafficShift>>();
  readonly #running = new Map<string, Promise<Running>>();

  constructor(opts: WaveShiftsOptions) {
    this.#o = opts;
  }

  /** The TrafficShift object meshferry applies for this file, without changing anything. */
  async planned(file: string): Promise<PlannedShift> {
    const f = await this.#load(file);
    const name = f.value.metadata.name;
    return { namespace: f.namespace, name, object: trafficShiftObject(f.value, f.namespace, name) };
  }

  /**
   * One tick of the file's shift: on the first, the file is loaded and checked, and its TrafficShift applied in
   * home. A signal already aborted ticks nothing: the results waiting in memory are saved and it throws (exit 130).
   */
  async tick(file: string, signal?: AbortSignal): Promise<WaveShiftTick> {
    if (signal?.aborted) {
      await this.flush();
      throw new MeshferryError('Interrupted', 'interrupted before a shift tick; the shifts\' state is on their TrafficShifts in home, and resuming the migration continues them', { exitCode: ExitCode.interrupted });
    }
    const r = await this.#open(file);
    return waveShiftTick(r.ref, await r.runner.tick());
  }

  /**
   * Saves each runner's write result still held in memory (the runner records a result with its next tick's status
   * write): call it when the engine stops between ticks, as `shift run` does on Ctrl-C. Without it a next process
   * still settles the write against the live weights, but holds that step again from the start.
   */
  async flush(): Promise<void> {
    for (const p of this.#running.values()) {
      const r = await p.catch(() => undefined);
      await r?.runner.flush();
    }
  }

  #load(file: string): Promise<LoadedTrafficShift> {
    let hit = this.#files.get(file);
    if (!hit) {
      hit = (async () => loadTrafficShift(resolveInside(this.#o.base, file, 'shift file', 'waves[].shifts')))();
      this.#files.set(file, hit);
      // A file that failed to load is read again next time (the user may fix it between two resumes).
      hit.catch(() => this.#files.delete(file));
    }
    return hit;
  }

  #open(file: string): Promise<Running> {
    let hit = this.#running.get(file);
    if (!hit) {
      hit = this.#start(file);
      this.#running.set(file, hit);
      hit.catch(() => this.#running.delete(file));
    }
    return hit;
  }

  /** What `shift run` does before its first tick (src/cli/shift/run.ts), through preflight.ts. */
  async #start(file: string): Promise<Running> {
    const { home, set } = this.#o;
    const f = await this.#load(file);
    const name = f.value.metadata.name;
    const router = createRouter(f.value.spec.router, homeClusterSet(home, set), { namespace: f.namespace });
    const checks = resolveShiftChecks(f.value.spec, router.reporter, f.namespace);
    const store = await TrafficShiftStore.open(home, f.namespace, name);
    const existing = await home.get(store.resource, f.namespace, name);
    // An ended shift writes no weight again, so its routes need not fit any more (as `shift run`).
    const ended = existing !== undefined && isTerminal(statusToState(existing.status).phase);
    if (!ended) {
      const warnings = await preflightShift(f, router, { allowSharedOwner: this.#o.allowSharedOwner === true, sharedOwnerRemedy: SHARED_OWNER_REMEDY });
      for (const w of warnings) this.#o.onWarning?.(sanitizeTerminalText(describeRouterProblem(w), { oneLine: true }));
    }
    // Applied only once the file fits the live objects: a bad file leaves nothing behind in the cluster.
    await store.applySpec(f.value);
    const gate = shiftGate(f.value.spec);
    const now = this.#o.now;
    const runner = new ShiftRunner({ plan: f.plan, router, store, checks, ...(gate ? { gate } : {}), ...(now ? { now: () => now().getTime() } : {}) });
    return { ref: `${f.namespace}/${name}`, runner };
  }
}

/** STEP.shift of src/migrate/act.ts (not imported: act.ts imports this module). */
const SHIFT_STEP = 'xc.shift';

/** The rollback's `reverseShift(entry)` option: sends the traffic of an xc.shift entry's TrafficShift back to "from". */
export type ReverseShiftEntry = (entry: JournalEntry) => Promise<ReverseOutcome>;

/**
 * Reverses the TrafficShift an xc.shift journal entry names (in home) with reverseShift. The journal is ConfigMaps
 * others may write, so only an entry of that step, naming a TrafficShift in home and recording the object meshferry
 * applied, is followed; and the live TrafficShift's spec must still be that one (reverseShift checks it).
 */
export function reverseShiftEntry(opts: ReverseShiftOptions): ReverseShiftEntry {
  return async (entry) => {
    const what = describeEntry(entry);
    const t = entry.target;
    if (entry.step !== SHIFT_STEP) return { refused: `${what}: not a shift entry (${SHIFT_STEP}); meshferry leaves it alone` };
    if (!t || t.kind !== 'TrafficShift' || t.apiVersion !== SHIFT_API_VERSION || !t.namespace || !t.name)
      return { refused: `${what}: its target is not a ${SHIFT_API_VERSION} TrafficShift with a namespace and a name; the entry may have been written by someone else, so meshferry leaves it alone` };
    if (t.context !== undefined && t.context !== opts.home.transport.contextName)
      return { refused: `${what}: a wave's TrafficShift lives in the home cluster (context "${sanitizeTerminalText(opts.home.transport.contextName, { oneLine: true })}"), not in "${sanitizeTerminalText(t.context, { oneLine: true })}"; the entry may have been written by someone else, so meshferry leaves it alone` };
    const state = isPlainObject(entry.intent) && isPlainObject(entry.intent.state) ? entry.intent.state : undefined;
    const applied = state && isPlainObject(state.object) ? state.object : undefined;
    const meta = applied && isPlainObject(applied.metadata) ? applied.metadata : undefined;
    if (!applied || !meta || meta.name !== t.name || meta.namespace !== t.namespace || applied.spec === undefined)
      return { refused: `${what}: it does not record the TrafficShift meshferry applied (intent.state.object, named as its target); the entry may have been written by someone else, so meshferry leaves it alone` };
    return reverseShift({ ...opts, reason: opts.reason ?? `the migration was rolled back (${what})` }, { namespace: t.namespace, name: t.name, spec: applied.spec });
  };
}
