// The per-cluster istiod CA: istio's plugged-in `cacerts` files, a serving cert its root signs, private keys, a
// record in lab.json that survives a read, and an istiod that refuses to start when the files are gone.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../errors.js';
import { ClusterRun } from './cluster.js';
import type { ClusterContext } from './cluster.js';
import { istiodTls, startIstiod } from './istiod.js';
import { writeMeshCa, writePki } from './lab-ca.js';
import { LAB_STATE_VERSION, readLabState, writeLabState } from './state.js';
import type { LabCluster, LabState } from './state.js';

const root = mkdtempSync(path.join(tmpdir(), 'lab-ca-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cert = (file: string) => new X509Certificate(readFileSync(file, 'utf8'));
const mode = (file: string) => statSync(file).mode & 0o777;

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const labCluster = (name: string, port: number, meshCa?: LabCluster['meshCa']): LabCluster => ({
  name,
  context: name,
  server: `https://127.0.0.1:${port}`,
  token: 't',
  bare: false,
  nodes: 1,
  etcd: { clientPort: port + 1, peerPort: port + 2 },
  istiods: [
    {
      revision: 'canary',
      isDefault: true,
      ports: { http: port + 10, grpc: port + 11, secureGrpc: port + 12, https: port + 13, monitoring: port + 14, ctrlz: port + 15 },
      injectionUrl: `https://localhost:${port + 13}/inject`,
      validationUrl: `https://localhost:${port + 13}/validate`,
    },
  ],
  ...(meshCa ? { meshCa } : {}),
});

describe('writeMeshCa', () => {
  it('writes istio\'s plugged-in CA files, whose root is a CA and signs a loopback serving cert for istiod', async () => {
    const dir = mkdtempSync(path.join(root, 'lab-'));
    const ca = await writeMeshCa(dir, 'tcm', ['1-18-5', 'default']);
    expect(ca).toEqual({
      rootCertFile: path.join(dir, 'pki/tcm/cacerts/root-cert.pem'),
      cacertsDir: path.join(dir, 'pki/tcm/cacerts'),
      servingCertFile: path.join(dir, 'pki/tcm/istiod.crt'),
      servingKeyFile: path.join(dir, 'pki/tcm/istiod.key'),
    });
    // Only istio's four file names in cacerts (a tls.crt there would switch istiod to the kubernetes.io/tls layout).
    expect(filesUnder(dir)).toEqual(['pki/tcm/cacerts/ca-cert.pem', 'pki/tcm/cacerts/ca-key.pem', 'pki/tcm/cacerts/cert-chain.pem', 'pki/tcm/cacerts/root-cert.pem', 'pki/tcm/istiod.crt', 'pki/tcm/istiod.key']);
    const rootCert = cert(ca.rootCertFile);
    expect(rootCert.ca).toBe(true);
    expect(rootCert.subject).toContain('CN=meshferry-lab-mesh-ca-tcm');
    expect(rootCert.checkIssued(rootCert)).toBe(true);
    for (const f of ['ca-cert.pem', 'cert-chain.pem']) expect(cert(path.join(ca.cacertsDir, f)).fingerprint256).toBe(rootCert.fingerprint256);

    const serving = cert(ca.servingCertFile);
    expect(serving.ca).toBe(false);
    expect(serving.checkIssued(rootCert)).toBe(true);
    expect(serving.verify(rootCert.publicKey)).toBe(true);
    expect(serving.checkHost('localhost')).toBe('localhost');
    expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(serving.checkHost('istiod-1-18-5.istio-system.svc')).toBe('istiod-1-18-5.istio-system.svc');
    expect(serving.checkHost('istiod.istio-system.svc.cluster.local')).toBe('istiod.istio-system.svc.cluster.local');

    for (const key of ['pki/tcm/cacerts/ca-key.pem', 'pki/tcm/istiod.key']) expect(mode(path.join(dir, key))).toBe(0o600);
    for (const folder of ['pki', 'pki/tcm', 'pki/tcm/cacerts']) expect(mode(path.join(dir, folder))).toBe(0o700);
  });

  it('gives two clusters different roots, both different from the lab CA', async () => {
    const dir = mkdtempSync(path.join(root, 'lab-'));
    const pki = await writePki(dir, ['tcm', 'primary'], ['1-18-5', '1-31-1']);
    const tcm = await writeMeshCa(dir, 'tcm', ['1-18-5']);
    const primary = await writeMeshCa(dir, 'primary', ['1-31-1']);
    const prints = [pki.caFile, tcm.rootCertFile, primary.rootCertFile].map((f) => cert(f).fingerprint256);
    expect(new Set(prints).size).toBe(3);
    // Each serving cert chains to its own cluster's root only.
    expect(cert(tcm.servingCertFile).verify(cert(tcm.rootCertFile).publicKey)).toBe(true);
    expect(cert(tcm.servingCertFile).verify(cert(primary.rootCertFile).publicKey)).toBe(false);
    expect(cert(tcm.servingCertFile).verify(cert(pki.caFile).publicKey)).toBe(false);
  });
});

describe('istiodTls', () => {
  const pki = { caFile: '/l/pki/ca.crt', caPem: '', servingCertFile: '/l/pki/serving.crt', servingKeyFile: '/l/pki/serving.key' };
  it('uses the lab CA for a cluster without a mesh CA, and no cacerts (istiod then makes its own)', () => {
    expect(istiodTls(labCluster('east', 40000), pki)).toEqual({ caFile: '/l/pki/ca.crt', servingCertFile: '/l/pki/serving.crt', servingKeyFile: '/l/pki/serving.key' });
  });
  it('uses the cluster\'s own CA for serving, caBundle and signing when it has one', () => {
    const meshCa = { rootCertFile: '/l/pki/east/cacerts/root-cert.pem', cacertsDir: '/l/pki/east/cacerts', servingCertFile: '/l/pki/east/istiod.crt', servingKeyFile: '/l/pki/east/istiod.key' };
    expect(istiodTls(labCluster('east', 40000, meshCa), pki)).toEqual({
      caFile: '/l/pki/east/cacerts/root-cert.pem',
      servingCertFile: '/l/pki/east/istiod.crt',
      servingKeyFile: '/l/pki/east/istiod.key',
      cacertsDir: '/l/pki/east/cacerts',
    });
  });
});

describe('lab.json with per-cluster CAs', () => {
  const state = (dir: string, meshCa: LabCluster['meshCa']): LabState => ({
    apiVersion: LAB_STATE_VERSION,
    dir,
    createdAt: '2026-01-01T00:00:00.000Z',
    kubeconfig: path.join(dir, 'kubeconfig'),
    caFile: path.join(dir, 'pki', 'ca.crt'),
    istiodCa: 'per-cluster',
    ready: true,
    clusters: [labCluster('tcm', 40000, meshCa)],
    processes: [],
  });

  it('records the mode and each cluster\'s CA files (paths, no key material), and reads them back', async () => {
    const dir = mkdtempSync(path.join(root, 'lab-'));
    const meshCa = await writeMeshCa(dir, 'tcm', ['canary']);
    await writeLabState(state(dir, meshCa));
    const text = readFileSync(path.join(dir, 'lab.json'), 'utf8');
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    const back = await readLabState(dir);
    expect(back?.istiodCa).toBe('per-cluster');
    expect(back?.clusters[0]?.meshCa).toEqual(meshCa);
  });

  it('refuses an unknown istiodCa mode as a damaged lab.json', async () => {
    const dir = mkdtempSync(path.join(root, 'lab-'));
    await writeLabState({ ...state(dir, undefined), istiodCa: 'mixed' as 'shared' });
    await expect(readLabState(dir)).rejects.toThrow(/lab\.json is not a meshferry lab state \(\/istiodCa must be equal to one of the allowed values\)/);
  });
});

describe('startIstiod with a cluster CA whose files are gone', () => {
  it('refuses with LabError naming the missing files, and starts nothing (istiod would quietly sign with another root)', async () => {
    const dir = mkdtempSync(path.join(root, 'lab-'));
    const pki = await writePki(dir, ['tcm'], ['canary']);
    const meshCa = await writeMeshCa(dir, 'tcm', ['canary']);
    await rm(path.join(meshCa.cacertsDir, 'ca-key.pem'));
    const cluster = labCluster('tcm', 40000, meshCa);
    const tracked: unknown[] = [];
    const ctx = {
      labDir: dir,
      binaries: { paths: { 'pilot-discovery': '/nonexistent/pilot-discovery' } },
      pki,
      timeoutMs: 1000,
      log: () => undefined,
      step: () => undefined,
      aborted: () => false,
      track: async (p: unknown) => void tracked.push(p),
    } as unknown as ClusterContext;
    const run = new ClusterRun(cluster, 40000, ctx);
    try {
      const started = startIstiod(run, ctx, cluster.istiods[0]!);
      await expect(started).rejects.toThrow(LabError);
      await expect(started).rejects.toThrow(`cluster tcm: the istiod CA files that lab up wrote are missing (${path.join(meshCa.cacertsDir, 'ca-key.pem')})`);
    } finally {
      run.settle();
      run.kube.close();
    }
    expect(tracked).toEqual([]);
  });
});
