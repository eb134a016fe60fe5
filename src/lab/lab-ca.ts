// The lab's certificate authorities: the one lab CA (API servers, and istiods by default) and, with
// `istiodCa: 'per-cluster'`, one mesh CA per cluster that its istiods plug in as their own (istio's `cacerts` layout).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LabPki } from './cluster.js';
import type { LabMeshCa } from './state.js';
import { issueCertificate } from './x509.js';
import type { PemPair } from './x509.js';

/** How a lab's istiods get their CA: the one lab CA everywhere (default), or one of its own per cluster. */
export type IstiodCaMode = 'shared' | 'per-cluster';
export const ISTIOD_CA_MODES: readonly IstiodCaMode[] = ['shared', 'per-cluster'];

/** A CA certificate with its key and the subject it signs as. */
interface LabCa extends PemPair {
  commonName: string;
  organization: string;
}

/** Issues a self-signed CA, the one way the lab makes every CA. */
function issueLabCa(commonName: string): LabCa {
  const subject = { commonName, organization: 'meshferry' };
  return { ...issueCertificate({ ...subject, isCA: true }), ...subject };
}

/** The Service names the chart gives each revision's istiod (`istiod`, `istiod-<rev>`), short and fully qualified. */
function istiodServiceHosts(revisions: readonly string[]): string[] {
  return revisions.flatMap((r) => {
    const svc = r === 'default' ? 'istiod' : `istiod-${r}`;
    return [`${svc}.istio-system.svc`, `${svc}.istio-system.svc.cluster.local`];
  });
}

const unique = (hosts: readonly string[]) => hosts.filter((h, i, all) => all.indexOf(h) === i);

/** The lab CA and one serving certificate for every API server and istiod (all on loopback), under `<dir>/pki`. */
export async function writePki(dir: string, clusters: readonly string[], revisions: readonly string[]): Promise<LabPki> {
  const pkiDir = path.join(dir, 'pki');
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  const ca = issueLabCa('meshferry-lab-ca');
  const serving = issueCertificate(
    {
      commonName: 'meshferry-lab',
      hosts: unique([
        'localhost',
        '127.0.0.1',
        '::1',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        '10.96.0.1',
        'istiod.istio-system.svc',
        ...istiodServiceHosts(revisions),
        ...clusters.map((c) => `${c}.lab.meshferry.local`),
      ]),
    },
    ca,
  );
  const pki: LabPki = {
    caFile: path.join(pkiDir, 'ca.crt'),
    caPem: ca.certPem,
    servingCertFile: path.join(pkiDir, 'serving.crt'),
    servingKeyFile: path.join(pkiDir, 'serving.key'),
  };
  await writeFile(pki.caFile, ca.certPem, { mode: 0o644 });
  await writeFile(path.join(pkiDir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  await writeFile(pki.servingCertFile, serving.certPem, { mode: 0o644 });
  await writeFile(pki.servingKeyFile, serving.keyPem, { mode: 0o600 });
  return pki;
}

/**
 * One cluster's own mesh CA, under `<dir>/pki/<cluster>/`, for istiods that plug it in:
 * - `cacerts/` is the folder istiod reads through ROOT_CA_DIR, in the istiod file format of a plugged-in CA
 *   (`ca-cert.pem`, `ca-key.pem`, `root-cert.pem`, `cert-chain.pem`; istio `pilot/pkg/bootstrap/istio_ca.go`
 *   `detectSigningCABundleAndCRL`, names in `security/pkg/pki/ca/ca.go`). The root signs workloads itself, so
 *   ca-cert, root-cert and cert-chain all hold it: `util.Verify` accepts a signing cert that is its own root, and
 *   `NewPluggedCertIstioCAOptions` only asks that it be a CA.
 * - `istiod.crt|key` is istiod's webhook serving certificate, signed by that root, so the caBundle istiod patches
 *   into its webhooks and the `istio-ca-root-cert` it publishes (both from `--caCertFile`, istio
 *   `pilot/pkg/bootstrap/certcontroller.go` `initFileCertificateWatches`) are this cluster's root.
 * Keys are 0600 in 0700 folders and are never read back by meshferry.
 */
export async function writeMeshCa(dir: string, cluster: string, revisions: readonly string[]): Promise<LabMeshCa> {
  const clusterDir = path.join(dir, 'pki', cluster);
  const cacertsDir = path.join(clusterDir, 'cacerts');
  await mkdir(cacertsDir, { recursive: true, mode: 0o700 });
  const root = issueLabCa(`meshferry-lab-mesh-ca-${cluster}`);
  const serving = issueCertificate(
    { commonName: `meshferry-lab-istiod-${cluster}`, hosts: unique(['localhost', '127.0.0.1', '::1', 'istiod.istio-system.svc', ...istiodServiceHosts(revisions)]) },
    root,
  );
  const ca: LabMeshCa = {
    rootCertFile: path.join(cacertsDir, 'root-cert.pem'),
    cacertsDir,
    servingCertFile: path.join(clusterDir, 'istiod.crt'),
    servingKeyFile: path.join(clusterDir, 'istiod.key'),
  };
  await writeFile(ca.rootCertFile, root.certPem, { mode: 0o644 });
  await writeFile(path.join(cacertsDir, 'ca-cert.pem'), root.certPem, { mode: 0o644 });
  await writeFile(path.join(cacertsDir, 'cert-chain.pem'), root.certPem, { mode: 0o644 });
  await writeFile(path.join(cacertsDir, 'ca-key.pem'), root.keyPem, { mode: 0o600 });
  await writeFile(ca.servingCertFile, serving.certPem, { mode: 0o644 });
  await writeFile(ca.servingKeyFile, serving.keyPem, { mode: 0o600 });
  return ca;
}
