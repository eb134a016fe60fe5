// Secret references of a wave's workloads and Gateways, one row per reference form, and the missing-Secret messages.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/object.js';
import { missingSecrets, secretRefs, type SecretRef, type SecretRefSources } from './secret-refs.js';

type Json = Record<string, unknown>;

const obj = (apiVersion: string, kind: string, name: string, rest: Json = {}, namespace = 'shop'): KubeObject => ({ apiVersion, kind, metadata: { name, namespace }, ...rest });
const workload = (kind: string, podSpec: Json, labels: Json = { app: 'cart' }, name = 'cart', namespace = 'shop') =>
  obj('apps/v1', kind, name, { spec: { template: { metadata: { labels }, spec: podSpec } } }, namespace);
const deployment = (podSpec: Json) => workload('Deployment', { containers: [{ name: 'app', image: 'cart:1' }], ...podSpec });
const gateway = (tls: Json, selector: Json = { istio: 'ingressgateway' }, namespace = 'shop') =>
  obj('networking.istio.io/v1', 'Gateway', 'web', { spec: { selector, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', ...tls } }] } }, namespace);
const ingress = workload('Deployment', { containers: [{ name: 'istio-proxy', image: 'proxyv2' }] }, { istio: 'ingressgateway' }, 'istio-ingressgateway', 'istio-ingress');

const ref = (namespace: string, name: string, referrer: string, path: string, extra: Partial<SecretRef> = {}): SecretRef => ({ namespace, name, referrer, path, optional: false, ...extra });
const C0 = 'spec.template.spec.containers[0]';

const rows: { name: string; in: Partial<SecretRefSources>; want: SecretRef[] }[] = [
  { name: 'no references', in: { workloads: [deployment({})] }, want: [] },
  {
    name: 'env valueFrom.secretKeyRef',
    in: { workloads: [deployment({ containers: [{ name: 'app', env: [{ name: 'A', value: 'x' }, { name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }] }] })] },
    want: [ref('shop', 'db', 'Deployment shop/cart', `${C0}.env[1].valueFrom.secretKeyRef`)],
  },
  {
    name: 'envFrom secretRef (a configMapRef is no Secret)',
    in: { workloads: [deployment({ containers: [{ name: 'app', envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'env' } }] }] })] },
    want: [ref('shop', 'env', 'Deployment shop/cart', `${C0}.envFrom[1].secretRef`)],
  },
  {
    name: 'volume secret.secretName',
    in: { workloads: [deployment({ volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'certs', secret: { secretName: 'tls' } }] })] },
    want: [ref('shop', 'tls', 'Deployment shop/cart', 'spec.template.spec.volumes[1].secret')],
  },
  {
    name: 'projected volume sources[].secret',
    in: { workloads: [deployment({ volumes: [{ name: 'all', projected: { sources: [{ serviceAccountToken: { path: 't' } }, { secret: { name: 'bundle' } }] } }] })] },
    want: [ref('shop', 'bundle', 'Deployment shop/cart', 'spec.template.spec.volumes[0].projected.sources[1].secret')],
  },
  {
    name: 'pod imagePullSecrets',
    in: { workloads: [deployment({ imagePullSecrets: [{ name: 'registry' }] })] },
    want: [ref('shop', 'registry', 'Deployment shop/cart', 'spec.template.spec.imagePullSecrets[0]')],
  },
  {
    name: 'ServiceAccount imagePullSecrets',
    in: { workloads: [obj('v1', 'ServiceAccount', 'builder', { imagePullSecrets: [{ name: 'pull' }] })] },
    want: [ref('shop', 'pull', 'ServiceAccount shop/builder', 'imagePullSecrets[0]')],
  },
  {
    name: 'init and ephemeral containers, in a DaemonSet and a StatefulSet',
    in: {
      workloads: [
        workload('DaemonSet', { initContainers: [{ name: 'init', env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'init-token', key: 't' } } }] }], containers: [] }, {}, 'agent'),
        workload('StatefulSet', { containers: [{ name: 'db' }], ephemeralContainers: [{ name: 'debug', envFrom: [{ secretRef: { name: 'debug-env' } }] }] }, {}, 'db'),
      ],
    },
    want: [
      ref('shop', 'debug-env', 'StatefulSet shop/db', 'spec.template.spec.ephemeralContainers[0].envFrom[0].secretRef'),
      ref('shop', 'init-token', 'DaemonSet shop/agent', 'spec.template.spec.initContainers[0].env[0].valueFrom.secretKeyRef'),
    ],
  },
  {
    name: 'optional references are listed, marked optional',
    in: {
      workloads: [
        deployment({
          containers: [{ name: 'app', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'x', key: 'k', optional: true } } }], envFrom: [{ secretRef: { name: 'y', optional: true } }] }],
          volumes: [{ name: 'v', secret: { secretName: 'z', optional: true } }, { name: 'p', projected: { sources: [{ secret: { name: 'w', optional: true } }] } }],
        }),
      ],
    },
    want: [
      ref('shop', 'w', 'Deployment shop/cart', 'spec.template.spec.volumes[1].projected.sources[0].secret', { optional: true }),
      ref('shop', 'x', 'Deployment shop/cart', `${C0}.env[0].valueFrom.secretKeyRef`, { optional: true }),
      ref('shop', 'y', 'Deployment shop/cart', `${C0}.envFrom[0].secretRef`, { optional: true }),
      ref('shop', 'z', 'Deployment shop/cart', 'spec.template.spec.volumes[0].secret', { optional: true }),
    ],
  },
  {
    name: 'duplicates collapse: the same workload given twice lists each reference once',
    in: { workloads: [deployment({ imagePullSecrets: [{ name: 'registry' }] }), deployment({ imagePullSecrets: [{ name: 'registry' }] })] },
    want: [ref('shop', 'registry', 'Deployment shop/cart', 'spec.template.spec.imagePullSecrets[0]')],
  },
  {
    name: 'Services, ConfigMaps and a nameless reference bring nothing',
    in: { workloads: [obj('v1', 'Service', 'web', { spec: {} }), obj('v1', 'ConfigMap', 'c', { data: {} }), deployment({ volumes: [{ name: 'v', secret: {} }] })] },
    want: [],
  },
  {
    name: "Gateway credentialName: the namespace of the gateway workload it selects, not the Gateway's",
    in: { workloads: [ingress], gateways: [gateway({ credentialName: 'shop-cert' })] },
    want: [ref('istio-ingress', 'shop-cert', 'Gateway shop/web', 'spec.servers[0].tls.credentialName')],
  },
  {
    name: 'Gateway kubernetes:// credentialName with its namespace, and bare ns/name',
    in: { workloads: [ingress], gateways: [gateway({ credentialName: 'kubernetes://certs/a' }), gateway({ credentialName: 'certs/b' }, {}, 'other')] },
    want: [ref('certs', 'a', 'Gateway shop/web', 'spec.servers[0].tls.credentialName'), ref('certs', 'b', 'Gateway other/web', 'spec.servers[0].tls.credentialName')],
  },
  {
    name: 'Gateway credentialNames and caCertCredentialName',
    in: { workloads: [ingress], gateways: [gateway({ credentialNames: ['rsa', 'kubernetes://ecdsa'], caCertCredentialName: 'client-ca' })] },
    want: [
      ref('istio-ingress', 'client-ca', 'Gateway shop/web', 'spec.servers[0].tls.caCertCredentialName'),
      ref('istio-ingress', 'ecdsa', 'Gateway shop/web', 'spec.servers[0].tls.credentialNames[1]'),
      ref('istio-ingress', 'rsa', 'Gateway shop/web', 'spec.servers[0].tls.credentialNames[0]'),
    ],
  },
  {
    name: "Gateway whose workload is not among the inputs: the Gateway's namespace, marked assumed",
    in: { workloads: [deployment({})], gateways: [gateway({ credentialName: 'shop-cert' })] },
    want: [ref('shop', 'shop-cert', 'Gateway shop/web', 'spec.servers[0].tls.credentialName', { namespaceAssumed: true })],
  },
  {
    name: 'Gateway credentials that are no Kubernetes Secret of the wave: configmap://, builtin://, kubernetes-gateway://',
    in: { workloads: [ingress], gateways: [gateway({ credentialNames: ['configmap://ns/ca', 'builtin://', 'kubernetes-gateway://ns/x'] })] },
    want: [],
  },
];

describe('secretRefs', () => {
  it.each(rows)('$name', (row) => {
    expect(secretRefs({ workloads: row.in.workloads ?? [], gateways: row.in.gateways ?? [] })).toEqual(row.want);
  });

  it('lists a Gateway credential once per namespace of the gateway workloads it selects', () => {
    const second = workload('Deployment', { containers: [] }, { istio: 'ingressgateway' }, 'gw', 'edge');
    const refs = secretRefs({ workloads: [ingress, second, ingress], gateways: [gateway({ credentialName: 'c' })] });
    expect(refs.map((r) => `${r.namespace}/${r.name}`)).toEqual(['edge/c', 'istio-ingress/c']);
  });
});

describe('missingSecrets', () => {
  const refs = secretRefs({
    workloads: [
      deployment({ containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'db' } }] }], volumes: [{ name: 'v', secret: { secretName: 'db' } }, { name: 'o', secret: { secretName: 'opt', optional: true } }] }),
      obj('v1', 'ServiceAccount', 'default', { imagePullSecrets: [{ name: 'registry' }] }),
    ],
    gateways: [gateway({ credentialName: 'cert' })],
  });

  it.each([
    { name: 'all present: none', existing: ['shop/db', 'shop/registry', 'shop/cert'], want: [] },
    {
      name: 'one message per missing Secret, naming every required referrer; optional ones never missing',
      existing: ['shop/registry'],
      want: [
        "Secret shop/cert is missing in the target cluster; referenced by Gateway shop/web (spec.servers[0].tls.credentialName; no gateway workload matched its selector, so the Gateway's namespace is assumed). Create it there before the wave starts, or set workloads.secrets: true to copy it.",
        'Secret shop/db is missing in the target cluster; referenced by Deployment shop/cart (spec.template.spec.containers[0].envFrom[0].secretRef), Deployment shop/cart (spec.template.spec.volumes[0].secret). Create it there before the wave starts, or set workloads.secrets: true to copy it.',
      ],
    },
    {
      name: 'a Secret in another namespace of the same name does not count',
      existing: ['shop/db', 'shop/cert', 'other/registry'],
      want: ['Secret shop/registry is missing in the target cluster; referenced by ServiceAccount shop/default (imagePullSecrets[0]). Create it there before the wave starts, or set workloads.secrets: true to copy it.'],
    },
  ])('$name', ({ existing, want }) => {
    expect(missingSecrets(refs, new Set(existing))).toEqual(want);
  });

  it('a Secret referenced both optionally and required is missing, naming only the required referrer', () => {
    const both = [ref('shop', 's', 'Deployment shop/a', 'p1', { optional: true }), ref('shop', 's', 'Deployment shop/b', 'p2')];
    expect(missingSecrets(both, new Set())).toEqual(['Secret shop/s is missing in the target cluster; referenced by Deployment shop/b (p2). Create it there before the wave starts, or set workloads.secrets: true to copy it.']);
  });
});
