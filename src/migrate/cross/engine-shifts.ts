// The wave shifts as the migration engine drives them: one tick when it is due (never earlier), the shift's standing read from its TrafficShift in home.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectClient } from '../../kube/object-client.js';
import { isPlainObject } from '../../resources/object.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import type { ObservedShift } from './reconcile-cross.js';
import type { PlannedShift, WaveShifts, WaveShiftTick } from './wave-shifts.js';

/** Phases after which a TrafficShift never moves again on its own (traffic/shift/decide.ts). */
const ENDED_BADLY = new Set(['RolledBack', 'Failed', 'Aborted']);

/** The longest an engine step waits for a shift's next tick: the engine loop stays responsive to Ctrl-C. */
const MAX_WAIT_MS = 1000;

/**
 * The CrossHooks `shifts` of one engine process over WaveShifts: `tick` runs the shift's runner only once its last
 * tick's nextTickAt has come (a step before that waits at most MAX_WAIT_MS and returns), so gates are read at the
 * shift's own pace, not the engine's; `observe` reads the TrafficShift's phase, so a run resumed on another machine
 * sees where the shift stands.
 */
export class EngineShifts {
  readonly #shifts: WaveShifts;
  readonly #home: ObjectClient;
  readonly #due = new Map<string, number>();
  readonly #last = new Map<string, WaveShiftTick>();

  constructor(shifts: WaveShifts, home: ObjectClient) {
    this.#shifts = shifts;
    this.#home = home;
  }

  planned(file: string): Promise<PlannedShift> {
    return this.#shifts.planned(file);
  }

  async observe(file: string): Promise<ObservedShift> {
    const p = await this.#shifts.planned(file);
    const ref = `${p.namespace}/${p.name}`;
    const last = this.#last.get(file);
    if (last?.done || last?.failed) return { file, ref, done: last.done, ...(last.failed ? { failed: last.failed } : {}) };
    const res = this.#home.resourceOf(p.object);
    const live = res ? await this.#home.get(res, p.namespace, p.name) : undefined;
    const status = live && isPlainObject(live.status) ? live.status : {};
    const phase = typeof status.phase === 'string' ? status.phase : '';
    const message = typeof status.message === 'string' ? status.message : '';
    if (phase === 'Succeeded') return { file, ref, done: true };
    if (ENDED_BADLY.has(phase)) return { file, ref, done: false, failed: sanitizeTerminalText(`TrafficShift ${ref} ${phase}: ${message}`, { oneLine: true }) };
    return { file, ref, done: false };
  }

  /** One tick of the file's shift if it is due (its outcome), else a short wait (the last outcome, if any). */
  async tick(file: string, signal?: AbortSignal): Promise<WaveShiftTick | undefined> {
    const wait = (this.#due.get(file) ?? 0) - Date.now();
    if (wait > 0) {
      await sleep(Math.min(wait, MAX_WAIT_MS), undefined, signal ? { signal } : {}).catch(() => undefined);
      return this.#last.get(file);
    }
    const t = await this.#shifts.tick(file, signal);
    this.#last.set(file, t);
    this.#due.set(file, t.nextTickAt ?? 0);
    return t;
  }

  /** Records what the runners hold in memory (call when the engine stops). */
  flush(): Promise<void> {
    return this.#shifts.flush();
  }
}
