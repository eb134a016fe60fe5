// The CrossCluster outline `migrate plan` prints from the file: defaults filled in, nothing claimed that did not run.
import { describe, expect, it } from 'vitest';
import type { MeshMigrationSpec } from '../spec.js';
import { crossClusterOutline, renderOutline } from './outline.js';

const spec: MeshMigrationSpec = {
  mode: 'CrossCluster',
  source: { context: 'tcm' },
  target: { context: 'primary', revision: '1-31-1', clusters: ['remote'] },
  waves: [{ name: 'shop', namespaces: ['shop'] }, { name: 'pay', namespaces: ['payments'], scaleDownSource: true, services: { loadBalancer: 'keep', keepNodePorts: true }, pauseBefore: true }],
};

describe('crossClusterOutline', () => {
  it('fills the defaults: copy on, Secrets and StatefulSets off, the only cluster, ClusterIP, 5m quiet window, 10m finish window, source cluster id = its context', () => {
    const o = crossClusterOutline({ metadata: { name: 'x' }, spec });
    expect(o).toMatchObject({ home: 'primary', contexts: ['tcm', 'primary', 'remote'], source: { context: 'tcm', clusterName: 'tcm' }, workloads: { copy: true, secrets: false, allowEmptyVolumes: false }, finish: { window: '10m', oldGateways: [] } });
    expect(o.config).toBeUndefined();
    expect(o.waves).toEqual([
      { name: 'shop', cluster: 'remote', namespaces: ['shop'], shifts: [], scaleDownSource: false, loadBalancer: 'clusterIP', keepNodePorts: false, pauseBefore: false },
      { name: 'pay', cluster: 'remote', namespaces: ['payments'], shifts: [], scaleDownSource: '5m', loadBalancer: 'keep', keepNodePorts: true, pauseBefore: true },
    ]);
  });

  it('says first that it read no cluster; a config without from is the live export taken at Init', () => {
    const text = renderOutline(crossClusterOutline({ metadata: { name: 'x' }, spec: { ...spec, config: { rules: './r.yaml' }, workloads: { copy: false } } }));
    expect(text.split('\n')[2]).toMatch(/^This outline comes from the file alone: no cluster was read/);
    expect(text).toContain("Config: a live export of tcm, taken at Init (Istio and Gateway API config in istio-system and the waves' namespaces), through rules ./r.yaml, imported into primary; analyze fails on Error");
    expect(text).toContain('Workloads: not copied: the waves wait for your pipeline to deploy them');
    expect(text).toContain('  1. shop → remote: namespaces shop\n     the source workloads keep running\n');
    expect(text).toContain('  2. pay → remote (pauses before it starts): namespaces payments\n     scale the source workloads to 0 after 5m without requests\n     LoadBalancer Services stay LoadBalancer (a new load balancer); nodePorts kept');
    expect(text).toContain("Finish: no pod left in the source (SourcePods); no old gateway is named (finish.oldGateways), so the traffic check is skipped\n        the config in primary still equals the source's after the rules (ConfigParity); no trace of the source mesh left in the target (VendorTraces)");
  });
});
