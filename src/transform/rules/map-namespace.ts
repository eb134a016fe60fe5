// mapNamespace: moves objects to a new namespace and rewrites every namespace-qualified reference to it.
import type { PathSegment } from '../../resources/resource-set.js';
import { formatPath, listPaths } from '../field-path.js';
import { HOST_FIELDS, NAMESPACE_FIELDS, allStrings, findFields, splitNsHost, type NamespaceForm } from '../reference-fields.js';
import type { Rewriter } from '../rewriter.js';

/** The parts of a namespace rename, with the FQDN suffix `.<ns>.svc.<domain>` precomputed. */
interface NamespaceMap {
  from: string;
  to: string;
  fromFqdn: string;
  toFqdn: string;
}

/** `x.from.svc.cluster.local` → `x.to.svc.cluster.local`; other hosts unchanged. */
export function mapFqdnHost(host: string, m: NamespaceMap): string {
  return host.endsWith(m.fromFqdn) && host.length > m.fromFqdn.length ? host.slice(0, -m.fromFqdn.length) + m.toFqdn : host;
}

/** A namespace reference rewritten, or unchanged when it names another namespace. */
export function mapNamespaceRef(value: string, form: NamespaceForm, m: NamespaceMap): string {
  switch (form) {
    case 'namespace':
      return value === m.from ? m.to : value;
    case 'nsName': {
      const { ns, host: name } = splitNsHost(value);
      return ns === m.from ? `${m.to}/${name}` : value;
    }
    case 'identity':
      // `<trust-domain>/ns/<ns>/sa/<sa>` and `spiffe://<trust-domain>/ns/<ns>/sa/<sa>`; `*` wildcards keep working.
      return value.replace(new RegExp(`(^|/)ns/${escapeRegExp(m.from)}(?=/|$)`), `$1ns/${m.to}`);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const mapNamespace: Rewriter<'mapNamespace'> = {
  type: 'mapNamespace',
  summary: 'moves objects from one namespace to another and rewrites every reference to it (ns/name, exportTo, principals, FQDN hosts)',
  check(spec, at, problems) {
    if (spec.from === spec.to) problems.push({ path: [...at, 'to'], message: '"to" is the same as "from": the rule would change nothing' });
  },
  start(spec, run) {
    const domain = spec.clusterDomain ?? 'cluster.local';
    const m: NamespaceMap = { from: spec.from, to: spec.to, fromFqdn: `.${spec.from}.svc.${domain}`, toFqdn: `.${spec.to}.svc.${domain}` };
    const mentions = [m.fromFqdn.slice(0, -domain.length), `/ns/${m.from}/`];
    let renamed = false;
    return {
      rewrite(obj, edit) {
        const known = new Set<string>();
        if (obj.kind === 'Namespace' && obj.apiVersion === 'v1' && obj.metadata.name === m.from) {
          edit.set(['metadata', 'name'], m.to);
          if (obj.metadata.labels?.['kubernetes.io/metadata.name'] === m.from) edit.set(['metadata', 'labels', 'kubernetes.io/metadata.name'], m.to);
          renamed = true;
        }
        if (obj.metadata.namespace === m.from) edit.set(['metadata', 'namespace'], m.to);
        for (const f of findFields(obj, HOST_FIELDS)) {
          known.add(formatPath(f.path));
          if (f.form === 'nsHost') {
            const { ns, host } = splitNsHost(f.value);
            const next = `${ns === m.from ? m.to : ns}/${mapFqdnHost(host, m)}`;
            edit.set(f.path, ns === undefined ? mapFqdnHost(host, m) : next);
          } else edit.set(f.path, mapFqdnHost(f.value, m));
        }
        for (const f of findFields(obj, NAMESPACE_FIELDS)) {
          known.add(formatPath(f.path));
          edit.set(f.path, mapNamespaceRef(f.value, f.form, m));
        }
        // References the tables do not know (EnvoyFilter patches, app config) are reported, never guessed at.
        const left: string[] = [];
        for (const [key, value] of Object.entries(obj)) {
          if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
          for (const s of allStrings(value, [key] as PathSegment[])) {
            const path = formatPath(s.path);
            if (!known.has(path) && (mentions.some((x) => s.value.includes(x)) || s.value.startsWith(`${m.from}/`))) left.push(path);
          }
        }
        if (left.length > 0)
          edit.note('WARNING', `still mentions namespace ${m.from} at ${listPaths(left)}; meshferry does not know these fields, so check them (a patch rule can rewrite them)`);
      },
      finish() {
        if (renamed)
          run.note(
            'INFO',
            `namespace ${m.from} is now ${m.to}: its Services answer at <svc>${m.toFqdn}; clients configured outside these files (application settings, other clusters) must follow`,
          );
      },
    };
  },
};
