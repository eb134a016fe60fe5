// `meshferry shift status|pause|resume|abort|promote NAME`: read a shift's state and steer it through its TrafficShift object.
import { stringify } from 'yaml';
import { ExitCode, UsageError } from '../../errors.js';
import { isTerminal } from '../../traffic/shift/decide.js';
import { TrafficShiftStore, stateToStatus } from '../../traffic/shift/store.js';
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
      let text = renderTable(['name', 'phase', 'weight', 'failed checks', 'errors'], [[status.name, s.state.phase, String(s.state.weight ?? '-'), String(s.state.failedChecks), String(s.state.consecutiveErrors)]]);
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
