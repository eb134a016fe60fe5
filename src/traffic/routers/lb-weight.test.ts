// lb-weight's pure parts: weight parsing, providers, and how two gateways' servers are compared.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import type { KubeObject } from '../../resources/object.js';
import { parseTrafficShift } from '../shift/spec.js';
import { boundGateways, credentialClusters, selects, servedHosts } from './gateway-servers.js';
import { lbProvider, parseWeight } from './lb-weight.js';

describe('parseWeight', () => {
  it.each([
    ['0', 0],
    ['100', 100],
    [' 25 ', 25],
    ['101', undefined],
    ['-1', undefined],
    ['12.5', undefined],
    ['', undefined],
    ['ten', undefined],
    ['1e2', undefined],
  ])('%j → %s', (text, want) => expect(parseWeight(text)).toBe(want));
});

describe('lbProvider', () => {
  it('ack knows its weight and load-balancer id annotations and warns without a vServer group', () => {
    const p = lbProvider({ provider: 'ack' });
    expect(p.weight).toBe('service.beta.kubernetes.io/alibaba-cloud-loadbalancer-weight');
    expect(p.loadBalancerId).toBe('service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id');
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gw', annotations: {} } };
    expect(p.check(svc).map((f) => `${f.severity}: ${f.message}`).join('\n')).toMatch(/^warning: .*vgroup-port[\s\S]*warning: .*force-override-listeners/);
    svc.metadata.annotations = {
      'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-vgroup-port': 'rsp-1:80',
      'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-force-override-listeners': 'false',
    };
    expect(p.check(svc)).toEqual([]);
    svc.metadata.annotations['service.beta.kubernetes.io/alibaba-cloud-loadbalancer-ignore-weight-update'] = 'on';
    expect(p.check(svc)).toEqual([{ severity: 'error', message: expect.stringMatching(/would not apply any weight/) }]);
    // Without the weight annotation ACK weighs each backend, so a missing weight is an error before the shift.
    expect(p.missingWeight.severity).toBe('error');
  });

  it('generic needs the annotation key', () => {
    expect(() => lbProvider({ provider: 'generic' })).toThrow(UsageError);
    const p = lbProvider({ provider: 'generic', annotation: 'example.com/weight' });
    expect(p.weight).toBe('example.com/weight');
    expect(p.loadBalancerId).toBeUndefined();
    expect(p.missingWeight.severity).toBe('warning');
  });
});

const gateway = (name: string, selector: Record<string, string>, servers: unknown[]): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: 'istio-system' },
  spec: { selector, servers },
});

describe('gateway servers', () => {
  it('a Gateway selects pods whose labels hold all of its selector; an empty selector selects all', () => {
    const g = gateway('g', { istio: 'ingressgateway' }, []);
    expect(selects(g, [{ istio: 'ingressgateway', app: 'x' }])).toBe(true);
    expect(selects(g, [{ istio: 'asm' }])).toBe(false);
    expect(selects(gateway('all', {}, []), [{ any: 'thing' }])).toBe(true);
  });

  it('keys each host by port and protocol, with its TLS settings', () => {
    const hosts = servedHosts([
      gateway('g', {}, [
        { port: { number: 80, protocol: 'HTTP', name: 'http' }, hosts: ['a.example', 'b.example'], tls: { httpsRedirect: true } },
        { port: { number: 443, protocol: 'HTTPS', name: 'https' }, hosts: ['a.example'], tls: { mode: 'SIMPLE', credentialName: 'a-cert' } },
      ]),
    ]);
    expect([...hosts.keys()]).toEqual(['port 80 (HTTP) host a.example', 'port 80 (HTTP) host b.example', 'port 443 (HTTPS) host a.example']);
    expect(hosts.get('port 443 (HTTPS) host a.example')).toMatchObject({ tls: 'mode SIMPLE, credentials a-cert', credentials: ['a-cert'], gateway: 'istio-system/g' });
    expect(hosts.get('port 80 (HTTP) host a.example')?.tls).toBe('mode none, https redirect');
  });

  it('resolves the Gateways a VirtualService binds to (short names in its own namespace, mesh left out)', () => {
    const vs: KubeObject = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v', namespace: 'shop' }, spec: { gateways: ['gw', 'istio-system/public', 'mesh'] } };
    expect(boundGateways(vs)).toEqual(['shop/gw', 'istio-system/public']);
  });
});

describe('configContext', () => {
  it.each([
    ['no configContext: the own cluster only', { context: 'remote' }, ['remote']],
    ['configContext equal to the own context', { context: 'remote', config: { context: 'remote' } }, ['remote']],
    ['primary-remote: the own cluster first, then the config cluster', { context: 'remote', config: { context: 'primary' } }, ['remote', 'primary']],
  ] as const)('credential Secrets are looked up in: %s', (_name, svc, want) => {
    expect(credentialClusters(svc as Parameters<typeof credentialClusters>[0])).toEqual(want);
  });

  const file = (side: string) => `apiVersion: meshferry.dev/v1alpha1
kind: TrafficShift
metadata: {name: exit, namespace: istio-system}
spec:
  router:
    lbWeight:
      provider: ack
      from: {context: tcm, service: istio-ingressgateway}
      to: ${side}
  steps: [50, 100]
  interval: 1m
  gates:
    prometheus: {address: http://127.0.0.1:9090}
    checks: [{metric: request-success-rate, min: 99}]
`;

  it('a TrafficShift side may name the context its Istio config comes from', () => {
    const got = parseTrafficShift(file('{context: remote, configContext: primary, service: istio-ingressgateway-new}'), 'shift.yaml');
    expect(got.value.spec.router.lbWeight?.to).toEqual({ context: 'remote', configContext: 'primary', service: 'istio-ingressgateway-new' });
  });

  it.each([
    ['an empty configContext', '{context: remote, configContext: "", service: gw}', 'shift.yaml:9:'],
    ['a misspelt key', '{context: remote, configcontext: primary, service: gw}', 'shift.yaml:9:'],
  ])('%s is exit 2 with file:line', (_name, side, where) => {
    expect(() => parseTrafficShift(file(side), 'shift.yaml')).toThrow(expect.objectContaining({ code: 'InvalidTrafficShift', message: expect.stringContaining(where) }));
  });
});
