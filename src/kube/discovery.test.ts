import { afterEach, describe, expect, it } from 'vitest';
import { discover, fromAggregated, resourceName, resourcePath } from './discovery.js';
import { loadConnection } from './kubeconfig.js';
import { FakeApiServer, aggregatedDiscovery, statusBody, writeFakeKubeconfig, type FakeHandler } from '../../test/support/kube/fake-apiserver.js';
import { KubeTransport } from './transport.js';

const servers: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function transportFor(handler: FakeHandler): Promise<{ transport: KubeTransport; server: FakeApiServer }> {
  const server = new FakeApiServer(handler);
  servers.push(server);
  const conn = await loadConnection({ kubeconfig: await writeFakeKubeconfig(await server.start()) });
  return { server, transport: new KubeTransport(conn, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }) };
}

const CORE = aggregatedDiscovery([{ name: '', versions: [{ version: 'v1', resources: [{ resource: 'namespaces', kind: 'Namespace', namespaced: false }, { resource: 'services', kind: 'Service' }] }] }]);
const GROUPS = aggregatedDiscovery([
  {
    name: 'networking.istio.io',
    versions: [
      { version: 'v1', resources: [{ resource: 'virtualservices', kind: 'VirtualService' }] },
      { version: 'v1alpha3', resources: [{ resource: 'virtualservices', kind: 'VirtualService' }, { resource: 'envoyfilters', kind: 'EnvoyFilter' }] },
    ],
  },
]);

describe('discover', () => {
  it('reads aggregated discovery in two requests', async () => {
    const { transport, server } = await transportFor((req) => ({ body: req.path === '/api' ? CORE : GROUPS }));
    const d = await discover(transport);
    expect(server.requests.map((r) => r.path).sort()).toEqual(['/api', '/apis']);
    expect(server.requests[0]?.headers.accept).toContain('as=APIGroupDiscoveryList');
    expect(d.preferredVersion('networking.istio.io')).toBe('v1');
    expect(d.resourceFor('networking.istio.io', 'VirtualService')).toMatchObject({ version: 'v1', plural: 'virtualservices', namespaced: true });
    // A kind only an older version serves is still found there.
    expect(d.resourceFor('networking.istio.io', 'EnvoyFilter')).toMatchObject({ version: 'v1alpha3' });
    expect(d.resourceFor('', 'Namespace')).toMatchObject({ namespaced: false });
    expect(d.versionsOf('networking.istio.io', 'VirtualService')).toEqual(['v1', 'v1alpha3']);
    expect(d.resourceFor('gateway.networking.k8s.io', 'HTTPRoute')).toBeUndefined();
    transport.close();
  });

  it('falls back to one request per group version on servers without aggregated discovery, skipping a broken group', async () => {
    const { transport, server } = await transportFor((req) => {
      switch (req.path) {
        case '/api':
          return { body: { kind: 'APIVersions', versions: ['v1'] } };
        case '/apis':
          return {
            body: {
              kind: 'APIGroupList',
              groups: [
                { name: 'networking.istio.io', versions: [{ version: 'v1alpha3' }, { version: 'v1' }], preferredVersion: { version: 'v1' } },
                { name: 'metrics.k8s.io', versions: [{ version: 'v1beta1' }], preferredVersion: { version: 'v1beta1' } },
              ],
            },
          };
        case '/api/v1':
          return { body: { resources: [{ name: 'services', kind: 'Service', namespaced: true, verbs: ['list'] }, { name: 'services/status', kind: 'Service', namespaced: true }] } };
        case '/apis/networking.istio.io/v1':
        case '/apis/networking.istio.io/v1alpha3':
          return { body: { resources: [{ name: 'virtualservices', kind: 'VirtualService', namespaced: true, verbs: ['list', 'patch'] }] } };
        default:
          return { status: 503, body: statusBody(503, 'ServiceUnavailable', 'metrics server is down') };
      }
    });
    const d = await discover(transport);
    expect(d.resourceFor('', 'Service')).toMatchObject({ plural: 'services', version: 'v1' });
    expect(d.resourceFor('networking.istio.io', 'VirtualService')?.version).toBe('v1');
    expect(d.resources.filter((r) => r.plural.includes('/'))).toEqual([]);
    expect(server.requests.some((r) => r.path === '/apis/metrics.k8s.io/v1beta1')).toBe(true);
    transport.close();
  });
});

describe('fromAggregated', () => {
  it('skips stale versions and malformed entries', () => {
    const doc = aggregatedDiscovery([{ name: 'g', versions: [{ version: 'v2', resources: [{ resource: 'things', kind: 'Thing' }] }, { version: 'v1', resources: [{ resource: 'things', kind: 'Thing' }] }] }]);
    const items = doc.items as { versions: { freshness: string }[] }[];
    (items[0] as { versions: { freshness: string }[] }).versions[0]!.freshness = 'Stale';
    items.push({ versions: 'nonsense' } as unknown as { versions: { freshness: string }[] });
    const d = fromAggregated([doc as { items: unknown[] }]);
    expect(d.preferredVersion('g')).toBe('v1');
    expect(d.resources).toHaveLength(1);
  });
});

describe('resourcePath and resourceName', () => {
  it.each([
    { r: { group: '', version: 'v1', plural: 'services', namespaced: true }, ns: 'shop', name: 'a b', path: '/api/v1/namespaces/shop/services/a%20b', rn: 'services' },
    { r: { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', namespaced: true }, ns: undefined, name: undefined, path: '/apis/networking.istio.io/v1/virtualservices', rn: 'virtualservices.networking.istio.io' },
    { r: { group: '', version: 'v1', plural: 'namespaces', namespaced: false }, ns: 'ignored', name: 'shop', path: '/api/v1/namespaces/shop', rn: 'namespaces' },
  ])('$path', ({ r, ns, name, path, rn }) => {
    expect(resourcePath(r, ns, name)).toBe(path);
    expect(resourceName(r)).toBe(rn);
  });
});
