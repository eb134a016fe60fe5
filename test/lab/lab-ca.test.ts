// The lab's per-cluster istiod CA (B2): two clusters with different mesh roots, as a TCM mesh and a self-built mesh
// have, proved with the product's own root comparison, the ConfigMap istiod publishes, injection, and a restart.
// One two-cluster lab for the file: tcm runs 1-18-5, primary runs 1-31-1 and canary.
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { openLab, type Lab } from '../../src/lab/index.js';
import { discoverControlPlanes } from '../../src/migrate/cluster/control-planes.js';
import { proveInjection } from '../../src/migrate/cluster/injection.js';
import { compareRoots, controlPlaneRoots, type ControlPlaneRoots } from '../../src/migrate/cluster/roots.js';
import { isPlainObject } from '../../src/resources/object.js';
import { runCli } from '../support/cli.js';
import { labPerFile } from './lab-per-file.js';
import { until } from '../support/poll.js';

const REVISIONS = { tcm: ['1-18-5'], primary: ['1-31-1', 'canary'] } as const;
type Name = keyof typeof REVISIONS;
const NAMES = Object.keys(REVISIONS) as Name[];

let lab: Lab;
const clusters = {} as Record<Name, Cluster>;
const { dir } = labPerFile('lab-ca-test-', { clusters: NAMES, revisions: { tcm: [...REVISIONS.tcm], primary: [...REVISIONS.primary] }, istiodCa: 'per-cluster' }, (l, c) => {
  lab = l;
  clusters.tcm = c;
});

beforeAll(async () => {
  clusters.primary = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'primary' });
  for (const name of NAMES) await clusters[name].client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, { force: true });
});
afterAll(() => clusters.primary?.close());

const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;
/** The fingerprint of a cluster's own root, from the file `lab up` wrote. */
function rootOf(name: Name): string {
  const file = lab.cluster(name).meshCa?.rootCertFile;
  if (!file) throw new Error(`cluster ${name} has no meshCa in lab.json`);
  return fingerprintOf(readFileSync(file, 'utf8'));
}

/** Every control plane's roots in a cluster, by revision. */
async function rootsIn(name: Name): Promise<Record<string, ControlPlaneRoots>> {
  const client = clusters[name].client;
  const { controlPlanes } = await discoverControlPlanes(client);
  const out: Record<string, ControlPlaneRoots> = {};
  for (const cp of controlPlanes) out[cp.revision] = await controlPlaneRoots(client, cp);
  return out;
}

/** The caBundles (base64-decoded, one fingerprint each) of every webhook of one MutatingWebhookConfiguration. */
async function injectorBundles(name: Name, config: string): Promise<string[]> {
  const client = clusters[name].client;
  const mwc = await client.get(client.discovery.resourceFor('admissionregistration.k8s.io', 'MutatingWebhookConfiguration')!, undefined, config);
  const hooks = Array.isArray(mwc?.webhooks) ? mwc.webhooks.filter(isPlainObject) : [];
  return hooks.map((h) => (isPlainObject(h.clientConfig) && typeof h.clientConfig.caBundle === 'string' ? fingerprintOf(Buffer.from(h.clientConfig.caBundle, 'base64').toString('utf8')) : ''));
}

/** How many times an istiod log says it signs with the plugged-in CA (istio `pilot/pkg/bootstrap/istio_ca.go` `createIstioCA`). */
const pluggedCaStarts = (name: Name, revision: string) => {
  const text = readFileSync(path.join(dir, name, 'logs', `istiod-${revision}.log`), 'utf8');
  return { plugged: text.split('Use local CA certificate').length - 1, selfSigned: text.split('Use self-signed certificate as the CA certificate').length - 1 };
};

describe('lab with a CA per cluster (tcm=1-18-5, primary=1-31-1+canary)', () => {
  it('records each cluster\'s own CA in lab.json, inside the lab folder, keys private, roots all different', async () => {
    expect(lab.istiodCa).toBe('per-cluster');
    const reopened = await openLab(dir);
    expect(reopened.istiodCa).toBe('per-cluster');
    for (const name of NAMES) {
      const ca = lab.cluster(name).meshCa;
      expect(reopened.cluster(name).meshCa).toEqual(ca);
      for (const file of [ca?.rootCertFile, ca?.servingCertFile, ca?.servingKeyFile, ca?.cacertsDir]) expect(path.relative(lab.dir, file ?? '/')).toMatch(/^pki\//);
      expect(statSync(ca?.servingKeyFile ?? '').mode & 0o777).toBe(0o600);
      expect(statSync(path.join(ca?.cacertsDir ?? '', 'ca-key.pem')).mode & 0o777).toBe(0o600);
    }
    const prints = [rootOf('tcm'), rootOf('primary'), fingerprintOf(readFileSync(lab.caFile, 'utf8'))];
    expect(new Set(prints).size).toBe(3);
  });

  it.each(NAMES)('every istiod of %s signs with the plugged-in CA, never a self-signed one', (name) => {
    for (const revision of REVISIONS[name]) expect(pluggedCaStarts(name, revision), `istiod-${revision} in ${name}`).toEqual({ plugged: 1, selfSigned: 0 });
  });

  it('controlPlaneRoots + compareRoots: different roots between the clusters (untrusted), one root within primary (trusted)', async () => {
    const tcm = await rootsIn('tcm');
    const primary = await rootsIn('primary');
    expect(Object.keys(tcm)).toEqual(['1-18-5']);
    expect(Object.keys(primary).sort()).toEqual(['1-31-1', 'canary']);
    for (const [name, roots] of [['tcm', tcm], ['primary', primary]] as const) {
      for (const r of Object.values(roots)) {
        expect(r.evidence[0]).toMatchObject({ source: 'injector-caBundle' });
        expect(r.evidence[0]?.certificates.map((c) => c.fingerprint), `${name} ${r.revision}`).toEqual([rootOf(name)]);
      }
    }

    const across = compareRoots(tcm['1-18-5']!, primary['1-31-1']!);
    expect(across.trusted).toBe(false);
    expect(across.message).toMatch(/^the control planes sign with different roots/);
    expect(across.message).toContain('revision 1-18-5: O=meshferry, CN=meshferry-lab-mesh-ca-tcm');
    expect(across.message).toContain('revision 1-31-1: O=meshferry, CN=meshferry-lab-mesh-ca-primary');

    const within = compareRoots(primary['1-31-1']!, primary.canary!);
    expect(within.trusted, within.message).toBe(true);
    expect(within.message).toContain('CN=meshferry-lab-mesh-ca-primary');
  });

  it.each(NAMES)('the istio-ca-root-cert ConfigMap istiod publishes in %s carries that cluster\'s root', async (name) => {
    const client = clusters[name].client;
    const cms = client.discovery.resourceFor('', 'ConfigMap')!;
    for (const ns of ['shop', 'istio-system']) {
      // istiod's namespace controller writes it shortly after the namespace appears.
      const pem = await until(async () => {
        const cm = await client.get(cms, ns, 'istio-ca-root-cert');
        return isPlainObject(cm?.data) && typeof cm.data['root-cert.pem'] === 'string' ? cm.data['root-cert.pem'] : undefined;
      });
      expect(fingerprintOf(pem), `${name}/${ns}`).toBe(rootOf(name));
    }
  });

  it.each(NAMES)('injection still works in %s: a dry-run Pod of each revision gets its sidecar', async (name) => {
    for (const revision of REVISIONS[name]) {
      const proof = await proveInjection(clusters[name].client, { namespace: 'shop', namespaceLabels: { 'istio.io/rev': revision }, expectRevision: revision });
      expect(proof, JSON.stringify(proof)).toMatchObject({ ok: true, revision });
    }
  });

  it('lab istiod stop|start keeps the cluster\'s own CA: the restarted istiod patches its caBundle back to primary\'s root and injects', async () => {
    const config = 'istio-sidecar-injector-canary';
    const stop = runCli(['lab', 'istiod', 'stop', '--dir', dir, '--revision', 'canary', '--cluster', 'primary']);
    expect(stop.code, stop.stderr).toBe(0);
    // While it is down, point its caBundle at the lab CA: only an istiod that serves with primary's CA and patches
    // its own root back makes injection work again, so the start below proves which CA it came back with.
    const client = clusters.primary.client;
    const mwcRes = client.discovery.resourceFor('admissionregistration.k8s.io', 'MutatingWebhookConfiguration')!;
    const count = (await injectorBundles('primary', config)).length;
    expect(count).toBeGreaterThan(0);
    const labCa = Buffer.from(readFileSync(lab.caFile, 'utf8')).toString('base64');
    await client.patch(mwcRes, undefined, config, Array.from({ length: count }, (_, i) => ({ op: 'replace' as const, path: `/webhooks/${i}/clientConfig/caBundle`, value: labCa })), 'json');
    expect(new Set(await injectorBundles('primary', config))).toEqual(new Set([fingerprintOf(readFileSync(lab.caFile, 'utf8'))]));

    const start = runCli(['lab', 'istiod', 'start', '--dir', dir, '--revision', 'canary', '--cluster', 'primary']);
    expect(start.code, start.stderr).toBe(0);
    expect(new Set(await injectorBundles('primary', config))).toEqual(new Set([rootOf('primary')]));
    expect(pluggedCaStarts('primary', 'canary')).toEqual({ plugged: 2, selfSigned: 0 });
    expect(await proveInjection(client, { namespace: 'shop', namespaceLabels: { 'istio.io/rev': 'canary' }, expectRevision: 'canary' })).toMatchObject({ ok: true });
    const after = await rootsIn('primary');
    expect(compareRoots(after['1-31-1']!, after.canary!).trusted).toBe(true);
  });
});
