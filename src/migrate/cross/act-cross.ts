// The act half of the CrossCluster engine: namespaces, copies, Secrets, scale-downs; each write journaled in the cluster it changes, and the next status.
import type { JournalTarget } from '../../journal/journal.js';
import type { ObjectClient } from '../../kube/object-client.js';
import type { KubeObject } from '../../resources/object.js';
import { isSecret } from '../../resources/secrets.js';
import { journaledWrites, STEP, type ActContext, type BatchWrite } from '../act.js';
import type { MigrationStatus, WaveStatus } from '../spec.js';
import type { TargetState } from '../target-state.js';
import { waveDoneObjects, type CreatedResult } from './entries.js';
import { copyDiff, sourceClient, targetNamespaceLabels, waveClient, waveCopyPlan, waveWorkloads } from './observe-cross.js';
import { secretDataDigest, writeTier, type PlannedCopy } from './copy-plan.js';
import { nextStage, type CrossAction } from './reconcile-cross.js';
import { ensureRemoteSecret, secretSafe } from './remote-secrets.js';
import { ensureTrafficShiftCrd } from '../../traffic/shift/store.js';

/** How many leftAlone lines a wave's status keeps (the first ones); the count is in the message. */
const STATUS_LIST_LIMIT = 20;

/** What a creating write records: the uid and resourceVersion it left, and whether it created the object. */
function created(out: { status: number; object: KubeObject }): CreatedResult {
  return { uid: String(out.object.metadata.uid ?? ''), resourceVersion: String(out.object.metadata.resourceVersion ?? ''), created: out.status === 201 };
}

function targetIn(obj: KubeObject, context: string | undefined): JournalTarget {
  return { apiVersion: obj.apiVersion, kind: obj.kind, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name, ...(context !== undefined ? { context } : {}) };
}

/** The journal's context of a cluster: absent for home, so home entries read like InPlace ones. */
function contextOf(ctx: ActContext, cluster: string): string | undefined {
  return cluster === ctx.clusters.homeContext ? undefined : cluster;
}

function markStarted(ws: WaveStatus): void {
  if (ws.state === 'Pending' || ws.state === 'Paused') ws.state = 'OptedIn';
  delete ws.reason;
}

/**
 * Sets what the wave copied and scaled down from its journal's done entries, not by adding up this run's writes: a
 * run killed between a write and its status saved leaves entries the next run settles by looking (and then has
 * nothing left to write), and the status must still count them.
 */
function countWrites(ctx: ActContext, ws: WaveStatus, wave: number, set: { copied?: boolean; scaledDown?: boolean } = {}): void {
  const entries = ctx.journal.entries();
  const copied = waveDoneObjects(entries, wave, [STEP.copy, STEP.secret]);
  const scaledDown = waveDoneObjects(entries, wave, [STEP.scale]);
  if (set.copied || copied > 0 || ws.copied !== undefined) ws.copied = copied;
  if (set.scaledDown || scaledDown > 0 || ws.scaledDown !== undefined) ws.scaledDown = scaledDown;
}

function addLeftAlone(ws: WaveStatus, lines: readonly string[]): void {
  if (lines.length === 0) return;
  ws.leftAlone = [...new Set([...(ws.leftAlone ?? []), ...lines])].slice(0, STATUS_LIST_LIMIT);
}

/** Carries out a CrossCluster action on `next` (a copy of the status) and returns it. */
export async function actCross(ctx: ActContext, next: MigrationStatus, action: CrossAction): Promise<MigrationStatus> {
  switch (action.kind) {
    case 'ensureRemoteSecret': {
      const r = await ensureRemoteSecret(ctx, action.cluster);
      next.message = `remote secret for ${action.cluster} is in the primary${r.leftAlone.length ? `; left alone: ${r.leftAlone.join(', ')}` : ''}`;
      return next;
    }
    case 'crossStage': {
      const ws = next.waves[action.wave]!;
      markStarted(ws);
      ws.stage = action.stage;
      countWrites(ctx, ws, action.wave);
      if (action.counts) ws.counts = { ...ws.counts, workloads: action.counts.workloads, verifiedPods: action.counts.verifiedPods };
      next.message = action.message;
      return next;
    }
    case 'crossVerified': {
      const ws = next.waves[action.wave]!;
      ws.state = 'Verified';
      delete ws.reason;
      countWrites(ctx, ws, action.wave);
      next.message = `wave ${ws.name}: moved to ${ctx.spec.waves[action.wave] ? (ctx.spec.waves[action.wave]!.cluster ?? ctx.spec.target.context) : ''}`;
      return next;
    }
    case 'createNamespaces': {
      const ws = next.waves[action.wave]!;
      markStarted(ws);
      const { cluster, client } = await waveClient(ctx, ctx.spec.waves[action.wave]!);
      const nsRes = client.discovery.resourceFor('', 'Namespace');
      const labels = targetNamespaceLabels(ctx.spec);
      const items: BatchWrite[] = [];
      for (const name of action.namespaces) {
        const live = nsRes ? await client.get(nsRes, undefined, name) : undefined;
        const target: JournalTarget = { apiVersion: 'v1', kind: 'Namespace', name, ...(contextOf(ctx, cluster) !== undefined ? { context: cluster } : {}) };
        if (live) {
          items.push({ step: STEP.namespace, target, state: { labels }, extra: { wave: action.wave } });
          continue;
        }
        const set = Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => e[1] !== null));
        const object: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: set } };
        items.push({ step: STEP.crossNamespace, target, state: { object }, before: { object: null }, extra: { wave: action.wave }, write: async () => created(await client.create(object)) });
      }
      await journaledWrites(ctx, items);
      next.message = `wave ${ws.name}: namespaces ${action.namespaces.join(', ')} ready in ${cluster} for ${ctx.spec.target.revision}`;
      return next;
    }
    case 'copyObjects': {
      const ws = next.waves[action.wave]!;
      markStarted(ws);
      const wave = ctx.spec.waves[action.wave]!;
      const { cluster, client } = await waveClient(ctx, wave);
      const plan = await waveCopyPlan(ctx, wave);
      const wanted = new Set(action.refs);
      const { toCopy, leftAlone } = await copyDiff(ctx, client, cluster, plan);
      const items: BatchWrite[] = [];
      const changed: string[] = [];
      for (const c of toCopy.filter((x) => wanted.has(x.ref))) {
        const w = await copyWrite(ctx, client, cluster, c, action.wave);
        if (typeof w === 'string') changed.push(w);
        else items.push(w);
      }
      const out = await journaledWrites(ctx, items);
      const name = (r: (typeof out.refused)[number]) => `${r.item.target.kind} ${r.item.target.namespace ?? ''}/${r.item.target.name}`;
      // A conflict is another owner: left alone. Any other refusal would be refused again on every pass: the wave stops.
      const refused = out.refused.filter((r) => r.error.status === 409).map((r) => `${name(r)}: exists in ${cluster} or another manager owns its fields; meshferry never fights another owner`);
      const rejected = out.refused.filter((r) => r.error.status !== 409).map((r) => `${name(r)}: ${isSecret(r.item.target) ? `HTTP ${r.error.status} ${r.error.reason}` : r.error.serverMessage}`);
      addLeftAlone(ws, [...leftAlone, ...refused, ...changed]);
      countWrites(ctx, ws, action.wave, { copied: true });
      if (rejected.length > 0) {
        const waiting = out.notWritten.length ? `; ${out.notWritten.length} object(s) that wait on them (workloads, RoleBindings) were not written` : '';
        const message = `wave ${ws.name}: ${cluster} refused ${rejected.length} copied object(s): ${rejected.slice(0, 5).join('; ')}${rejected.length > 5 ? '; ...' : ''}${waiting}. Fix them in the source (or the target), then run \`meshferry migrate retry\``;
        next.failedCheck = { name: 'Copy', retryCounter: ctx.spec.retryCounter ?? 0 };
        ws.state = 'Failed';
        ws.reason = message;
        next.message = message;
        return next;
      }
      next.message = `wave ${ws.name}: copied ${out.written.length} object(s) into ${cluster}${refused.length + leftAlone.length ? `; left alone ${refused.length + leftAlone.length} (see the wave's leftAlone)` : ''}`;
      if (copiedAll({ changed, notWritten: out.notWritten.length, toCopy: toCopy.map((c) => c.ref), wanted })) {
        ws.stage = nextStage('Workloads')!;
        next.message += `; workloads in ${cluster}`;
      }
      return next;
    }
    case 'scaleDown': {
      const ws = next.waves[action.wave]!;
      const sourceCtx = ctx.spec.source?.context ?? '';
      const { planned } = await waveWorkloads(ctx, ctx.spec.waves[action.wave]!);
      const wanted = new Set(action.refs);
      const items: BatchWrite[] = planned
        .filter((c) => wanted.has(c.ref))
        .map((c) => ({ step: STEP.scale, target: targetIn(c.object, contextOf(ctx, sourceCtx)), state: { replicas: 0 } satisfies TargetState, extra: { wave: action.wave } }));
      const out = await journaledWrites(ctx, items);
      countWrites(ctx, ws, action.wave, { scaledDown: true });
      // Kubernetes' HPA controller leaves a target at 0 alone (ScalingDisabled, pkg/controller/podautoscaler/horizontal.go),
      // but autoscalers built on it (KEDA) scale from 0: named, not refused.
      const hpas = action.autoscalers?.length ? `; HorizontalPodAutoscalers still target them (${action.autoscalers.slice(0, 5).join('; ')}): the HPA controller does not scale from 0, but an autoscaler on top of it (KEDA) may` : '';
      next.message = `wave ${ws.name}: scaled ${out.written.length} source workload(s) in ${sourceCtx} to 0 (their replicas are journaled; rollback restores them)${hpas}`;
      if (hpas) next.warnings = [...new Set([...(next.warnings ?? []), `wave ${ws.name}${hpas}`])];
      return next;
    }
    case 'shiftTick': {
      const shifts = ctx.cross?.shifts;
      if (!shifts) throw new TypeError('no shift hook was given');
      // The TrafficShift is journaled before its first tick: rollback finds it there, and sends the traffic back.
      const planned = await shifts.planned(action.file);
      const home = ctx.clusters.home;
      await ensureTrafficShiftCrd(home);
      await journaledWrites(ctx, [
        { step: STEP.shift, target: targetIn(planned.object, undefined), state: { object: planned.object }, extra: { wave: action.wave, shift: action.file }, write: async () => created(await home.apply(planned.object, { force: false })) },
      ]);
      const t = await shifts.tick(action.file);
      const ws = next.waves[action.wave]!;
      next.message = `wave ${ws.name}: TrafficShift ${t ? `${t.ref} ${t.phase}: ${t.message}` : `${planned.namespace}/${planned.name} started`}`;
      return next;
    }
  }
}

/**
 * Whether a copy pass leaves nothing for the Workloads stage to look at again, so the wave goes on to Ready. The
 * server's answers are the look the next pass would take: what this pass wrote is the journal's now (copyDiff never
 * diffs it again), and a conflict is left alone either way. Not when a Secret changed in the source under the pass,
 * a write waited on one that failed, or the plan read now holds copies the observation did not: the next pass copies
 * them.
 */
export function copiedAll(pass: { changed: readonly string[]; notWritten: number; toCopy: readonly string[]; wanted: ReadonlySet<string> }): boolean {
  return pass.changed.length === 0 && pass.notWritten === 0 && pass.toCopy.every((ref) => pass.wanted.has(ref));
}

/** The journaled write of one planned copy: server-side apply that never takes another manager's fields; a Secret created only, from the source as it is now. */
async function copyWrite(ctx: ActContext, client: ObjectClient, cluster: string, c: PlannedCopy, wave: number): Promise<BatchWrite | string> {
  const target = targetIn(c.object, contextOf(ctx, cluster));
  const tier = writeTier(c.object);
  // A pod waits only on its own namespace's Services, ConfigMaps, ServiceAccounts and Roles: one group per namespace.
  const group = c.object.metadata.namespace ?? '';
  if (!isSecret(c.object)) return { step: STEP.copy, target, state: { object: c.object }, extra: { wave }, tier, group, write: async () => created(await client.apply(c.object, { force: false })) };
  // The data is read again from the source here and goes straight to the target: never into the plan, a log or the journal.
  const source = await sourceClient(ctx);
  const res = source.discovery.resourceFor('', 'Secret');
  const raw = res ? await source.get(res, c.object.metadata.namespace, c.object.metadata.name) : undefined;
  if (!raw || secretDataDigest(raw) !== c.dataDigest) return `${c.ref}: gone or changed in the source while the wave read it; not copied (\`meshferry migrate retry\` copies it as it is then)`;
  if (!ctx.secretDigest) throw new TypeError('copying Secrets needs the migration\'s Secret digest key');
  const body: KubeObject = { ...c.object, ...(raw.type !== undefined ? { type: raw.type } : {}), data: raw.data ?? {} };
  delete (body as { stringData?: unknown }).stringData;
  const item: BatchWrite = {
    step: STEP.secret,
    target,
    state: { secretDigest: await ctx.secretDigest.of(raw) },
    before: { object: null },
    extra: { wave },
    tier,
    group,
    write: async () => {
      try {
        return created(await client.create(body));
      } catch (err) {
        // Whatever the server answered about a Secret may quote it: only its status and reason go on.
        throw secretSafe(err, [item]);
      }
    },
  };
  return item;
}
