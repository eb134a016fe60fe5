import { afterEach, describe, expect, it } from 'vitest';
import { applyValidated, parseFieldPath, unknownFieldsIn } from './apply.js';
import { Discovery, type ServedResource } from './discovery.js';
import { KubeApiError } from './errors.js';
import { loadConnection } from './kubeconfig.js';
import { ObjectClient } from './object-client.js';
import { FakeApiServer, statusBody, writeFakeKubeconfig, type FakeHandler } from '../../test/support/kube/fake-apiserver.js';
import { KubeTransport } from './transport.js';

const VS: ServedResource = { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService', plural: 'virtualservices', namespaced: true, verbs: ['list', 'get', 'patch'] };
const SECRETS: ServedResource = { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, verbs: ['list'] };

const servers: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function clientFor(handler: FakeHandler): Promise<{ client: ObjectClient; server: FakeApiServer }> {
  const server = new FakeApiServer(handler);
  servers.push(server);
  const conn = await loadConnection({ kubeconfig: await writeFakeKubeconfig(await server.start()) });
  const transport = new KubeTransport(conn, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  return { server, client: new ObjectClient(transport, new Discovery([VS, SECRETS], new Map([['networking.istio.io', 'v1'], ['', 'v1']]))) };
}

const vs = (name: string, spec: Record<string, unknown> = { hosts: [name] }) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'shop' }, spec });

describe('ObjectClient.list', () => {
  it('follows continue tokens and sets apiVersion and kind on items', async () => {
    const pages: Record<string, { items: unknown[]; next?: string }> = {
      '': { items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }], next: 't1' },
      t1: { items: [{ metadata: { name: 'c' } }], next: 't2' },
      t2: { items: [{ metadata: { name: 'd' } }] },
    };
    const { client, server } = await clientFor((req) => {
      const page = pages[req.query.get('continue') ?? ''];
      return { body: { kind: 'VirtualServiceList', metadata: { continue: page?.next ?? '' }, items: page?.items ?? [] } };
    });
    const seen: number[] = [];
    const items = await client.list(VS, { pageSize: 2, onPage: (n) => seen.push(n) });
    expect(items.map((i) => i.metadata.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(items.every((i) => i.apiVersion === 'networking.istio.io/v1' && i.kind === 'VirtualService')).toBe(true);
    expect(server.requests.map((r) => `${r.path}?${r.query.toString()}`)).toEqual([
      '/apis/networking.istio.io/v1/virtualservices?limit=2',
      '/apis/networking.istio.io/v1/virtualservices?limit=2&continue=t1',
      '/apis/networking.istio.io/v1/virtualservices?limit=2&continue=t2',
    ]);
    expect(seen).toEqual([2, 3, 4]);
  });

  it('restarts once from the first page when the continue token expired (410)', async () => {
    let calls = 0;
    const { client } = await clientFor((req) => {
      calls++;
      if (req.query.get('continue') === 'old') return { status: 410, body: statusBody(410, 'Expired', 'The provided continue parameter is too old') };
      return calls === 1 ? { body: { metadata: { continue: 'old' }, items: [{ metadata: { name: 'stale' } }] } } : { body: { metadata: {}, items: [{ metadata: { name: 'fresh' } }] } };
    });
    expect((await client.list(VS)).map((i) => i.metadata.name)).toEqual(['fresh']);
  });

  it('lists Secrets as metadata only: the server is asked for PartialObjectMetadata and data never appears', async () => {
    const { client, server } = await clientFor(() => ({
      body: { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: {}, items: [{ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 's', namespace: 'shop' }, data: { leaked: 'eA==' } }] },
    }));
    const items = await client.list(SECRETS, { namespace: 'shop', metadataOnly: true });
    expect(server.requests[0]?.headers.accept).toMatch(/^application\/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1/);
    expect(server.requests[0]?.path).toBe('/api/v1/namespaces/shop/secrets');
    expect(items).toEqual([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' } }]);
  });
});

describe('ObjectClient get, apply, delete', () => {
  it('get returns undefined for 404; delete returns false for 404', async () => {
    const { client } = await clientFor(() => ({ status: 404, body: statusBody(404, 'NotFound', 'not found') }));
    expect(await client.get(VS, 'shop', 'x')).toBeUndefined();
    expect(await client.delete(VS, 'shop', 'x')).toBe(false);
  });

  it('apply sends a server-side apply patch with field manager, force, validation and dry run', async () => {
    const { client, server } = await clientFor((req) => ({ status: 201, body: JSON.parse(req.body) as unknown }));
    const res = await client.apply(vs('a'), { force: true, fieldValidation: 'Strict', dryRun: true });
    expect(res.status).toBe(201);
    const req = server.requests[0];
    expect(req?.method).toBe('PATCH');
    expect(req?.path).toBe('/apis/networking.istio.io/v1/namespaces/shop/virtualservices/a');
    expect(req?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(Object.fromEntries(req?.query ?? [])).toEqual({ fieldManager: 'meshferry', force: 'true', fieldValidation: 'Strict', dryRun: 'All' });
  });

  it('apply of a version the cluster does not serve names the served ones', async () => {
    const { client } = await clientFor(() => ({ body: {} }));
    const err = await client.apply({ ...vs('a'), apiVersion: 'networking.istio.io/v1beta1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).serverMessage).toBe('the cluster does not serve networking.istio.io/v1beta1 VirtualService; it serves networking.istio.io/v1');
  });
});

/** A fake that, like the real API server, answers apply of an undeclared field with a 500 (here naming one). */
function schemaServer(known: readonly string[]): FakeHandler {
  return (req) => {
    const body = JSON.parse(req.body) as { spec: Record<string, unknown> };
    const unknown = Object.keys(body.spec).filter((k) => !known.includes(k));
    if (req.method === 'POST')
      return { status: 409, body: statusBody(409, 'AlreadyExists', 'exists'), headers: { Warning: unknown.map((k) => `299 - "unknown field \\"spec.${k}\\""`) } };
    if (unknown.length) return { status: 500, body: statusBody(500, '', `failed to create typed patch object (shop/a; networking.istio.io/v1, Kind=VirtualService): .spec.${unknown[0]}: field not declared in schema`) };
    return { status: 200, body };
  };
}

describe('applyValidated', () => {
  it('strict: names every unknown field as a path, from the Warn probe', async () => {
    const { client } = await clientFor(schemaServer(['hosts']));
    const err = await applyValidated(client, vs('a', { hosts: ['a'], websocketUpgrade: true, appendHeaders: {} }), { mode: 'strict' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).serverMessage).toBe(
      "the target's schema does not declare these fields: spec.websocketUpgrade, spec.appendHeaders (--field-validation warn drops unknown fields and reports them)",
    );
  });

  it('warn: drops every unknown field, applies the rest and reports what it dropped', async () => {
    const { client, server } = await clientFor(schemaServer(['hosts']));
    const res = await applyValidated(client, vs('a', { hosts: ['a'], websocketUpgrade: true, appendHeaders: {} }), { mode: 'warn' });
    expect(res.pruned).toEqual(['spec.websocketUpgrade', 'spec.appendHeaders']);
    expect(res.object.spec).toEqual({ hosts: ['a'] });
    expect(server.requests.map((r) => r.method)).toEqual(['PATCH', 'POST', 'PATCH']);
    expect(server.requests[0]?.query.get('fieldValidation')).toBe('Warn');
  });

  it('passes through an object the schema accepts in one request', async () => {
    const { client, server } = await clientFor(schemaServer(['hosts']));
    const res = await applyValidated(client, vs('a'), { mode: 'strict' });
    expect(res.pruned).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });
});

describe('field path helpers', () => {
  it.each([
    { p: 'spec.http[0].websocketUpgrade', want: ['spec', 'http', 0, 'websocketUpgrade'] },
    { p: 'spec.a[1][2].b', want: ['spec', 'a', 1, 2, 'b'] },
    { p: 'spec', want: ['spec'] },
  ])('parseFieldPath($p)', ({ p, want }) => {
    expect(parseFieldPath(p)).toEqual(want);
  });

  it('unknownFieldsIn keeps only unknown-field warnings, once each', () => {
    expect(unknownFieldsIn(['unknown field "spec.a"', 'networking.istio.io/v1beta1 is deprecated', 'unknown field "spec.a"', 'duplicate field "spec.b"'])).toEqual(['spec.a']);
  });
});

describe('ObjectClient writes: create, patch, replace', () => {
  it('create POSTs to the collection, dry run on request, and returns the stored object', async () => {
    const { client, server } = await clientFor((req) => ({ status: 201, body: { ...JSON.parse(req.body), metadata: { ...JSON.parse(req.body).metadata, uid: 'u1' } } }));
    const res = await client.create(vs('a'), { dryRun: true });
    expect(res.status).toBe(201);
    expect(res.object.metadata.uid).toBe('u1');
    const [r] = server.requests;
    expect([r?.method, r?.path, r?.query.get('dryRun'), r?.query.get('fieldManager')]).toEqual(['POST', '/apis/networking.istio.io/v1/namespaces/shop/virtualservices', 'All', 'meshferry']);
  });

  it('patch sends each flavour with its content type, and to a subresource when asked', async () => {
    const { client, server } = await clientFor((req) => ({ body: { ...vs('a'), contentType: req.headers['content-type'] } }));
    await client.patch(VS, 'shop', 'a', [{ op: 'test', path: '/metadata/resourceVersion', value: '7' }, { op: 'replace', path: '/spec/http/0/route/0/weight', value: 90 }], 'json');
    await client.patch(VS, 'shop', 'a', { metadata: { labels: { x: 'y' } } }, 'merge', { subresource: 'status' });
    expect(server.requests.map((r) => [r.method, r.path, r.headers['content-type']])).toEqual([
      ['PATCH', '/apis/networking.istio.io/v1/namespaces/shop/virtualservices/a', 'application/json-patch+json'],
      ['PATCH', '/apis/networking.istio.io/v1/namespaces/shop/virtualservices/a/status', 'application/merge-patch+json'],
    ]);
    expect(JSON.parse(server.requests[0]?.body ?? '')[0]).toEqual({ op: 'test', path: '/metadata/resourceVersion', value: '7' });
    await expect(client.patch(VS, 'shop', 'a', { not: 'a list' }, 'json')).rejects.toThrow(/list of operations/);
  });

  it('replace PUTs the object and surfaces a 409 conflict as KubeApiError', async () => {
    const { client } = await clientFor(() => ({ status: 409, body: statusBody(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again') }));
    const err = await client.replace({ ...vs('a'), metadata: { name: 'a', namespace: 'shop', resourceVersion: '3' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(409);
  });
});
