import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import type { KubeObject } from './object.js';
import { OUTPUT_MARKER, layoutPath, serializeObject, serializeStream, writeFileAtomic, writeLayout } from './yaml-write.js';

const obj = (kind: string, apiVersion: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { ...(namespace ? { namespace } : {}), name },
  ...extra,
});

describe('serialize', () => {
  it('puts apiVersion, kind, metadata first and sorts labels and annotations', () => {
    const o = { spec: { b: 1, a: 2 }, metadata: { labels: { z: '1', a: '2' }, name: 'svc', namespace: 'ns' }, kind: 'Service', apiVersion: 'v1' } as unknown as KubeObject;
    expect(serializeObject(o)).toBe('apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: ns\n  labels:\n    a: "2"\n    z: "1"\nspec:\n  b: 1\n  a: 2\n');
  });

  it('quotes strings that YAML 1.1 readers (kubectl) would take for booleans', () => {
    const text = serializeObject(obj('ConfigMap', 'v1', 'c', 'a', { data: { on: 'yes', off: 'no' } }));
    expect(text).toContain('"on": "yes"');
  });

  it('orders a stream deterministically, namespaces first, whatever the input order', () => {
    const a = [obj('Service', 'v1', 'b', 'x'), obj('Namespace', 'v1', 'x'), obj('VirtualService', 'networking.istio.io/v1', 'a', 'x')];
    const s1 = serializeStream(a);
    expect(serializeStream([...a].reverse())).toBe(s1);
    expect(s1.indexOf('kind: Namespace')).toBeLessThan(s1.indexOf('kind: Service'));
  });
});

describe('layoutPath', () => {
  it.each([
    [obj('VirtualService', 'networking.istio.io/v1beta1', 'vs', 'shop'), 'shop/virtualservices/vs.yaml'],
    [obj('Namespace', 'v1', 'shop'), '_cluster/namespaces/shop.yaml'],
    [obj('Gateway', 'networking.istio.io/v1', 'gw', 'shop'), 'shop/gateways/gw.yaml'],
    [obj('Gateway', 'gateway.networking.k8s.io/v1', 'gw', 'shop'), 'shop/gateways.gateway.networking.k8s.io/gw.yaml'],
    [obj('ConfigMap', 'v1', '../../etc', 'shop'), 'shop/configmaps/..%2F..%2Fetc.yaml'],
  ])('%#', (o, want) => expect(layoutPath(o)).toBe(want));
});

describe('writeLayout', () => {
  it('writes the kubedump layout with a marker, and replaces its own output whole', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'mf-write-')), 'out');
    await writeLayout(dir, [obj('Namespace', 'v1', 'a'), obj('Service', 'v1', 's', 'a')]);
    expect(existsSync(path.join(dir, '_cluster/namespaces/a.yaml'))).toBe(true);
    expect(existsSync(path.join(dir, OUTPUT_MARKER))).toBe(true);
    await writeLayout(dir, [obj('Service', 'v1', 't', 'a')]);
    expect(existsSync(path.join(dir, 'a/services/s.yaml'))).toBe(false);
    expect(readFileSync(path.join(dir, 'a/services/t.yaml'), 'utf8')).toContain('name: t');
    // No staging folders are left beside it.
    expect(readdirSync(path.dirname(dir))).toEqual(['out']);
  });

  it('removes staging folders left by a killed run', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'mf-write-'));
    // pid 2^22+1 is above Linux's pid_max, so no live process has it.
    mkdirSync(path.join(parent, '.out.staging-4194305-abcd/ns'), { recursive: true });
    await writeLayout(path.join(parent, 'out'), [obj('Namespace', 'v1', 'a')]);
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it('refuses to replace a folder it did not write', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-write-'));
    writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
    await expect(writeLayout(dir, [obj('Namespace', 'v1', 'a')])).rejects.toThrow(InputError);
    expect(readFileSync(path.join(dir, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('keeps the previous content when writing fails midway', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'mf-write-')), 'out');
    await writeLayout(dir, [obj('Namespace', 'v1', 'old')]);
    const twins = [obj('Service', 'v1', 's', 'a'), obj('Service', 'v1', 's', 'a')];
    await expect(writeLayout(dir, twins)).rejects.toThrow(/two objects/);
    expect(existsSync(path.join(dir, '_cluster/namespaces/old.yaml'))).toBe(true);
    expect(readdirSync(path.dirname(dir))).toEqual(['out']);
  });
});

describe('writeFileAtomic', () => {
  it('creates parents, sets the mode and leaves no temp file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mf-atomic-'));
    const f = path.join(dir, 'deep/secret.yaml');
    mkdirSync(path.dirname(f), { recursive: true });
    await writeFileAtomic(f, 'x: 1\n', 0o600);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(f))).toEqual(['secret.yaml']);
  });
});
