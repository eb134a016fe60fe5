import { describe, expect, it } from 'vitest';
import { shiftSides, upstreamOf, workloadOfHost } from './shift-sides.js';
import type { RouterSpec } from '../routers/spec.js';

describe('workloadOfHost', () => {
  it.each([
    { host: 'productcatalogservice', ns: 'shop', want: { workload: 'productcatalogservice', namespace: 'shop' } },
    { host: 'cart.shop.svc.cluster.local', ns: 'default', want: { workload: 'cart', namespace: 'shop' } },
    { host: 'cart.shop.svc', ns: 'default', want: { workload: 'cart', namespace: 'shop' } },
    { host: 'productcatalogservice-gke.default.global', ns: 'x', want: { workload: 'productcatalogservice-gke', namespace: 'default' } },
    { host: 'api.example.com', ns: 'egress', want: { workload: 'api', namespace: 'egress' } },
    { host: 'billing.internal', ns: 'payments', want: { workload: 'billing', namespace: 'payments' } },
  ])('$host in $ns', ({ host, ns, want }) => {
    expect(workloadOfHost(host, ns)).toEqual({ ...want, service: want.workload });
  });
});

describe('shiftSides', () => {
  it('virtualService: sidecar mode from the router-level hosts, in the first target\'s namespace', () => {
    const router: RouterSpec = {
      virtualService: {
        targets: [{ context: 'c1', name: 'vs', namespace: 'shop' }, { context: 'c2', name: 'vs', to: { host: 'cart-v2.shop.global' } }],
        from: { host: 'cart' },
        to: { host: 'cart-v2' },
      },
    };
    expect(shiftSides(router, 'default')).toEqual({
      mode: 'sidecar',
      from: { workload: 'cart', namespace: 'shop', service: 'cart' },
      to: { workload: 'cart-v2', namespace: 'shop', service: 'cart-v2' },
    });
  });

  it('lbWeight: gateway mode, the two gateway Services as workloads (pair or first target)', () => {
    const pair: RouterSpec = { lbWeight: { provider: 'ack', from: { service: 'istio-system/istio-ingressgateway' }, to: { service: 'istio-system/istio-ingressgateway-asm' } } };
    const targets: RouterSpec = { lbWeight: { provider: 'ack', targets: [{ from: { service: 'gw-old' }, to: { service: 'gw-new' } }] } };
    expect(shiftSides(pair, 'default')).toEqual({
      mode: 'gateway',
      from: { workload: 'istio-ingressgateway', namespace: 'istio-system', service: 'istio-ingressgateway' },
      to: { workload: 'istio-ingressgateway-asm', namespace: 'istio-system', service: 'istio-ingressgateway-asm' },
    });
    expect(shiftSides(targets, 'edge')).toMatchObject({ mode: 'gateway', from: { workload: 'gw-old', namespace: 'edge' }, to: { workload: 'gw-new', namespace: 'edge' } });
  });

  it('httpRoute: sidecar mode, backendRefs as Services; gates.workload renames the "to" side', () => {
    const router: RouterSpec = { httpRoute: { targets: [{ name: 'shop' }], from: { backendRef: 'cart-v1' }, to: { backendRef: 'cart-v2', namespace: 'other' } } };
    expect(shiftSides(router, 'shop', { namespace: 'shop', name: 'cart-canary' })).toEqual({
      mode: 'sidecar',
      from: { workload: 'cart-v1', namespace: 'shop', service: 'cart-v1' },
      to: { workload: 'cart-canary', namespace: 'shop', service: 'cart-v2' },
    });
  });
});

describe('upstreamOf', () => {
  it('defaults to lab-upstream in the shift\'s namespace; takes NAME or NS/NAME; refuses more slashes', () => {
    expect(upstreamOf(undefined, 'shop')).toEqual({ workload: 'lab-upstream', namespace: 'shop', service: 'lab-upstream' });
    expect(upstreamOf('frontend', 'shop')).toEqual({ workload: 'frontend', namespace: 'shop', service: 'frontend' });
    expect(upstreamOf('web/frontend', 'shop')).toEqual({ workload: 'frontend', namespace: 'web', service: 'frontend' });
    expect(() => upstreamOf('a/b/c', 'shop')).toThrow(/NAMESPACE\/NAME/);
  });
});
