// readLiveState: one LIST per kind across the cluster, or per kind and namespace (byNamespace); GETs where listing is forbidden.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryApiServer } from '../../test/support/kube/memory-apiserver.js';
import { statusBody } from '../../test/support/kube/fake-apiserver.js';
import { keyOf, type KubeObject } from '../resources/object.js';
import { readLiveState } from './live.js';

const servers: MemoryApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function cluster() {
  const { server, client } = await MemoryApiServer.start();
  servers.push(server);
  const cm = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { v: name } });
  for (const ns of ['shop', 'web', 'other']) server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const [ns, name] of [['shop', 'a'], ['shop', 'b'], ['web', 'c'], ['other', 'x']] as const) server.seed(cm(ns, name));
  return { server, client, cm };
}

describe('readLiveState', () => {
  it('lists each kind across the cluster by default: every object of the kind is in listed', async () => {
    const { server, client, cm } = await cluster();
    const live = await readLiveState(client, [cm('shop', 'a'), cm('web', 'c'), cm('web', 'gone')]);
    expect(server.reads.map((r) => r.path).sort()).toEqual(['/api/v1/configmaps', '/api/v1/namespaces']);
    expect(live.get(keyOf(cm('shop', 'a')))?.data).toEqual({ v: 'a' });
    expect(live.get(keyOf(cm('web', 'gone')))).toBeUndefined();
    expect(live.listed.map((o) => o.metadata.name).sort()).toEqual(['a', 'b', 'c', 'x']);
  });

  it('byNamespace lists only the namespaces the objects name: the rest of the cluster (and its namespace list) is never read', async () => {
    const { server, client, cm } = await cluster();
    const live = await readLiveState(client, [cm('shop', 'a'), cm('web', 'c'), cm('web', 'gone')], { byNamespace: true });
    expect(server.reads.map((r) => r.path).sort()).toEqual(['/api/v1/namespaces/shop/configmaps', '/api/v1/namespaces/web/configmaps']);
    expect(live.namespaces).toBeUndefined();
    expect(live.get(keyOf(cm('web', 'c')))?.data).toEqual({ v: 'c' });
    expect(live.get(keyOf(cm('web', 'gone')))).toBeUndefined();
    expect(live.listed.map((o) => o.metadata.name).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a forbidden LIST falls back to a GET per object', async () => {
    const { server, client, cm } = await cluster();
    server.failReads = (req) => (req.path === '/api/v1/namespaces/shop/configmaps' ? { status: 403, body: statusBody(403, 'Forbidden', 'cannot list') } : undefined);
    const live = await readLiveState(client, [cm('shop', 'a'), cm('shop', 'gone')], { byNamespace: true });
    expect(server.reads.map((r) => r.path).sort()).toEqual(['/api/v1/namespaces/shop/configmaps', '/api/v1/namespaces/shop/configmaps/a', '/api/v1/namespaces/shop/configmaps/gone']);
    expect(live.get(keyOf(cm('shop', 'a')))?.data).toEqual({ v: 'a' });
    expect(live.get(keyOf(cm('shop', 'gone')))).toBeUndefined();
  });
});
