// mapHost: rewrites one host, or a host suffix such as .global, in every host field of every kind.
import type { KubeObject } from '../../resources/object.js';
import { formatPath, listPaths } from '../field-path.js';
import { HOST_FIELDS, findFields, hostOf, mapHostIn, searchableStrings } from '../reference-fields.js';
import type { Rewriter } from '../rewriter.js';
import type { MapHostRule } from '../types.js';

/** The host `spec` turns `host` into, or undefined when it does not apply. */
export function mapHostName(host: string, spec: MapHostRule): string | undefined {
  if (spec.from !== undefined && spec.to !== undefined) return host === spec.from ? spec.to : undefined;
  if (spec.fromSuffix !== undefined && spec.toSuffix !== undefined && host.endsWith(spec.fromSuffix) && host.length > spec.fromSuffix.length)
    return host.slice(0, -spec.fromSuffix.length) + spec.toSuffix;
  return undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds the old host inside free text (Envoy cluster names like `outbound|80||a.global`), as a whole DNS token. */
function mentionPattern(spec: MapHostRule): RegExp {
  if (spec.from !== undefined) return new RegExp(`(?<![A-Za-z0-9.-])${escapeRegExp(spec.from)}(?![A-Za-z0-9.-])`);
  return new RegExp(`[A-Za-z0-9*-]${escapeRegExp(spec.fromSuffix ?? '')}(?![A-Za-z0-9.-])`);
}

/** `svc.ns.svc.<domain>` → the Service it names, for hosts that look cluster-local. */
function clusterService(host: string): { name: string; namespace: string } | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\./.exec(host);
  return m ? { name: m[1]!, namespace: m[2]! } : undefined;
}

export const mapHost: Rewriter<'mapHost'> = {
  type: 'mapHost',
  summary: 'rewrites a host ({from, to}) or a host suffix ({fromSuffix, toSuffix}) in every host field of every kind',
  check(spec, at, problems) {
    const exact = spec.from !== undefined || spec.to !== undefined;
    const suffix = spec.fromSuffix !== undefined || spec.toSuffix !== undefined;
    if (exact === suffix || (exact && (spec.from === undefined || spec.to === undefined)) || (suffix && (spec.fromSuffix === undefined || spec.toSuffix === undefined)))
      problems.push({ path: at, message: 'give either from and to, or fromSuffix and toSuffix (exactly one of these)' });
    else if (spec.from === spec.to && spec.fromSuffix === spec.toSuffix)
      problems.push({ path: [...at, exact ? 'to' : 'toSuffix'], message: 'the replacement is the same as the original: the rule would change nothing' });
  },
  start(spec, run) {
    const mention = mentionPattern(spec);
    const services = new Set(run.objects.ofKind('Service', '').map((r) => `${r.object.metadata.namespace ?? ''}/${r.object.metadata.name}`));
    return {
      rewrite(obj, edit) {
        const known = new Set<string>();
        const changedLists = new Set<string>();
        for (const f of findFields(obj, HOST_FIELDS)) {
          known.add(formatPath(f.path));
          const value = mapHostIn(f.value, f.form, (h) => mapHostName(h, spec));
          if (value === undefined) continue;
          edit.set(f.path, value);
          const host = hostOf(f.value, f.form);
          const next = hostOf(value, f.form);
          if (typeof f.path[f.path.length - 1] === 'number') changedLists.add(formatPath(f.path.slice(0, -1)));
          if (host.startsWith('*'))
            edit.note('WARNING', `wildcard host ${host} became ${next} at ${formatPath(f.path)}; check that the new wildcard does not cover more services than intended`);
          if (obj.kind === 'ServiceEntry' && f.path[1] === 'hosts') noteClusterLocal(next, services, edit.note);
        }
        for (const list of changedLists) noteDuplicates(obj, list, edit.note);
        const left: string[] = [];
        for (const s of searchableStrings(obj)) {
          const path = formatPath(s.path);
          if (!known.has(path) && mention.test(s.value)) left.push(path);
        }
        if (left.length > 0)
          edit.note('WARNING', `still mentions ${spec.from ?? `*${spec.fromSuffix}`} at ${listPaths(left)}; meshferry rewrites only host fields, so check these (a patch rule can rewrite them)`);
      },
    };
  },
};

/**
 * A ServiceEntry that now declares `svc.ns.svc.cluster.local` claims a cluster-local name. That is how old `.global`
 * stubs look after the rewrite; if a real Service of that name exists, the two definitions of one host collide.
 */
function noteClusterLocal(host: string, services: ReadonlySet<string>, note: (level: 'INFO' | 'WARNING', msg: string) => void): void {
  const svc = clusterService(host);
  if (!svc) return;
  if (services.has(`${svc.namespace}/${svc.name}`))
    note('WARNING', `now declares host ${host}, which Service ${svc.namespace}/${svc.name} in this set already defines: two definitions of one host collide (an old multi-cluster .global stub is usually dropped instead)`);
  else note('INFO', `now declares the cluster-local host ${host}; keep it only while no Service ${svc.namespace}/${svc.name} exists`);
}

function noteDuplicates(obj: KubeObject, listPath: string, note: (level: 'INFO' | 'WARNING', msg: string) => void): void {
  const values = findFields(obj, HOST_FIELDS)
    .filter((f) => formatPath(f.path.slice(0, -1)) === listPath)
    .map((f) => f.value);
  // A Set, not indexOf: a list of thousands of hosts must not cost its square.
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const v of values) (seen.has(v) ? dupes : seen).add(v);
  if (dupes.size > 0) note('WARNING', `${listPath} now lists ${[...dupes].join(', ')} more than once; remove the duplicate`);
}
