// Runs istiod revisions (pilot-discovery) outside the cluster on loopback ports and waits until their webhooks work.
import { get as httpGet } from 'node:http';
import { access, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isPlainObject } from '../resources/object.js';
import { writeFileAtomic } from '../resources/yaml-write.js';
import { LabError } from '../errors.js';
import { mapLimit } from '../concurrency.js';
import { resourcePath } from '../kube/discovery.js';
import { KubeApiError } from '../kube/errors.js';
import { parseJsonBody } from '../kube/response.js';
import type { KubeObject } from '../resources/object.js';
import type { ClusterContext, ClusterRun, LabPki } from './cluster.js';
import { LAB_FIELD_MANAGER } from './lab-kube.js';
import { ISTIO_NAMESPACE, adaptForLoopback, generateIstiodManifests } from './istio-manifests.js';
import { LOOPBACK } from './ports.js';
import type { LabCluster, LabIstiod } from './state.js';

/** Names the chart gives a revision's objects: `istiod` for default, `istiod-<rev>` otherwise. */
export function revisionSuffix(revision: string): string {
  return revision === 'default' ? '' : `-${revision}`;
}

/** The certificate files the istiods of one cluster serve with, trust and sign with. */
export interface IstiodTls {
  /** Root of the serving certificate: the webhooks' caBundle and the `istio-ca-root-cert` istiod publishes. */
  caFile: string;
  servingCertFile: string;
  servingKeyFile: string;
  /** istiod's plugged-in CA folder (ROOT_CA_DIR); absent, istiod makes a self-signed CA (istio-ca-secret). */
  cacertsDir?: string;
}

/** The cluster's own mesh CA when it has one (`istiodCa: 'per-cluster'`), else the lab CA. */
export function istiodTls(cluster: LabCluster, pki: LabPki): IstiodTls {
  const own = cluster.meshCa;
  if (own) return { caFile: own.rootCertFile, servingCertFile: own.servingCertFile, servingKeyFile: own.servingKeyFile, cacertsDir: own.cacertsDir };
  return { caFile: pki.caFile, servingCertFile: pki.servingCertFile, servingKeyFile: pki.servingKeyFile };
}

/**
 * Refuses to start istiod when a file of its cluster's CA is gone: istiod would not fail but quietly fall back to a
 * self-signed CA (a `cacerts` folder missing files, istio `pilot/pkg/bootstrap/istio_ca.go` `createIstioCA`), and
 * the cluster's root would change under the tests.
 */
async function checkIstiodTls(cluster: string, tls: IstiodTls): Promise<void> {
  const files = [tls.caFile, tls.servingCertFile, tls.servingKeyFile];
  if (tls.cacertsDir) files.push(...['ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem'].map((f) => path.join(tls.cacertsDir ?? '', f)));
  const missing: string[] = [];
  await Promise.all(files.map((f) => access(f).catch(() => missing.push(f))));
  if (missing.length > 0)
    throw new LabError(`cluster ${cluster}: the istiod CA files that lab up wrote are missing (${missing.sort().join(', ')}); istiod would sign with another root. Start the lab again (lab down, lab up).`);
}

/** Renders, adapts and server-side-applies every revision's in-cluster objects (ConfigMaps, RBAC, webhooks). */
export async function applyIstiodManifests(run: ClusterRun, ctx: ClusterContext): Promise<void> {
  const tls = istiodTls(run.cluster, ctx.pki);
  const caPem = tls.caFile === ctx.pki.caFile ? ctx.pki.caPem : await readFile(tls.caFile, 'utf8');
  const docs = await Promise.all(
    run.cluster.istiods.map(async (ist) => {
      const raw = await generateIstiodManifests(ctx.binaries.paths.istioctl, ctx.binaries.cacheDir, {
        revision: ist.revision,
        isDefault: ist.isDefault,
        clusterName: run.cluster.name,
      });
      return adaptForLoopback(raw, { httpsPort: ist.ports.https, caPem });
    }),
  );
  // Kept for people debugging the lab: exactly what was applied (kubectl reads a JSON List like YAML).
  const file = path.join(run.dir, 'manifests', 'istiod.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs.flat() }, null, 1));
  await applyObjects(run, docs.flat());
}

/**
 * Server-side applies objects (field manager meshferry-lab, conflicts forced) through src/kube, all at once: the
 * objects a chart renders do not depend on each other's existence. Every failure is collected into one error.
 */
async function applyObjects(run: ClusterRun, objects: readonly KubeObject[]): Promise<void> {
  const client = await run.kube.objects();
  const problems: string[] = [];
  await mapLimit(objects, 16, async (obj) => {
    try {
      // Warn, as `istioctl install` applies them: the API server's default for a request without fieldValidation.
      await client.apply(obj, { fieldManager: LAB_FIELD_MANAGER, force: true, fieldValidation: 'Warn' });
    } catch (err) {
      const id = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
      problems.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  if (problems.length > 0) throw new LabError(`server-side apply failed for ${problems.length} object(s) in cluster ${run.cluster.name}:\n  ${problems.sort().join('\n  ')}`);
}

/**
 * Starts pilot-discovery for one revision; every port on 127.0.0.1, serving certs from the cluster's own CA when it
 * has one (then also its mesh CA, as a plugged-in `cacerts`), else from the lab CA.
 */
export async function startIstiod(run: ClusterRun, ctx: ClusterContext, ist: LabIstiod): Promise<void> {
  const suffix = revisionSuffix(ist.revision);
  const tls = istiodTls(run.cluster, ctx.pki);
  await checkIstiodTls(run.cluster.name, tls);
  const cwd = path.join(run.dir, `istiod-${ist.revision}`);
  // An empty working folder: no ./etc/istio/config/mesh or ./var/lib/istio/inject, so istiod reads the mesh and
  // injection templates from the ConfigMaps istioctl rendered, as it does in a cluster.
  await mkdir(cwd, { recursive: true });
  const p = ist.ports;
  await run.start(`istiod-${ist.revision}`, ctx.binaries.paths['pilot-discovery'], [
    'discovery',
    `--kubeconfig=${run.kubeconfig}`,
    `--httpAddr=${LOOPBACK}:${p.http}`,
    `--grpcAddr=${LOOPBACK}:${p.grpc}`,
    `--secureGRPCAddr=${LOOPBACK}:${p.secureGrpc}`,
    `--httpsAddr=${LOOPBACK}:${p.https}`,
    `--monitoringAddr=${LOOPBACK}:${p.monitoring}`,
    `--ctrlz_port=${p.ctrlz}`,
    `--ctrlz_address=${LOOPBACK}`,
    `--tlsCertFile=${tls.servingCertFile}`,
    `--tlsKeyFile=${tls.servingKeyFile}`,
    `--caCertFile=${tls.caFile}`,
    `--clusterID=${run.cluster.name}`,
    '--domain=cluster.local',
    '--shutdownDuration=1s',
  ], {
    cwd,
    env: {
      POD_NAMESPACE: ISTIO_NAMESPACE,
      POD_NAME: `istiod${suffix}-lab`,
      SERVICE_ACCOUNT: `istiod${suffix}`,
      REVISION: ist.revision,
      CLUSTER_ID: run.cluster.name,
      KUBECONFIG: run.kubeconfig,
      PILOT_CERT_PROVIDER: 'istiod',
      // The API server reaches the webhooks at https://localhost:<port>; the serving cert is valid for it.
      ISTIOD_CUSTOM_HOST: 'localhost',
      INJECTION_WEBHOOK_CONFIG_NAME: `istio-sidecar-injector${suffix}`,
      VALIDATION_WEBHOOK_CONFIG_NAME: `istio-validator${suffix}-${ISTIO_NAMESPACE}`,
      PILOT_ENABLE_ANALYSIS: 'false',
      GOMAXPROCS: '2',
      // The cluster's own CA as a plugged-in `cacerts` (istio `pilot/pkg/bootstrap/istio_ca.go`, LocalCertDir).
      // Without it istiod's default ./etc/cacerts is absent from the empty working folder, so it signs with a
      // self-signed CA of its own (the Secret istio-system/istio-ca-secret).
      ...(tls.cacertsDir ? { ROOT_CA_DIR: tls.cacertsDir } : {}),
    },
  });
}

/** Status of a plain-http GET to a loopback port (istiod's /ready), 0 when nothing answers. */
export function loopbackHttpStatus(port: number, urlPath: string, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve) => {
    const req = httpGet({ host: LOOPBACK, port, path: urlPath, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * Waits until a revision serves both webhooks for real:
 * - `/ready` on its HTTP port;
 * - its ValidatingWebhookConfigurations switched to `failurePolicy: Fail` (istiod does that only after the API
 *   server rejected a dry-run of invalid config through its webhook);
 * - a dry-run Pod labelled `istio.io/rev=<rev>` comes back from the API server with the injected istio-proxy.
 */
export async function waitIstiodReady(run: ClusterRun, ist: LabIstiod): Promise<void> {
  const what = `istiod ${ist.revision}`;
  await run.wait(`${what} /ready`, async () => ((await loopbackHttpStatus(ist.ports.http, '/ready')) === 200 ? true : undefined));
  run.step(`${what} /ready`);
  const client = await run.kube.objects();
  const vwc = await run.kube.resource('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration');
  const pods = await run.kube.resource('', 'Pod');
  let poked = 0;
  await run.wait(`${what} validation webhook (failurePolicy Fail)`, async () => {
    const configs = await client.list(vwc, { labelSelector: `istio.io/rev=${ist.revision}` });
    const hooks = configs.flatMap((c) => (Array.isArray(c.webhooks) ? (c.webhooks as unknown[]) : []));
    if (hooks.length > 0 && hooks.every((h) => isPlainObject(h) && h.failurePolicy === 'Fail')) return true;
    // istiod retries its dry-run with exponential backoff (up to a minute) while its webhook server starts; a
    // harmless annotation change makes its controller look again at once instead of at the next backoff step.
    if (Date.now() - poked > 1000) {
      poked = Date.now();
      await Promise.all(
        configs.map((c) =>
          run.kube.transport.request({
            method: 'PATCH',
            path: resourcePath(vwc, undefined, c.metadata.name),
            contentType: 'application/merge-patch+json',
            body: JSON.stringify({ metadata: { annotations: { 'meshferry.dev/lab-readiness-check': String(poked) } } }),
            what: `annotate ValidatingWebhookConfiguration ${c.metadata.name}`,
          }),
        ),
      );
    }
    return undefined;
  });
  run.step(`${what} validation webhook Fail`);
  await run.wait(`${what} sidecar injection`, async () => {
    const probe = 'dry-run create an injection probe Pod';
    try {
      const r = await run.kube.probe.request({ method: 'POST', path: resourcePath(pods, 'default'), query: { dryRun: 'All' }, body: JSON.stringify(probePod(ist.revision)), what: probe });
      return injectedContainerNames(parseJsonBody(run.cluster.name, probe, r.body)).includes('istio-proxy') ? true : undefined;
    } catch (err) {
      // The injector answers errors while it starts; those are "not yet".
      if (err instanceof KubeApiError) return undefined;
      throw err;
    }
  });
  run.step(`${what} injects sidecars`);
}

function probePod(revision: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `meshferry-lab-injection-probe`, namespace: 'default', labels: { app: 'probe', 'istio.io/rev': revision } },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
  };
}

/** Names of containers and init containers of a Pod object (native sidecars sit in initContainers). */
export function injectedContainerNames(pod: unknown): string[] {
  if (!isPlainObject(pod) || !isPlainObject(pod.spec)) return [];
  const spec = pod.spec;
  const names = (list: unknown) =>
    (Array.isArray(list) ? list : []).flatMap((c) => (isPlainObject(c) && typeof c.name === 'string' ? [c.name] : []));
  return [...names(spec.initContainers), ...names(spec.containers)];
}
