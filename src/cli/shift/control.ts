// `meshferry shift status|pause|resume|abort|promote NAME`: read a shift's state and steer it through its TrafficShift object.
import { stringify } from 'yaml';
import { ExitCode, UsageError } from '../../errors.js';
import { KubeconfigClusterSet } from '../../traffic/routers/cluster-set.js';
import { isPlainObject } from '../../resources/object.js';
import { isTerminal, type ShiftState } from '../../traffic/shift/decide.js';
import type { TrafficShiftSpec } from '../../traffic/shift/spec.js';
import { restoreRetired } from '../../traffic/shift/retire-restore.js';
import { SHIFT_API_VERSION, TrafficShiftStore, stateToStatus } from '../../traffic/shift/store.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { connect } from '../cluster-flags.js';
import type { ClusterFlags } from '../cluster-flags.js';
import { log, renderTable, writeStdout } from '../io.js';
import type { OutputFormat } from '../io.js';

export interface ShiftTargetFlags extends ClusterFlags {
  namespace?: string;
}

async function withStore<T>(name: string, flags: ShiftTargetFlags, fn: (store: TrafficShiftStore) => Promise<T>): Promise<T> {
  const cluster = await connect(flags);
  try {
    return await fn(await TrafficShiftStore.open(cluster.client, flags.namespace ?? 'default', name));
  } finally {
    cluster.close();
  }
}

/** `shift status`: phase, weight, message, last checks and the weights written. Exit 0 unless the shift failed or rolled back. */
export async function runShiftStatus(name: string, flags: ShiftTargetFlags & { output: OutputFormat }): Promise<number> {
  return withStore(name, flags, async (store) => {
    const s = await store.load();
    const status = { name: `${store.namespace}/${store.name}`, ...stateToStatus(s.state), requests: s.requests };
    if (flags.output === 'json') await writeStdout(`${JSON.stringify(status, null, 2)}\n`);
    else if (flags.output === 'yaml') await writeStdout(stringify(status));
    else {
      let text = renderTable(['name', 'phase', 'weight', 'failed checks', 'errors'], [[status.name, s.state.phase, weightText(s.state), String(s.state.failedChecks), String(s.state.consecutiveErrors)]]);
      text += `\n${s.state.message}\n`;
      if (s.state.checks.length) text += `\nlast checks:\n${s.state.checks.map((c) => `  ${c.text}`).join('\n')}\n`;
      if (s.state.history.length) text += `\nweights written:\n${s.state.history.map((h) => `  ${new Date(h.at).toISOString()}  ${h.weight}  (${h.why})`).join('\n')}\n`;
      const asked = Object.entries(s.requests).filter(([, v]) => v !== false && v !== undefined);
      if (asked.length) text += `\nrequests: ${asked.map(([k, v]) => (v === true ? k : `${k}=${typeof v === 'number' ? new Date(v).toISOString() : String(v)}`)).join(', ')}\n`;
      await writeStdout(sanitizeTerminalText(text));
    }
    return s.state.phase === 'Succeeded' || !isTerminal(s.state.phase) ? ExitCode.ok : ExitCode.findings;
  });
}

export type ShiftRequestVerb = 'pause' | 'resume' | 'abort' | 'promote';

/** Records a request on the TrafficShift; the `shift run` driving it acts on its next tick. */
export async function runShiftRequest(verb: ShiftRequestVerb, name: string, flags: ShiftTargetFlags & { instant?: boolean; gradual?: boolean }): Promise<number> {
  if (flags.instant && flags.gradual) throw new UsageError('--instant and --gradual exclude each other');
  return withStore(name, flags, async (store) => {
    const s = await store.load();
    if (isTerminal(s.state.phase)) {
      log.info(sanitizeTerminalText(`${store.display} has ended (${s.state.phase}: ${s.state.message}); nothing to ${verb}. "shift run --restart FILE" starts it over.`));
      return ExitCode.findings;
    }
    switch (verb) {
      case 'pause':
        await store.annotate({ pause: 'true' });
        break;
      case 'resume':
        await store.annotate({ pause: null, resumeAt: new Date().toISOString() });
        break;
      case 'abort':
        await store.annotate({ abort: flags.instant ? 'instant' : flags.gradual ? 'gradual' : 'default' });
        break;
      case 'promote':
        await store.annotate({ promote: 'true' });
        break;
    }
    log.info(sanitizeTerminalText(`${store.display}: ${verb} requested; the "shift run" driving it acts on its next tick (now ${s.state.phase} at weight ${s.state.weight ?? '-'}).`));
    return ExitCode.ok;
  });
}

/**
 * `shift rollback NAME`: re-creates the entries `retire` deleted, from the journal beside the TrafficShift alone.
 * Exit 0 when every one is back (or was never deleted), 1 when one was refused because an object of that name now
 * holds something else, or because the journal entry names something the TrafficShift's retire does not. Weights are
 * not touched.
 */
export async function runShiftRollback(name: string, flags: ShiftTargetFlags): Promise<number> {
  const clusters = new KubeconfigClusterSet({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context ? { context: flags.context } : {}) });
  try {
    const store = await TrafficShiftStore.open(await clusters.client(undefined), flags.namespace ?? 'default', name);
    const { object } = await store.load();
    const spec = (isPlainObject(object.spec) ? object.spec : {}) as Partial<TrafficShiftSpec>;
    let refused = 0;
    const outcomes = await restoreRetired({
      clusters,
      scope: { namespace: store.namespace, router: isPlainObject(spec.router) ? spec.router : undefined, retire: Array.isArray(spec.retire) ? spec.retire : [] },
      owner: { apiVersion: SHIFT_API_VERSION, kind: 'TrafficShift', name: store.name, namespace: store.namespace, uid: String(object.metadata.uid ?? '') },
      ownerClient: store.client,
      onOutcome: (o) => {
        const where = o.context ? `${o.context}/` : '';
        if (o.result === 'out of scope') {
          refused++;
          log.warn(sanitizeTerminalText(`rollback: journal entry ${o.seq} not restored: ${o.differs?.join('; ')}. The journal beside the TrafficShift may have been changed by someone else; nothing was created for it`));
        } else if (o.result === 'refused') {
          refused++;
          log.warn(sanitizeTerminalText(`rollback: ${where}${o.object} not restored: an object of that name exists and its ${o.differs?.join(', ')} ${o.differs?.length === 1 ? 'differs' : 'differ'} from what retire deleted (journal entry ${o.seq}); delete or fix it, then run again`));
        } else log.info(sanitizeTerminalText(`rollback: ${where}${o.object} ${o.result} (journal entry ${o.seq})`));
      },
    });
    if (outcomes.length === 0) log.info(sanitizeTerminalText(`rollback: the journal of ${store.display} records no entry that retire deleted; nothing to restore`));
    else log.info('rollback: traffic weights are not changed; to send traffic back, route to the restored entries and run a TrafficShift the other way');
    return refused > 0 ? ExitCode.findings : ExitCode.ok;
  } finally {
    clusters.close();
  }
}

/** The recorded weight; with a write recorded but not yet confirmed, `from->to` (see runner.ts, #landed). */
export function weightText(state: ShiftState): string {
  const w = state.weight === undefined ? '-' : String(state.weight);
  return state.pendingWeight === undefined ? w : `${w}->${state.pendingWeight}`;
}
