// Table tests for each rewriter: input objects, one rule, the exact changes (object, path, old, new) and notes.
import { describe, expect, test } from 'vitest';
import { ResourceSet } from '../../resources/resource-set.js';
import { parseResources } from '../../resources/yaml-read.js';
import { applyRules } from '../apply.js';
import type { Rule, TransformRules } from '../types.js';

interface Row {
  name: string;
  input: string;
  rule: Rule;
  /** [object, path, from, to]; `undefined` for an added or removed value, 'DROP' for a dropped object. */
  changes: [string, string, unknown, unknown][];
  notes?: RegExp[];
}

function run(row: Row) {
  const parsed = parseResources(row.input, 'input.yaml');
  expect(parsed.problems).toEqual([]);
  const rules: TransformRules = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TransformRules', metadata: { name: 't' }, rules: [row.rule] };
  return applyRules(new ResourceSet(parsed.resources), rules);
}

function check(row: Row): void {
  const result = run(row);
  const got = result.changes.map((c): [string, string, unknown, unknown] => (c.action === 'drop' ? [c.object, 'DROP', undefined, undefined] : [c.object, c.path, c.from, c.to]));
  expect(got).toEqual(row.changes);
  const noteText = result.notes.map((n) => `${n.level} ${n.object ?? ''} ${n.message}`);
  for (const want of row.notes ?? []) expect(noteText.some((t) => want.test(t)), `no note matches ${want}; notes: ${noteText.join(' | ')}`).toBe(true);
  if (row.notes === undefined) expect(result.notes.filter((n) => n.level === 'WARNING')).toEqual([]);
}

const ns = (name: string, labels: Record<string, string> = {}) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${JSON.stringify(labels)}}\n---\n`;
const gw = (name: string, selector: Record<string, string>) =>
  `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: ${name}, namespace: istio-system}\nspec:\n  selector: ${JSON.stringify(selector)}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]\n---\n`;

describe('renameGatewaySelector', () => {
  const rows: Row[] = [
    {
      name: 'an equal selector is replaced',
      input: gw('a', { istio: 'ingressgateway' }),
      rule: { renameGatewaySelector: { from: { istio: 'ingressgateway' }, to: { istio: 'new' } } },
      changes: [['Gateway istio-system/a', 'spec.selector.istio', 'ingressgateway', 'new']],
      notes: [/^INFO .*deploy the new gateway/],
    },
    {
      name: 'a containing selector keeps its other labels; keys only in from go',
      input: gw('a', { istio: 'ingressgateway', app: 'gw', zone: 'a' }),
      rule: { renameGatewaySelector: { from: { istio: 'ingressgateway', app: 'gw' }, to: { istio: 'new' } } },
      changes: [
        ['Gateway istio-system/a', 'spec.selector.istio', 'ingressgateway', 'new'],
        ['Gateway istio-system/a', 'spec.selector.app', 'gw', undefined],
      ],
      notes: [/deploy the new gateway/],
    },
    {
      name: 'a selector lacking one of the from labels is left alone',
      input: gw('a', { istio: 'ingressgateway' }),
      rule: { renameGatewaySelector: { from: { istio: 'ingressgateway', app: 'gw' }, to: { istio: 'new' } } },
      changes: [],
      notes: [/^INFO .*changed nothing in the 1 object/],
    },
    {
      name: 'Sidecar and EnvoyFilter workload selectors follow',
      input:
        'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: gw, namespace: istio-system}\nspec:\n  workloadSelector: {labels: {istio: ingressgateway}}\n---\n' +
        'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: gw, namespace: istio-system}\nspec:\n  workloadSelector: {labels: {istio: ingressgateway}}\n',
      rule: { renameGatewaySelector: { from: { istio: 'ingressgateway' }, to: { istio: 'new' } } },
      changes: [
        ['EnvoyFilter istio-system/gw', 'spec.workloadSelector.labels.istio', 'ingressgateway', 'new'],
        ['Sidecar istio-system/gw', 'spec.workloadSelector.labels.istio', 'ingressgateway', 'new'],
      ],
      notes: [/workload selectors of EnvoyFilter istio-system\/gw, Sidecar istio-system\/gw/],
    },
    {
      name: 'match restricts which gateways change',
      input: gw('a', { istio: 'ingressgateway' }) + gw('b', { istio: 'ingressgateway' }),
      rule: { renameGatewaySelector: { from: { istio: 'ingressgateway' }, to: { istio: 'new' }, match: { names: ['b'] } } },
      changes: [['Gateway istio-system/b', 'spec.selector.istio', 'ingressgateway', 'new']],
      notes: [/deploy the new gateway/],
    },
  ];
  test.each(rows)('$name', check);
});

describe('setRevision', () => {
  const rows: Row[] = [
    { name: 'istio.io/rev namespace', input: ns('a', { 'istio.io/rev': 'old' }), rule: { setRevision: { to: 'new' } }, changes: [['Namespace a', 'metadata.labels["istio.io/rev"]', 'old', 'new']] },
    {
      name: 'istio-injection=enabled namespace',
      input: ns('a', { 'istio-injection': 'enabled' }),
      rule: { setRevision: { to: 'new' } },
      changes: [
        ['Namespace a', 'metadata.labels["istio.io/rev"]', undefined, 'new'],
        ['Namespace a', 'metadata.labels.istio-injection', 'enabled', undefined],
      ],
      notes: [/^INFO .*namespaces a used istio-injection=enabled/],
    },
    { name: 'a namespace without injection is left alone', input: ns('a', { team: 'x' }), rule: { setRevision: { to: 'new' } }, changes: [], notes: [/changed nothing/] },
    {
      name: 'istio-injection=disabled wins over istio.io/rev',
      input: ns('a', { 'istio-injection': 'disabled', 'istio.io/rev': 'old' }),
      rule: { setRevision: { to: 'new' } },
      changes: [],
      notes: [/^WARNING Namespace a has istio-injection=disabled/],
    },
    { name: 'already on the revision: nothing to do', input: ns('a', { 'istio.io/rev': 'new' }), rule: { setRevision: { to: 'new' } }, changes: [], notes: [/changed nothing/] },
    {
      name: 'a StatefulSet pod template',
      input: 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: a}\nspec:\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db, istio.io/rev: old}}\n    spec: {containers: []}\n',
      rule: { setRevision: { to: 'new' } },
      changes: [['StatefulSet a/db', 'spec.template.metadata.labels["istio.io/rev"]', 'old', 'new']],
      notes: [/1 workload\(s\) name revision new/],
    },
    {
      name: 'webhook configurations of the old revision are left alone',
      input: 'apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: {name: istio-sidecar-injector, labels: {istio.io/rev: old}}\nwebhooks: []\n',
      rule: { setRevision: { to: 'new' } },
      changes: [],
      notes: [/^WARNING MutatingWebhookConfiguration istio-sidecar-injector looks like part of control-plane revision old/],
    },
  ];
  test.each(rows)('$name', check);
});

describe('mapNamespace', () => {
  const vs = (spec: string, namespace = 'other') => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: ${namespace}}\nspec:\n${spec}\n`;
  const rows: Row[] = [
    { name: 'metadata.namespace', input: vs('  hosts: [a]', 'old'), rule: { mapNamespace: { from: 'old', to: 'new' } }, changes: [['VirtualService old/v', 'metadata.namespace', 'old', 'new']] },
    {
      name: 'wildcard FQDN host',
      input: vs('  hosts: ["*.old.svc.cluster.local", "x.older.svc.cluster.local", "old.example.com"]'),
      rule: { mapNamespace: { from: 'old', to: 'new' } },
      changes: [['VirtualService other/v', 'spec.hosts[0]', '*.old.svc.cluster.local', '*.new.svc.cluster.local']],
    },
    {
      name: 'a custom cluster domain',
      input: vs('  hosts: [a.old.svc.corp.internal, b.old.svc.cluster.local]'),
      rule: { mapNamespace: { from: 'old', to: 'new', clusterDomain: 'corp.internal' } },
      changes: [['VirtualService other/v', 'spec.hosts[0]', 'a.old.svc.corp.internal', 'a.new.svc.corp.internal']],
    },
    {
      name: 'tcp and tls gateway references and sourceNamespace',
      input: vs('  hosts: [a]\n  tcp: [{match: [{gateways: [old/gw], sourceNamespace: old}]}]\n  tls: [{match: [{gateways: [old/gw, mesh], sniHosts: [a]}]}]'),
      rule: { mapNamespace: { from: 'old', to: 'new' } },
      changes: [
        ['VirtualService other/v', 'spec.tcp[0].match[0].gateways[0]', 'old/gw', 'new/gw'],
        ['VirtualService other/v', 'spec.tcp[0].match[0].sourceNamespace', 'old', 'new'],
        ['VirtualService other/v', 'spec.tls[0].match[0].gateways[0]', 'old/gw', 'new/gw'],
      ],
    },
    {
      name: 'principals with another trust domain and a wildcard',
      input: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: other}\nspec:\n  rules:\n  - from:\n    - source: {principals: ["td.example/ns/old/sa/web", "*/ns/old/*"], notPrincipals: ["cluster.local/ns/old-x/sa/a"], notNamespaces: [old]}\n',
      rule: { mapNamespace: { from: 'old', to: 'new' } },
      changes: [
        ['AuthorizationPolicy other/p', 'spec.rules[0].from[0].source.notNamespaces[0]', 'old', 'new'],
        ['AuthorizationPolicy other/p', 'spec.rules[0].from[0].source.principals[0]', 'td.example/ns/old/sa/web', 'td.example/ns/new/sa/web'],
        ['AuthorizationPolicy other/p', 'spec.rules[0].from[0].source.principals[1]', '*/ns/old/*', '*/ns/new/*'],
      ],
    },
    {
      name: 'RoleBinding subjects',
      input: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: r, namespace: other}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: ServiceAccount, name: sa, namespace: old}]\n',
      rule: { mapNamespace: { from: 'old', to: 'new' } },
      changes: [['RoleBinding other/r', 'subjects[0].namespace', 'old', 'new']],
    },
    {
      name: 'an unknown field mentioning the namespace is reported, not rewritten',
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\ndata: {upstream: "http://api.old.svc.cluster.local:8080"}\n',
      rule: { mapNamespace: { from: 'old', to: 'new' } },
      changes: [],
      notes: [/^WARNING ConfigMap other\/c still mentions namespace old at data.upstream/],
    },
  ];
  test.each(rows)('$name', check);
});

describe('mapHost', () => {
  const se = (hosts: string[]) => `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s, namespace: a}\nspec:\n  hosts: ${JSON.stringify(hosts)}\n  resolution: DNS\n`;
  const rows: Row[] = [
    {
      name: 'suffix: only whole-label suffixes of hosts change',
      input: se(['x.ns.global', 'xglobal.example.com', 'y.global.example.com']),
      rule: { mapHost: { fromSuffix: '.global', toSuffix: '.svc.cluster.local' } },
      changes: [['ServiceEntry a/s', 'spec.hosts[0]', 'x.ns.global', 'x.ns.svc.cluster.local']],
      notes: [/INFO ServiceEntry a\/s now declares the cluster-local host x.ns.svc.cluster.local; keep it only while no Service ns\/x exists/],
    },
    {
      name: 'exact: other hosts sharing the text are untouched',
      input: se(['a.example.com', 'aa.example.com', 'b.a.example.com']),
      rule: { mapHost: { from: 'a.example.com', to: 'c.example.com' } },
      changes: [['ServiceEntry a/s', 'spec.hosts[0]', 'a.example.com', 'c.example.com']],
    },
    {
      name: 'Sidecar egressProxy host and Service externalName',
      input:
        'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: a}\nspec:\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY, egressProxy: {host: proxy.global}}\n---\n' +
        'apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: a}\nspec: {type: ExternalName, externalName: db.global}\n',
      rule: { mapHost: { fromSuffix: '.global', toSuffix: '.example.com' } },
      changes: [
        ['Service a/ext', 'spec.externalName', 'db.global', 'db.example.com'],
        ['Sidecar a/s', 'spec.outboundTrafficPolicy.egressProxy.host', 'proxy.global', 'proxy.example.com'],
      ],
    },
    {
      name: 'a Gateway API backendRef to a Service is a name, not a host: reported, not rewritten',
      input: 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: a}\nspec:\n  rules: [{backendRefs: [{name: web.global, port: 80}]}]\n',
      rule: { mapHost: { fromSuffix: '.global', toSuffix: '.example.com' } },
      changes: [],
      notes: [/^WARNING HTTPRoute a\/r still mentions \*\.global at spec\.rules\[0\]\.backendRefs\[0\]\.name/],
    },
  ];
  test.each(rows)('$name', check);
});

describe('upgradeApiVersion', () => {
  const rows: Row[] = [
    {
      name: 'downgrading is possible too, where the version exists',
      input: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: a}\nspec: {}\n',
      rule: { upgradeApiVersion: { to: 'v1beta1' } },
      changes: [['Sidecar a/s', 'apiVersion', 'networking.istio.io/v1', 'networking.istio.io/v1beta1']],
    },
    {
      name: 'Gateway API kinds are not Istio kinds',
      input: 'apiVersion: gateway.networking.k8s.io/v1beta1\nkind: HTTPRoute\nmetadata: {name: r, namespace: a}\nspec: {}\n',
      rule: { upgradeApiVersion: { to: 'v1' } },
      changes: [],
      notes: [/changed nothing/],
    },
    {
      name: 'ProxyConfig has no v1',
      input: 'apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\nmetadata: {name: p, namespace: a}\nspec: {concurrency: 2}\n',
      rule: { upgradeApiVersion: { to: 'v1' } },
      changes: [],
      notes: [/^INFO  ProxyConfig is not served at v1 \(served: v1beta1\); 1 object/],
    },
  ];
  test.each(rows)('$name', check);
});

describe('removeLabels and removeAnnotations', () => {
  const rows: Row[] = [
    {
      name: 'a Pod label a Service selects is kept',
      input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {app: web, maistra-version: "2.4"}}\nspec: {containers: []}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {selector: {maistra-version: "2.4"}}\n',
      rule: { removeLabels: { presets: ['ossm'] } },
      changes: [],
      notes: [/^WARNING Pod a\/p kept label maistra-version at metadata.labels: Service a\/s select\(s\) pods by it/],
    },
    {
      name: 'a DestinationRule subset selecting by the label keeps it',
      input:
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d, example.com/v: one}}\n    spec: {containers: []}\n---\n' +
        'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d, namespace: a}\nspec: {host: d, subsets: [{name: one, labels: {example.com/v: one}}]}\n',
      rule: { removeLabels: { keys: ['example.com/*'] } },
      changes: [],
      notes: [/DestinationRule a\/d select\(s\) pods by it/],
    },
    {
      name: 'the same label in another namespace does not protect it',
      input:
        'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {x: "1"}}\nspec: {containers: []}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: b}\nspec: {selector: {x: "1"}}\n',
      rule: { removeLabels: { keys: ['x'] } },
      changes: [['Pod a/p', 'metadata.labels.x', '1', undefined]],
    },
    {
      name: 'annotations by exact key only',
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a, annotations: {owner: x, owner2: z}}\n',
      rule: { removeAnnotations: { keys: ['owner'] } },
      changes: [['ConfigMap a/c', 'metadata.annotations.owner', 'x', undefined]],
    },
    {
      name: 'a preset without annotation traces says so',
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a, annotations: {owner: x}}\n',
      rule: { removeAnnotations: { presets: ['tcm'] } },
      changes: [],
      notes: [/^INFO  preset tcm \(Tencent Cloud Mesh \(TCM\)\) lists no annotations to remove/],
    },
  ];
  test.each(rows)('$name', check);
});

describe('drop', () => {
  const objects =
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web-1, namespace: a, labels: {tier: web}}\nspec: {hosts: [a]}\n---\n' +
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api, namespace: team-b}\nspec: {hosts: [b]}\n---\n' +
    'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: web-2, namespace: a}\nspec: {gatewayClassName: istio, listeners: []}\n';
  const rows: Row[] = [
    { name: 'by kind word (short name)', input: objects, rule: { drop: { kinds: ['vs'] } }, changes: [['VirtualService a/web-1', 'DROP', undefined, undefined], ['VirtualService team-b/api', 'DROP', undefined, undefined]] },
    { name: 'a bare Gateway means Istio', input: objects, rule: { drop: { kinds: ['Gateway'] } }, changes: [], notes: [/matched no object/] },
    { name: 'the Gateway API twin by its full name', input: objects, rule: { drop: { kinds: ['gateways.gateway.networking.k8s.io'] } }, changes: [['Gateway.gateway.networking.k8s.io a/web-2', 'DROP', undefined, undefined]] },
    { name: 'name globs', input: objects, rule: { drop: { names: ['web-*'] } }, changes: [['Gateway.gateway.networking.k8s.io a/web-2', 'DROP', undefined, undefined], ['VirtualService a/web-1', 'DROP', undefined, undefined]] },
    { name: 'namespace globs', input: objects, rule: { drop: { namespaces: ['team-*'] } }, changes: [['VirtualService team-b/api', 'DROP', undefined, undefined]] },
    { name: 'every field must match', input: objects, rule: { drop: { names: ['web-*'], labelSelector: 'tier=web' } }, changes: [['VirtualService a/web-1', 'DROP', undefined, undefined]] },
  ];
  test.each(rows)('$name', check);
});

describe('patch', () => {
  const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: a}\nspec:\n  hosts: [a, b]\n  http: [{route: [{destination: {host: a}}]}]\n';
  const rows: Row[] = [
    {
      name: 'insert into a list and move a field',
      input: vs,
      rule: { patch: { match: { kind: 'VirtualService' }, jsonPatch: [{ op: 'add', path: '/spec/hosts/0', value: 'z' }, { op: 'move', from: '/spec/http', path: '/spec/tcp' }] } },
      changes: [
        ['VirtualService a/v', 'spec.hosts[0]', undefined, 'z'],
        ['VirtualService a/v', 'spec.http', [{ route: [{ destination: { host: 'a' } }] }], undefined],
        ['VirtualService a/v', 'spec.tcp', undefined, [{ route: [{ destination: { host: 'a' } }] }]],
      ],
    },
    {
      name: 'copy a value and remove a list item',
      input: vs,
      rule: { patch: { match: { name: 'v' }, jsonPatch: [{ op: 'copy', from: '/spec/hosts/1', path: '/metadata/labels' }, { op: 'remove', path: '/spec/hosts/0' }] } },
      changes: [
        ['VirtualService a/v', 'metadata.labels', undefined, 'b'],
        ['VirtualService a/v', 'spec.hosts[0]', 'a', undefined],
      ],
    },
  ];
  test.each(rows)('$name', check);
});
