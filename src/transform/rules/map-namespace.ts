// mapNamespace: moves objects to a new namespace and rewrites every namespace-qualified reference to it.
import { formatPath, listPaths } from '../field-path.js';
import { HOST_FIELDS, NAMESPACE_FIELDS, findFields, mapHostIn, searchableStrings, splitNsHost, type NamespaceForm } from '../reference-fields.js';
import type { Rewriter } from '../rewriter.js';

/** The parts of a namespace rename, with the FQDN suffix `.<ns>.svc.<domain>` precomputed. */
interface NamespaceMap {
  from: string;
  to: string;
  fromFqdn: string;
  toFqdn: string;
}

/**
 * `x.from.svc.cluster.local` → `x.to.svc.cluster.local`, and the DNS search form `x.from.svc` (as in
 * `istiod.istio-system.svc:15012`) → `x.to.svc`; other hosts unchanged.
 */
export function mapFqdnHost(host: string, m: NamespaceMap): string {
  if (host.endsWith(m.fromFqdn) && host.length > m.fromFqdn.length) return host.slice(0, -m.fromFqdn.length) + m.toFqdn;
  const short = `.${m.from}.svc`;
  if (host.endsWith(short) && host.length > short.length) return `${host.slice(0, -short.length)}.${m.to}.svc`;
  return host;
}

/** A namespace reference rewritten, or unchanged when it names another namespace. */
export function mapNamespaceRef(value: string, form: NamespaceForm, m: NamespaceMap): string {
  switch (form) {
    case 'namespace':
      return value === m.from ? m.to : value;
    case 'namespaceList':
      // Spaces after commas are kept as written.
      return value.split(',').map((part) => (part.trim() === m.from ? part.replace(m.from, m.to) : part)).join(',');
    case 'nsName': {
      const { ns, host: name } = splitNsHost(value);
      return ns === m.from ? `${m.to}/${name}` : value;
    }
    case 'gatewayRef': {
      if (value.includes('/')) return mapNamespaceRef(value, 'nsName', m);
      // The legacy forms `name.ns` and `name.ns.svc.<domain>`: the namespace is the second label.
      const labels = value.split('.');
      if (labels.length < 2 || labels[1] !== m.from) return value;
      labels[1] = m.to;
      return labels.join('.');
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
    // `.from.svc` (FQDN or DNS search form), `/ns/from` (identities, URLs) and `from/name` (references).
    const f = escapeRegExp(m.from);
    const mention = new RegExp(`\\.${f}\\.svc(?![A-Za-z0-9-])|/ns/${f}(?![A-Za-z0-9-])|^${f}/`);
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
          const value = mapHostIn(f.value, f.form, (h) => mapFqdnHost(h, m));
          if (f.form === 'nsHost') {
            // The `ns/` part of Gateway server and Sidecar egress hosts names a namespace too.
            const { ns, host } = splitNsHost(value ?? f.value);
            edit.set(f.path, ns === m.from ? `${m.to}/${host}` : (value ?? f.value));
          } else if (value !== undefined) edit.set(f.path, value);
        }
        for (const f of findFields(obj, NAMESPACE_FIELDS)) {
          known.add(formatPath(f.path));
          edit.set(f.path, mapNamespaceRef(f.value, f.form, m));
        }
        // References the tables do not know (EnvoyFilter patches, app config, annotations) are reported, never guessed at.
        const left: string[] = [];
        for (const s of searchableStrings(obj)) {
          const path = formatPath(s.path);
          if (!known.has(path) && mention.test(s.value)) left.push(path);
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
