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
 * Undo rule for every entry whose `before` is `{object: null}`: delete the live object only while its uid is the
 * `result.uid` the creating write recorded (meshferry made that very object), with a uid precondition. An entry
 * without a recorded uid (it stayed pending and was settled by looking) is undone only when the live object's
 * managedFields show meshferry as its only manager. Anything else is named and left alone.
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
