// Golden tests for `vm twin`: fixtures/vm-twin/input/N-name.yaml (the VM objects) → output/N-name.yaml (VirtualServices + TrafficShift).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectGolden, goldenCases } from '../../test/support/golden.js';
import { readResources } from '../resources/yaml-read.js';
import { parseTrafficShift } from './shift/spec.js';
import { planVmTwin, renderVmTwin, vmTwinFiles } from './vm-twin.js';
import type { VmTwinOptions } from './vm-twin.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'vm-twin');

/** Per case: which object is the VM (kind/name) and the flags a user would give. */
const CASES: Record<string, { vm: string } & Omit<VmTwinOptions, 'vm' | 'serviceEntries'>> = {
  '1-serviceentry-two-clusters': { vm: 'ServiceEntry/productcatalogservice', service: 'productcatalogservice-gke', contexts: ['cluster1', 'cluster2'] },
  '2-workloadentry-selected': { vm: 'WorkloadEntry/billing-vm', service: 'billing', contexts: [], retire: true, prometheus: 'http://prometheus.monitoring:9090' },
  '3-tcp-database': { vm: 'ServiceEntry/orders-db', service: 'data/orders-db', contexts: ['east'] },
};

describe('vm twin golden files', () => {
  it.each(goldenCases(FIXTURES).map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const opts = CASES[name];
    expect(opts, `add ${name} to CASES`).toBeDefined();
    const objects = [...(await readResources([c.inputFile]))].map((r) => r.object);
    const [kind, vmName] = opts!.vm.split('/');
    const vm = objects.find((o) => o.kind === kind && o.metadata.name === vmName)!;
    const twin = planVmTwin({ ...opts!, vm, serviceEntries: objects });
    expectGolden(c.outputFile, renderVmTwin(twin));
    // The TrafficShift is valid against the shipped schema and the loader's own rules.
    const shift = parseTrafficShift(vmTwinFiles(twin)['trafficshift.yaml']!, `${name}/trafficshift.yaml`);
    expect(shift.plan.steps).toEqual([20, 40, 60, 80, 100]);
    // The input is never changed.
    expect([...(await readResources([c.inputFile]))].map((r) => r.object)).toEqual(objects);
  });
});

describe('vm twin refusals', () => {
  const se = (spec: Record<string, unknown>, name = 'vm') => ({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: 'ns' }, spec });
  it.each([
    { name: 'several hosts without --host', vm: se({ hosts: ['a.x', 'b.x'] }), service: 'svc', want: /has 2 hosts .*--host/ },
    { name: 'a wildcard host', vm: se({ hosts: ['*.x.com'] }), service: 'svc', want: /wildcard/ },
    { name: 'no hosts', vm: se({}), service: 'svc', want: /has no hosts/ },
    { name: 'HTTP and TCP ports together', vm: se({ hosts: ['a.x'], ports: [{ number: 80, protocol: 'HTTP' }, { number: 5432, protocol: 'TCP' }] }), service: 'svc', want: /mixes HTTP and non-HTTP/ },
    { name: 'a Service name that is no DNS label', vm: se({ hosts: ['a.x'] }), service: 'Bad_Name', want: /not a DNS label/ },
    { name: 'a Service with the ServiceEntry\'s own host', vm: se({ hosts: ['svc.ns.svc.cluster.local'] }), service: 'svc', want: /own host/ },
    {
      name: 'a WorkloadEntry no ServiceEntry selects',
      vm: { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'we', namespace: 'ns', labels: { app: 'x' } }, spec: {} },
      service: 'svc',
      want: /no ServiceEntry in namespace ns selects WorkloadEntry ns\/we/,
    },
    { name: 'a Deployment', vm: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' } }, service: 'svc', want: /not a VM object/ },
  ])('$name', ({ vm, service, want }) => {
    expect(() => planVmTwin({ vm, service, contexts: [] })).toThrow(want);
  });

  it('--host picks one of several hosts', () => {
    const twin = planVmTwin({ vm: se({ hosts: ['a.x', 'b.x'] }), service: 'svc', contexts: ['c'], host: 'b.x' });
    expect(twin.serviceEntry.host).toBe('b.x');
    expect(twin.kubernetesHost).toBe('svc.ns.svc.cluster.local');
  });
});
