// `meshferry migrate plan|apply|status|resume|retry|rollback|finish`: the phased, journaled MeshMigration, in place (InPlace) or across clusters (CrossCluster).
import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ExitCode, InputError, UsageError } from '../../errors.js';
import { isPlainObject } from '../../resources/object.js';
import type { Cluster } from '../../kube/cluster.js';
import { loadMigration } from '../../migrate/load.js';
import { CONFIG_BASE_ANNOTATION, checkApplyRecord, loadConfig, readApplyRecord, recordConfigSource, resolveConfigPath, resolveShiftPath, viewConfig, type ConfigInput } from '../../migrate/config.js';
import { crossClusterOutline, renderOutline, type OutlineShift } from '../../migrate/cross/outline.js';
import { planCallGraph } from '../../migrate/cross/call-graph-query.js';
import { ACCEPT_UNKNOWN_CALLS_FLAG, callGraphBlocks } from '../../migrate/cross/call-graph-section.js';
import { localJournalDir } from '../../journal/journal.js';
import { formatFieldPath, type MeshferryFile } from '../../resources/meshferry-file.js';
import { loadTrafficShift } from '../../traffic/shift/spec.js';
import { loadTransformRules } from '../../transform/load-rules.js';
import { discoverControlPlanes } from '../../migrate/cluster/control-planes.js';
import { discoverSourceRevision, initChecks, snapshot } from '../../migrate/observe.js';
import { planMigration, renderPlan } from '../../migrate/plan.js';
import type { Action } from '../../migrate/reconcile.js';
import { rollbackMigration } from '../../migrate/rollback.js';
import { releasePause, runMigration } from '../../migrate/runner.js';
import { ACCEPT_UNKNOWN_CALLS_ANNOTATION, contextFields, contextsOf, MIGRATION_API_VERSION, MIGRATION_KIND, type MeshMigration, type MigrationStatus } from '../../migrate/spec.js';
import { applyMigration, bumpRetryCounter, ensureMigrations, readMigration, servedMigrations, type StoredMigration } from '../../migrate/store.js';
import { sanitizeTerminalText } from '../../terminal-text.js';
import { requireRouterContexts, routerContextFields } from '../../traffic/routers/router-contexts.js';
import { addClusterFlags, connect, type ClusterFlags } from '../cluster-flags.js';
import { crossRun } from './cross-run.js';
import { reverseShiftEntry } from '../../migrate/cross/wave-shifts.js';
import { log, renderTable, writeStdout } from '../io.js';
import { onInterrupt } from '../lifecycle.js';
import { formatOption } from '../output-flags.js';
import { registerMigrateFinish } from './finish.js';

interface Flags extends ClusterFlags {
  output?: string;
  /** CrossCluster: go on without knowing which namespaces call which (no spec.prometheus, or no request metrics). */
  acceptUnknownCalls?: boolean;
}

/** --accept-unknown-calls speaks of a CrossCluster wave order; on an InPlace file it would be silently meaningless. */
function refuseCallFlagInPlace(flags: Flags, m: LoadedMigration): void {
  if (flags.acceptUnknownCalls && m.value.spec.mode !== 'CrossCluster')
    throw new UsageError(`${ACCEPT_UNKNOWN_CALLS_FLAG}: MeshMigration ${m.value.metadata.name} is mode ${m.value.spec.mode}, which moves no workload to another cluster and reads no call graph; leave the flag out`);
}

const clean = (s: string) => sanitizeTerminalText(s, { oneLine: true });

/** The engine's messages say `meshferry migrate resume`; on the terminal the hint names the migration to copy-paste. */
const named = (message: string, name: string) => message.replace(/`meshferry migrate (resume|retry)`/g, (_m, verb: string) => `\`meshferry migrate ${verb} ${name}\``);

/** Progress on stderr: one line per action; on a TTY a bar over the waves too. */
function progress(name: string): (a: Action, s: MigrationStatus) => void {
  let last = '';
  return (a, s) => {
    // A wait, a shift step waiting for its next tick, or the last step of a phase that leaves the message as it was,
    // says the same thing again: once is enough.
    const line = `${clean(s.phase)}: ${clean(named(s.message || a.kind, name))}`;
    if (line === last) return;
    last = line;
    const done = s.waves.filter((w) => w.state === 'Verified').length;
    const bar = process.stderr.isTTY ? `[${'#'.repeat(done)}${'-'.repeat(s.waves.length - done)}] ` : '';
    log.info(`${bar}${line}`);
  };
}

/** Runs `fn` with an AbortSignal that Ctrl-C trips; the run stops at the next action boundary, journal consistent. */
async function interruptible<T>(name: string, fn: (signal: AbortSignal) => Promise<T>, verb: 'resume' | 'rollback' = 'resume'): Promise<T> {
  const ctl = new AbortController();
  let finished: Promise<unknown> = Promise.resolve();
  const off = onInterrupt(async () => {
    ctl.abort();
    await finished.catch(() => undefined);
    log.info(clean(`migrate: stopped between two steps; the journal is consistent. Continue with \`meshferry migrate ${verb} ${name}\`.`));
  });
  try {
    const p = fn(ctl.signal);
    finished = p;
    return await p;
  } finally {
    off();
  }
}

async function withCluster<T>(flags: ClusterFlags, fn: (c: Cluster) => Promise<T>): Promise<T> {
  const cluster = await connect(flags);
  try {
    return await fn(cluster);
  } finally {
    cluster.close();
  }
}

function finalWord(exit: number, s: MigrationStatus, name: string): number {
  if (exit === 0) log.info(`migrate: ${clean(s.phase)}: ${clean(named(s.message, name))}`);
  else if (exit === 1) log.info(`migrate: stopped: ${clean(named(s.message, name))}`);
  for (const w of s.warnings ?? []) log.warn(clean(w));
  return exit;
}

async function run(cluster: Cluster, name: string, flags: ClusterFlags): Promise<number> {
  const res = await ensureMigrations(cluster.client);
  const stored = await readMigration(cluster.client, res, name);
  // CrossCluster: the other clusters the file names, opened once each, and the engine's hooks.
  const cross = stored.object.spec.mode === 'CrossCluster' ? crossRun(cluster, stored.object, flags, (w) => log.warn(clean(w))) : undefined;
  try {
    const r = await interruptible(name, (signal) => runMigration({ client: cluster.client, resource: res, name, signal, onAction: progress(name), ...(cross ? { clusters: cross.clusters, cross: cross.cross } : {}) }));
    return r.exit === 130 ? ExitCode.interrupted : finalWord(r.exit, r.status, name);
  } finally {
    await cross?.close();
  }
}

/** The folder spec.config's paths are relative to: the file's (the working folder for stdin). */
function configBase(file: string): string {
  return file === '-' ? process.cwd() : path.dirname(path.resolve(file));
}

type LoadedMigration = MeshferryFile<MeshMigration>;

/** The kubeconfig's context names, and its files for messages. Loaded here, like connect(): a file-only failure needs no cluster code. */
async function kubeconfigContexts(flags: ClusterFlags): Promise<{ known: string[]; files: string[] }> {
  const { kubeconfigFiles, listContexts } = await import('../../kube/kubeconfig.js');
  const opts = flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {};
  return { known: (await listContexts(opts)).map((c) => c.name), files: kubeconfigFiles(opts) };
}

/**
 * The file and the flags to connect with: --context wins, else the file's context (source's, else target's; InPlace
 * makes them one). A file's context the kubeconfig lacks is the file's mistake: exit 2 at that field's line.
 * spec.config is read (and its rules checked) before the cluster is touched: bad files are exit 2 up front.
 * A CrossCluster file connects to its home cluster, spec.target.context (crossClusterFlags).
 */
async function contextFlags(flags: Flags, file: string): Promise<{ flags: Flags; m: LoadedMigration; config?: ConfigInput; shifts?: OutlineShift[] }> {
  const m = await loadMigration(file);
  if (m.value.spec.mode === 'CrossCluster') return crossClusterFlags(flags, file, m);
  const config = m.value.spec.config ? await loadConfig(m.value.spec, configBase(file)) : undefined;
  const withConfig = config ? { config } : {};
  if (flags.context) return { flags, m, ...withConfig };
  const spec = m.value.spec;
  const field = spec.source?.context ? (['spec', 'source', 'context'] as const) : spec.target.context ? (['spec', 'target', 'context'] as const) : undefined;
  const ctx = spec.source?.context ?? spec.target.context;
  if (!field || !ctx) return { flags, m, ...withConfig };
  const { known, files } = await kubeconfigContexts(flags);
  if (!known.includes(ctx))
    throw new InputError(
      `context "${ctx}" is not in the kubeconfig (${files.join(', ')}); ${known.length ? `known contexts: ${known.join(', ')}` : 'it defines no contexts'}. Fix ${field.join('.')}, or pass --context to override it`,
      { position: m.locate(field), code: 'ContextNotFound' },
    );
  return { flags: { ...flags, context: ctx }, m, ...withConfig };
}

/**
 * A CrossCluster file reaches several clusters: its home is spec.target.context (the MeshMigration and its journal
 * live there), and every context it names must be in the kubeconfig (exit 2 at the first field naming a missing one).
 * --context cannot pick another home. The rules and shift files are read first, so bad files are exit 2 up front.
 */
async function crossClusterFlags(flags: Flags, file: string, m: LoadedMigration): Promise<{ flags: Flags; m: LoadedMigration; config?: ConfigInput; shifts: OutlineShift[] }> {
  const spec = m.value.spec;
  const home = spec.target.context;
  if (home === undefined) throw new TypeError('the loader lets no CrossCluster file through without target.context');
  if (flags.context !== undefined && flags.context !== home)
    throw new UsageError(`--context ${flags.context}: a CrossCluster file names its clusters itself, and its home cluster (where the MeshMigration and its journal live) is spec.target.context, "${home}"; leave --context out, or change spec.target.context`);
  const base = configBase(file);
  const config = spec.config?.from !== undefined ? await loadConfig(spec, base) : undefined;
  if (!config && spec.config?.rules) await loadTransformRules(resolveConfigPath(base, spec.config.rules, 'rules'));
  const shifts: OutlineShift[] = [];
  const loadedShifts: Awaited<ReturnType<typeof loadTrafficShift>>[] = [];
  for (const [i, w] of spec.waves.entries())
    for (const [j, p] of (w.shifts ?? []).entries()) {
      let full: string;
      try {
        full = resolveShiftPath(base, p, i, j);
      } catch (err) {
        // The file's own field is where the mistake is: point there.
        if (err instanceof InputError) throw new InputError(err.message, { position: m.locate(['spec', 'waves', i, 'shifts', j]), code: err.code });
        throw err;
      }
      const shift = await loadTrafficShift(full);
      shifts.push({ wave: w.name, file: p, name: shift.value.metadata.name });
      loadedShifts.push(shift);
    }
  const { known, files } = await kubeconfigContexts(flags);
  for (const { context, path: field } of contextFields(spec))
    if (!known.includes(context))
      throw new InputError(
        `context "${context}" is not in the kubeconfig (${files.join(', ')}); ${known.length ? `known contexts: ${known.join(', ')}` : 'it defines no contexts'}. Fix ${formatFieldPath(field)}: a CrossCluster migration reaches every cluster its file names`,
        { position: m.locate(field), code: 'ContextNotFound' },
      );
  // A wave's shift runs inside the migration: it may reach only clusters the migration names (the apply record
  // vouches for those), and each of them must be in the kubeconfig, as `shift plan` checks.
  const named = contextsOf(spec);
  for (const shift of loadedShifts) {
    await requireRouterContexts(shift.value.spec.router, shift.locate, flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {});
    const outside = routerContextFields(shift.value.spec.router).find((f) => !named.includes(f.context));
    if (outside)
      throw new InputError(
        sanitizeTerminalText(`context "${outside.context}" is not one this migration names (${named.join(', ')}); a wave's TrafficShift may reach only the migration's clusters. Fix ${formatFieldPath(outside.path)}, or name the cluster in the MeshMigration`, { oneLine: true }),
        { position: shift.locate(outside.path), code: 'ContextNotInMigration' },
      );
  }
  return { flags: { ...flags, context: home }, m, ...(config ? { config } : {}), shifts };
}

/**
 * `migrate plan` of a CrossCluster file: the outline of the file, with the call graph from spec.prometheus (no cluster
 * is read). Exit 1 when the call graph blocks (split calls, or an unknown graph without --accept-unknown-calls), with
 * the reason on stderr; apply's Init would stop there too. Prometheus failing is exit 3.
 */
async function planCrossCluster(m: LoadedMigration, shifts: OutlineShift[], flags: Flags): Promise<number> {
  const callGraph = await planCallGraph(m.value.spec, { acceptUnknownCalls: flags.acceptUnknownCalls === true, locate: m.locate });
  const outline = crossClusterOutline(m.value, shifts, callGraph);
  await writeStdout(flags.output === 'json' ? `${JSON.stringify(outline, null, 2)}\n` : flags.output === 'yaml' ? stringify(outline, { lineWidth: 0 }) : renderOutline(outline));
  if (callGraphBlocks(callGraph))
    log.info(
      callGraph.known
        ? `migrate plan: ${callGraph.violations.length} call(s) would cross the meshes between waves (listed above): move the namespaces that call each other in one wave, or declare the calls in spec.crossMeshPaths`
        : `migrate plan: the call graph is unknown (${clean(callGraph.reason)}): pass ${ACCEPT_UNKNOWN_CALLS_FLAG} to go on without it`,
    );
  return callGraphBlocks(callGraph) ? ExitCode.findings : ExitCode.ok;
}

/** `migrate plan FILE`: reads the cluster, changes nothing. */
export async function runPlan(file: string, flags: Flags): Promise<number> {
  const { flags: f, m, config, shifts } = await contextFlags(flags, file);
  refuseCallFlagInPlace(flags, m);
  if (m.value.spec.mode === 'CrossCluster') return planCrossCluster(m, shifts ?? [], flags);
  return withCluster(f, async (cluster) => {
    const found = await discoverControlPlanes(cluster.client);
    const source = await discoverSourceRevision(cluster.client, m.value.spec, found);
    const failOn = m.value.spec.config?.analyze?.failOn ?? 'Error';
    const view = config ? await viewConfig(cluster.client, config, found, failOn) : undefined;
    const plan = planMigration(m.value, await snapshot(cluster.client, m.value.spec, source), view);
    // The prechecks apply would run first, read-only: a plan that Init would refuse must not look fine (exit 1).
    const prechecks = await initChecks({ client: cluster.client, spec: m.value.spec }, source, false);
    const failures = [...prechecks.failures, ...(view?.findings.length ? [`analyze: ${view.findings.length} finding(s) at or above ${failOn} in the config: ${view.findings.map((f) => `${f.code} ${f.object}`).join(', ')}`] : [])];
    const data = { ...plan, prechecks: { ...prechecks, failures } };
    await writeStdout(flags.output === 'json' ? `${JSON.stringify(data, null, 2)}\n` : flags.output === 'yaml' ? stringify(data, { lineWidth: 0 }) : renderPlan(plan));
    for (const w of prechecks.warnings) log.warn(clean(w));
    if (failures.length === 0) return ExitCode.ok;
    log.info(`migrate plan: \`migrate apply\` would stop at Init: ${failures.length} precheck(s) fail:`);
    for (const f of failures) log.info(`  - ${clean(f)}`);
    return ExitCode.findings;
  });
}

/** `migrate apply FILE`: creates/updates the object and runs until Finished, a pause or a failure. */
export async function runApply(file: string, flags: Flags): Promise<number> {
  const { flags: f, m } = await contextFlags(flags, file);
  refuseCallFlagInPlace(flags, m);
  return withCluster(f, async (cluster) => {
    const res = await ensureMigrations(cluster.client);
    const live = await cluster.client.get(res, undefined, m.value.metadata.name);
    if (live) refuseEnded(m.value.metadata.name, isPlainObject(live.status) && typeof live.status.phase === 'string' ? live.status.phase : undefined);
    if (live && isPlainObject(live.status) && live.status.rollingBack === true)
      throw new InputError(`MeshMigration ${m.value.metadata.name} is being rolled back (a rollback ran and did not finish): continue it with \`meshferry migrate rollback ${m.value.metadata.name}\`; it never goes forward again`, { code: 'RollingBack' });
    // The folder spec.config's and the shifts' paths are relative to.
    const needsBase = m.value.spec.config !== undefined || m.value.spec.waves.some((w) => w.shifts?.length);
    // --accept-unknown-calls is recorded on the object, so resume and retry need no flag (and `status` shows it).
    const merged: Record<string, string> = { ...(m.value.metadata.annotations ?? {}) };
    if (flags.acceptUnknownCalls) merged[ACCEPT_UNKNOWN_CALLS_ANNOTATION] = 'true';
    if (needsBase) merged[CONFIG_BASE_ANNOTATION] = configBase(file);
    const annotations = Object.keys(merged).length ? merged : undefined;
    const stored = await applyMigration(cluster.client, res, { ...m.value, metadata: { ...m.value.metadata, ...(annotations ? { annotations } : {}) } });
    // This machine vouches for the folder, the contexts and the shift files it read; retry and resume trust no other (config.ts).
    await recordConfigSource(localJournalDir({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name: m.value.metadata.name, uid: stored.uid }), m.value.spec, configBase(file), stored.object.spec);
    // The flag an earlier run's Init asked for: its check runs again now, without a separate `migrate retry`.
    const wasAccepted = live?.metadata.annotations?.[ACCEPT_UNKNOWN_CALLS_ANNOTATION] === 'true';
    if (flags.acceptUnknownCalls && !wasAccepted && stored.status.failedCheck?.name === 'Init') {
      await bumpRetryCounter(cluster.client, res, m.value.metadata.name);
      log.info(`migrate: ${ACCEPT_UNKNOWN_CALLS_FLAG} recorded; re-running the Init checks`);
    }
    return run(cluster, m.value.metadata.name, f);
  });
}

/** A MeshMigration lives in one cluster: a CrossCluster one in its home, spec.target.context, which may not be the current context. */
const NOT_HERE_HINT = '; a CrossCluster migration lives in its home cluster (spec.target.context): pass --context with that context';

/** `migrate status NAME`. */
export async function runStatus(name: string, flags: Flags): Promise<number> {
  return withCluster(flags, async (cluster) => {
    const res = servedMigrations(cluster.client);
    if (!res) throw new UsageError(`there is no MeshMigration "${name}": the MeshMigration CRD is not installed in context ${cluster.connection.contextName}${NOT_HERE_HINT}`);
    const { status } = await readMigration(cluster.client, res, name);
    const view = { phase: status.phase, message: status.message, retryCounter: status.retryCounter, observedGeneration: status.observedGeneration, waves: status.waves, ...(status.failedCheck ? { failedCheck: status.failedCheck } : {}), ...(status.residue ? { residue: status.residue } : {}), ...(status.warnings ? { warnings: status.warnings } : {}), ...(status.finishChecks ? { finishChecks: status.finishChecks } : {}), conditions: status.conditions };
    if (flags.output === 'json') await writeStdout(`${JSON.stringify(view, null, 2)}\n`);
    else if (flags.output === 'yaml') await writeStdout(stringify(view, { lineWidth: 0 }));
    else await writeStdout(renderStatus(name, status));
    return ExitCode.ok;
  });
}

/** `migrate status` for people: the headline, one row per wave, then the residue and warnings the JSON carries too. */
export function renderStatus(name: string, status: MigrationStatus): string {
  // The status is written by whoever can write the object: every field of it is server text.
  const out = [`${clean(name)}: ${clean(String(status.phase))} (retryCounter ${clean(String(status.retryCounter))})\n${clean(status.message)}\n\n`];
  // A CrossCluster wave moves through stages and copies objects; an InPlace wave restarts workloads.
  const cross = status.waves.some((w) => w.stage !== undefined || w.copied !== undefined);
  out.push(
    sanitizeTerminalText(
      cross
        ? renderTable(['wave', 'state', 'stage', 'copied', 'left alone', 'verified pods', 'scaled down', 'reason'], status.waves.map((w) => [clean(w.name), clean(String(w.state)), clean(w.stage ?? ''), String(w.copied ?? 0), String(w.leftAlone?.length ?? 0), String(w.counts.verifiedPods), String(w.scaledDown ?? 0), clean(w.reason ?? '')]))
        : renderTable(['wave', 'state', 'workloads', 'restarted', 'verified pods', 'untouched', 'reason'], status.waves.map((w) => [clean(w.name), clean(String(w.state)), String(w.counts.workloads), String(w.counts.restarted), String(w.counts.verifiedPods), String(w.counts.untouched), clean(w.reason ?? '')])),
    ),
  );
  const list = (title: string, items: readonly string[] | undefined) => {
    if (items?.length) out.push(`\n${title}:\n${items.map((i) => `  - ${clean(i)}\n`).join('')}`);
  };
  list('Residue (still uses the source; meshferry lists it, never removes it)', status.residue);
  for (const w of status.waves) list(`Left alone by wave ${clean(w.name)} (another owner, or a Secret that exists)`, w.leftAlone);
  list('Finish checks', status.finishChecks?.map((c) => `${c.name}: ${c.verdict}${c.evidence[0] ? ` (${c.evidence[0]})` : ''}`));
  list('Warnings', status.warnings);
  return out.join('');
}

async function existing(cluster: Cluster, name: string, opts: { ended?: 'refuse'; run?: boolean } = {}) {
  const res = servedMigrations(cluster.client);
  if (!res) throw new UsageError(`there is no MeshMigration "${name}" in context ${cluster.connection.contextName} (its CRD is not installed)${NOT_HERE_HINT}; start one with \`meshferry migrate apply FILE\``);
  const stored = await readMigration(cluster.client, res, name);
  if (opts.ended === 'refuse') refuseEnded(name, stored.status.phase);
  if (opts.run) await refuseUntrustedRun(stored, name);
  // A rollback under way (or interrupted) only goes on backwards: a forward run would redo what it has undone.
  if (opts.run && stored.status.rollingBack)
    throw new InputError(`MeshMigration ${name} is being rolled back (a rollback ran and did not finish): continue it with \`meshferry migrate rollback ${name}\`; it never goes forward again`, { code: 'RollingBack' });
  return res;
}

/**
 * Before `resume` or `retry` runs a migration: the object must name the contexts and shift files `migrate apply`
 * recorded on this machine (else exit 2: an edit of the object could aim the run at another cluster); a CrossCluster
 * one also needs that record, and the spec it pins.
 */
export async function refuseUntrustedRun(stored: Pick<StoredMigration, 'object' | 'uid'>, name: string, journalHome?: string): Promise<void> {
  const dir = localJournalDir({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name, uid: stored.uid }, ...(journalHome ? [journalHome] : []));
  await checkApplyRecord(stored.object.spec, stored.object.metadata.annotations, name, await readApplyRecord(dir));
}

/** A rolled-back migration is over: running it again would do nothing, and exit 0 would let a CI step pass on it. */
function refuseEnded(name: string, phase: string | undefined): void {
  if (phase === 'RolledBack')
    throw new InputError(
      `MeshMigration ${name} has ended (RolledBack): it will not run again. To start over, delete it (\`kubectl delete meshmigrations.meshferry.dev ${name}\`) or give the file a new metadata.name`,
      { code: 'MigrationEnded' },
    );
}

/** `migrate resume NAME`: releases a pause and continues (also after a crash or Ctrl-C, from any machine). */
export async function runResume(name: string, flags: Flags): Promise<number> {
  return withCluster(flags, async (cluster) => {
    const res = await existing(cluster, name, { ended: 'refuse', run: true });
    if (await releasePause(cluster.client, res, name)) log.info('migrate: pause released');
    return run(cluster, name, flags);
  });
}

/** `migrate retry NAME`: bumps spec.retryCounter and re-runs the failed check. */
export async function runRetry(name: string, flags: Flags): Promise<number> {
  return withCluster(flags, async (cluster) => {
    const res = await existing(cluster, name, { ended: 'refuse', run: true });
    const n = await bumpRetryCounter(cluster.client, res, name);
    log.info(`migrate: retryCounter is now ${n}; re-running the failed check`);
    return run(cluster, name, flags);
  });
}

/** `migrate rollback NAME`: from the journal alone, in reverse. */
export async function runRollback(name: string, flags: Flags): Promise<number> {
  return withCluster(flags, async (cluster) => {
    const res = await existing(cluster, name);
    const stored = await readMigration(cluster.client, res, name);
    // A CrossCluster object whose spec differs from the one apply recorded here is refused: rollback reaches the
    // clusters and namespaces the spec names. (Without a record, from another machine, the journal's checks apply.)
    if (stored.object.spec.mode === 'CrossCluster') {
      const record = await readApplyRecord(localJournalDir({ apiVersion: MIGRATION_API_VERSION, kind: MIGRATION_KIND, name, uid: stored.uid }));
      if (record) await checkApplyRecord(stored.object.spec, stored.object.metadata.annotations, name, record);
    }
    const say = (m: string) => log.info(`rollback: ${clean(m)}`);
    // CrossCluster: the journal's entries name the clusters they changed; the traffic goes back through the shift's router.
    const cross = stored.object.spec.mode === 'CrossCluster' ? crossRun(cluster, stored.object, flags, (w) => log.warn(clean(w))) : undefined;
    try {
      const r = await interruptible(name, (signal) =>
        rollbackMigration({
          client: cluster.client,
          resource: res,
          name,
          signal,
          onStep: say,
          ...(cross ? { clusters: cross.clusters, reverseShift: reverseShiftEntry({ home: cluster.client, set: cross.set, signal, onStep: say }) } : {}),
        }),
        'rollback',
      );
      return r.exit === 130 ? ExitCode.interrupted : finalWord(r.exit, r.status, name);
    } finally {
      await cross?.close();
    }
  });
}

/** Registers `migrate` and its subcommands. */
export function registerMigrate(program: Command): void {
  const migrate = program
    .command('migrate')
    .summary('move workloads to another control plane, in place or across clusters: phases, waves, journal, resume, rollback')
    .description(
      'Run a MeshMigration (apiVersion meshferry.dev/v1alpha1, schemas/mesh-migration.schema.json): Init checks (with spec.config: ' +
        'analyze the config) → Prepare (import spec.config, journaled; required proxy metadata) → ' +
        'Migrating (waves of namespaces and gateways) → Finished. Its state lives in the cluster (a cluster-scoped MeshMigration ' +
        'object and a journal of ConfigMaps in meshferry-system), so any machine with the kubeconfig can resume it.\n\n' +
        'A mode: CrossCluster file moves waves of namespaces to other clusters: Init checks both meshes (their roots and, when they ' +
        'differ, the call graph), Prepare imports the config into the target\'s home cluster (spec.target.context, which also holds the ' +
        'MeshMigration and its journal), and each wave creates its namespaces, copies (or awaits) its workloads, waits until they are ' +
        'ready and injected by the target, runs its TrafficShifts and scales the source down after a quiet window. `plan` outlines it from ' +
        'the file. Rollback restores the source replicas (and waits until they are ready) before it moves any traffic back, then deletes what the waves created.\n\n' +
        'Exit codes: 0 finished or paused as asked; 1 a check or verification failed (the message says what; `retry` re-runs it); ' +
        '2 bad input; 3 cluster failure after retries; 130 interrupted (resumable).',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ meshferry migrate plan examples/migration-revision-upgrade.yaml          # every step, nothing changed
  $ meshferry migrate apply examples/migration-revision-upgrade.yaml         # run until Finished, a pause or a failure
  $ meshferry migrate status upgrade-1-31 -o json
  $ meshferry migrate resume upgrade-1-31      # after pauseBefore, Ctrl-C or a crash
  $ meshferry migrate retry upgrade-1-31       # after fixing what a failed check named
  $ meshferry migrate rollback upgrade-1-31    # from the journal, in reverse`,
    );
  const examples = (cmd: Command, lines: string) => cmd.addHelpText('after', `\nExamples:\n${lines}`);
  const withFlags = (cmd: Command, formats: string[], dflt: string) => addClusterFlags(cmd.addOption(formatOption(formats, { default: dflt })));
  const plan = withFlags(
    migrate
      .command('plan')
      .summary('print every step a MeshMigration would take, changing nothing')
      .description(
        'Read the cluster (never write it) and print every step per phase and wave: with spec.config, the analyze check (and the findings that would fail it now) and the objects the import would create or change; namespace and pod-template label changes, restarts in order, gateways, verification, and what will not be touched (paused Deployments, bare Pods, Jobs).\n\n' +
          'A CrossCluster file is outlined instead, with its call graph: with spec.prometheus, which namespaces call which over callGraph.window (default 168h), the groups that should move together, and every call a wave would leave split across the meshes without a crossMeshPaths entry (exit 1). Without spec.prometheus the graph is unknown: exit 1 unless --accept-unknown-calls. Prometheus failing is exit 3.',
      )
      .argument('<file>', 'MeshMigration file, or - for stdin')
      .option(ACCEPT_UNKNOWN_CALLS_FLAG, 'CrossCluster: go on without knowing which namespaces call which'),
    ['table', 'yaml', 'json'],
    'table',
  );
  examples(plan, `  $ meshferry migrate plan examples/migration-revision-upgrade.yaml\n  $ meshferry migrate plan examples/migration-asm.yaml -o json | jq '.waves[].restarts'\n  $ meshferry migrate plan cross-cluster.yaml -o json | jq .callGraph.violations\n  $ meshferry migrate plan cross-cluster.yaml ${ACCEPT_UNKNOWN_CALLS_FLAG}     # no spec.prometheus: the calls are unknown`);
  plan.action(async (file: string, flags: Flags) => {
    process.exitCode = await runPlan(file, flags);
  });
  const apply = addClusterFlags(
    migrate
      .command('apply')
      .summary('create or update the MeshMigration and run it')
      .description('Install the MeshMigration CRD when missing, server-side-apply the object, and run it until Finished (exit 0), a pause (exit 0), a failed check (exit 1) or Ctrl-C (exit 130, resumable). Progress goes to stderr.')
      .argument('<file>', 'MeshMigration file, or - for stdin')
      .option(ACCEPT_UNKNOWN_CALLS_FLAG, 'CrossCluster: go on without knowing which namespaces call which (recorded on the object, so resume and retry need no flag)'),
  );
  examples(apply, '  $ meshferry migrate apply examples/migration-revision-upgrade.yaml\n  $ meshferry migrate apply upgrade.yaml --context prod');
  apply.action(async (file: string, flags: Flags) => {
    process.exitCode = await runApply(file, flags);
  });
  const status = withFlags(migrate.command('status').summary('phase, message, retryCounter and waves of a MeshMigration').argument('<name>', 'the MeshMigration name'), ['table', 'yaml', 'json'], 'table');
  examples(status, '  $ meshferry migrate status upgrade-1-31\n  $ meshferry migrate status upgrade-1-31 -o json | jq .phase');
  status.action(async (name: string, flags: Flags) => {
    process.exitCode = await runStatus(name, flags);
  });
  const resume = addClusterFlags(migrate.command('resume').summary('continue after a pause, Ctrl-C, a crash or a reverted wave').argument('<name>', 'the MeshMigration name'));
  examples(resume, '  $ meshferry migrate resume upgrade-1-31          # from any machine with the kubeconfig');
  resume.action(async (name: string, flags: Flags) => {
    process.exitCode = await runResume(name, flags);
  });
  const retry = addClusterFlags(migrate.command('retry').summary('bump spec.retryCounter and re-run the failed check').argument('<name>', 'the MeshMigration name'));
  examples(retry, '  $ kubectl create namespace payments        # what the failed check asked for\n  $ meshferry migrate retry upgrade-1-31');
  retry.action(async (name: string, flags: Flags) => {
    process.exitCode = await runRetry(name, flags);
  });
  const rollback = addClusterFlags(migrate.command('rollback').summary('undo the migration from its journal, in reverse').argument('<name>', 'the MeshMigration name'));
  examples(rollback, '  $ meshferry migrate rollback upgrade-1-31');
  rollback.action(async (name: string, flags: Flags) => {
    process.exitCode = await runRollback(name, flags);
  });
  registerMigrateFinish(migrate);
}
