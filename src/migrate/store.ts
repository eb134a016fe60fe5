// The MeshMigration object in the cluster: its CRD (generated from the shipped schema, installed on first use), the object, its status.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { ensureCrd } from '../kube/crd.js';
import type { ServedResource } from '../kube/discovery.js';
import type { ObjectClient } from '../kube/object-client.js';
import { crdFromSchema } from '../resources/crd-from-schema.js';
import { schemaUrl } from '../resources/meshferry-file.js';
import { isPlainObject, type KubeObject } from '../resources/object.js';
import { initialStatus, migrationObject, MIGRATION_GROUP, MIGRATION_KIND, MIGRATION_PLURAL, MIGRATION_VERSION, type MeshMigration, type MigrationStatus } from './spec.js';

/** The MeshMigration CRD: cluster-scoped, like ASM's ASMMigrateFromIstio (one migration of a cluster's control plane). */
export function migrationCrd(): KubeObject {
  const schema: unknown = JSON.parse(readFileSync(schemaUrl(MIGRATION_KIND), 'utf8'));
  return crdFromSchema(schema, {
    group: MIGRATION_GROUP,
    version: MIGRATION_VERSION,
    kind: MIGRATION_KIND,
    plural: MIGRATION_PLURAL,
    scope: 'Cluster',
    shortNames: ['meshmig'],
    printerColumns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Retry', type: 'integer', jsonPath: '.status.retryCounter' },
      { name: 'Message', type: 'string', jsonPath: '.status.message' },
    ],
  });
}

/** The served MeshMigration resource, or undefined when the CRD is not installed (read-only commands never install it). */
export function servedMigrations(client: ObjectClient): ServedResource | undefined {
  return client.discovery.resourceAt(MIGRATION_GROUP, MIGRATION_VERSION, MIGRATION_KIND);
}

/** Installs the CRD when needed and returns the resource. */
export async function ensureMigrations(client: ObjectClient): Promise<ServedResource> {
  return servedMigrations(client) ?? ensureCrd(client, migrationCrd());
}

/** A MeshMigration as stored: spec, status (initial when none yet), uid and generation. */
export interface StoredMigration {
  object: MeshMigration;
  uid: string;
  generation: number;
  status: MigrationStatus;
}

function stored(obj: KubeObject): StoredMigration {
  const m = obj as unknown as MeshMigration;
  const status = isPlainObject(obj.status) && typeof obj.status.phase === 'string' ? (obj.status as unknown as MigrationStatus) : initialStatus(m.spec);
  return { object: m, uid: String(obj.metadata.uid ?? ''), generation: Number(obj.metadata.generation ?? 0), status };
}

/**
 * Creates or updates the object from a file (server-side apply, manager meshferry). A retryCounter bumped in the
 * cluster (`migrate retry`) is kept when the file's is lower, so re-applying the file does not undo a retry.
 */
export async function applyMigration(client: ObjectClient, res: ServedResource, m: Pick<MeshMigration, 'metadata' | 'spec'>): Promise<StoredMigration> {
  const live = await client.get(res, undefined, m.metadata.name);
  const liveCounter = live && isPlainObject(live.spec) && typeof live.spec.retryCounter === 'number' ? live.spec.retryCounter : 0;
  const spec = { ...m.spec, retryCounter: Math.max(m.spec.retryCounter ?? 0, liveCounter) };
  const obj = migrationObject({ metadata: m.metadata, spec });
  const res2 = await client.apply(obj, { force: true });
  return stored(res2.object);
}

/** Reads a migration by name; a missing one is an InputError (exit 2) that says how to start it. */
export async function readMigration(client: ObjectClient, res: ServedResource, name: string): Promise<StoredMigration> {
  const obj = await client.get(res, undefined, name);
  // A name that is not there is the user's input (exit 2), not a cluster failure.
  if (!obj) throw new InputError(`there is no MeshMigration "${name}" in context ${client.transport.contextName}; start one with \`meshferry migrate apply FILE\``, { code: 'MigrationNotFound' });
  return stored(obj);
}

/** Replaces the status (status subresource). */
export async function writeStatus(client: ObjectClient, res: ServedResource, name: string, status: MigrationStatus): Promise<void> {
  await client.patch(res, undefined, name, [{ op: 'add', path: '/status', value: status }], 'json', { subresource: 'status' });
}

/** Bumps spec.retryCounter by one (what `migrate retry` does) and returns the new value. */
export async function bumpRetryCounter(client: ObjectClient, res: ServedResource, name: string): Promise<number> {
  const m = await readMigration(client, res, name);
  const next = (m.object.spec.retryCounter ?? 0) + 1;
  await client.patch(res, undefined, name, { spec: { retryCounter: next } }, 'merge');
  return next;
}
