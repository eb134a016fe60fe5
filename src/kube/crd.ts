// Installs (or updates) a CustomResourceDefinition meshferry owns and waits until the API server serves its kind.
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterError } from '../errors.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { KubeApiError } from './errors.js';
import { FIELD_MANAGER, type ObjectClient } from './object-client.js';
import type { ServedResource } from './discovery.js';

export interface EnsureCrdOptions {
  /** How long to wait for Established and for discovery to list the kind; default 60 s. */
  timeoutMs?: number;
  /** Pause between polls; default 200 ms. */
  pollMs?: number;
}

/**
 * Server-side applies `crd` (field manager meshferry, conflicts forced: meshferry owns its CRDs), waits until it is
 * Established, then refreshes the client's discovery until the kind is served, and returns that resource.
 * Idempotent: an unchanged CRD is applied as a no-op. A 403 becomes a ClusterError that names the permission.
 */
export async function ensureCrd(client: ObjectClient, crd: KubeObject, opts: EnsureCrdOptions = {}): Promise<ServedResource> {
  const name = crd.metadata.name;
  const spec = isPlainObject(crd.spec) ? crd.spec : {};
  const group = typeof spec.group === 'string' ? spec.group : '';
  const kind = isPlainObject(spec.names) && typeof spec.names.kind === 'string' ? spec.names.kind : '';
  const version = firstStorageVersion(spec);
  const crdResource = client.discovery.resourceFor('apiextensions.k8s.io', 'CustomResourceDefinition');
  if (!crdResource) throw new ClusterError('CrdNotServed', `the cluster does not serve apiextensions.k8s.io CustomResourceDefinitions, so meshferry cannot install ${name}`, { context: client.transport.contextName });
  try {
    await client.apply(crd, { fieldManager: FIELD_MANAGER, force: true });
  } catch (err) {
    if (err instanceof KubeApiError && err.isForbidden)
      throw new ClusterError(
        'CrdForbidden',
        `meshferry may not install its CustomResourceDefinition ${name}: ${err.serverMessage} ` +
          `It needs get and patch on customresourcedefinitions.apiextensions.k8s.io (cluster-scoped): ask a cluster admin to grant them, ` +
          `or to install this CRD for you.`,
        { context: client.transport.contextName, cause: err },
      );
    throw err;
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const pollMs = opts.pollMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let last = 'not yet read';
  for (;;) {
    const live = await client.get(crdResource, undefined, name);
    const verdict = establishedVerdict(live);
    if (verdict === true) break;
    if (typeof verdict === 'string' && verdict.startsWith('rejected:'))
      throw new ClusterError('CrdNotAccepted', `the API server did not accept CustomResourceDefinition ${name}: ${verdict.slice('rejected:'.length).trim()}`, { context: client.transport.contextName });
    last = verdict;
    if (Date.now() > deadline) throw new ClusterError('CrdNotEstablished', `CustomResourceDefinition ${name} was not Established after ${Math.round(timeoutMs / 1000)} s (${last})`, { context: client.transport.contextName });
    await sleep(pollMs);
  }
  // Established means the server will serve it; discovery can still lag a moment behind.
  for (;;) {
    await client.refreshDiscovery();
    const served = client.discovery.resourceAt(group, version, kind);
    if (served) return served;
    if (Date.now() > deadline) throw new ClusterError('CrdNotServed', `CustomResourceDefinition ${name} is Established but discovery does not list ${group}/${version} ${kind} after ${Math.round(timeoutMs / 1000)} s`, { context: client.transport.contextName });
    await sleep(pollMs);
  }
}

/** true when Established; `rejected: <why>` when NamesAccepted is False; otherwise a word on what is missing. */
export function establishedVerdict(crd: KubeObject | undefined): true | string {
  if (!crd) return 'not found yet';
  const status = isPlainObject(crd.status) ? crd.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isPlainObject) : [];
  const cond = (type: string) => conditions.find((c) => c.type === type);
  const names = cond('NamesAccepted');
  if (names?.status === 'False') return `rejected: ${typeof names.message === 'string' ? names.message : 'names not accepted'}`;
  const established = cond('Established');
  if (established?.status === 'True') return true;
  return typeof established?.message === 'string' && established.message ? established.message : 'not Established yet';
}

function firstStorageVersion(spec: Record<string, unknown>): string {
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
  const storage = versions.find((v) => v.storage === true) ?? versions[0];
  return storage && typeof storage.name === 'string' ? storage.name : '';
}
