// `meshferry shift plan|run FILE`: validate a TrafficShift against the live objects, then drive it to its end.
import { stringify } from 'yaml';
import { ExitCode } from '../../errors.js';
import { PrometheusGate } from '../../traffic/gates/prometheus.js';
import type { ResolvedCheck } from '../../traffic/gates/templates.js';
import { KubeconfigClusterSet } from '../../traffic/routers/cluster-set.js';
import { createRouter } from '../../traffic/routers/create-router.js';
import { NoopRouter } from '../../traffic/routers/noop.js';
import { requireRouterContexts } from '../../traffic/routers/router-contexts.js';
import type { Router, RouterProblem } from '../../traffic/routers/router.js';
import { describeRouterProblem, preflightShift, problemsAsInput, shiftGate } from '../../traffic/shift/preflight.js';
import { initialState, isTerminal } from '../../traffic/shift/decide.js';
import type { TerminalPhase } from '../../traffic/shift/decide.js';
import { resolveShiftChecks } from '../../traffic/shift/gate-checks.js';
import { ShiftRunner } from '../../traffic/shift/runner.js';
import type { ShiftStateStore } from '../../traffic/shift/runner.js';
import { loadTrafficShift } from '../../traffic/shift/spec.js';
import type { LoadedTrafficShift } from '../../traffic/shift/spec.js';
import { retireEntries } from '../../traffic/shift/retire.js';
import { SHIFT_API_VERSION, TrafficShiftStore, statusToState } from '../../traffic/shift/store.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { requireContexts } from '../cluster-flags.js';
import type { ClusterFlags } from '../cluster-flags.js';
import { log, renderTable, style, writeStdout } from '../io.js';
import type { OutputFormat } from '../io.js';
import { onInterrupt } from '../lifecycle.js';
import { boundsOf, describeWeights, renderEvent } from './progress.js';

export interface ShiftRunFlags extends ClusterFlags {
  allowSharedOwner?: boolean;
  restart?: boolean;
  dryRun?: boolean;
  /** Longest pause between two looks at the object and the weights, in ms (tests use short ones). */
  pollMs?: number;
}

interface Opened {
  file: LoadedTrafficShift;
  clusters: KubeconfigClusterSet;
  router: Router;
  checks: ResolvedCheck[];
}

async function open(path: string, flags: ClusterFlags): Promise<Opened> {
  const file = await loadTrafficShift(path);
  if (flags.context) await requireContexts([flags.context], flags);
  await requireRouterContexts(file.value.spec.router, file.locate, flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {});
  const clusters = new KubeconfigClusterSet({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context ? { context: flags.context } : {}) });
  const router = createRouter(file.value.spec.router, clusters, { namespace: file.namespace });
  const checks = resolveShiftChecks(file.value.spec, router.reporter, file.namespace);
  return { file, clusters, router, checks };
}

function printWarnings(problems: readonly RouterProblem[]): void {
  for (const p of problems.filter((x) => x.severity === 'warning')) log.warn(sanitizeTerminalText(describeRouterProblem(p)));
}

/** `shift plan`: the file checked against the live objects, and the steps it would take. Exit 0 when it can run. */
export async function runShiftPlan(path: string, flags: ClusterFlags & { output: OutputFormat }): Promise<number> {
  const o = await open(path, flags);
  try {
    const problems = await o.router.validate();
    const bad = problemsAsInput(o.file, problems);
    if (bad) throw bad;
    printWarnings(problems);
    const live = await o.router.read();
    const plan = o.file.plan;
    // The checks' Prometheus, asked once now: an unreachable one would hold every step of "shift run".
    const address = o.file.value.spec.gates?.prometheus.address;
    const probe = address ? await new PrometheusGate(address).probe() : undefined;
    if (probe && !probe.online)
      log.warn(sanitizeTerminalText(`${probe.reason}; "shift run" would hold at each step until it answers (after more than ${plan.consecutiveErrorLimit} errors in a row it fails and rolls back)`));
    const summary = {
      name: `${o.file.namespace}/${o.file.value.metadata.name}`,
      router: o.router.kind,
      reporter: o.router.reporter,
      live: live.targets.map((t) => ({ target: t.target, field: t.field, from: t.raw.from, to: t.raw.to })),
      steps: plan.steps,
      intervalSeconds: plan.intervalMs / 1000,
      rollback: plan.rollback,
      checks: o.checks.map((c) => ({ name: c.name, query: c.promql, ...(c.min !== undefined ? { min: c.min } : {}), ...(c.max !== undefined ? { max: c.max } : {}) })),
      sharedOwners: problems.filter((p) => p.code === 'SharedOwner').map((p) => ({ target: p.target, owner: p.owner })),
      ...(address && probe ? { prometheus: { address: new PrometheusGate(address).address, online: probe.online, ...(probe.online ? {} : { error: probe.reason }) } } : {}),
    };
    if (flags.output === 'json') await writeStdout(`${JSON.stringify(summary, null, 2)}\n`);
    else if (flags.output === 'yaml') await writeStdout(stringify(summary));
    else {
      const rows = plan.steps.map((w, i) => [String(i + 1), String(100 - w), String(w), `${plan.intervalMs / 1000} s`]);
      let text = sanitizeTerminalText(`TrafficShift ${summary.name}: router ${o.router.kind} (metrics reporter "${o.router.reporter}")\n\nlive weights:\n`);
      text += describeWeights(live).map((l) => `  ${sanitizeTerminalText(l)}\n`).join('');
      text += `\n${renderTable(['step', 'from', 'to', 'hold'], rows)}`;
      text += `\nrollback: ${plan.rollback.mode === 'gradual' ? `gradual through ${plan.rollback.steps.join(', ')}` : 'instant to 0'}, after ${plan.failureThreshold} interval(s) with a failed check\n`;
      if (probe) text += `prometheus: ${sanitizeTerminalText(summary.prometheus?.address ?? '')} ${probe.online ? 'answers' : 'does NOT answer (see the warning above)'}\n`;
      if (o.checks.length) text += `checks (on "to"):\n${o.checks.map((c) => sanitizeTerminalText(`  ${c.name} (${boundsOf(c)}): ${c.promql}`)).join('\n')}\n`;
      else text += 'no gates: each step only waits its interval\n';
      await writeStdout(text);
    }
    return ExitCode.ok;
  } finally {
    o.clusters.close();
  }
}

/** After success: deletes the entries `retire` names, journaled; exit 1 when one is still referenced. */
async function retire(o: Opened, stored: TrafficShiftStore): Promise<number> {
  const object = (await stored.load()).object;
  const outcomes = await retireEntries({
    entries: o.file.value.spec.retire ?? [],
    router: o.file.value.spec.router,
    clusters: o.clusters,
    namespace: o.file.namespace,
    owner: { apiVersion: SHIFT_API_VERSION, kind: 'TrafficShift', name: stored.name, namespace: stored.namespace, uid: String(object.metadata.uid ?? '') },
    ownerClient: stored.client,
  });
  let refused = false;
  for (const r of outcomes) {
    const where = r.context ? `${r.context}/` : '';
    if (r.result === 'refused') {
      refused = true;
      log.warn(sanitizeTerminalText(`retire: ${where}${r.object} not deleted: still referenced by ${r.referencedBy?.join(', ')}; remove those references, then run again`));
    } else
      log.info(
        sanitizeTerminalText(
          `retire: ${where}${r.object} ${r.result} (journaled beside ${stored.display}${r.result === 'deleted' ? `; "meshferry shift rollback ${stored.name} -n ${stored.namespace}" puts it back` : ''})`,
        ),
      );
  }
  return refused ? ExitCode.findings : ExitCode.ok;
}

/** An in-memory store for `--dry-run`: nothing is written to any cluster. */
class MemoryStateStore implements ShiftStateStore {
  state = initialState();
  load() {
    return Promise.resolve({ state: this.state, requests: { pause: false, promote: false }, generation: 1 });
  }
  save(state: typeof this.state) {
    this.state = state;
    return Promise.resolve();
  }
}

/** `shift run`: drives the shift until it ends. 0 succeeded, 1 rolled back / failed / aborted, 130 interrupted. */
export async function runShiftRun(path: string, flags: ShiftRunFlags): Promise<number> {
  const o = await open(path, flags);
  try {
    const name = o.file.value.metadata.name;
    let stored: TrafficShiftStore | undefined;
    let ended = false;
    if (!flags.dryRun) {
      stored = await TrafficShiftStore.open(await o.clusters.client(undefined), o.file.namespace, name);
      const existing = await stored.client.get(stored.resource, stored.namespace, stored.name);
      // An ended shift writes no weight again (only retire may be left to do), so its routes need not fit any more.
      ended = !flags.restart && existing !== undefined && isTerminal(statusToState(existing.status).phase);
    }
    if (!ended) {
      const warnings = await preflightShift(o.file, o.router, {
        allowSharedOwner: flags.allowSharedOwner === true || flags.dryRun === true,
        sharedOwnerRemedy: 'Suspend that sync (or let it own the weights), or run again with --allow-shared-owner to shift anyway.',
      });
      printWarnings(warnings);
    }
    let router = o.router;
    let store: ShiftStateStore;
    if (stored) {
      // Applied only once the file fits the live objects: a bad file leaves nothing behind in the cluster.
      await stored.applySpec(o.file.value);
      if (flags.restart) {
        await stored.annotate({ pause: null, resumeAt: null, abort: null, promote: null });
        await stored.save(initialState());
      }
      store = stored;
    } else {
      router = await NoopRouter.startingFrom(o.router);
      store = new MemoryStateStore();
      log.info('dry run: weights move in memory only; nothing in any cluster changes');
    }
    const gate = shiftGate(o.file.value.spec);
    const runner = new ShiftRunner({
      plan: o.file.plan,
      router,
      store,
      checks: o.checks,
      ...(gate ? { gate } : {}),
      ...(flags.pollMs ? { pollMs: flags.pollMs } : {}),
      onEvent: (e) => {
        for (const line of renderEvent(e, o.checks)) log.info(e.kind === 'done' ? (e.outcome === 'Succeeded' ? style.green(line) : style.red(line)) : line);
      },
    });
    log.info(sanitizeTerminalText(`shift ${stored ? stored.display : name}: steps ${o.file.plan.steps.join(' → ')}, each held ${o.file.plan.intervalMs / 1000} s`));
    const controller = new AbortController();
    const running = runner.run(controller.signal);
    // Ctrl-C: the tick in flight finishes (intent and result both recorded), then the process exits 130.
    const off = onInterrupt(async () => {
      controller.abort();
      await running.catch(() => undefined);
      log.info(`stopped between two ticks; the state is in the cluster. Run "meshferry shift run ${path}" again to continue from the live weights.`);
    });
    let outcome: TerminalPhase | undefined;
    try {
      outcome = await running;
    } finally {
      off();
    }
    if (outcome === undefined) return ExitCode.interrupted;
    if (outcome === 'Succeeded') return stored && o.file.value.spec.retire?.length ? retire(o, stored) : ExitCode.ok;
    const state = (await store.load()).state;
    const failed = state.rollback?.failed ?? [];
    if (failed.length > 0) log.info(sanitizeTerminalText(`failed checks: ${failed.map((c) => c.text).join('; ')}`));
    return ExitCode.findings;
  } finally {
    o.clusters.close();
  }
}
