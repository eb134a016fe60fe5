// The analyzer table: input YAML, the one analyzer run on it, and the exact (message, origin) pairs it must report.
import { describe, expect, it } from 'vitest';
import { ResourceSet } from '../resources/resource-set.js';
import { parseResources } from '../resources/yaml-read.js';
import { allAnalyzers } from './registry.js';
import { analyzeResources, type TargetOptions } from './run.js';
import type { KindRef } from './kinds.js';
import { CATALOG, type MessageName } from './messages.gen.js';

interface Row {
  title: string;
  analyzer: string;
  yaml: string;
  /** Every finding, as [message name, origin]; an empty list says "expect nothing". */
  want: [MessageName, string][];
  target?: TargetOptions;
  /** Kinds the input holds completely, as a live cluster read says. */
  completeKinds?: KindRef[];
}

// Small builders for the objects most rows need; each row spells out what it is about.
const ns = (name: string, labels: Record<string, string> = {}) =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${JSON.stringify(name)}\n  labels: ${JSON.stringify(labels)}\n`;
const svc = (name: string, namespace = 'default', ports = '[{name: http, port: 9080}]', selector = `{app: ${name}}`) =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  selector: ${selector}\n  ports: ${ports}\n`;
const deploy = (name: string, namespace: string, labels: Record<string, string>) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  template:\n    metadata:\n      labels: ${JSON.stringify(labels)}\n`;
const gw = (name: string, namespace: string, selector: string, servers: string) =>
  `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  selector: ${selector}\n  servers: ${servers}\n`;
const docs = (...d: string[]) => d.join('---\n');

const rows: Row[] = [
  // schema.CRDSchemaAnalyzer
  {
    title: 'a string weight violates the integer type',
    analyzer: 'schema.CRDSchemaAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - destination: {host: a}\n      weight: "50"\n`,
    want: [['SchemaValidationError', 'VirtualService default/a']],
  },
  {
    title: 'an unknown enum value',
    analyzer: 'schema.CRDSchemaAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a, namespace: default}\nspec:\n  host: a\n  trafficPolicy:\n    loadBalancer: {simple: FASTEST}\n`,
    want: [['SchemaValidationError', 'DestinationRule default/a']],
  },
  {
    title: 'a server without the required port',
    analyzer: 'schema.CRDSchemaAnalyzer',
    yaml: gw('g', 'default', '{istio: ingressgateway}', '[{hosts: [a.example.com]}]'),
    want: [['SchemaValidationError', 'Gateway default/g']],
  },
  {
    title: 'a CEL rule: a timeout that is not a duration',
    analyzer: 'schema.CRDSchemaAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - timeout: 5 seconds\n    route:\n    - destination: {host: a}\n`,
    want: [['SchemaValidationError', 'VirtualService default/a']],
  },
  {
    title: 'a kind the target release does not have (TrafficExtension on 1.24)',
    analyzer: 'schema.CRDSchemaAnalyzer',
    target: { version: '1.24.0' },
    yaml: `apiVersion: extensions.istio.io/v1alpha1\nkind: TrafficExtension\nmetadata: {name: t, namespace: default}\nspec: {}\n`,
    want: [['SchemaValidationError', 'TrafficExtension default/t']],
  },
  {
    title: 'a valid VirtualService with relative weights 80/30 (nothing)',
    analyzer: 'schema.CRDSchemaAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - timeout: 5s\n    route:\n    - destination: {host: a, subset: v1}\n      weight: 80\n    - destination: {host: a, subset: v2}\n      weight: 30\n`,
    want: [],
  },
  // schema.PrunedFieldAnalyzer
  {
    title: 'appendHeaders, websocketUpgrade and fault.abort.percent are gone',
    analyzer: 'schema.PrunedFieldAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - appendHeaders: {x-a: b}\n    websocketUpgrade: true\n    fault:\n      abort: {percent: 10, httpStatus: 503}\n    route:\n    - destination: {host: a}\n`,
    want: [
      ['FieldPrunedByTarget', 'VirtualService default/a'],
      ['FieldPrunedByTarget', 'VirtualService default/a'],
      ['FieldPrunedByTarget', 'VirtualService default/a'],
    ],
  },
  {
    title: 'a spec field misplaced at the top level',
    analyzer: 'schema.PrunedFieldAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a, namespace: default}\nhost: a\nspec: {host: a}\n`,
    want: [['FieldPrunedByTarget', 'DestinationRule default/a']],
  },
  {
    title: 'free-form EnvoyFilter patch values are kept (nothing)',
    analyzer: 'schema.PrunedFieldAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: e, namespace: default}\nspec:\n  configPatches:\n  - applyTo: CLUSTER\n    patch:\n      operation: MERGE\n      value: {anything: {goes: here}}\n`,
    want: [],
  },
  // deprecation.FieldAnalyzer
  {
    title: 'mirrorPercent and fault.delay.percent',
    analyzer: 'deprecation.FieldAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - mirror: {host: b}\n    mirrorPercent: 50\n    fault:\n      delay: {percent: 5, fixedDelay: 1s}\n    route:\n    - destination: {host: a}\n`,
    want: [
      ['DeprecatedField', 'VirtualService default/a'],
      ['DeprecatedField', 'VirtualService default/a'],
    ],
  },
  {
    title: 'the LEAST_CONN load balancer and consecutiveErrors',
    analyzer: 'deprecation.FieldAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a, namespace: default}\nspec:\n  host: a\n  trafficPolicy:\n    loadBalancer: {simple: LEAST_CONN}\n    outlierDetection: {consecutiveErrors: 5}\n`,
    want: [
      ['DeprecatedField', 'DestinationRule default/a'],
      ['DeprecatedField', 'DestinationRule default/a'],
    ],
  },
  {
    title: 'mirrorPercentage and LEAST_REQUEST (nothing)',
    analyzer: 'deprecation.FieldAnalyzer',
    yaml: docs(
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - mirror: {host: b}\n    mirrorPercentage: {value: 50}\n    route:\n    - destination: {host: a}\n`,
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a, namespace: default}\nspec:\n  host: a\n  trafficPolicy:\n    loadBalancer: {simple: LEAST_REQUEST}\n`,
    ),
    want: [],
  },
  // schema.WebhookValidationAnalyzer
  {
    title: 'more than one destination with a total weight of 0',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - destination: {host: a, subset: v1}\n      weight: 0\n    - destination: {host: a, subset: v2}\n      weight: 0\n`,
    want: [['SchemaValidationError', 'VirtualService default/a']],
  },
  {
    title: 'a wildcard host on a mesh-bound VirtualService',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: ["*"]\n  http:\n  - route:\n    - destination: {host: a}\n`,
    want: [['SchemaValidationError', 'VirtualService default/a']],
  },
  {
    title: 'a wildcard host on a gateway-only VirtualService, weights 80/30 (nothing)',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: ["*"]\n  gateways: [istio-system/ingress]\n  http:\n  - route:\n    - destination: {host: a, subset: v1}\n      weight: 80\n    - destination: {host: a, subset: v2}\n      weight: 30\n`,
    want: [],
  },
  {
    title: 'the legacy name.namespace gateway reference is a warning',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a.example.com]\n  gateways: [ingress.istio-system]\n  http:\n  - route:\n    - destination: {host: a}\n`,
    want: [['SchemaWarning', 'VirtualService default/a']],
  },
  {
    title: 'a rule after a catch-all rule is unreachable',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - destination: {host: a}\n  - match: [{uri: {prefix: /x}}]\n    route:\n    - destination: {host: a}\n`,
    want: [['VirtualServiceUnreachableRule', 'VirtualService default/a']],
  },
  {
    title: 'a rule whose only match repeats an earlier one, which differs only in its name (istio asJSON drops match names)',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - match: [{name: first, uri: {prefix: /x}}]\n    route:\n    - destination: {host: a}\n  - match: [{uri: {prefix: /x}}]\n    route:\n    - destination: {host: b}\n`,
    want: [['VirtualServiceUnreachableRule', 'VirtualService default/a']],
  },
  {
    title: 'a later rule with one new match among repeated ones is still reachable (nothing)',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a]\n  http:\n  - match: [{name: first, uri: {prefix: /x}}]\n    route:\n    - destination: {host: a}\n  - match: [{uri: {prefix: /x}}, {uri: {prefix: /y}}]\n    route:\n    - destination: {host: b}\n`,
    want: [],
  },
  {
    title: 'an HTTPS server without TLS settings',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: gw('g', 'default', '{istio: ingressgateway}', '[{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com]}]'),
    want: [['SchemaValidationError', 'Gateway default/g']],
  },
  {
    title: 'several hosts on a plain TCP port with DNS resolution',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s, namespace: default}\nspec:\n  hosts: [a.example.com, b.example.com]\n  resolution: DNS\n  ports: [{number: 5432, name: tcp-pg, protocol: TCP}]\n`,
    want: [['SchemaValidationError', 'ServiceEntry default/s']],
  },
  {
    title: 'DENY without rules and an empty trafficPolicy',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: docs(
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: default}\nspec:\n  action: DENY\n`,
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d, namespace: default}\nspec:\n  host: a\n  trafficPolicy: {}\n`,
    ),
    want: [
      ['SchemaValidationError', 'AuthorizationPolicy default/p'],
      ['SchemaValidationError', 'DestinationRule default/d'],
    ],
  },
  {
    title: 'allow-all `rules: [{}]` and `tls: {}` are valid (nothing)',
    analyzer: 'schema.WebhookValidationAnalyzer',
    yaml: docs(
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: default}\nspec:\n  rules: [{}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d, namespace: default}\nspec:\n  host: a\n  trafficPolicy: {tls: {}}\n`,
    ),
    want: [],
  },
  // virtualservice.GatewayAnalyzer
  {
    title: 'a gateway that does not exist',
    analyzer: 'virtualservice.GatewayAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a.example.com]\n  gateways: [istio-system/missing]\n  http:\n  - route:\n    - destination: {host: a}\n`,
    want: [['ReferencedResourceNotFound', 'VirtualService default/a']],
  },
  {
    title: 'a gateway that does not serve any of the hosts',
    analyzer: 'virtualservice.GatewayAnalyzer',
    yaml: docs(
      gw('ingress', 'istio-system', '{istio: ingressgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [b.example.com]}]'),
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a.example.com]\n  gateways: [istio-system/ingress]\n  http:\n  - route:\n    - destination: {host: a}\n`,
    ),
    want: [['VirtualServiceHostNotFoundInGateway', 'VirtualService default/a']],
  },
  {
    title: 'namespaced gateway hosts, wildcards, a short name and the legacy format all resolve (nothing)',
    analyzer: 'virtualservice.GatewayAnalyzer',
    yaml: docs(
      gw('ingress', 'istio-system', '{istio: ingressgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["default/*.example.com"]}]'),
      gw('local', 'default', '{istio: ingressgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["./a.example.com"]}]'),
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [a.example.com]\n  gateways: [istio-system/ingress, local, ingress.istio-system, mesh]\n  http:\n  - route:\n    - destination: {host: a}\n`,
    ),
    want: [],
  },
  // virtualservice.DestinationHostAnalyzer
  {
    title: 'exportTo a namespace the destination is not visible in (istio GetDestinationHost: resolved where the VirtualService is exported)',
    analyzer: 'virtualservice.DestinationHostAnalyzer',
    yaml: docs(
      `apiVersion: v1\nkind: Service\nmetadata: {name: hello, namespace: hello, annotations: {networking.istio.io/exportTo: "hello1,."}}\nspec:\n  selector: {app: hello}\n  ports: [{name: http, port: 9080}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: to-bogus, namespace: hello}\nspec:\n  hosts: [hello]\n  exportTo: [bogus]\n  http:\n  - route:\n    - destination: {host: hello.hello.svc.cluster.local}\n`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: to-hello1, namespace: hello}\nspec:\n  hosts: [hello]\n  exportTo: [hello1]\n  http:\n  - route:\n    - destination: {host: hello.hello.svc.cluster.local}\n`,
    ),
    want: [['ReferencedResourceNotFound', 'VirtualService hello/to-bogus']],
  },
  {
    title: 'a route host that is no Service or ServiceEntry',
    analyzer: 'virtualservice.DestinationHostAnalyzer',
    yaml: docs(svc('reviews'), `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reveiws}\n`),
    want: [['ReferencedResourceNotFound', 'VirtualService default/a']],
  },
  {
    title: 'a multi-port service without a port, and a port it does not have',
    analyzer: 'virtualservice.DestinationHostAnalyzer',
    yaml: docs(
      svc('api', 'default', '[{name: http, port: 80}, {name: grpc, port: 9090}]'),
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [api]\n  http:\n  - route:\n    - destination: {host: api}\n  - route:\n    - destination: {host: api, port: {number: 8080}}\n`,
    ),
    want: [
      ['VirtualServiceDestinationPortSelectorRequired', 'VirtualService default/a'],
      ['ReferencedResourceNotFound', 'VirtualService default/a'],
    ],
  },
  {
    title: "a ServiceEntry exported only to its own namespace is not visible from another",
    analyzer: 'virtualservice.DestinationHostAnalyzer',
    yaml: docs(
      `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ext, namespace: other}\nspec:\n  hosts: [api.example.com]\n  exportTo: ["."]\n  resolution: DNS\n  ports: [{number: 443, name: tls, protocol: TLS}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [api.example.com]\n  tls:\n  - match: [{sniHosts: [api.example.com]}]\n    route:\n    - destination: {host: api.example.com}\n`,
    ),
    want: [['ReferencedResourceNotFound', 'VirtualService default/a']],
  },
  {
    title: 'short names, FQDNs and a wildcard ServiceEntry resolve (nothing)',
    analyzer: 'virtualservice.DestinationHostAnalyzer',
    yaml: docs(
      svc('reviews'),
      svc('ratings', 'other'),
      `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ext, namespace: istio-system}\nspec:\n  hosts: ["*.example.com"]\n  resolution: NONE\n  ports: [{number: 443, name: tls, protocol: TLS}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n    mirror: {host: ratings.other.svc.cluster.local}\n  tls:\n  - match: [{sniHosts: [api.example.com]}]\n    route:\n    - destination: {host: api.example.com}\n`,
    ),
    want: [],
  },
  {
    title: 'hosts in a namespace without Services in the input are not reported, only summed up',
    analyzer: 'virtualservice.DestinationHostAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
    want: [['ReferenceChecksSkipped', '']],
  },
  // virtualservice.DestinationRuleAnalyzer
  {
    title: 'a subset no DestinationRule defines',
    analyzer: 'virtualservice.DestinationRuleAnalyzer',
    yaml: docs(
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: default}\nspec:\n  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v2}\n`,
    ),
    want: [['ReferencedResourceNotFound', 'VirtualService default/a']],
  },
  {
    title: 'a subset defined under the FQDN while the route uses the short name (nothing)',
    analyzer: 'virtualservice.DestinationRuleAnalyzer',
    yaml: docs(
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: istio-system}\nspec:\n  host: reviews.default.svc.cluster.local\n  subsets: [{name: v1, labels: {version: v1}}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n`,
    ),
    want: [],
  },
  // virtualservice.ConflictingMeshGatewayHostsAnalyzer
  {
    title: 'two mesh VirtualServices for one host',
    analyzer: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
    yaml: docs(
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: b, namespace: other}\nspec:\n  hosts: [reviews.default.svc.cluster.local]\n  http:\n  - route:\n    - destination: {host: reviews.default.svc.cluster.local}\n`,
    ),
    want: [
      ['ConflictingMeshGatewayVirtualServiceHosts', 'VirtualService default/a'],
      ['ConflictingMeshGatewayVirtualServiceHosts', 'VirtualService other/b'],
    ],
  },
  {
    title: 'namespace-private copies and gateway-only VirtualServices do not conflict (nothing)',
    analyzer: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
    yaml: docs(
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: one}\nspec:\n  hosts: [api.example.com]\n  exportTo: ["."]\n  http:\n  - route:\n    - destination: {host: api.example.com}\n`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: b, namespace: two}\nspec:\n  hosts: [api.example.com]\n  exportTo: ["."]\n  http:\n  - route:\n    - destination: {host: api.example.com}\n`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: c, namespace: three}\nspec:\n  hosts: [api.example.com]\n  gateways: [istio-system/ingress]\n  http:\n  - route:\n    - destination: {host: api.example.com}\n`,
    ),
    want: [],
  },
  // gateway.SelectorAnalyzer
  {
    title: 'a selector no gateway workload has',
    analyzer: 'gateway.SelectorAnalyzer',
    yaml: docs(deploy('istio-ingressgateway', 'istio-system', { istio: 'ingressgateway' }), gw('g', 'istio-system', '{istio: ingress-new}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]')),
    want: [['ReferencedResourceNotFound', 'Gateway istio-system/g']],
  },
  {
    title: 'a selector that matches a Deployment template (nothing)',
    analyzer: 'gateway.SelectorAnalyzer',
    yaml: docs(deploy('istio-ingressgateway', 'istio-system', { istio: 'ingressgateway', app: 'gw' }), gw('g', 'bookinfo', '{istio: ingressgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]')),
    want: [],
  },
  {
    title: 'no workloads in the input: skipped with one Info, never "not found"',
    analyzer: 'gateway.SelectorAnalyzer',
    yaml: gw('g', 'istio-system', '{istio: ingressgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]'),
    want: [['SelectorChecksSkipped', '']],
  },
  {
    title: "bookinfo's pair: workloads only in the Gateway's namespace, none in istio-system where gateways run: skipped",
    analyzer: 'gateway.SelectorAnalyzer',
    yaml: docs(deploy('productpage-v1', 'default', { app: 'productpage' }), gw('bookinfo-gateway', 'default', '{istio: ingressgateway}', '[{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]')),
    want: [['SelectorChecksSkipped', '']],
  },
  {
    title: "a gateway workload in the Gateway's own namespace matches (nothing)",
    analyzer: 'gateway.SelectorAnalyzer',
    yaml: docs(deploy('shop-gw', 'shop', { istio: 'shop-gw' }), gw('g', 'shop', '{istio: shop-gw}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]')),
    want: [],
  },
  {
    title: 'workloads in istio-system, but none the selector matches: the Gateway in another namespace has no workload',
    analyzer: 'gateway.SelectorAnalyzer',
    yaml: docs(deploy('istio-ingressgateway', 'istio-system', { istio: 'ingressgateway' }), deploy('productpage-v1', 'default', { app: 'productpage' }), gw('g', 'default', '{istio: ingress-typo}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]')),
    want: [['ReferencedResourceNotFound', 'Gateway default/g']],
  },
  // gateway.SecretAnalyzer
  {
    title: 'a credentialName with no Secret where the gateway pods run',
    analyzer: 'gateway.SecretAnalyzer',
    yaml: docs(
      deploy('istio-ingressgateway', 'istio-system', { istio: 'ingressgateway' }),
      `apiVersion: v1\nkind: Secret\nmetadata: {name: other-cert, namespace: istio-system}\n`,
      gw('g', 'default', '{istio: ingressgateway}', '[{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: a-cert}}]'),
    ),
    want: [['ReferencedResourceNotFound', 'Gateway default/g']],
  },
  {
    title: 'the Secret exists in the gateway pods\' namespace (nothing)',
    analyzer: 'gateway.SecretAnalyzer',
    yaml: docs(
      deploy('istio-ingressgateway', 'istio-system', { istio: 'ingressgateway' }),
      `apiVersion: v1\nkind: Secret\nmetadata: {name: a-cert, namespace: istio-system}\n`,
      gw('g', 'default', '{istio: ingressgateway}', '[{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: a-cert}}]'),
    ),
    want: [],
  },
  {
    title: 'no Secrets in the input: skipped with one Info',
    analyzer: 'gateway.SecretAnalyzer',
    yaml: gw('g', 'default', '{istio: ingressgateway}', '[{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: a-cert}}]'),
    want: [['ReferenceChecksSkipped', '']],
  },
  // gateway.ConflictingGatewayAnalyzer
  {
    title: 'same selector, port and host in two Gateways',
    analyzer: 'gateway.ConflictingGatewayAnalyzer',
    yaml: docs(
      gw('a', 'default', '{istio: ingressgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [x.example.com]}]'),
      gw('b', 'other', '{istio: ingressgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [x.example.com, y.example.com]}]'),
    ),
    want: [
      ['ConflictingGateways', 'Gateway default/a'],
      ['ConflictingGateways', 'Gateway other/b'],
    ],
  },
  {
    title: 'different hosts, or different workloads (nothing)',
    analyzer: 'gateway.ConflictingGatewayAnalyzer',
    yaml: docs(
      deploy('in', 'istio-system', { istio: 'ingressgateway' }),
      gw('a', 'default', '{istio: ingressgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [x.example.com]}]'),
      gw('b', 'default', '{istio: ingressgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [y.example.com]}]'),
      gw('c', 'default', '{istio: eastwestgateway}', '[{port: {number: 80, name: http, protocol: HTTP}, hosts: [x.example.com]}]'),
    ),
    want: [],
  },
  // destinationrule.HostAnalyzer
  {
    title: 'a host that is no Service',
    analyzer: 'destinationrule.HostAnalyzer',
    yaml: docs(svc('reviews'), `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: default}\nspec:\n  host: reveiws\n`),
    want: [['UnknownDestinationRuleHost', 'DestinationRule default/r']],
  },
  {
    title: 'a mesh-wide wildcard over known Services (nothing)',
    analyzer: 'destinationrule.HostAnalyzer',
    yaml: docs(svc('reviews'), `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: istio-system}\nspec:\n  host: "*.local"\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n`),
    want: [],
  },
  {
    title: 'a host in a namespace without Services in the input: skipped',
    analyzer: 'destinationrule.HostAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: default}\nspec:\n  host: reviews.shop.svc.cluster.local\n`,
    want: [['ReferenceChecksSkipped', '']],
  },
  // destinationrule.SubsetSelectPodAnalyzer
  {
    title: 'a subset whose labels no workload of the service has',
    analyzer: 'destinationrule.SubsetSelectPodAnalyzer',
    yaml: docs(
      svc('reviews'),
      deploy('reviews-v1', 'default', { app: 'reviews', version: 'v1' }),
      // A pod with the right labels in another namespace is no endpoint of default/reviews.
      deploy('reviews-v2', 'other', { app: 'reviews', version: 'v2' }),
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: default}\nspec:\n  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]\n`,
    ),
    want: [['DestinationRuleSubsetNotSelectPods', 'DestinationRule default/r']],
  },
  {
    title: 'subsets that select workloads, or with no labels (nothing)',
    analyzer: 'destinationrule.SubsetSelectPodAnalyzer',
    yaml: docs(
      svc('reviews'),
      deploy('reviews-v1', 'default', { app: 'reviews', version: 'v1' }),
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: default}\nspec:\n  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}, {name: all}]\n`,
    ),
    want: [],
  },
  {
    title: 'no workloads where the service lives: skipped',
    analyzer: 'destinationrule.SubsetSelectPodAnalyzer',
    yaml: docs(svc('reviews'), `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: default}\nspec:\n  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}]\n`),
    want: [['SelectorChecksSkipped', '']],
  },
  {
    title: 'workloads read completely (a live cluster) and none where the service lives: the subset selects nothing',
    analyzer: 'destinationrule.SubsetSelectPodAnalyzer',
    completeKinds: ['core/Pod', 'apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'networking.istio.io/WorkloadEntry', 'networking.istio.io/WorkloadGroup'],
    yaml: docs(svc('reviews'), `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: default}\nspec:\n  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}]\n`),
    want: [['DestinationRuleSubsetNotSelectPods', 'DestinationRule default/r']],
  },
  // policy.NamespaceAnalyzer
  {
    title: 'source namespaces and notNamespaces that match no Namespace of a complete read, globs included',
    analyzer: 'policy.NamespaceAnalyzer',
    completeKinds: ['core/Namespace'],
    yaml: docs(ns('httpbin'), ns('prod-web'), `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ap, namespace: httpbin}\nspec:\n  rules:\n  - from:\n    - source: {namespaces: ["*-bogus", "bogus-*", httpbin]}\n    - source: {notNamespaces: ["gone"]}\n`),
    want: [
      ['ReferencedResourceNotFound', 'AuthorizationPolicy httpbin/ap'],
      ['ReferencedResourceNotFound', 'AuthorizationPolicy httpbin/ap'],
      ['ReferencedResourceNotFound', 'AuthorizationPolicy httpbin/ap'],
    ],
  },
  {
    title: 'exact names, prefix and suffix globs and * that match (nothing)',
    analyzer: 'policy.NamespaceAnalyzer',
    completeKinds: ['core/Namespace'],
    yaml: docs(ns('httpbin'), ns('prod-web'), `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ap, namespace: httpbin}\nspec:\n  rules:\n  - from:\n    - source: {namespaces: ["prod-*", "*-web", "*"]}\n    - source: {notNamespaces: [httpbin]}\n`),
    want: [],
  },
  {
    title: 'Namespaces from files (istio-system rarely among them): not checked, summed up at Info',
    analyzer: 'policy.NamespaceAnalyzer',
    yaml: docs(ns('httpbin'), `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ap, namespace: httpbin}\nspec:\n  rules:\n  - from:\n    - source: {namespaces: [istio-system]}\n    - source: {notNamespaces: []}\n`),
    want: [['ReferenceChecksSkipped', '']],
  },
  // policy.SelectorAnalyzer
  {
    title: 'an AuthorizationPolicy (Warning, as Istio IST0127) and a Sidecar (Error) selecting nothing',
    analyzer: 'policy.SelectorAnalyzer',
    yaml: docs(
      deploy('web', 'default', { app: 'web' }),
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: default}\nspec:\n  selector: {matchLabels: {app: api}}\n  rules: [{}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: default}\nspec:\n  workloadSelector: {labels: {app: api}}\n  egress: [{hosts: ["./*"]}]\n`,
    ),
    want: [
      ['NoMatchingWorkloadsFound', 'AuthorizationPolicy default/p'],
      ['ReferencedResourceNotFound', 'Sidecar default/s'],
    ],
  },
  {
    title: 'a root-namespace policy reaches workloads in every namespace (nothing)',
    analyzer: 'policy.SelectorAnalyzer',
    yaml: docs(
      deploy('web', 'shop', { app: 'web' }),
      `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p, namespace: istio-system}\nspec:\n  selector: {matchLabels: {app: web}}\n  mtls: {mode: STRICT}\n`,
    ),
    want: [],
  },
  {
    title: 'no workloads in the policy namespace: skipped',
    analyzer: 'policy.SelectorAnalyzer',
    yaml: docs(
      deploy('web', 'other', { app: 'web' }),
      `apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: r, namespace: default}\nspec:\n  selector: {matchLabels: {app: api}}\n`,
    ),
    want: [['SelectorChecksSkipped', '']],
  },
  {
    title: 'workloads read completely: a selector in an empty namespace, and a namespace-wide AuthorizationPolicy there, select nothing',
    analyzer: 'policy.SelectorAnalyzer',
    completeKinds: ['core/Pod', 'apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'networking.istio.io/WorkloadEntry', 'networking.istio.io/WorkloadGroup'],
    yaml: docs(
      deploy('web', 'other', { app: 'web' }),
      `apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: r, namespace: default}\nspec:\n  selector: {matchLabels: {app: api}}\n`,
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ns-wide, namespace: empty}\nspec:\n  action: ALLOW\n  rules: [{}]\n`,
    ),
    want: [
      ['ReferencedResourceNotFound', 'RequestAuthentication default/r'],
      ['NoMatchingWorkloadsFound', 'AuthorizationPolicy empty/ns-wide'],
    ],
  },
  {
    title: 'a namespace-wide AuthorizationPolicy where workloads run, in the root namespace, or where workloads are not known (nothing)',
    analyzer: 'policy.SelectorAnalyzer',
    yaml: docs(
      deploy('web', 'other', { app: 'web' }),
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: a, namespace: other}\nspec:\n  rules: [{}]\n`,
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: b, namespace: istio-system}\nspec:\n  rules: [{}]\n`,
      `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: c, namespace: unknown}\nspec:\n  rules: [{}]\n`,
    ),
    want: [],
  },
  // sidecar.SelectorConflictAnalyzer
  {
    title: 'two Sidecars without selectors in one namespace',
    analyzer: 'sidecar.SelectorConflictAnalyzer',
    yaml: docs(
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a, namespace: default}\nspec:\n  egress: [{hosts: ["./*"]}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: b, namespace: default}\nspec:\n  egress: [{hosts: ["istio-system/*"]}]\n`,
    ),
    want: [
      ['MultipleSidecarsWithoutWorkloadSelectors', 'Sidecar default/a'],
      ['MultipleSidecarsWithoutWorkloadSelectors', 'Sidecar default/b'],
    ],
  },
  {
    title: 'two Sidecars selecting the same workload',
    analyzer: 'sidecar.SelectorConflictAnalyzer',
    yaml: docs(
      deploy('web', 'default', { app: 'web', tier: 'front' }),
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a, namespace: default}\nspec:\n  workloadSelector: {labels: {app: web}}\n  egress: [{hosts: ["./*"]}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: b, namespace: default}\nspec:\n  workloadSelector: {labels: {tier: front}}\n  egress: [{hosts: ["./*"]}]\n`,
    ),
    want: [
      ['ConflictingSidecarWorkloadSelectors', 'Sidecar default/a'],
      ['ConflictingSidecarWorkloadSelectors', 'Sidecar default/b'],
    ],
  },
  {
    title: 'one default Sidecar per namespace (nothing)',
    analyzer: 'sidecar.SelectorConflictAnalyzer',
    yaml: docs(
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a, namespace: one}\nspec:\n  egress: [{hosts: ["./*"]}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a, namespace: two}\nspec:\n  egress: [{hosts: ["./*"]}]\n`,
    ),
    want: [],
  },
  // injection.LabelAnalyzer
  {
    title: 'istio-injection next to istio.io/rev, and a namespace with neither',
    analyzer: 'injection.LabelAnalyzer',
    yaml: docs(ns('shop', { 'istio-injection': 'enabled', 'istio.io/rev': '1-26-0' }), ns('plain')),
    want: [
      ['NamespaceMultipleInjectionLabels', 'Namespace shop'],
      ['NamespaceNotInjected', 'Namespace plain'],
    ],
  },
  {
    title: 'injection disabled next to a revision, system and root namespaces (nothing)',
    analyzer: 'injection.LabelAnalyzer',
    yaml: docs(ns('batch', { 'istio-injection': 'disabled', 'istio.io/rev': '1-26-0' }), ns('kube-system'), ns('istio-system'), ns('shop', { 'istio.io/rev': 'canary' })),
    want: [],
  },
  // injection.RevisionAnalyzer
  {
    title: 'revisions the target lacks: a namespace, a pod template, and istio-injection without a default revision',
    analyzer: 'injection.RevisionAnalyzer',
    target: { revisions: ['1-26-0'] },
    yaml: docs(
      ns('shop', { 'istio.io/rev': '1-18-5' }),
      ns('legacy', { 'istio-injection': 'enabled' }),
      deploy('web', 'shop', { app: 'web', 'istio.io/rev': 'asm-1-17' }),
    ),
    want: [
      ['RevisionNotInstalled', 'Namespace shop'],
      ['RevisionNotInstalled', 'Namespace legacy'],
      ['RevisionNotInstalled', 'Deployment shop/web'],
    ],
  },
  {
    title: 'nobody said which revisions the target has: a revision asked for is an Info, not an Error',
    analyzer: 'injection.RevisionAnalyzer',
    yaml: docs(ns('shop', { 'istio.io/rev': '1-24-2' }), deploy('web', 'shop', { app: 'web', 'istio.io/rev': 'canary' })),
    want: [
      ['RevisionNotChecked', 'Namespace shop'],
      ['RevisionNotChecked', 'Deployment shop/web'],
    ],
  },
  {
    title: 'unknown target revisions: the default revision and istio-injection=enabled (nothing)',
    analyzer: 'injection.RevisionAnalyzer',
    yaml: docs(ns('shop', { 'istio.io/rev': 'default' }), ns('legacy', { 'istio-injection': 'enabled' })),
    want: [],
  },
  {
    title: 'installed revisions and tags (nothing)',
    analyzer: 'injection.RevisionAnalyzer',
    target: { revisions: ['1-26-0', 'default', 'prod'] },
    yaml: docs(ns('shop', { 'istio.io/rev': '1-26-0' }), ns('legacy', { 'istio-injection': 'enabled' }), ns('tagged', { 'istio.io/rev': 'prod' }), ns('off', { 'istio-injection': 'disabled', 'istio.io/rev': 'gone' })),
    want: [],
  },
  // multicluster.LegacyGlobalHostAnalyzer
  {
    title: '.global hosts in a ServiceEntry and a DestinationRule',
    analyzer: 'multicluster.LegacyGlobalHostAnalyzer',
    yaml: docs(
      `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s, namespace: default}\nspec:\n  hosts: [reviews.default.global]\n  location: MESH_INTERNAL\n  resolution: DNS\n  ports: [{number: 9080, name: http, protocol: HTTP}]\n`,
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: g, namespace: istio-system}\nspec:\n  host: "*.global"\n`,
    ),
    want: [
      ['LegacyGlobalHost', 'ServiceEntry default/s'],
      ['LegacyGlobalHost', 'DestinationRule istio-system/g'],
    ],
  },
  {
    title: 'ordinary hosts (nothing)',
    analyzer: 'multicluster.LegacyGlobalHostAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec:\n  hosts: [reviews, globalnews.example.com]\n  http:\n  - route:\n    - destination: {host: reviews.default.svc.cluster.local}\n`,
    want: [],
  },
  // vendor.TraceAnalyzer
  {
    title: 'OSSM, ASM and CSM traces when moving to upstream Istio',
    analyzer: 'vendor.TraceAnalyzer',
    yaml: docs(
      ns('shop', { 'maistra.io/member-of': 'istio-system' }),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n      annotations: {sidecar.asm.aliyun.com/inject: "true"}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio-asm-managed, namespace: istio-system}\n`,
    ),
    want: [
      ['VendorTraceLeft', 'Namespace shop'],
      ['VendorTraceLeft', 'Deployment shop/web'],
      ['VendorTraceLeft', 'ConfigMap istio-system/istio-asm-managed'],
    ],
  },
  {
    title: "the target vendor's own traces, and TCM-style revisions that upstream uses too (nothing)",
    analyzer: 'vendor.TraceAnalyzer',
    target: { vendor: 'ossm' },
    yaml: docs(ns('shop', { 'maistra.io/member-of': 'istio-system' }), ns('tcm', { 'istio.io/rev': '1-18-5' })),
    want: [],
  },
  // envoyfilter.MigrationRiskAnalyzer
  {
    title: 'pinned to an old proxy version, with deprecated filter names and a relative patch without priority',
    analyzer: 'envoyfilter.MigrationRiskAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: e, namespace: default}\nspec:\n  configPatches:\n  - applyTo: HTTP_FILTER\n    match:\n      proxy: {proxyVersion: '^1\\.18.*'}\n      listener:\n        filterChain:\n          filter:\n            name: envoy.http_connection_manager\n            subFilter: {name: envoy.filters.http.router}\n    patch:\n      operation: INSERT_BEFORE\n      value: {name: envoy.lua}\n`,
    want: [
      ['EnvoyFilterMigrationRisk', 'EnvoyFilter default/e'],
      ['EnvoyFilterMigrationRisk', 'EnvoyFilter default/e'],
      ['EnvoyFilterMigrationRisk', 'EnvoyFilter default/e'],
      ['EnvoyFilterMigrationRisk', 'EnvoyFilter default/e'],
    ],
  },
  {
    title: 'any EnvoyFilter when the target is managed CSM',
    analyzer: 'envoyfilter.MigrationRiskAnalyzer',
    target: { vendor: 'csm' },
    yaml: `apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: e, namespace: default}\nspec:\n  configPatches:\n  - applyTo: CLUSTER\n    patch: {operation: MERGE, value: {connect_timeout: 1s}}\n`,
    want: [['EnvoyFilterMigrationRisk', 'EnvoyFilter default/e']],
  },
  {
    title: "a pin that matches the target's proxies, canonical names, a priority (nothing)",
    analyzer: 'envoyfilter.MigrationRiskAnalyzer',
    yaml: `apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: e, namespace: default}\nspec:\n  priority: 10\n  configPatches:\n  - applyTo: HTTP_FILTER\n    match:\n      proxy: {proxyVersion: '^1\\.3[01].*'}\n      listener:\n        filterChain:\n          filter:\n            name: envoy.filters.network.http_connection_manager\n    patch:\n      operation: INSERT_BEFORE\n      value: {name: envoy.filters.http.lua}\n`,
    want: [],
  },
  // service.PortNameAnalyzer
  {
    title: 'a port name without a protocol prefix',
    analyzer: 'service.PortNameAnalyzer',
    yaml: svc('web', 'default', '[{name: web, port: 8080}]'),
    want: [['PortNameIsNotUnderNamingConvention', 'Service default/web']],
  },
  {
    title: 'prefixed names, appProtocol, UDP and well-known ports (nothing)',
    analyzer: 'service.PortNameAnalyzer',
    yaml: svc('db', 'default', '[{name: http-web, port: 80}, {name: metrics, port: 9090, appProtocol: http}, {name: dns, port: 5353, protocol: UDP}, {name: db, port: 3306}, {name: grpc-web-x, port: 81}]'),
    want: [],
  },
];

const byName = new Map(allAnalyzers().map((a) => [a.metadata.name, a]));

describe('analyzers', () => {
  it.each(rows)('$analyzer: $title', ({ analyzer, yaml, want, target, completeKinds }) => {
    const a = byName.get(analyzer);
    expect(a, `no analyzer named ${analyzer}`).toBeDefined();
    const parsed = parseResources(yaml, 'case.yaml');
    expect(parsed.problems, 'the row YAML itself must parse').toEqual([]);
    const result = analyzeResources(new ResourceSet(parsed.resources), { analyzers: [a!], ...(target ? { target } : {}), ...(completeKinds ? { completeKinds } : {}) });
    const got = result.findings.map((f) => `${f.name} @ ${f.origin}`).sort();
    expect(got, result.findings.map((f) => `${f.name}: ${f.message}`).join('\n')).toEqual(want.map(([n, o]) => `${n} @ ${o}`).sort());
  });

  it.each([
    ['a Gateway server without a port', gw('g', 'default', '{istio: ingressgateway}', '[{hosts: [a.example.com]}]'), ['spec.servers[0].port']],
    ['a DestinationRule subset without a name', `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d, namespace: default}\nspec:\n  host: a\n  subsets:\n  - labels: {a: b}\n`, ['spec.subsets[0].name']],
    ['a webhook-only rule next to a schema error elsewhere', `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d, namespace: default}\nspec:\n  host: a\n  subsets:\n  - name: ""\n    labels: {a: b}\n  trafficPolicy:\n    loadBalancer: {simple: FASTEST}\n`, ['spec.subsets[0].name', 'spec.trafficPolicy.loadBalancer.simple']],
  ])('one problem is one finding, whether the CRD schema or the webhook rules see it: %s', (_what, yaml, fields) => {
    const parsed = parseResources(yaml, 'case.yaml');
    const analyzers = ['schema.CRDSchemaAnalyzer', 'schema.WebhookValidationAnalyzer'].map((n) => byName.get(n)!);
    const result = analyzeResources(new ResourceSet(parsed.resources), { analyzers });
    const got = result.findings.filter((f) => f.name === 'SchemaValidationError').map((f) => f.message.slice(0, f.message.indexOf(':')));
    expect(got.sort(), result.findings.map((f) => f.message).join('\n')).toEqual(fields);
  });

  // Run-level notes no analyzer makes: AnalyzerFailed (registry.test.ts), KindNotAnalyzed (unknown-kinds.test.ts).
  it('every catalog message an analyzer makes is expected by some row', () => {
    const expected = new Set(rows.flatMap((r) => r.want.map(([m]) => m)));
    for (const name of Object.keys(CATALOG)) if (name !== 'AnalyzerFailed' && name !== 'KindNotAnalyzed') expect(expected.has(name as MessageName), `no row expects ${name}`).toBe(true);
  });

  it('every analyzer has a positive row and a row that expects nothing', () => {
    for (const name of byName.keys()) {
      expect(rows.some((r) => r.analyzer === name && r.want.some(([m]) => !m.endsWith('Skipped'))), `${name} has no positive row`).toBe(true);
      expect(rows.some((r) => r.analyzer === name && r.want.length === 0), `${name} has no negative row`).toBe(true);
    }
  });
});
