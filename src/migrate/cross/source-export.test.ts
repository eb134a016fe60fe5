// The kept live export of the source: written with a manifest of its files' digests; a later step reads it only as exported, and names what changed.
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MeshferryError } from '../../errors.js';
import type { ObjectClient } from '../../kube/object-client.js';
import type { KubeObject } from '../../resources/object.js';
import type { MeshMigrationSpec } from '../spec.js';
import { checkSourceExport, LiveSourceConfig, SOURCE_EXPORT_DIR, sourceExportNamespaces, writeSourceExport } from './source-export.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'source-export-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const vs = (name: string, host: string): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'shop' }, spec: { hosts: [host] } });
const spec: MeshMigrationSpec = { mode: 'CrossCluster', source: { context: 'tcm' }, target: { context: 'primary', revision: '1-31-1' }, config: {}, waves: [{ name: 'a', namespaces: ['shop', 'pay'] }, { name: 'b', namespaces: ['shop'] }] };
const noSource = (): Promise<ObjectClient> => Promise.reject(new Error('a kept export reads no cluster'));

describe('the kept live export of the source', () => {
  it('reads the waves\' namespaces and the root namespace', () => {
    expect(sourceExportNamespaces(spec)).toEqual(['istio-system', 'shop', 'pay']);
  });

  it('is read from Prepare on exactly as Init wrote it, without reading the source', async () => {
    const dir = path.join(root, 'same');
    await writeSourceExport(dir, [vs('a', 'a'), vs('b', 'b')], 'tcm', new Date('2026-11-30T05:00:00Z'));
    expect(await checkSourceExport(dir)).toEqual({ manifest: { context: 'tcm', exportedAt: '2026-11-30T05:00:00.000Z', files: { 'shop/virtualservices/a.yaml': expect.any(String), 'shop/virtualservices/b.yaml': expect.any(String) } }, changes: [] });
    const live = new LiveSourceConfig({ localDir: dir, phase: 'Prepare', source: noSource, spec });
    expect(await live.folder()).toBe(path.join(dir, SOURCE_EXPORT_DIR));
    expect(live.describe).toBe(`the live export of tcm (kept in ${path.join(dir, SOURCE_EXPORT_DIR)})`);
  });

  it('names each file changed, added or removed since, and refuses to import it (exit 2)', async () => {
    const dir = path.join(root, 'edited');
    await writeSourceExport(dir, [vs('a', 'a'), vs('b', 'b')], 'tcm', new Date('2026-11-30T05:00:00Z'));
    const files = path.join(dir, SOURCE_EXPORT_DIR, 'shop', 'virtualservices');
    writeFileSync(path.join(files, 'a.yaml'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: shop}\nspec: {hosts: [evil]}\n');
    unlinkSync(path.join(files, 'b.yaml'));
    writeFileSync(path.join(files, 'c.yaml'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: c, namespace: shop}\n');
    expect((await checkSourceExport(dir)).changes).toEqual(['changed: shop/virtualservices/a.yaml', 'removed: shop/virtualservices/b.yaml', 'added: shop/virtualservices/c.yaml']);
    const err = await new LiveSourceConfig({ localDir: dir, phase: 'Migrating', source: noSource, spec }).folder().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshferryError);
    expect((err as MeshferryError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/^the live export of tcm that Init analyzed \(.*, exported 2026-11-30T05:00:00\.000Z\) changed since: changed: shop\/virtualservices\/a\.yaml; removed: shop\/virtualservices\/b\.yaml; added: shop\/virtualservices\/c\.yaml\. meshferry imports only the config it analyzed/);
  });

  it('refuses when the kept export is gone, saying how to go on', async () => {
    const err = await new LiveSourceConfig({ localDir: path.join(root, 'never'), phase: 'Prepare', source: noSource, spec }).folder().catch((e: unknown) => e);
    expect((err as MeshferryError).code).toBe('SourceExportMissing');
    expect((err as Error).message).toMatch(/Init analyzed is gone from .*: meshferry imports only the config it analyzed\. Put the folder back, or roll the migration back/);
  });
});
