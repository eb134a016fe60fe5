// `shift rollback`: put back the entries `retire` deleted, from the TrafficShift's journal alone, newest first.
import { ClusterError } from '../../errors.js';
import type { ServedResource } from '../../kube/discovery.js';
import { KubeApiError } from '../../kube/errors.js';
import { FIELD_MANAGER } from '../../kube/object-client.js';
import type { ObjectClient } from '../../kube/object-client.js';
import { Journal, recordsTarget } from '../../journal/journal.js';
import type { JournalEntry, JournalOwner, JournalTarget } from '../../journal/journal.js';
import { jsonEqual } from '../../resources/neat.js';
import { isPlainObject } from '../../resources/object.js';
import type { KubeObject } from '../../resources/object.js';
import type { ClusterSet } from '../routers/router.js';
import type { RouterSpec } from '../routers/spec.js';
import { restorable, routerContexts } from './retire.js';
import type { RetireSpec } from './spec.js';

/** The journal step of a restore; its intent names the retire entry it undoes (`undoes: seq`). */
export const RESTORE_STEP = 'restore-retired';

/** What happened to one retired entry. */
export interface RestoreOutcome {
  context: string | undefined;
  object: string;
  /**
   * `refused`: an object of that name exists now and differs from the recorded one; it is left alone.
   * `out of scope`: the journal entry names something the TrafficShift's `retire` could not have deleted (another
   * kind, name, namespace or cluster, or a recorded object that is not its target): a tampered journal; nothing is made.
   */
  result: 'restored' | 'already there' | 'already restored' | 'refused' | 'never deleted' | 'out of scope';
  /** For `refused`: which parts differ. */
  differs?: string[];
  /** The retire entry's sequence number in the journal. */
  seq: number;
}

export interface RestoreOptions {
  clusters: ClusterSet;
  /** The TrafficShift as stored in the cluster: only what its `retire` names, where its router lives, is put back. */
  scope: { namespace: string; router: RouterSpec | undefined; retire: readonly RetireSpec[] };
  owner: JournalOwner;
  ownerClient: ObjectClient;
  localDir?: string;
  onOutcome?: (o: RestoreOutcome) => void;
}

interface RetireIntent {
  context: string | null;
}

const contextOf = (e: JournalEntry): string | undefined => {
  const intent = e.intent as RetireIntent | undefined;
  return isPlainObject(intent) && typeof intent.context === 'string' ? intent.context : undefined;
};

const show = (t: JournalTarget): string => `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;

function resourceOf(client: ObjectClient, t: JournalTarget): ServedResource {
  const slash = t.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : t.apiVersion.slice(0, slash);
  const r = client.discovery.resourceFor(group, t.kind);
  if (!r) throw new ClusterError('NotServed', `the cluster (context ${client.transport.contextName}) does not serve ${t.apiVersion} ${t.kind}`, { context: client.transport.contextName });
  return r;
}

/** Which user-visible parts of `live` differ from the recorded object: spec, labels, annotations (absent = empty). */
export function contentDiffers(live: KubeObject, recorded: KubeObject): string[] {
  const out: string[] = [];
  if (!jsonEqual(live.spec ?? {}, recorded.spec ?? {})) out.push('spec');
  if (!jsonEqual(live.metadata.labels ?? {}, recorded.metadata.labels ?? {})) out.push('metadata.labels');
  if (!jsonEqual(live.metadata.annotations ?? {}, recorded.metadata.annotations ?? {})) out.push('metadata.annotations');
  return out;
}

/**
 * Why a retire entry is not one the TrafficShift's own `retire` could have made, or undefined when it is. The
 * journal lives in ConfigMaps beside the TrafficShift, which people with far fewer rights than the operator may be
 * able to write; so an entry is only trusted to re-create what the spec names: one of retire's kinds, with the
 * name, namespace and cluster the spec gives, and a recorded object that is that very target.
 */
export function outOfScope(e: JournalEntry, scope: RestoreOptions['scope']): string | undefined {
  const t = e.target!;
  const context = contextOf(e);
  let contexts: (string | undefined)[] = [];
  try {
    contexts = scope.router ? routerContexts(scope.router) : [];
  } catch {
    // A router the stored spec does not spell out: no cluster is in scope.
  }
  const allowed = scope.retire.some(
    (r) => r.kind === t.kind && t.apiVersion.startsWith('networking.istio.io/') && r.name === t.name && (r.namespace ?? scope.namespace) === t.namespace && (r.context ? r.context === context : contexts.includes(context)),
  );
  if (!allowed) return `${show(t)}${context ? ` in ${context}` : ''} is not an entry the TrafficShift's retire names`;
  const o = e.before as KubeObject;
  if (!recordsTarget(o, t)) return `the object recorded for ${show(t)} is another object (${String(o.kind)} ${String(o.metadata?.namespace ?? '')}/${String(o.metadata?.name)})`;
  return undefined;
}

/**
 * Re-creates every object a `retire` step deleted, exactly as the journal recorded it (no resourceVersion, uid or
 * managedFields), under field manager meshferry, newest deletion first. An object of that name that exists now is
 * left alone: `already there` when its spec, labels and annotations are the recorded ones, `refused` otherwise.
 * Each create is journaled (intent, then result) and a restore already done is not redone. A retire whose result
 * was never recorded (a crash mid-delete) is settled against the cluster first: gone means it was deleted.
 */
export async function restoreRetired(opts: RestoreOptions): Promise<RestoreOutcome[]> {
  const journal = await Journal.open(opts.ownerClient, opts.owner, opts.localDir ? { localDir: opts.localDir } : {});
  const out: RestoreOutcome[] = [];
  const emit = (o: RestoreOutcome): void => {
    out.push(o);
    opts.onOutcome?.(o);
  };
  const restoredSeqs = new Set(
    journal
      .entries()
      .filter((e) => e.step === RESTORE_STEP && e.state === 'done' && isPlainObject(e.intent) && typeof e.intent.undoes === 'number')
      .map((e) => (e.intent as { undoes: number }).undoes),
  );
  const retired = journal
    .entries()
    .filter((e) => e.step === 'retire' && e.target && isPlainObject(e.before) && e.state !== 'failed')
    .reverse();
  for (const e of retired) {
    const target = e.target!;
    const context = contextOf(e);
    const base = { context, object: show(target), seq: e.seq };
    if (restoredSeqs.has(e.seq)) {
      emit({ ...base, result: 'already restored' });
      continue;
    }
    const why = outOfScope(e, opts.scope);
    if (why) {
      emit({ ...base, result: 'out of scope', differs: [why] });
      continue;
    }
    const client = await opts.clusters.client(context);
    const resource = resourceOf(client, target);
    const live = await client.get(resource, target.namespace, target.name);
    if (e.state === 'pending') {
      // Look before redoing: the delete may or may not have happened before the interruption.
      if (live) {
        await journal.fail(e.seq, 'not deleted before the interruption (found in the cluster on rollback)');
        emit({ ...base, result: 'never deleted' });
        continue;
      }
      await journal.finish(e.seq, { deleted: true, settled: 'found gone on rollback' });
    } else if (!isPlainObject(e.result) || e.result.deleted !== true) {
      // `already gone` when retire ran: meshferry deleted nothing, so it puts nothing back.
      continue;
    }
    const recorded = restorable(e.before as KubeObject);
    recorded.metadata.namespace = target.namespace;
    if (live) {
      const differs = contentDiffers(live, recorded);
      emit(differs.length === 0 ? { ...base, result: 'already there' } : { ...base, result: 'refused', differs });
      continue;
    }
    const begun = await journal.begin(RESTORE_STEP, { target, intent: { undoes: e.seq, create: target, context: context ?? null } });
    try {
      await client.create(recorded, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) {
        // Created by someone else between our look and our create: judge it like one found there.
        const now = await client.get(resource, target.namespace, target.name);
        const differs = now ? contentDiffers(now, recorded) : ['(gone again)'];
        await journal.fail(begun.seq, 'an object of that name appeared before the create');
        emit(differs.length === 0 ? { ...base, result: 'already there' } : { ...base, result: 'refused', differs });
        continue;
      }
      await journal.fail(begun.seq, err instanceof Error ? err.message : String(err));
      throw err;
    }
    await journal.finish(begun.seq, { created: true });
    emit({ ...base, result: 'restored' });
  }
  return out;
}
