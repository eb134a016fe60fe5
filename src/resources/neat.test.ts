import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectGolden, goldenCases } from '../../test/support/golden.js';
import { neatObject } from './neat.js';
import type { KubeObject } from './object.js';
import { readResources } from './yaml-read.js';
import { serializeStream } from './yaml-write.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/neat');

describe('neat golden files', () => {
  it.each(goldenCases(fixtures))('$name', async ({ inputFile, outputFile }) => {
    const set = await readResources([inputFile]);
    expectGolden(outputFile, serializeStream(set.objects().map(neatObject)));
  });
});

describe('neatObject', () => {
  const ap: KubeObject = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'a', namespace: 'n', uid: 'u', resourceVersion: '1' },
    spec: { rules: [{}] },
  };

  it('does not change its input', () => {
    const before = structuredClone(ap);
    neatObject(ap);
    expect(ap).toEqual(before);
  });

  it('is idempotent', () => {
    const once = neatObject(ap);
    expect(neatObject(once)).toEqual(once);
  });

  it('keeps meaningful empty values in Istio specs', () => {
    expect(neatObject(ap).spec).toEqual({ rules: [{}] });
  });

  it('drops a namespace from cluster-scoped objects', () => {
    const ns = neatObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', namespace: 'oops' } });
    expect(ns.metadata).toEqual({ name: 'x' });
  });
});

describe('neatObject on kinds meshferry does not know', () => {
  /** What a cluster adds to any object: neat must remove all of it, whatever the kind. */
  const serverMetadata = {
    uid: '6f1c9a52-0000-4000-8000-000000000001',
    resourceVersion: '48213',
    generation: 3,
    creationTimestamp: '2026-03-14T09:26:53Z',
    selfLink: '/apis/x/y',
    managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }],
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"X"}', 'example.com/keep': 'me' },
    labels: { app: 'a' },
  };
  const cases: { kind: string; apiVersion: string; spec: Record<string, unknown>; clusterScoped?: boolean }[] = [
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', spec: { ingressClassName: 'istio', rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } }] } },
    { apiVersion: 'batch/v1', kind: 'Job', spec: { backoffLimit: 6, completions: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'a:1', imagePullPolicy: 'IfNotPresent' }] } } } },
    { apiVersion: 'batch/v1', kind: 'CronJob', spec: { schedule: '0 * * * *', concurrencyPolicy: 'Allow', suspend: false, jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'a:1' }] } } } } } },
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: { minReplicas: 1, maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a' }, metrics: [] } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', spec: { minAvailable: 0, selector: {} } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] } },
    { apiVersion: 'example.com/v1', kind: 'Widget', spec: { size: '0X1F', enabled: 'on', empty: {}, list: [] } },
    { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', spec: { profile: 'minimal', revision: '1-31-1', values: { global: { meshID: 'mesh1' } }, components: { ingressGateways: [{ name: 'istio-ingressgateway', enabled: true }] } } },
    { apiVersion: 'example.com/v1', kind: 'ClusterWidget', spec: { a: null, b: 0, c: false, d: '' }, clusterScoped: true },
  ];

  it.each(cases)('$kind: server-set metadata and status go; the spec stays exactly, empty and default-looking values included', ({ apiVersion, kind, spec, clusterScoped }) => {
    const obj: KubeObject = {
      apiVersion,
      kind,
      metadata: { name: 'a', ...(clusterScoped ? {} : { namespace: 'n' }), ...structuredClone(serverMetadata) },
      spec: structuredClone(spec),
      status: { conditions: [{ type: 'Ready', status: 'True' }], observedGeneration: 3 },
    };
    const out = neatObject(obj);
    expect(out).toEqual({
      apiVersion,
      kind,
      metadata: { name: 'a', ...(clusterScoped ? {} : { namespace: 'n' }), labels: { app: 'a' }, annotations: { 'example.com/keep': 'me' } },
      spec,
    });
  });
});
