import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import type { KubeObject } from '../resources/object.js';
import { OUTPUT_MARKER, serializeObject } from '../resources/yaml-write.js';
import { cleanStaleStaging } from './export-staging.js';
import { writeExportLayout } from './export-write.js';

const vs = (ns: string, name: string): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec: { hosts: [name] } });
const gc: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'istio' }, spec: { controllerName: 'istio.io/gateway-controller' } };

/** A pid no process has: the highest pid of a long-gone shell child. */
function deadPid(): number {
  return 2 ** 22 + 12345;
}

describe('writeExportLayout', () => {
  it('writes the kubedump layout with serializeObject bytes, and replaces its own earlier output whole', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'meshferry-export-'));
    const dir = path.join(parent, 'out');
    const first = await writeExportLayout(dir, [vs('b', 'x'), vs('a', 'y'), gc]);
    expect(first).toEqual(['_cluster/gatewayclasses/istio.yaml', 'a/virtualservices/y.yaml', 'b/virtualservices/x.yaml']);
    expect(readFileSync(path.join(dir, 'a/virtualservices/y.yaml'), 'utf8')).toBe(serializeObject(vs('a', 'y')));
    expect(existsSync(path.join(dir, OUTPUT_MARKER))).toBe(true);
    await writeExportLayout(dir, [vs('c', 'z')]);
    expect(readdirSync(dir).sort()).toEqual([OUTPUT_MARKER, 'c']);
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it('refuses a folder meshferry did not write, and leaves it untouched', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'meshferry-export-'));
    const dir = path.join(parent, 'mine');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
    await expect(writeExportLayout(dir, [vs('a', 'x')])).rejects.toThrow(InputError);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('fails on two objects that map to one file, leaving no staging folder and the previous output', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'meshferry-export-'));
    const dir = path.join(parent, 'out');
    await writeExportLayout(dir, [vs('a', 'keep')]);
    const twin = { ...vs('a', 'x'), apiVersion: 'networking.istio.io/v1beta1' };
    await expect(writeExportLayout(dir, [vs('a', 'x'), twin])).rejects.toThrow(/two objects would be written to a\/virtualservices\/x.yaml/);
    expect(readdirSync(parent)).toEqual(['out']);
    expect(existsSync(path.join(dir, 'a/virtualservices/keep.yaml'))).toBe(true);
  });
});

describe('cleanStaleStaging', () => {
  it('removes staging folders of dead processes, keeps live ones and unrelated folders', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'meshferry-staging-'));
    const dir = path.join(parent, 'out');
    mkdirSync(dir);
    const dead = path.join(parent, `.out.staging-${deadPid()}-abcd1234`);
    const live = path.join(parent, `.out.staging-${process.ppid}-abcd1234`);
    const own = path.join(parent, `.out.staging-${process.pid}-abcd1234`);
    const other = path.join(parent, `.other.staging-${deadPid()}-abcd1234`);
    for (const d of [dead, live, own, other]) mkdirSync(d);
    expect((await cleanStaleStaging(dir)).removed).toEqual([dead]);
    expect((await cleanStaleStaging(dir, { includeOwn: true })).removed).toEqual([own]);
    expect(readdirSync(parent).sort()).toEqual([path.basename(other), path.basename(live), 'out'].sort());
  });

  it('puts the previous output back when a run died between the two renames of the swap', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'meshferry-staging-'));
    const dir = path.join(parent, 'out');
    const old = path.join(parent, `.out.staging-${deadPid()}-abcd1234.old`);
    mkdirSync(old);
    writeFileSync(path.join(old, 'a.yaml'), 'previous');
    const res = await cleanStaleStaging(dir);
    expect(res.restored).toBe(old);
    expect(readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('previous');
  });
});
