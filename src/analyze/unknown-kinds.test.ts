// Kinds no check reads (Ingress, Job, CronJob, HPA, PDB, NetworkPolicy, custom resources, IstioOperator) pass through analyze with one Info line per kind.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/object.js';
import { ResourceSet } from '../resources/resource-set.js';
import { analyzeResources } from './run.js';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec,
});

describe('kinds meshferry has no check for', () => {
  it.each<[string, KubeObject[], string[]]>([
    [
      'one Info per kind, whatever the number of objects',
      [
        obj('networking.k8s.io/v1', 'Ingress', 'a', 'shop'),
        obj('networking.k8s.io/v1', 'Ingress', 'b', 'shop'),
        obj('networking.k8s.io/v1', 'Ingress', 'c', 'other'),
        obj('batch/v1', 'Job', 'migrate', 'shop'),
        obj('batch/v1', 'CronJob', 'nightly', 'shop'),
        obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', 'shop'),
        obj('policy/v1', 'PodDisruptionBudget', 'web', 'shop'),
        obj('networking.k8s.io/v1', 'NetworkPolicy', 'deny', 'shop'),
        obj('example.com/v1', 'Widget', 'w1', 'shop', { size: 3 }),
        obj('install.istio.io/v1alpha1', 'IstioOperator', 'primary', 'istio-system', { profile: 'default' }),
      ],
      [
        'CronJob (batch): 1 object(s)',
        'HorizontalPodAutoscaler (autoscaling): 1 object(s)',
        'Ingress (networking.k8s.io): 3 object(s)',
        'IstioOperator (install.istio.io): 1 object(s)',
        'Job (batch): 1 object(s)',
        'NetworkPolicy (networking.k8s.io): 1 object(s)',
        'PodDisruptionBudget (policy): 1 object(s)',
        'Widget (example.com): 1 object(s)',
      ],
    ],
    [
      'kinds some check reads (nothing)',
      [
        obj('v1', 'Namespace', 'shop'),
        obj('v1', 'Service', 'web', 'shop', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }),
        obj('apps/v1', 'Deployment', 'web', 'shop', { template: { metadata: { labels: { app: 'web' } } } }),
        obj('networking.istio.io/v1', 'VirtualService', 'web', 'shop', { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
      ],
      [],
    ],
  ])('%s', (_title, objects, want) => {
    const result = analyzeResources(ResourceSet.of(objects));
    expect(result.findings.filter((f) => f.name === 'AnalyzerFailed')).toEqual([]);
    const notes = result.findings.filter((f) => f.name === 'KindNotAnalyzed');
    for (const n of notes) expect(n).toMatchObject({ level: 'Info', origin: '', reference: '' });
    expect(notes.map((n) => n.message.slice(0, n.message.indexOf(' not analyzed')).replace(/ were$/, '')).sort()).toEqual(want);
  });
});
