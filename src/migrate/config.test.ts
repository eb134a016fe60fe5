// spec.config: paths resolved inside the MeshMigration file's folder, the rules applied, the analysis with what the waves bring, the import's comparison and its restorable form.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MEMORY_RESOURCES, MemoryApiServer } from '../../test/support/kube/memory-apiserver.js';
import { MeshferryError } from '../errors.js';
import type { JournalEntry } from '../journal/journal.js';
import { Discovery } from '../kube/discovery.js';
import { ObjectClient } from '../kube/object-client.js';
import type { KubeObject } from '../resources/object.js';
import type { ControlPlaneDiscovery } from './cluster/control-planes.js';
import { analyzeConfig, applyRecordFor, checkApplyRecord, configLoaderFor, importable, loadConfig, onlyStatusWrittenSince, readApplyRecord, readConfigSource, recordApply, recordConfigSource, resolveConfigPath, restorable, sameRestorable, showsObject, untrustedImport, CONFIG_BASE_ANNOTATION } from './config.js';
import { rollbackOrder } from './rollback.js';
import type { MeshMigrationSpec } from './spec.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'migrate-config-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base = path.join(root, 'migration');
const outside = path.join(root, 'elsewhere');
mkdirSync(path.join(base, 'export', 'shop'), { recursive: true });
mkdirSync(outside, { recursive: true });
writeFileSync(
  path.join(base, 'export', 'shop', 'vs.yaml'),
  'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: shop}\nspec:\n  hosts: [shop.example.com]\n  http:\n  - route:\n    - destination: {host: reviews}\n',
);
writeFileSync(path.join(base, 'rules.yaml'), 'apiVersion: meshferry.dev/v1alpha1\nkind: TransformRules\nmetadata: {name: hosts}\nrules:\n- mapHost: {from: shop.example.com, to: shop.example.net}\n');
writeFileSync(path.join(outside, 'vs.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: y}\n');
symlinkSync(outside, path.join(base, 'sneaky'));

const spec = (config: MeshMigrationSpec['config']): MeshMigrationSpec => ({ mode: 'InPlace', target: { revision: 'canary' }, waves: [{ name: 'one', namespaces: ['shop'] }], ...(config ? { config } : {}) });

function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MeshferryError);
    expect((err as MeshferryError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('spec.config files', () => {
  it('reads the export relative to the file\'s folder and applies the rules, keeping each object\'s file:line', async () => {
    const input = await loadConfig(spec({ from: './export', rules: 'rules.yaml' }), base);
    const [vs] = input.set.list();
    expect((vs!.object.spec as { hosts: string[] }).hosts).toEqual(['shop.example.net']);
    expect(vs!.source?.file).toBe(path.join(base, 'export', 'shop', 'vs.yaml'));
    expect(input.changedByRules).toBe(1);
  });

  it('without `from` (CrossCluster), reads the live export\'s folder through the rules; findings name files relative to that folder', async () => {
    const live = { describe: 'the live export of tcm (kept in /state/source-export)', folder: async () => path.join(base, 'export') };
    const cross: MeshMigrationSpec = { mode: 'CrossCluster', source: { context: 'tcm' }, target: { context: 'primary', revision: '1-31-1' }, config: { rules: 'rules.yaml' }, waves: [{ name: 'one', namespaces: ['shop'] }] };
    const input = await loadConfig(cross, base, live);
    expect((input.set.list()[0]!.object.spec as { hosts: string[] }).hosts).toEqual(['shop.example.net']);
    expect(input.base).toBe(path.join(base, 'export'));
    expect(input.from).toBe(live.describe);
    // The loader of the object: trusted by the recorded folder and rules alone, and it reads through `live`.
    const loaded = await configLoaderFor(cross, { [CONFIG_BASE_ANNOTATION]: base }, 'm', { base, rules: 'rules.yaml' }, live)!();
    expect(loaded.set.size).toBe(1);
    await expect(configLoaderFor(cross, { [CONFIG_BASE_ANNOTATION]: base }, 'm', { base, from: './export', rules: 'rules.yaml' }, live)!()).rejects.toThrow(/reads its config from .* \(the live export of the source, rules rules\.yaml\), which is not what `migrate apply` recorded/);
  });

  it('refuses a path that leaves the folder through a symlink, naming where it leads (exit 2)', () => {
    expect(inputError(() => resolveConfigPath(base, 'sneaky', 'from'))).toMatch(/spec\.config\.from "sneaky" leads outside the folder of the MeshMigration file through a symlink/);
  });

  it('refuses .. and absolute paths, and names a missing one (exit 2)', () => {
    expect(inputError(() => resolveConfigPath(base, '../elsewhere', 'from'))).toMatch(/leaves the folder of the MeshMigration file/);
    expect(inputError(() => resolveConfigPath(base, outside, 'rules'))).toMatch(/spec\.config\.rules .* leaves the folder/);
    expect(inputError(() => resolveConfigPath(base, './nothing-here', 'from'))).toMatch(/does not exist/);
  });

  it('resolves the paths against the folder `migrate apply` recorded on the object, and says what to do without it', async () => {
    const s = spec({ from: './export' });
    const trusted = { base, from: './export' };
    expect(configLoaderFor(spec(undefined), {}, 'm', trusted)).toBeUndefined();
    await expect(configLoaderFor(s, {}, 'm', trusted)!()).rejects.toThrow(/no meshferry\.dev\/config-base annotation.*migrate apply FILE/);
    const input = await configLoaderFor(s, { [CONFIG_BASE_ANNOTATION]: base }, 'm', trusted)!();
    expect(input.set.size).toBe(1);
  });

  it('reads only from what this machine recorded at apply: a folder, from or rules changed in the cluster is refused', async () => {
    const s = spec({ from: './export' });
    const annotated = { [CONFIG_BASE_ANNOTATION]: outside };
    await expect(configLoaderFor(s, annotated, 'm', { base, from: './export' })!()).rejects.toThrow(/reads its config from .*elsewhere .*not what `migrate apply` recorded on this machine.*Run `meshferry migrate apply FILE`/);
    await expect(configLoaderFor(s, { [CONFIG_BASE_ANNOTATION]: base }, 'm', { base, from: './other' })!()).rejects.toThrow(/not what `migrate apply` recorded/);
    await expect(configLoaderFor(spec({ from: './export', rules: './r.yaml' }), { [CONFIG_BASE_ANNOTATION]: base }, 'm', { base, from: './export' })!()).rejects.toThrow(/not what `migrate apply` recorded/);
    // Nothing recorded here (apply ran on another machine): refused with the same advice.
    await expect(configLoaderFor(s, { [CONFIG_BASE_ANNOTATION]: base }, 'm', undefined)!()).rejects.toThrow(/not what `migrate apply` recorded on this machine: .*Run `meshferry migrate apply FILE`/);
  });

  it('records the source beside the journal copy and reads it back', async () => {
    const dir = path.join(root, 'journal-copy');
    await recordConfigSource(dir, spec({ from: './export', rules: './r.yaml' }), base);
    expect(await readConfigSource(dir)).toEqual({ base, from: './export', rules: './r.yaml' });
    expect(await readConfigSource(path.join(root, 'nothing'))).toBeUndefined();
  });
});

describe('the apply record: contexts and shift files resume and retry trust', () => {
  const crossBase = path.join(root, 'cross');
  mkdirSync(crossBase, { recursive: true });
  writeFileSync(path.join(crossBase, 'shop-shift.yaml'), 'kind: TrafficShift # the bytes are what is hashed\n');
  writeFileSync(path.join(outside, 'shift.yaml'), 'kind: TrafficShift\n');
  symlinkSync(path.join(outside, 'shift.yaml'), path.join(crossBase, 'sneaky-shift.yaml'));
  const cross = (over: Partial<MeshMigrationSpec> = {}): MeshMigrationSpec => ({
    mode: 'CrossCluster',
    source: { context: 'tcm' },
    target: { context: 'primary', revision: '1-31-1', clusters: ['primary', 'remote'] },
    config: { rules: './rules.yaml' },
    waves: [{ name: 'shop', namespaces: ['shop'], cluster: 'remote', shifts: ['./shop-shift.yaml'] }],
    finish: { oldGateways: [{ context: 'edge', workload: 'istio-system/gw' }] },
    ...over,
  });
  const annotated = { [CONFIG_BASE_ANNOTATION]: crossBase };
  const shopDigest = createHash('sha256').update('kind: TrafficShift # the bytes are what is hashed\n').digest('hex');

  it('holds the folder, every context the spec names, and each shift file with its sha256; written and read back', async () => {
    const record = await applyRecordFor(cross(), crossBase);
    expect(record).toEqual({ base: crossBase, rules: './rules.yaml', contexts: ['tcm', 'primary', 'remote', 'edge'], shifts: [{ wave: 'shop', path: './shop-shift.yaml', sha256: shopDigest }] });
    const dir = path.join(root, 'record-cross');
    await recordApply(dir, record);
    expect(await readApplyRecord(dir)).toEqual(record);
    // No `from`: the loader trusts the folder and the rules, and reads the source's live export.
    expect(await readConfigSource(dir)).toEqual({ base: crossBase, rules: './rules.yaml' });
  });

  it('InPlace records its contexts too, with or without spec.config', async () => {
    const dir = path.join(root, 'record-inplace');
    await recordConfigSource(dir, { ...spec(undefined), source: { context: 'prod' } }, base);
    expect(await readApplyRecord(dir)).toEqual({ base, contexts: ['prod'], shifts: [] });
  });

  it('reads a record written before contexts were kept (config-source.json) as one without contexts', async () => {
    const dir = path.join(root, 'record-legacy');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'config-source.json'), JSON.stringify({ base, from: './export' }));
    expect(await readApplyRecord(dir)).toEqual({ base, from: './export', shifts: [] });
    expect(await readConfigSource(dir)).toEqual({ base, from: './export' });
  });

  it('refuses to record a shift file outside the folder, also through a symlink, or one that is missing (exit 2)', async () => {
    const withShift = (p: string) => cross({ waves: [{ name: 'shop', namespaces: ['shop'], cluster: 'remote', shifts: [p] }] });
    await expect(applyRecordFor(withShift('./sneaky-shift.yaml'), crossBase)).rejects.toThrow(/spec\.waves\[0\]\.shifts\[0\] "\.\/sneaky-shift\.yaml" leads outside the folder of the MeshMigration file through a symlink/);
    await expect(applyRecordFor(withShift('./gone.yaml'), crossBase)).rejects.toThrow(/spec\.waves\[0\]\.shifts\[0\] "\.\/gone\.yaml": .* does not exist/);
  });

  async function refusal(s: MeshMigrationSpec, annotations: Record<string, string> | undefined, record: Awaited<ReturnType<typeof applyRecordFor>> | undefined): Promise<string> {
    try {
      await checkApplyRecord(s, annotations, 'exit', record);
    } catch (err) {
      expect(err).toBeInstanceOf(MeshferryError);
      expect((err as MeshferryError).exitCode).toBe(2);
      return (err as Error).message;
    }
    throw new Error('not refused');
  }

  it('passes the spec apply recorded', async () => {
    await expect(checkApplyRecord(cross(), annotated, 'exit', await applyRecordFor(cross(), crossBase))).resolves.toBeUndefined();
  });

  it.each([
    ['a context added to the object', cross({ target: { context: 'primary', revision: '1-31-1', clusters: ['primary', 'remote', 'prod-eu'] } }), /names the kubeconfig context\(s\) tcm, primary, remote, prod-eu, edge, not the tcm, primary, remote, edge `migrate apply` recorded \(not recorded: prod-eu\)/],
    ['the source context changed', cross({ source: { context: 'other' } }), /\(not recorded: other\)/],
    ['a finish gateway context changed', cross({ finish: { oldGateways: [{ context: 'elsewhere', workload: 'istio-system/gw' }] } }), /not recorded: elsewhere/],
    ['a context dropped', cross({ finish: {} }), /names the kubeconfig context\(s\) tcm, primary, remote, not the tcm, primary, remote, edge/],
    ['another shift file', cross({ waves: [{ name: 'shop', namespaces: ['shop'], cluster: 'remote', shifts: ['./other-shift.yaml'] }] }), /names the shift file\(s\) shop: \.\/other-shift\.yaml, not the shop: \.\/shop-shift\.yaml `migrate apply` recorded/],
  ])('refuses %s, saying to apply the file again (exit 2)', async (_name, edited, want) => {
    const message = await refusal(edited, annotated, await applyRecordFor(cross(), crossBase));
    expect(message).toMatch(want);
    expect(message).toMatch(/^MeshMigration exit .*the object in the cluster may have been changed, or apply ran elsewhere\. Run `meshferry migrate apply FILE`/);
  });

  it('refuses a shift file edited on disk since apply, naming both digests', async () => {
    const dir = path.join(root, 'cross-edited');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'shop-shift.yaml'), 'steps: [50, 100]\n');
    const record = await applyRecordFor(cross(), dir);
    writeFileSync(path.join(dir, 'shop-shift.yaml'), 'steps: [100]\n');
    expect(await refusal(cross(), { [CONFIG_BASE_ANNOTATION]: dir }, record)).toMatch(/names the shift file \.\/shop-shift\.yaml \(wave shop\), which changed in .*cross-edited since `migrate apply` read it \(sha256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\)/);
  });

  it('refuses an object whose folder annotation is not the recorded one', async () => {
    expect(await refusal(cross(), { [CONFIG_BASE_ANNOTATION]: outside }, await applyRecordFor(cross(), crossBase))).toMatch(/reads its files from .*elsewhere, not from .*cross where `migrate apply` read them/);
  });

  it('CrossCluster without a record on this machine is refused; InPlace without one is not (it resumes from any machine)', async () => {
    expect(await refusal(cross(), annotated, undefined)).toMatch(/has no apply record on this machine/);
    await expect(checkApplyRecord({ ...spec(undefined), source: { context: 'prod' } }, undefined, 'up', undefined)).resolves.toBeUndefined();
  });

  it('InPlace with a record: a context the object names that apply did not record is refused; a legacy record has none to compare', async () => {
    const recorded = await applyRecordFor({ ...spec(undefined), source: { context: 'prod' } }, base);
    expect(await refusal({ ...spec(undefined), source: { context: 'staging' } }, undefined, recorded)).toMatch(/names the kubeconfig context\(s\) staging, not the prod/);
    await expect(checkApplyRecord({ ...spec(undefined), source: { context: 'staging' } }, undefined, 'up', { base, shifts: [] })).resolves.toBeUndefined();
  });
});

const vs: KubeObject = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'shop', labels: { app: 'r' } }, spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'r' } }] }] } };
const live = (over: Partial<KubeObject> = {}): KubeObject => ({
  ...structuredClone(vs),
  metadata: { ...structuredClone(vs.metadata), labels: { app: 'r', extra: 'kept' }, resourceVersion: '7', uid: 'u', managedFields: [{ manager: 'meshferry' }], creationTimestamp: 'x', generation: 2 },
  status: { observedGeneration: 2 },
  ...over,
});

describe('the import\'s comparison', () => {
  it('a live object shows the file\'s fields even with server additions (extra labels, defaults in list items)', () => {
    expect(showsObject(vs, live())).toBe(true);
    expect(showsObject(vs, live({ spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'r', port: { number: 80 } }, weight: 100 }] }] } }))).toBe(true);
  });
  it('a changed value, a missing label or a list of another length is not shown', () => {
    expect(showsObject(vs, live({ spec: { hosts: ['b'], http: vs.spec ? (vs.spec as { http: unknown }).http : [] } }))).toBe(false);
    expect(showsObject(vs, { ...live(), metadata: { ...live().metadata, labels: { extra: 'kept' } } })).toBe(false);
    expect(showsObject(vs, live({ spec: { hosts: ['a', 'c'], http: (vs.spec as { http: unknown }).http } }))).toBe(false);
  });
  it('an object meshferry created and only its status written since is still meshferry\'s to delete; a new incarnation, a moved generation, changed metadata, a Namespace or a forged record are not', () => {
    const target = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'shop', name: 'r' };
    const at = (o: KubeObject, m: Record<string, unknown>) => ({ ...o, metadata: { ...o.metadata, uid: 'u1', generation: 1, ...m } });
    const left = { resourceVersion: '10', uid: 'u1', generation: 1 };
    const wrote = { ...vs, metadata: { ...vs.metadata, labels: { app: 'r', extra: 'kept' } } };
    expect(onlyStatusWrittenSince(target, wrote, left, at(live(), { resourceVersion: '12' }))).toBe(true);
    expect(onlyStatusWrittenSince(target, wrote, left, at(live(), { uid: 'u2' }))).toBe(false);
    expect(onlyStatusWrittenSince(target, wrote, left, at(live(), { generation: 2 }))).toBe(false);
    expect(onlyStatusWrittenSince(target, wrote, left, at(live(), { labels: { ...live().metadata.labels, more: 'x' } }))).toBe(false);
    expect(onlyStatusWrittenSince(target, wrote, left, at(live(), { finalizers: ['keep'] }))).toBe(false);
    expect(onlyStatusWrittenSince(target, wrote, { resourceVersion: '10' }, at(live(), {}))).toBe(false);
    expect(onlyStatusWrittenSince(target, { metadata: {} }, left, at(live(), {}))).toBe(false);
    expect(onlyStatusWrittenSince(target, {}, left, at(live(), {}))).toBe(false);
    expect(onlyStatusWrittenSince({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, left, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'u1', generation: 1 } })).toBe(false);
  });
  it('the restorable form drops status and what the server sets, and compares equal across versions', () => {
    const r = restorable(live());
    expect(r.status).toBeUndefined();
    expect(Object.keys(r.metadata).sort()).toEqual(['labels', 'name', 'namespace']);
    expect(sameRestorable(r, live({ metadata: { ...live().metadata, resourceVersion: '99' } }))).toBe(true);
    expect(sameRestorable(r, live({ spec: { hosts: ['z'] } }))).toBe(false);
  });
});

describe('rollbackOrder with config imports', () => {
  const entry = (seq: number, step: string, over: Partial<JournalEntry> = {}): JournalEntry => ({ seq, step, target: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: `c${seq}` }, before: { object: null }, intent: {}, state: 'done', at: 't', ...over });
  it('undoes imports in reverse; a rollback entry that covers several imports of one object marks them all undone', () => {
    const entries = [entry(1, 'config.import'), entry(2, 'config.import'), entry(3, 'config.import'), entry(4, 'rollback', { intent: { undoes: 1, alsoUndoes: [2] } })];
    expect(rollbackOrder(entries).map((e) => e.seq)).toEqual([3]);
    expect(rollbackOrder(entries.slice(0, 3)).map((e) => e.seq)).toEqual([3, 2, 1]);
  });
  it('leaves out imports the server rejected (journaled failed)', () => {
    expect(rollbackOrder([entry(1, 'config.import', { state: 'failed' }), entry(2, 'config.import')]).map((e) => e.seq)).toEqual([2]);
  });
});

describe('untrustedImport: a journal entry alone never decides what rollback deletes or overwrites', () => {
  const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'shop', name: 'web' };
  const mf = (...entries: [string, string, string][]) => entries.map(([manager, operation, time]) => ({ manager, operation, time, apiVersion: 'v1', fieldsType: 'FieldsV1' }));
  const live = (managedFields: unknown[]): KubeObject => ({ apiVersion: vs.apiVersion, kind: vs.kind, metadata: { name: 'web', namespace: 'shop', managedFields }, spec: {} });
  const prior: KubeObject = { apiVersion: vs.apiVersion, kind: vs.kind, metadata: { name: 'web', namespace: 'shop' }, spec: { hosts: ['web'] } };
  it.each<[string, Parameters<typeof untrustedImport>, RegExp | undefined]>([
    ['created by meshferry, then istiod wrote its status', [vs, null, live(mf(['meshferry', 'Apply', '2026-11-29T10:00:00Z'], ['pilot-discovery', 'Update', '2026-11-29T10:00:05Z']))], undefined],
    ['created by someone else, meshferry applied later: not meshferry\'s to delete', [vs, null, live(mf(['kubectl-create', 'Update', '2026-11-29T09:00:00Z'], ['meshferry', 'Apply', '2026-11-29T10:00:00Z']))], /another field manager wrote it before meshferry did/],
    ['no write by meshferry at all (a forged entry)', [vs, null, live(mf(['kubectl-create', 'Update', '2026-11-29T09:00:00Z']))], /carries no server-side apply by meshferry/],
    ['changed by meshferry: restore allowed', [vs, prior, live(mf(['kubectl-create', 'Update', '2026-11-29T09:00:00Z'], ['meshferry', 'Apply', '2026-11-29T10:00:00Z']))], undefined],
    ['a prior state that is another object', [vs, { ...prior, metadata: { name: 'other', namespace: 'shop' } }, live(mf(['meshferry', 'Apply', '2026-11-29T10:00:00Z']))], /prior state recorded for it is another object/],
    ['a prior state of another kind', [vs, { ...prior, kind: 'ClusterRoleBinding' }, live(mf(['meshferry', 'Apply', '2026-11-29T10:00:00Z']))], /another object/],
    ['a ConfigMap (not what the import writes)', [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'victim' }, null, live(mf(['meshferry', 'Apply', '2026-11-29T10:00:00Z']))], /ConfigMap is not config the import writes/],
    ['a ClusterRoleBinding', [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'victim-crb' }, null, undefined], /not config the import writes/],
    ['already gone: nothing to act on', [vs, null, undefined], undefined],
  ])('%s', (_name, args, want) => {
    const why = untrustedImport(...args);
    if (want) expect(why).toMatch(want);
    else expect(why).toBeUndefined();
  });

  it.each<[string, string, boolean]>([
    ['networking.istio.io/v1', 'VirtualService', true],
    ['security.istio.io/v1', 'AuthorizationPolicy', true],
    ['gateway.networking.k8s.io/v1', 'HTTPRoute', true],
    ['v1', 'Namespace', true],
    ['v1', 'ConfigMap', false],
    ['v1', 'Secret', false],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', false],
    ['example.com/v1', 'Widget', false],
  ])('importable(%s, %s) is %s', (apiVersion, kind, want) => {
    expect(importable(apiVersion, kind)).toBe(want);
  });
});

describe('analyzeConfig with what the CrossCluster waves bring (`coming`)', () => {
  const servers: MemoryApiServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  // The config: a VirtualService routing to reviews:8080 and a DestinationRule for reviews, both in shop.
  const comingBase = path.join(root, 'coming');
  mkdirSync(path.join(comingBase, 'export', 'shop'), { recursive: true });
  writeFileSync(
    path.join(comingBase, 'export', 'shop', 'reviews.yaml'),
    [
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: shop}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, port: {number: 8080}}',
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: shop}\nspec:\n  host: reviews\n',
    ].join('\n---\n'),
  );
  const found = { controlPlanes: [{ revision: 'canary', tags: [] }], webhooks: [], validators: [] } as unknown as ControlPlaneDiscovery;
  const service = (port: number): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'shop' }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port }] } });

  /** A target cluster that serves Services (so the analysis knows them all), holding `live`; the findings' codes and objects. */
  async function analyze(live: KubeObject[], coming?: KubeObject[]): Promise<string[]> {
    const { server, client } = await MemoryApiServer.start();
    servers.push(server);
    const withServices = new ObjectClient(client.transport, new Discovery([...MEMORY_RESOURCES, { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, verbs: ['get', 'list', 'create'] }], new Map([['', 'v1'], ['apps', 'v1']])));
    for (const o of live) await withServices.create(o);
    const input = await loadConfig(spec({ from: './export' }), comingBase);
    const findings = await analyzeConfig(withServices, input, found, 'Warning', [], coming);
    return findings.map((f) => `${f.code} ${f.object}`).sort();
  }

  // Pins: a config routing to a Service only a wave brings is not refused for a missing host; without `coming` it is.
  it('a Service the waves bring counts as there; without it the route and the rule name a missing host', async () => {
    expect(await analyze([])).toEqual(['MF0005 VirtualService shop/reviews', 'MF0010 DestinationRule shop/reviews']);
    expect(await analyze([], [service(8080)])).toEqual([]);
  });

  // Pins: the cluster's own object of the same name wins over the coming one (its port 9080 is not the routed 8080).
  it('a same-named Service already in the cluster wins over the coming one', async () => {
    expect(await analyze([service(9080)], [service(8080)])).toEqual(['MF0005 VirtualService shop/reviews']);
  });
});
