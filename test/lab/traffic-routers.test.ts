// Every router against a real two-cluster lab: the conformance suite for virtualService (one cluster and a pair in
// two), lbWeight (ACK annotations, a pair per cluster) and httpRoute (Gateway API CRDs from the module Istio pins),
// with istiod's validating webhook judging every VirtualService write; then ownership and gateway checks.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/kube/errors.js';
import type { ObjectClient } from '../../src/kube/object-client.js';
import { killLabNow, startLab } from '../../src/lab/index.js';
import type { Lab } from '../../src/lab/index.js';
import { cloneJson, isPlainObject, type KubeObject } from '../../src/resources/object.js';
import { KubeconfigClusterSet } from '../../src/traffic/routers/cluster-set.js';
import { WeightsChangedError, type ClusterSet } from '../../src/traffic/routers/router.js';
import { createRouter } from '../../src/traffic/routers/create-router.js';
import { HttpRouteRouter } from '../../src/traffic/routers/httproute.js';
import { LbWeightRouter } from '../../src/traffic/routers/lb-weight.js';
import { runRouterConformance, type ConformanceSubject } from '../../src/traffic/routers/testing/routers.case.js';
import { VirtualServiceRouter } from '../../src/traffic/routers/virtualservice.js';

const CLUSTERS = ['east', 'west'] as const;
const NS = 'shop';
const ACK = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-';

let lab: Lab;
let failed = false;
/** The clusters as the routers see them. */
let routers: KubeconfigClusterSet;
/** Another person's clients: their writes are someone else's edits. */
let people: KubeconfigClusterSet;
const parent = mkdtempSync(path.join(os.tmpdir(), 'traffic-routers-'));
const dir = path.join(parent, 'lab');
const killOnExit = () => killLabNow(dir);
process.on('exit', killOnExit);

beforeAll(async () => {
  lab = await startLab({ dir, clusters: [...CLUSTERS], revisions: ['default'], log: (m) => process.stderr.write(`${m}\n`) });
  routers = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  people = new KubeconfigClusterSet({ kubeconfig: lab.kubeconfigPath, env: {} });
  for (const ctx of CLUSTERS) {
    const c = await people.client(ctx);
    await c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, { fieldManager: 'kubectl-create' });
    // One Istio Gateway selecting the ingress gateway pods, shared by the lb-weight pairs of the suite.
    await c.create(istioGateway('ingress', { istio: 'ingressgateway' }, ['shop.example'], 'shop-cert'), { fieldManager: 'kubectl-create' });
  }
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  routers?.close();
  people?.close();
  await lab?.stop({ purge: !failed });
  if (!failed) rmSync(parent, { recursive: true, force: true });
  process.off('exit', killOnExit);
});

let seq = 0;
const uniq = (base: string) => `${base}-${++seq}`;

async function resourceOf(c: ObjectClient, group: string, kind: string) {
  const r = c.discovery.resourceFor(group, kind);
  if (!r) throw new Error(`${group} ${kind} not served`);
  return r;
}

/** A VirtualService with every field a shift must keep: retries, timeout, match, headers, mirror, fault, CORS. */
function richVirtualService(name: string, toHost: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: NS, labels: { app: 'cart' }, annotations: { 'example.com/owner': 'team-cart' } },
    spec: {
      hosts: ['cart'],
      http: [
        { name: 'header-canary', match: [{ headers: { 'x-canary': { exact: '1' } } }], route: [{ destination: { host: toHost } }] },
        {
          name: 'main',
          match: [{ uri: { prefix: '/' }, withoutHeaders: { 'x-debug': { exact: '1' } } }],
          retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset', retryRemoteLocalities: true },
          timeout: '10s',
          headers: { request: { set: { 'x-shift': 'meshferry' } }, response: { remove: ['x-internal'] } },
          mirror: { host: 'cart-shadow' },
          mirrorPercentage: { value: 5 },
          fault: { delay: { percentage: { value: 0.1 }, fixedDelay: '1s' }, abort: { percentage: { value: 0.1 }, httpStatus: 503 } },
          corsPolicy: { allowOrigins: [{ exact: 'https://shop.example' }], allowMethods: ['GET', 'POST'], maxAge: '24h' },
          route: [
            { destination: { host: 'cart-v1', port: { number: 8080 } }, weight: 100, headers: { response: { set: { 'x-version': 'v1' } } } },
            { destination: { host: toHost, port: { number: 8080 } }, weight: 0 },
          ],
        },
      ],
      tcp: [
        {
          match: [{ port: 9000 }],
          // No weight on "to": Istio reads it as 0 in a list of two; the first write adds the field.
          route: [{ destination: { host: 'cart-v1', port: { number: 9000 } }, weight: 100 }, { destination: { host: toHost, port: { number: 9000 } } }],
        },
      ],
    },
  };
}

/** Drops what a shift changes (weights) and what the server maintains, for an object compare. */
function withoutServerFields(o: KubeObject): KubeObject {
  const c = cloneJson(o);
  delete c.metadata.resourceVersion;
  delete c.metadata.generation;
  delete c.metadata.managedFields;
  delete c.status;
  return c;
}

function withoutListWeights(o: KubeObject, lists: (spec: Record<string, unknown>) => unknown[]): KubeObject {
  const c = withoutServerFields(o);
  if (isPlainObject(c.spec)) for (const entry of lists(c.spec)) if (isPlainObject(entry)) delete entry.weight;
  return c;
}

const vsEntries = (spec: Record<string, unknown>) =>
  ['http', 'tls', 'tcp'].flatMap((s) => (Array.isArray(spec[s]) ? (spec[s] as unknown[]) : [])).flatMap((r) => (isPlainObject(r) && Array.isArray(r.route) ? r.route : []));
const ruleEntries = (spec: Record<string, unknown>) =>
  (Array.isArray(spec.rules) ? spec.rules : []).flatMap((r) => (isPlainObject(r) && Array.isArray(r.backendRefs) ? r.backendRefs : []));

/** Shared parts of fixtures whose objects are one per cluster with the same name. */
function objectSubject(
  contexts: readonly string[],
  group: string,
  kind: string,
  name: string,
  router: ConformanceSubject['router'],
  comparable: (o: KubeObject) => KubeObject,
  weightOps: (raw: { from: number; to: number }) => { op: 'add'; path: string; value: unknown }[],
): ConformanceSubject {
  const get = async (ctx: string) => {
    const c = await people.client(ctx);
    return c.get(await resourceOf(c, group, kind), NS, name);
  };
  return {
    router,
    snapshot: async () => (await Promise.all(contexts.map(get))).filter((o): o is KubeObject => o !== undefined),
    comparable: (objs) => objs.map(comparable),
    editWeights: async (raw) => {
      const c = await people.client(contexts[0]);
      await c.patch(await resourceOf(c, group, kind), NS, name, weightOps(raw), 'json', { fieldManager: 'kubectl-edit' });
    },
    editOtherField: async () => {
      const c = await people.client(contexts[0]);
      await c.patch(await resourceOf(c, group, kind), NS, name, { metadata: { labels: { 'edited-by': 'someone' } } }, 'merge', { fieldManager: 'kubectl-label' });
    },
    kept: (objs) => objs[0]?.metadata.labels?.['edited-by'] === 'someone',
    removeObject: async () => {
      const c = await people.client(contexts[0]);
      await c.delete(await resourceOf(c, group, kind), NS, name);
    },
  };
}

function virtualServiceFixture(name: string, contexts: readonly string[]) {
  const toHostOf = (ctx: string) => (ctx === 'west' ? 'cart-v2.shop.global' : 'cart-v2');
  runRouterConformance({
    name,
    reporter: 'destination',
    pairs: 2 * contexts.length,
    async setup() {
      const vsName = uniq('cart');
      for (const ctx of contexts) await (await people.client(ctx)).create(richVirtualService(vsName, toHostOf(ctx)), { fieldManager: 'kubectl-client-side-apply' });
      const router = new VirtualServiceRouter(
        {
          // Like the example: the second cluster names its own "to" host.
          targets: contexts.map((ctx) => ({ context: ctx, name: vsName, ...(ctx === 'west' ? { to: { host: toHostOf(ctx) } } : {}) })),
          from: { host: 'cart-v1' },
          to: { host: 'cart-v2' },
        },
        routers,
        { namespace: NS },
      );
      return objectSubject(contexts, 'networking.istio.io', 'VirtualService', vsName, router, (o) => withoutListWeights(o, vsEntries), (raw) => [
        { op: 'add', path: '/spec/http/1/route/0/weight', value: raw.from },
        { op: 'add', path: '/spec/http/1/route/1/weight', value: raw.to },
      ]);
    },
  });
}

function httpRoute(name: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS, labels: { app: 'cart' } },
    spec: {
      parentRefs: [{ name: 'shop-gateway' }],
      hostnames: ['shop.example'],
      rules: [
        {
          name: 'static',
          matches: [{ path: { type: 'PathPrefix', value: '/static' } }],
          backendRefs: [{ name: 'static', port: 80 }],
        },
        {
          name: 'main',
          matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x-tenant', value: 'a' }] }],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-shift', value: 'meshferry' }] } }],
          timeouts: { request: '10s' },
          backendRefs: [
            { name: 'cart-v1', port: 80, weight: 100 },
            { name: 'cart-v2', port: 80, weight: 0, filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-version', value: 'v2' }] } }] },
          ],
        },
      ],
    },
  };
}

function gatewayService(name: string, selector: Record<string, string>, annotations: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, labels: { app: name }, annotations },
    spec: { type: 'LoadBalancer', selector, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
  };
}

function istioGateway(name: string, selector: Record<string, string>, hosts: string[], credential: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: NS },
    spec: {
      selector,
      servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts },
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts, tls: { mode: 'SIMPLE', credentialName: credential } },
      ],
    },
  };
}

const ackAnnotations = (weight: string, id = 'lb-lab0001') => ({
  [`${ACK}id`]: id,
  [`${ACK}vgroup-port`]: 'rsp-lab:80',
  [`${ACK}force-override-listeners`]: 'false',
  [`${ACK}weight`]: weight,
});

describe('lab: Gateway API CRDs and istiod validation', () => {
  it('serves the Gateway API kinds from the module Istio pins, in every cluster', async () => {
    for (const ctx of CLUSTERS) {
      const c = await routers.client(ctx);
      await c.refreshDiscovery();
      for (const kind of ['HTTPRoute', 'Gateway', 'GatewayClass', 'GRPCRoute', 'ReferenceGrant'])
        expect(c.discovery.versionsOf('gateway.networking.k8s.io', kind), `${ctx} ${kind}`).toContain('v1');
      const crds = await c.list(await resourceOf(c, 'apiextensions.k8s.io', 'CustomResourceDefinition'));
      const httproutes = crds.find((x) => x.metadata.name === 'httproutes.gateway.networking.k8s.io');
      expect(httproutes?.metadata.annotations?.['gateway.networking.k8s.io/bundle-version']).toBe('v1.6.0');
      expect(httproutes?.metadata.annotations?.['gateway.networking.k8s.io/channel']).toBe('standard');
    }
  });

  it("has istiod's validating webhook judging VirtualService writes (a total weight of 0 is refused)", async () => {
    const c = await people.client('east');
    const bad = richVirtualService(uniq('zero'), 'cart-v2');
    const main = (bad.spec as { http: { route: { weight?: number }[] }[] }).http[1]!;
    main.route[0]!.weight = 0;
    const err: unknown = await c.create(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).serverMessage).toMatch(/admission webhook "[a-z.]*validation\.istio\.io" denied the request.*total destination weight = 0/s);
  });
});

virtualServiceFixture('virtualService (one cluster)', ['east']);
virtualServiceFixture('virtualService (a pair in two clusters)', CLUSTERS);

runRouterConformance({
  name: 'lbWeight (ack, a pair in each of two clusters)',
  reporter: 'source',
  pairs: 2,
  async setup() {
    const from = uniq('gw-old');
    const to = uniq('gw-new');
    for (const ctx of CLUSTERS) {
      const c = await people.client(ctx);
      await c.create(gatewayService(from, { istio: 'ingressgateway', app: from }, ackAnnotations('100')), { fieldManager: 'kubectl-create' });
      await c.create(gatewayService(to, { istio: 'ingressgateway', app: to }, ackAnnotations('0')), { fieldManager: 'kubectl-create' });
    }
    const router = new LbWeightRouter(
      { provider: 'ack', targets: CLUSTERS.map((ctx) => ({ from: { context: ctx, service: `${NS}/${from}` }, to: { context: ctx, service: `${NS}/${to}` } })) },
      routers,
    );
    const services = async () => {
      const out: KubeObject[] = [];
      for (const ctx of CLUSTERS) {
        const c = await people.client(ctx);
        for (const n of [from, to]) {
          const o = await c.get(await resourceOf(c, '', 'Service'), NS, n);
          if (o) out.push(o);
        }
      }
      return out;
    };
    const annotate = async (name: string, labels: Record<string, string> | undefined, annotations: Record<string, string> | undefined) => {
      const c = await people.client('east');
      await c.patch(await resourceOf(c, '', 'Service'), NS, name, { metadata: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } }, 'merge', {
        fieldManager: 'kubectl-annotate',
      });
    };
    return {
      router,
      snapshot: services,
      comparable: (objs) =>
        objs.map((o) => {
          const c = withoutServerFields(o);
          delete c.metadata.annotations?.[`${ACK}weight`];
          return c;
        }),
      editWeights: async (raw) => {
        await annotate(from, undefined, { [`${ACK}weight`]: String(raw.from) });
        await annotate(to, undefined, { [`${ACK}weight`]: String(raw.to) });
      },
      editOtherField: () => annotate(to, { 'edited-by': 'someone' }, undefined),
      kept: (objs) => objs.find((o) => o.metadata.name === to)?.metadata.labels?.['edited-by'] === 'someone',
      removeObject: async () => {
        const c = await people.client('east');
        await c.delete(await resourceOf(c, '', 'Service'), NS, to);
      },
    };
  },
});

runRouterConformance({
  name: 'httpRoute (one per cluster)',
  reporter: 'destination',
  pairs: 2,
  async setup() {
    const name = uniq('shop');
    for (const ctx of CLUSTERS) await (await people.client(ctx)).create(httpRoute(name), { fieldManager: 'kubectl-client-side-apply' });
    const router = new HttpRouteRouter(
      { targets: CLUSTERS.map((ctx) => ({ context: ctx, name })), from: { backendRef: 'cart-v1' }, to: { backendRef: 'cart-v2' } },
      routers,
      { namespace: NS },
    );
    return objectSubject(CLUSTERS, 'gateway.networking.k8s.io', 'HTTPRoute', name, router, (o) => withoutListWeights(o, ruleEntries), (raw) => [
      { op: 'add', path: '/spec/rules/1/backendRefs/0/weight', value: raw.from },
      { op: 'add', path: '/spec/rules/1/backendRefs/1/weight', value: raw.to },
    ]);
  },
});

/**
 * The routers' clusters, with a hook that lets another writer in right after the router's next GET: a real race on
 * the real API server, made certain. Every PATCH the routers send is recorded with how it ended.
 */
function racingClusters(): { clusters: ClusterSet; between: (name: string, edit: () => Promise<void>) => void; patches: (number | 'ok')[] } {
  let pending: { name: string; edit: () => Promise<void> } | undefined;
  const patches: (number | 'ok')[] = [];
  const clusters: ClusterSet = {
    async client(context) {
      const real = await routers.client(context);
      return new Proxy(real, {
        get(target, prop) {
          if (prop === 'get')
            return async (...args: Parameters<ObjectClient['get']>) => {
              const obj = await target.get(...args);
              const hook = pending;
              if (hook && args[2] === hook.name) {
                pending = undefined;
                await hook.edit();
              }
              return obj;
            };
          if (prop === 'patch')
            return async (...args: Parameters<ObjectClient['patch']>) => {
              try {
                const r = await target.patch(...args);
                patches.push('ok');
                return r;
              } catch (err) {
                patches.push(err instanceof KubeApiError ? err.status : -1);
                throw err;
              }
            };
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  };
  return { clusters, between: (name, edit) => (pending = { name, edit }), patches };
}

describe('lab: writes racing another writer', () => {
  const vsResource = async () => resourceOf(await people.client('east'), 'networking.istio.io', 'VirtualService');
  const setup = async () => {
    const name = uniq('race');
    await (await people.client('east')).create(richVirtualService(name, 'cart-v2'));
    const race = racingClusters();
    const router = new VirtualServiceRouter({ targets: [{ context: 'east', name }], from: { host: 'cart-v1' }, to: { host: 'cart-v2' } }, race.clusters, { namespace: NS });
    return { name, race, router, expected: await router.read() };
  };

  it('a label written between the read and the patch: the guarded patch is refused, re-read, written again, the label kept', async () => {
    const { name, race, router, expected } = await setup();
    // A one-target write sends its guarded patch without reading first (the resourceVersion test is the check), so
    // an edit made after the read is one made between the read and the patch.
    const c = await people.client('east');
    await c.patch(await vsResource(), NS, name, { metadata: { labels: { racer: 'was-here' } } }, 'merge', { fieldManager: 'kubectl-label' });
    const back = await router.write(50, expected);
    expect(back.targets.map((t) => t.to)).toEqual([50, 50]);
    // The first patch lost the race on its resourceVersion test (the server answers 422 for a failed test), the second won.
    expect(race.patches).toEqual([422, 'ok']);
    const vs = await (await people.client('east')).get(await vsResource(), NS, name);
    expect(vs?.metadata.labels?.racer).toBe('was-here');
  });

  it('a weight written between the read and the patch: the shift stops and names the object and field', async () => {
    const { name, race, router, expected } = await setup();
    const c = await people.client('east');
    await c.patch(await vsResource(), NS, name, [{ op: 'replace', path: '/spec/http/1/route/1/weight', value: 5 }, { op: 'replace', path: '/spec/http/1/route/0/weight', value: 95 }], 'json', {
      fieldManager: 'kubectl-edit',
    });
    const err: unknown = await router.write(50, expected).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WeightsChangedError);
    expect((err as Error).message).toContain(`east/VirtualService ${NS}/${name} spec.http[1] (route "main"): expected from 100 / to 0, found from 95 / to 5`);
    expect(race.patches).toEqual([422]);
    // The other person's weights stand.
    expect((await router.read()).targets[0]?.raw).toEqual({ from: 95, to: 5 });
  });

  it('lbWeight: an annotation written between the read and the patch is kept; the weights move', async () => {
    const c = await people.client('east');
    const from = uniq('gw-old');
    const to = uniq('gw-new');
    await c.create(gatewayService(from, { istio: 'ingressgateway' }, ackAnnotations('100')));
    await c.create(gatewayService(to, { istio: 'ingressgateway' }, ackAnnotations('0')));
    const race = racingClusters();
    const router = new LbWeightRouter({ provider: 'ack', from: { context: 'east', service: `${NS}/${from}` }, to: { context: 'east', service: `${NS}/${to}` } }, race.clusters);
    const expected = await router.read();
    race.between(to, async () => {
      // Right after the router read "to", the Service it writes first (its weight grows).
      await c.patch(await resourceOf(c, '', 'Service'), NS, to, { metadata: { annotations: { 'example.com/touched': 'yes' } } }, 'merge');
    });
    const back = await router.write(60, expected);
    expect(back.targets[0]?.raw).toEqual({ from: 40, to: 60 });
    expect(race.patches).toEqual([422, 'ok', 'ok']);
    const svc = await c.get(await resourceOf(c, '', 'Service'), NS, to);
    expect(svc?.metadata.annotations?.['example.com/touched']).toBe('yes');
  });
});

describe('lab: ownership, gateways and the TrafficShift spec', () => {
  it('names another field manager (a GitOps controller) that owns a VirtualService, and not people or meshferry', async () => {
    const c = await people.client('east');
    const gitops = uniq('gitops');
    await c.apply(richVirtualService(gitops, 'cart-v2'), { fieldManager: 'argocd-controller' });
    const byHand = uniq('by-hand');
    await c.create(richVirtualService(byHand, 'cart-v2'), { fieldManager: 'kubectl-client-side-apply' });
    const spec = (name: string) => ({ targets: [{ context: 'east', name }], from: { host: 'cart-v1' }, to: { host: 'cart-v2' } });

    const shared = new VirtualServiceRouter(spec(gitops), routers, { namespace: NS });
    const problems = await shared.validate();
    expect(problems.filter((p) => p.code === 'SharedOwner').map((p) => [p.severity, p.owner])).toEqual([['warning', 'argocd-controller']]);
    expect(problems.find((p) => p.code === 'SharedOwner')?.message).toMatch(/--allow-shared-owner/);

    const mine = new VirtualServiceRouter(spec(byHand), routers, { namespace: NS });
    await mine.write(30, await mine.read());
    expect((await mine.validate()).filter((p) => p.code === 'SharedOwner')).toEqual([]);
    // The weight write is recorded under meshferry's field manager.
    const vs = await c.get(await resourceOf(c, 'networking.istio.io', 'VirtualService'), NS, byHand);
    expect((vs?.metadata.managedFields as { manager: string }[]).map((m) => m.manager)).toContain('meshferry');
  });

  it('reports a route without the "to" destination, without writing anything', async () => {
    const c = await people.client('east');
    const name = uniq('half');
    const obj = richVirtualService(name, 'cart-v2');
    const spec = obj.spec as { http: { route: unknown[] }[]; tcp?: unknown };
    spec.http[1]!.route = [spec.http[1]!.route[0]];
    delete spec.tcp;
    await c.create(obj);
    const router = new VirtualServiceRouter({ targets: [{ context: 'east', name }], from: { host: 'cart-v1' }, to: { host: 'cart-v2' }, routes: ['main'] }, routers, { namespace: NS });
    const errors = (await router.validate()).filter((p) => p.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'NoRoute', field: 'spec.http[1] (route "main")', target: `east/VirtualService ${NS}/${name}` });
    expect(errors[0]?.message).toMatch(/add the missing destination to the route with weight 0/);
  });

  it('lbWeight: refuses two load balancers, a gateway missing a host or a credential, and routes bound only to the old gateway', async () => {
    const c = await people.client('east');
    const from = uniq('gw-old');
    const to = uniq('gw-asm');
    const gwOld = uniq('gw-old-servers');
    const gwNew = uniq('gw-new-servers');
    await c.create(gatewayService(from, { istio: 'old-ingress' }, ackAnnotations('100')));
    await c.create(gatewayService(to, { istio: 'asm-ingress' }, ackAnnotations('0', 'lb-other')));
    await c.create(istioGateway(gwOld, { istio: 'old-ingress' }, ['shop.example', 'admin.example'], 'shop-cert'));
    // The new gateway lacks admin.example and terminates TLS with another Secret.
    await c.create(istioGateway(gwNew, { istio: 'asm-ingress' }, ['shop.example'], 'asm-cert'));
    const vs = richVirtualService(uniq('ingress-routes'), 'cart-v2');
    (vs.spec as Record<string, unknown>).gateways = [gwOld];
    (vs.spec as Record<string, unknown>).hosts = ['shop.example'];
    delete (vs.spec as Record<string, unknown>).tcp;
    await c.create(vs);

    const router = createRouter({ lbWeight: { provider: 'ack', from: { context: 'east', service: `${NS}/${from}` }, to: { context: 'east', service: `${NS}/${to}` } } }, routers);
    expect(router.reporter).toBe('source');
    const errors = (await router.validate()).filter((p) => p.severity === 'error').map((p) => p.message);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/must share one load balancer, but .* has "lb-lab0001" and .* has "lb-other"/),
        expect.stringMatching(/serves no port 80 \(HTTP\) host admin\.example .*404 is not a 5xx/),
        expect.stringMatching(/serves port 443 \(HTTPS\) host shop\.example with mode SIMPLE, credentials asm-cert .* but .* with mode SIMPLE, credentials shop-cert/),
        expect.stringMatching(/VirtualService shop\/ingress-routes-\d+ \(hosts shop\.example\) is bound to Gateway shop\/gw-old-servers-\d+ .* would answer 404/),
      ]),
    );
    expect(errors).toHaveLength(5); // the load balancer, admin.example on 80 and on 443, the credential, the route

    // Fixed the way the Alibaba guide says: one CLB, the same servers, the route bound to both Gateways.
    const svc = await resourceOf(c, '', 'Service');
    await c.patch(svc, NS, to, { metadata: { annotations: { [`${ACK}id`]: 'lb-lab0001' } } }, 'merge');
    const gw = await resourceOf(c, 'networking.istio.io', 'Gateway');
    await c.delete(gw, NS, gwNew);
    const fixed = istioGateway(gwNew, { istio: 'asm-ingress' }, ['shop.example', 'admin.example'], 'shop-cert');
    await c.create(fixed);
    await c.patch(await resourceOf(c, 'networking.istio.io', 'VirtualService'), NS, vs.metadata.name, { spec: { gateways: [gwOld, gwNew] } }, 'merge');
    expect((await router.validate()).filter((p) => p.severity === 'error')).toEqual([]);
    const moved = await router.write(10, await router.read());
    expect(moved.targets[0]).toMatchObject({ to: 10, raw: { from: 90, to: 10 } });
    const newSvc = await c.get(svc, NS, to);
    expect(newSvc?.metadata.annotations?.[`${ACK}weight`]).toBe('10');
  });

  it('lbWeight, primary-remote: a Gateway only in the config cluster is a mismatch unless "to" names it as configContext; Secrets are found there too', async () => {
    // The TCM exit: the new gateway's Service and pods run in a remote cluster (west), while its Istio config
    // (Gateways, VirtualServices) lives in the primary (east), as istiod there configures the remote's proxies.
    const east = await people.client('east');
    const west = await people.client('west');
    const tag = uniq('exit');
    const from = uniq('gw-old');
    const to = uniq('gw-remote');
    const gw = uniq('gw-exit');
    const cert = uniq('exit-cert');
    await east.create(gatewayService(from, { exitgw: tag, app: from }, ackAnnotations('100')));
    await west.create(gatewayService(to, { exitgw: tag, app: to }, ackAnnotations('0')));
    await east.create(istioGateway(gw, { exitgw: tag }, ['exit.example'], cert));
    await east.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: cert, namespace: NS }, type: 'Opaque', data: {} });
    const vs = richVirtualService(uniq('exit-routes'), 'cart-v2');
    Object.assign(vs.spec as Record<string, unknown>, { gateways: [gw], hosts: ['exit.example'] });
    delete (vs.spec as Record<string, unknown>).tcp;
    await east.create(vs);

    const side = (extra: Record<string, string>) => ({ context: 'west', service: `${NS}/${to}`, ...extra });
    const errorsOf = async (toSide: ReturnType<typeof side>) =>
      (await createRouter({ lbWeight: { provider: 'ack', from: { context: 'east', service: `${NS}/${from}` }, to: toSide } }, routers).validate()).filter((p) => p.severity === 'error');

    // Without configContext "to"'s Gateways are read from west, which has none for these pods: a false mismatch.
    const without = await errorsOf(side({}));
    expect(without.map((p) => p.code)).toEqual(expect.arrayContaining(['GatewayMismatch']));
    expect(without.map((p) => p.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^serves no port 80 \\(HTTP\\) host exit\\.example by the Gateways in cluster west \\(Gateway ${NS}/${gw} in cluster east serves it for east/Service ${NS}/${from}\\)`)),
        expect.stringMatching(/is bound to Gateway .* in cluster east of .* but to no Gateway in cluster west selecting this gateway's pods/),
      ]),
    );
    expect(without.every((p) => p.target === `west/Service ${NS}/${to}`)).toBe(true);

    // With configContext: east, the Gateway, the route and the credential Secret are all found: no error.
    expect(await errorsOf(side({ configContext: 'east' }))).toEqual([]);

    // Istio looks for the Secret in the gateway's own cluster, then the config cluster: in neither is an error naming both.
    await east.delete(await resourceOf(east, '', 'Secret'), NS, cert);
    const noSecret = await errorsOf(side({ configContext: 'east' }));
    expect(noSecret.map((p) => p.message)).toEqual([`credential Secret "${cert}" does not exist in namespace ${NS} of cluster west or east, where Istio reads it for this gateway's pods`]);
    await west.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: cert, namespace: NS }, type: 'Opaque', data: {} });
    expect(await errorsOf(side({ configContext: 'east' }))).toEqual([]);
  });

  it('lbWeight (ack): a Service without a weight annotation, or with weight updates ignored, is an error before the shift', async () => {
    const c = await people.client('east');
    const from = uniq('gw-old');
    const to = uniq('gw-new');
    const bare: Record<string, string> = ackAnnotations('0');
    delete bare[`${ACK}weight`];
    await c.create(gatewayService(from, { istio: 'ingressgateway' }, { ...ackAnnotations('100'), [`${ACK}ignore-weight-update`]: 'on' }));
    await c.create(gatewayService(to, { istio: 'ingressgateway' }, bare));
    const router = new LbWeightRouter({ provider: 'ack', from: { context: 'east', service: `${NS}/${from}` }, to: { context: 'east', service: `${NS}/${to}` } }, routers);
    const errors = (await router.validate()).filter((p) => p.severity === 'error');
    expect(errors.map((p) => [p.target, p.message.replace(/:.*/s, '')])).toEqual(
      expect.arrayContaining([
        [`east/Service ${NS}/${to}`, 'has no weight annotation'],
        [`east/Service ${NS}/${from}`, `${ACK}ignore-weight-update is "on"`],
      ]),
    );
    expect(errors).toHaveLength(2);
  });

  it('builds the router a TrafficShift names (the issue\'s virtualService shape) and reads both clusters', async () => {
    const name = uniq('productcatalog-migration');
    await (await people.client('east')).create(richVirtualService(name, 'cart-v2'));
    await (await people.client('west')).create(richVirtualService(name, 'cart-v2.shop.global'));
    const router = createRouter(
      {
        virtualService: {
          targets: [{ context: 'east', name }, { context: 'west', name, to: { host: 'cart-v2.shop.global' } }],
          from: { host: 'cart-v1' },
          to: { host: 'cart-v2' },
          routes: ['main'],
        },
      },
      routers,
      { namespace: NS },
    );
    const live = await router.read();
    expect(live.targets.map((t) => [t.target, t.field, t.to])).toEqual([
      [`east/VirtualService ${NS}/${name}`, 'spec.http[1] (route "main")', 0],
      [`west/VirtualService ${NS}/${name}`, 'spec.http[1] (route "main")', 0],
    ]);
    expect((await router.validate()).filter((p) => p.code === 'Disagree')).toEqual([]);
    // Someone nudged one cluster by hand before the shift: plan says so; the first step brings both together.
    const west = await people.client('west');
    await west.patch(await resourceOf(west, 'networking.istio.io', 'VirtualService'), NS, name, [
      { op: 'replace', path: '/spec/http/1/route/0/weight', value: 50 },
      { op: 'replace', path: '/spec/http/1/route/1/weight', value: 50 },
    ], 'json');
    const apart = (await router.validate()).filter((p) => p.code === 'Disagree');
    expect(apart).toHaveLength(1);
    expect(apart[0]?.message).toContain(`east/VirtualService ${NS}/${name} spec.http[1] (route "main"): 0%; west/VirtualService ${NS}/${name} spec.http[1] (route "main"): 50%`);
    const together = await router.write(10, await router.read());
    expect(together.targets.map((t) => t.to)).toEqual([10, 10]);
  });
});
