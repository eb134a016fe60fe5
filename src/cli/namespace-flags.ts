// -n/--namespace and -A/--all-namespaces, as kubectl has them, for every command that reads objects.
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { ResourceSet } from '../resources/resource-set.js';
import { keyOf, type KubeObject } from '../resources/object.js';
import { collectList } from './io.js';

export interface NamespaceFlags {
  namespace?: string[];
  allNamespaces?: boolean;
}

/** The help line shared by file-reading commands: what no flag means is stated once, the same everywhere. */
export const FILE_NAMESPACE_HELP =
  'Namespaces: without -n every object read is used (the files decide, as with kubectl apply -f). -n keeps ' +
  'objects in the named namespaces, cluster-scoped objects (Namespaces, ClusterRoles, ...) and objects that name ' +
  'no namespace (they land wherever they are applied); objects in other namespaces are left out, and their count ' +
  'is printed on stderr. -A is the explicit form of the default.';

/** Adds -n/--namespace (repeatable, comma-separated) and -A/--all-namespaces. */
export function addNamespaceFlags(cmd: Command, what = 'only objects in this namespace'): Command {
  return cmd
    .addOption(new Option('-n, --namespace <ns>', `${what}; repeat or comma-separate for several`).argParser(collectList))
    .addOption(new Option('-A, --all-namespaces', 'every namespace (the default when -n is not given)'));
}

/** The namespaces the flags select, or undefined for all; -n with -A is a usage error, as in kubectl. */
export function selectedNamespaces(flags: NamespaceFlags): string[] | undefined {
  if (flags.allNamespaces && flags.namespace?.length) throw new UsageError('-A/--all-namespaces and -n/--namespace exclude each other');
  return flags.namespace?.length ? flags.namespace : undefined;
}

/** True when an object is kept by `-n`: its namespace is selected, or it names none (cluster-scoped or unplaced). */
export function inNamespaces(object: KubeObject, namespaces: readonly string[]): boolean {
  // keyOf knows the registry's scope: a cluster-scoped kind with a stray metadata.namespace is still cluster-scoped.
  const ns = keyOf(object).namespace;
  return ns === '' || namespaces.includes(ns);
}

/** The resources of `set` that `-n` keeps (sources kept, so messages still name file:line). */
export function keepNamespaces(set: ResourceSet, namespaces: readonly string[] | undefined): ResourceSet {
  if (!namespaces) return set;
  const out = new ResourceSet();
  for (const r of set) if (inNamespaces(r.object, namespaces)) out.add(r, 'replace');
  return out;
}
