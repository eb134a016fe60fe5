// mapHost and mapNamespace over every reference field of Istio's API (crd-all.gen.yaml, istio/api annotations and
// labels, Gateway API v1.6 CRDs): one row per field form, the exact changes, and WARNINGs for what is left alone.
import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../resources/object.js';
import { ResourceSet } from '../resources/resource-set.js';
import { applyRules } from './apply.js';
import type { Rule, TransformRules } from './types.js';

interface Row {
  name: string;
  objects: KubeObject[];
  rule: Rule;
  /** [path, from, to] of every change, in order (all rows hold one object, or say which in the path). */
  changes: [string, unknown, unknown][];
  /** WARNING notes that must be present; none other when absent. */
  warnings?: RegExp[];
}

const obj = (apiVersion: string, kind: string, spec: unknown, metadata: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'o', namespace: 'app', ...metadata },
  ...(spec === undefined ? {} : { spec }),
});
const NET = 'networking.istio.io/v1';
const SEC = 'security.istio.io/v1';
const GW = 'gateway.networking.k8s.io/v1';
const ns = (from: string, to: string): Rule => ({ mapNamespace: { from, to } });
const host = (fromSuffix: string, toSuffix: string): Rule => ({ mapHost: { fromSuffix, toSuffix } });

function run(row: Row) {
  const rules: TransformRules = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TransformRules', metadata: { name: 't' }, rules: [row.rule] };
  return applyRules(ResourceSet.of(structuredClone(row.objects)), rules);
}

function check(row: Row): void {
  const result = run(row);
  expect(result.changes.map((c) => [c.path, c.from, c.to])).toEqual(row.changes);
  const warnings = result.notes.filter((n) => n.level === 'WARNING').map((n) => `${n.object ?? ''}: ${n.message}`);
  for (const want of row.warnings ?? []) expect(warnings.some((w) => want.test(w)), `no WARNING matches ${want}; got: ${warnings.join(' | ')}`).toBe(true);
  if (row.warnings === undefined) expect(warnings).toEqual([]);
}

describe('mapNamespace finds every namespace reference', () => {
  const rows: Row[] = [
    {
      name: 'AuthorizationPolicy operation hosts with a port',
      objects: [obj(SEC, 'AuthorizationPolicy', { rules: [{ to: [{ operation: { hosts: ['ratings.bookinfo.svc.cluster.local:9080', 'ratings.bookinfo.svc.cluster.local'], notHosts: ['x.bookinfo.svc.cluster.local:80'] } }] }] })],
      rule: ns('bookinfo', 'bookinfo-v2'),
      changes: [
        ['spec.rules[0].to[0].operation.hosts[0]', 'ratings.bookinfo.svc.cluster.local:9080', 'ratings.bookinfo-v2.svc.cluster.local:9080'],
        ['spec.rules[0].to[0].operation.hosts[1]', 'ratings.bookinfo.svc.cluster.local', 'ratings.bookinfo-v2.svc.cluster.local'],
        ['spec.rules[0].to[0].operation.notHosts[0]', 'x.bookinfo.svc.cluster.local:80', 'x.bookinfo-v2.svc.cluster.local:80'],
      ],
    },
    {
      name: 'AuthorizationPolicy serviceAccounts (ns/name), when source.serviceAccount and connection.sni',
      objects: [
        obj(SEC, 'AuthorizationPolicy', {
          rules: [
            {
              from: [{ source: { serviceAccounts: ['bookinfo/productpage', 'reviews'], notServiceAccounts: ['bookinfo/x'] } }],
              when: [
                { key: 'source.serviceAccount', values: ['bookinfo/productpage'] },
                { key: 'connection.sni', values: ['db.bookinfo.svc.cluster.local'] },
              ],
            },
          ],
        }),
      ],
      rule: ns('bookinfo', 'shop'),
      changes: [
        ['spec.rules[0].when[1].values[0]', 'db.bookinfo.svc.cluster.local', 'db.shop.svc.cluster.local'],
        ['spec.rules[0].from[0].source.serviceAccounts[0]', 'bookinfo/productpage', 'shop/productpage'],
        ['spec.rules[0].from[0].source.notServiceAccounts[0]', 'bookinfo/x', 'shop/x'],
        ['spec.rules[0].when[0].values[0]', 'bookinfo/productpage', 'shop/productpage'],
      ],
    },
    {
      name: 'the Service annotation networking.istio.io/exportTo (a comma-separated list)',
      objects: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'other', annotations: { 'networking.istio.io/exportTo': 'bookinfo, istio-system,bookinfo-x' } }, spec: {} }],
      rule: ns('bookinfo', 'shop'),
      changes: [['metadata.annotations["networking.istio.io/exportTo"]', 'bookinfo, istio-system,bookinfo-x', 'shop, istio-system,bookinfo-x']],
    },
    {
      name: 'legacy gateway references name.namespace and name.namespace.svc.cluster.local, beside ns/name',
      objects: [
        obj(NET, 'VirtualService', {
          hosts: ['a'],
          gateways: ['bookinfo-gateway.bookinfo', 'gw.bookinfo.svc.cluster.local', 'bookinfo/gw', './gw', 'gw', 'mesh', 'gw.bookinfo-x'],
          http: [{ match: [{ gateways: ['bookinfo-gateway.bookinfo'] }], route: [{ destination: { host: 'a' } }] }],
        }),
      ],
      rule: ns('bookinfo', 'shop'),
      changes: [
        ['spec.gateways[0]', 'bookinfo-gateway.bookinfo', 'bookinfo-gateway.shop'],
        ['spec.gateways[1]', 'gw.bookinfo.svc.cluster.local', 'gw.shop.svc.cluster.local'],
        ['spec.gateways[2]', 'bookinfo/gw', 'shop/gw'],
        ['spec.http[0].match[0].gateways[0]', 'bookinfo-gateway.bookinfo', 'bookinfo-gateway.shop'],
      ],
    },
    {
      name: 'VirtualService delegate, tls sourceNamespace, redirect and rewrite authority',
      objects: [
        obj(NET, 'VirtualService', {
          hosts: ['a'],
          http: [{ delegate: { name: 'd', namespace: 'bookinfo' } }, { redirect: { authority: 'r.bookinfo.svc.cluster.local:8080' }, rewrite: { authority: 'w.bookinfo.svc.cluster.local' } }],
          tls: [{ match: [{ sniHosts: ['a'], sourceNamespace: 'bookinfo' }] }],
        }),
      ],
      rule: ns('bookinfo', 'shop'),
      changes: [
        ['spec.http[1].redirect.authority', 'r.bookinfo.svc.cluster.local:8080', 'r.shop.svc.cluster.local:8080'],
        ['spec.http[1].rewrite.authority', 'w.bookinfo.svc.cluster.local', 'w.shop.svc.cluster.local'],
        ['spec.tls[0].match[0].sourceNamespace', 'bookinfo', 'shop'],
        ['spec.http[0].delegate.namespace', 'bookinfo', 'shop'],
      ],
    },
    {
      name: 'DestinationRule tunnel targetHost; Sidecar egress and egressProxy; EnvoyFilter cluster service, gateway and targetRefs',
      objects: [
        obj(NET, 'DestinationRule', { host: 'a', trafficPolicy: { tunnel: { protocol: 'CONNECT', targetHost: 'egress.bookinfo.svc.cluster.local', targetPort: 8080 } } }, { name: 'dr' }),
        obj(NET, 'Sidecar', { egress: [{ hosts: ['bookinfo/*', './*', 'istio-system/x.bookinfo.svc.cluster.local'] }], outboundTrafficPolicy: { egressProxy: { host: 'p.bookinfo.svc.cluster.local' } } }, { name: 'sc' }),
        obj('networking.istio.io/v1alpha3', 'EnvoyFilter', {
          targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g', namespace: 'bookinfo' }],
          configPatches: [{ applyTo: 'CLUSTER', match: { cluster: { service: 'r.bookinfo.svc.cluster.local' }, routeConfiguration: { gateway: 'bookinfo/gw' } } }],
        }, { name: 'ef' }),
      ],
      rule: ns('bookinfo', 'shop'),
      changes: [
        ['spec.trafficPolicy.tunnel.targetHost', 'egress.bookinfo.svc.cluster.local', 'egress.shop.svc.cluster.local'],
        ['spec.configPatches[0].match.cluster.service', 'r.bookinfo.svc.cluster.local', 'r.shop.svc.cluster.local'],
        ['spec.configPatches[0].match.routeConfiguration.gateway', 'bookinfo/gw', 'shop/gw'],
        ['spec.targetRefs[0].namespace', 'bookinfo', 'shop'],
        ['spec.egress[0].hosts[0]', 'bookinfo/*', 'shop/*'],
        ['spec.egress[0].hosts[2]', 'istio-system/x.bookinfo.svc.cluster.local', 'istio-system/x.shop.svc.cluster.local'],
        ['spec.outboundTrafficPolicy.egressProxy.host', 'p.bookinfo.svc.cluster.local', 'p.shop.svc.cluster.local'],
      ],
    },
    {
      name: 'ServiceEntry endpoint addresses (DNS names) and WorkloadEntry/WorkloadGroup addresses',
      objects: [
        obj(NET, 'ServiceEntry', { hosts: ['x.example.com'], resolution: 'DNS', endpoints: [{ address: 'x.bookinfo.svc.cluster.local' }, { address: '10.0.0.1' }] }, { name: 'se' }),
        obj(NET, 'WorkloadEntry', { address: 'vm.bookinfo.svc.cluster.local' }, { name: 'we' }),
        obj(NET, 'WorkloadGroup', { template: { address: 'vm.bookinfo.svc.cluster.local' }, probe: { httpGet: { host: 'h.bookinfo.svc.cluster.local', port: 80 } } }, { name: 'wg' }),
      ],
      rule: ns('bookinfo', 'shop'),
      changes: [
        ['spec.endpoints[0].address', 'x.bookinfo.svc.cluster.local', 'x.shop.svc.cluster.local'],
        ['spec.address', 'vm.bookinfo.svc.cluster.local', 'vm.shop.svc.cluster.local'],
        ['spec.template.address', 'vm.bookinfo.svc.cluster.local', 'vm.shop.svc.cluster.local'],
        ['spec.probe.httpGet.host', 'h.bookinfo.svc.cluster.local', 'h.shop.svc.cluster.local'],
      ],
    },
    {
      name: 'targetRef(s) of RequestAuthentication, Telemetry, WasmPlugin',
      objects: [
        obj(SEC, 'RequestAuthentication', { targetRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g', namespace: 'bookinfo' } }, { name: 'ra' }),
        obj('telemetry.istio.io/v1', 'Telemetry', { targetRefs: [{ kind: 'Service', group: '', name: 's', namespace: 'bookinfo' }] }, { name: 't' }),
        obj('extensions.istio.io/v1alpha1', 'WasmPlugin', { url: 'oci://x/y', targetRefs: [{ kind: 'Service', group: '', name: 's', namespace: 'bookinfo' }] }, { name: 'w' }),
      ],
      rule: ns('bookinfo', 'shop'),
      changes: [
        ['spec.targetRefs[0].namespace', 'bookinfo', 'shop'], // WasmPlugin (extensions.istio.io sorts first)
        ['spec.targetRef.namespace', 'bookinfo', 'shop'], // RequestAuthentication
        ['spec.targetRefs[0].namespace', 'bookinfo', 'shop'], // Telemetry
      ],
    },
    {
      name: 'Gateway API: backendRef filters, Gateway TLS refs and Hostname addresses, ListenerSet parentRef, ReferenceGrant from',
      objects: [
        obj(GW, 'HTTPRoute', {
          parentRefs: [{ name: 'g', namespace: 'bookinfo' }],
          rules: [{ backendRefs: [{ name: 's', namespace: 'bookinfo', filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'm', namespace: 'bookinfo' } } }] }] }],
        }, { name: 'r' }),
        obj(GW, 'Gateway', {
          gatewayClassName: 'istio',
          addresses: [{ type: 'Hostname', value: 'istio-ingressgateway.bookinfo.svc.cluster.local' }],
          listeners: [{ name: 'l', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'c', namespace: 'bookinfo' }] } }],
          tls: { frontend: { default: { validation: { caCertificateRefs: [{ name: 'ca', namespace: 'bookinfo' }] } } } },
        }, { name: 'g' }),
        obj(GW, 'ListenerSet', { parentRef: { name: 'g', namespace: 'bookinfo' }, listeners: [] }, { name: 'ls' }),
        obj('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', { from: [{ group: GW.split('/')[0], kind: 'HTTPRoute', namespace: 'bookinfo' }], to: [{ group: '', kind: 'Service' }] }, { name: 'rg' }),
      ],
      rule: ns('bookinfo', 'shop'),
      changes: [
        ['spec.addresses[0].value', 'istio-ingressgateway.bookinfo.svc.cluster.local', 'istio-ingressgateway.shop.svc.cluster.local'],
        ['spec.listeners[0].tls.certificateRefs[0].namespace', 'bookinfo', 'shop'],
        ['spec.tls.frontend.default.validation.caCertificateRefs[0].namespace', 'bookinfo', 'shop'],
        ['spec.parentRefs[0].namespace', 'bookinfo', 'shop'],
        ['spec.rules[0].backendRefs[0].namespace', 'bookinfo', 'shop'],
        ['spec.rules[0].backendRefs[0].filters[0].requestMirror.backendRef.namespace', 'bookinfo', 'shop'],
        ['spec.parentRef.namespace', 'bookinfo', 'shop'],
        ['spec.from[0].namespace', 'bookinfo', 'shop'],
      ],
    },
    {
      name: 'waypoint namespace labels and the sidecar discovery address annotation on pod templates',
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other', labels: { 'istio.io/use-waypoint-namespace': 'bookinfo' } } },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'd', namespace: 'other' },
          spec: { template: { metadata: { annotations: { 'sidecar.istio.io/discoveryAddress': 'istiod.bookinfo.svc:15012' } }, spec: { containers: [] } } },
        },
      ],
      rule: ns('bookinfo', 'shop'),
      changes: [
        ['metadata.labels["istio.io/use-waypoint-namespace"]', 'bookinfo', 'shop'],
        ['spec.template.metadata.annotations["sidecar.istio.io/discoveryAddress"]', 'istiod.bookinfo.svc:15012', 'istiod.shop.svc:15012'],
      ],
    },
    {
      name: 'a namespace mentioned where meshferry knows no reference is a WARNING naming the field, in any kind',
      objects: [
        obj('networking.istio.io/v1alpha3', 'EnvoyFilter', { configPatches: [{ patch: { value: { cluster: 'outbound|9080||ratings.bookinfo.svc.cluster.local' } } }] }, { name: 'ef' }),
        obj('example.com/v1', 'Widget', { upstream: 'bookinfo/ratings' }, { name: 'w' }),
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'other', annotations: { 'proxy.istio.io/config': 'discoveryAddress: istiod.bookinfo.svc:15012' } }, spec: { containers: [] } },
      ],
      rule: ns('bookinfo', 'shop'),
      changes: [],
      warnings: [
        /^EnvoyFilter app\/ef: still mentions namespace bookinfo at spec\.configPatches\[0\]\.patch\.value\.cluster/,
        /^Widget(\.example\.com)? app\/w: still mentions namespace bookinfo at spec\.upstream/,
        /^Pod other\/p: still mentions namespace bookinfo at metadata\.annotations\["proxy\.istio\.io\/config"\]/,
      ],
    },
  ];
  test.each(rows)('$name', check);
});

describe('mapHost finds every host', () => {
  const rows: Row[] = [
    {
      name: 'AuthorizationPolicy operation hosts keep their port',
      objects: [obj(SEC, 'AuthorizationPolicy', { rules: [{ to: [{ operation: { hosts: ['ratings.bookinfo.global:9080', '*.global'] } }] }] })],
      rule: host('.global', '.svc.cluster.local'),
      changes: [
        ['spec.rules[0].to[0].operation.hosts[0]', 'ratings.bookinfo.global:9080', 'ratings.bookinfo.svc.cluster.local:9080'],
        ['spec.rules[0].to[0].operation.hosts[1]', '*.global', '*.svc.cluster.local'],
      ],
      warnings: [/wildcard host \*\.global/],
    },
    {
      name: 'exact host with a port in an authority, an EnvoyFilter vhost domain and a DNS endpoint',
      objects: [
        obj(NET, 'VirtualService', { hosts: ['shop.example.com'], http: [{ match: [{ authority: { exact: 'shop.example.com:443' } }], redirect: { authority: 'shop.example.com' } }] }, { name: 'vs' }),
        obj(NET, 'ServiceEntry', { hosts: ['shop.example.com'], resolution: 'DNS', endpoints: [{ address: 'shop.example.com' }] }, { name: 'se' }),
      ],
      rule: { mapHost: { from: 'shop.example.com', to: 'shop.example.net' } },
      changes: [
        ['spec.hosts[0]', 'shop.example.com', 'shop.example.net'],
        ['spec.endpoints[0].address', 'shop.example.com', 'shop.example.net'],
        ['spec.hosts[0]', 'shop.example.com', 'shop.example.net'],
        ['spec.http[0].match[0].authority.exact', 'shop.example.com:443', 'shop.example.net:443'],
        ['spec.http[0].redirect.authority', 'shop.example.com', 'shop.example.net'],
      ],
    },
    {
      name: 'Gateway API redirect and rewrite hostnames, BackendTLSPolicy hostname, Ingress hosts',
      objects: [
        obj(GW, 'HTTPRoute', { hostnames: ['a.global'], rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'b.global' } }, { type: 'URLRewrite', urlRewrite: { hostname: 'c.global' } }] }] }, { name: 'r' }),
        obj(GW, 'BackendTLSPolicy', { validation: { hostname: 'd.global', subjectAltNames: [{ type: 'Hostname', hostname: 'e.global' }] } }, { name: 'b' }),
        obj('networking.k8s.io/v1', 'Ingress', { rules: [{ host: 'f.global' }], tls: [{ hosts: ['f.global'] }] }, { name: 'i' }),
      ],
      rule: host('.global', '.example.com'),
      changes: [
        ['spec.validation.hostname', 'd.global', 'd.example.com'],
        ['spec.validation.subjectAltNames[0].hostname', 'e.global', 'e.example.com'],
        ['spec.hostnames[0]', 'a.global', 'a.example.com'],
        ['spec.rules[0].filters[0].requestRedirect.hostname', 'b.global', 'b.example.com'],
        ['spec.rules[0].filters[1].urlRewrite.hostname', 'c.global', 'c.example.com'],
        ['spec.rules[0].host', 'f.global', 'f.example.com'],
        ['spec.tls[0].hosts[0]', 'f.global', 'f.example.com'],
      ],
    },
    {
      name: 'a host in an EnvoyFilter patch, a custom resource and an unknown annotation is a WARNING naming the field',
      objects: [
        obj('networking.istio.io/v1alpha3', 'EnvoyFilter', { configPatches: [{ patch: { value: { cluster: 'outbound|80||a.global' } } }] }, { name: 'ef' }),
        obj('example.com/v1', 'Widget', { target: 'b.global:80' }, { name: 'w' }),
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app', annotations: { 'example.com/upstream': 'c.global' } } },
      ],
      rule: host('.global', '.svc.cluster.local'),
      changes: [],
      warnings: [
        /^ConfigMap app\/c: still mentions \*\.global at metadata\.annotations\["example\.com\/upstream"\]/,
        /^EnvoyFilter app\/ef: still mentions \*\.global at spec\.configPatches\[0\]\.patch\.value\.cluster/,
        /^Widget(\.example\.com)? app\/w: still mentions \*\.global at spec\.target/,
      ],
    },
  ];
  test.each(rows)('$name', check);
});
