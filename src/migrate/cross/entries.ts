// The shapes of the CrossCluster journal entries (issue 13): one contract for the engine that writes them and the rollback that undoes them.
import type { JournalEntry } from '../../journal/journal.js';
import { isPlainObject } from '../../resources/object.js';

/*
 * Every CrossCluster entry names its cluster in `target.context` (absent: home, spec.target.context) and, when it
 * belongs to a wave, carries `intent.wave` (the wave's index).
 *
 *   step            target (context)                       before                 intent.state                  result
 *   xc.created      remote istio-system Namespace, reader   {object: null}         {object: <what was created>}   CreatedResult
 *                   SA/ClusterRole/Binding, token Secret                           ({secretDigest} for the token:
 *                   (the remote)                                                   of it as created, without data;
 *                                                                                  see remote-secrets.ts
 *                                                                                  interruptedCreate)
 *   xc.remoteSecret istio-system/istio-remote-secret-<c>    {object: null}         {secretDigest}                 CreatedResult
 *                   (home)
 *   xc.namespace    Namespace (wave cluster)                {object: null}         {object: <ns with labels>}     CreatedResult
 *   xc.copy         the copied object (wave cluster)        {object: null} or the  {object: <cleaned copy>}       CreatedResult
 *                                                           prior object (only one
 *                                                           meshferry alone wrote)
 *   xc.secret       Secret (wave cluster)                   {object: null}         {secretDigest}                 CreatedResult
 *   xc.shift        TrafficShift ns/name (home)             {object: null} or the  {object: <the TrafficShift     {}
 *                                                           prior TrafficShift      meshferry applied>} plus
 *                                                                                   intent.shift = the file path
 *   xc.scale        Deployment/StatefulSet (source)         {replicas: n}          {replicas: 0}                  {}
 *
 * Undo (cross/undo.ts; rollback.ts runs it in stages: xc.scale, then a barrier until each scaled workload has its
 * recorded replicas ready, xc.shift, xc.copy/xc.secret, xc.namespace, config.import, xc.remoteSecret/xc.created).
 * Every entry must first fit this table (kind, prior state's shape, and cluster: xc.scale the source, xc.shift and
 * xc.remoteSecret home, xc.created a target cluster, the others their wave's cluster); one that does not is named
 * and never followed.
 * - `before` {object: null}: delete the live object only while its uid is the last entry's `result.uid` and its
 *   managedFields carry a write by meshferry, with uid and resourceVersion preconditions. An entry without a recorded
 *   uid (it stayed pending and was settled by looking) is undone only when meshferry is the live object's only
 *   writer (subresource writes such as status aside). A namespace also waits for the
 *   pods of deleted copies to go, and stays when another pod runs in it or it holds an object rollback left alone.
 *   Already gone: recorded as restored.
 * - xc.copy with a prior object: put back (PUT) only while the live object is at the `result.resourceVersion`
 *   meshferry's write left, and only for a kind a wave copies (config.ts `copyable`). Secrets never come back from
 *   the journal.
 * - xc.scale: back to `{replicas: n}` only while the workload still has the replicas meshferry scaled it to.
 * - xc.shift: the rollback's `reverseShift` moves the traffic back (journaled `intent.reverses`), then the
 *   TrafficShift goes by the first rule when meshferry created it.
 * - decommission: never undone; named.
 * Anything else is named and left alone; the other entries are still undone.
 */

/** What a creating CrossCluster write records as its entry's result. */
export interface CreatedResult {
  [key: string]: string | boolean;
  /** metadata.uid of the object the write created or last wrote. */
  uid: string;
  /** metadata.resourceVersion the write left. */
  resourceVersion: string;
  /** true when the write created the object (201), false when it changed one meshferry had written before. */
  created: boolean;
}

/** The uid a CrossCluster entry recorded for the object it created, if any. */
export function recordedUid(e: Pick<JournalEntry, 'result'>): string | undefined {
  return isPlainObject(e.result) && typeof e.result.uid === 'string' ? e.result.uid : undefined;
}

/** The wave index an entry belongs to, if any. */
export function entryWave(e: Pick<JournalEntry, 'intent'>): number | undefined {
  return isPlainObject(e.intent) && typeof e.intent.wave === 'number' ? e.intent.wave : undefined;
}

/**
 * How many distinct objects (by cluster and reference) the done entries of `steps` in wave `wave` name: what the wave
 * copied or scaled down, counted from the journal, so a write whose run was killed before its status was saved (and
 * whose entry the next run settled by looking) still counts, and a write redone counts once.
 */
export function waveDoneObjects(entries: readonly Pick<JournalEntry, 'step' | 'state' | 'target' | 'intent'>[], wave: number, steps: readonly string[]): number {
  const keys = new Set<string>();
  for (const e of entries)
    if (e.state === 'done' && e.target && steps.includes(e.step) && entryWave(e) === wave) keys.add(JSON.stringify([e.target.context ?? '', e.target.apiVersion, e.target.kind, e.target.namespace ?? '', e.target.name]));
  return keys.size;
}
