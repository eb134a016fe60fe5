// `install plan --context` against a real lab cluster: a remote's remotePilotAddress comes from the live east-west gateway.
// Driven through the library calls the command makes (the CLI's output flags are being renamed to --output-dir).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { resolvePilotAddresses } from '../../src/install/pilot-address.js';
import { planInstall } from '../../src/install/plan.js';
import { writePlan } from '../../src/install/plan-files.js';
import { servedResource } from '../../src/install/served.js';
import { loadTopology } from '../../src/install/topology-load.js';

const TOPOLOGY = 'src/install/fixtures/bad/remote-without-address.yaml';
let lab: Lab;
let admin: Cluster;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-plan-context-'));
  lab = await startLab({ dir: path.join(tmp, 'lab'), clusters: ['primary'], revisions: [] });
  admin = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'primary' });
});

afterAll(async () => {
  admin?.close();
  await lab?.stop({ purge: true });
  await rm(tmp, { recursive: true, force: true });
});

/** What `install plan TOPOLOGY --context primary --output-dir out` does: load, read the live address, plan, write. */
async function plan(out: string): Promise<Record<string, string>> {
  const { topology } = await loadTopology(TOPOLOGY);
  const services = servedResource(admin, '', 'v1', 'Service');
  const pilotAddresses = await resolvePilotAddresses(topology, (ns, name) => admin.client.get(services, ns, name), 'primary');
  await writePlan(out, planInstall(topology, { pilotAddresses }));
  return pilotAddresses;
}

describe('install plan --context (lab)', () => {
  it('fails with a cluster error (exit 3) while the primary has no east-west gateway Service', async () => {
    await expect(plan(path.join(tmp, 'none'))).rejects.toMatchObject({
      code: 'EastWestGatewayMissing',
      exitCode: 3,
      message: expect.stringMatching(/has no Service istio-system\/istio-eastwestgateway/),
    });
  });

  it('exits 3 while the Service waits for its load balancer address', async () => {
    await admin.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
    await admin.client.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-eastwestgateway', namespace: 'istio-system' },
      spec: { type: 'LoadBalancer', selector: { istio: 'eastwestgateway' }, ports: [{ name: 'tls-istiod', port: 15012 }] },
    });
    await expect(plan(path.join(tmp, 'pending'))).rejects.toMatchObject({
      code: 'EastWestGatewayPending',
      exitCode: 3,
      message: expect.stringMatching(/has no load balancer address yet/),
    });
  });

  it('uses the address once the cloud (here: a status patch) assigns it', async () => {
    // The lab has no cloud controller; set the status the way one would.
    await admin.transport.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/istio-system/services/istio-eastwestgateway/status',
      body: JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '10.0.250.77' }] } } }),
      contentType: 'application/merge-patch+json',
      what: 'set the east-west gateway address',
    });
    const out = path.join(tmp, 'plan');
    expect(await plan(out)).toEqual({ r1: '10.0.250.77' });
    const iop = parseAllDocuments(await readFile(path.join(out, 'r1/istio-operator.yaml'), 'utf8'))[0]?.toJS() as {
      spec: { values: { global: { remotePilotAddress: string } } };
    };
    expect(iop.spec.values.global.remotePilotAddress).toBe('10.0.250.77');
    expect(JSON.parse(await readFile(path.join(out, 'plan.json'), 'utf8')).clusters[1]).toMatchObject({
      remotePilotAddress: '10.0.250.77',
      remotePilotAddressSource: 'live',
    });
  });
});
