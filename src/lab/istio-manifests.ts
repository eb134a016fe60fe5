// The in-cluster half of an istiod revision, rendered by the real `istioctl manifest generate` and pointed at loopback.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { LabError } from '../errors.js';
import { cloneJson, isPlainObject } from '../resources/object.js';
import type { KubeObject } from '../resources/object.js';
import { writeFileAtomic } from '../resources/yaml-write.js';

const execFileAsync = promisify(execFile);

export const ISTIO_NAMESPACE = 'istio-system';

export interface IstiodInstall {
  /** A DNS label; `default` installs the unsuffixed revision (istiod, istio-sidecar-injector, ...). */
  revision: string;
  /**
   * This revision serves `istio-injection=enabled` and validates config that names no revision: for `default`
   * itself through its own webhooks, for any other revision through the `default` revision tag, the same
   * objects `istioctl install` creates on a cluster without Istio.
   */
  isDefault: boolean;
  /** Written into the mesh (CLUSTER_ID of injected proxies). */
  clusterName: string;
}

/** The IstioOperator that `istioctl manifest generate -f` renders for one lab revision (profile minimal). */
export function istioOperatorFor(install: IstiodInstall): string {
  const named = install.revision !== 'default';
  const values: Record<string, unknown> = {
    defaultRevision: install.isDefault ? install.revision : '',
    global: { istioNamespace: ISTIO_NAMESPACE, multiCluster: { clusterName: install.clusterName } },
  };
  if (install.isDefault && named) values.revisionTags = ['default'];
  return stringify({
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    metadata: { namespace: ISTIO_NAMESPACE },
    spec: { profile: 'minimal', ...(named ? { revision: install.revision } : {}), values },
  });
}

/** Parses istioctl's multi-document output into objects (comments and empty documents dropped). */
export function parseManifests(yamlText: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new LabError(`istioctl produced unparsable YAML: ${doc.errors[0]?.message ?? ''}`);
    const obj: unknown = doc.toJS();
    if (isPlainObject(obj) && typeof obj.kind === 'string' && isPlainObject(obj.metadata)) out.push(obj as KubeObject);
  }
  return out;
}

/**
 * Runs `istioctl manifest generate` for the revision and returns the objects. The output depends only on the
 * IstioOperator and the istioctl binary, so it is cached (as JSON, quick to read) under the binaries cache:
 * rendering the charts and parsing the YAML cost seconds per revision on two cores.
 */
export async function generateIstiodManifests(istioctl: string, cacheDir: string, install: IstiodInstall): Promise<KubeObject[]> {
  const iop = istioOperatorFor(install);
  const hash = createHash('sha256').update(istioctl).update('\0').update(iop).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, 'manifests');
  const base = path.join(dir, `${install.revision}-${hash}`);
  try {
    const parsed: unknown = JSON.parse(await readFile(`${base}.json`, 'utf8'));
    if (Array.isArray(parsed) && parsed.length > 0) return parsed as KubeObject[];
  } catch {
    // Not cached yet.
  }
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(`${base}.iop.yaml`, iop);
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(istioctl, ['manifest', 'generate', '-f', `${base}.iop.yaml`], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, KUBECONFIG: '/dev/null' }, // rendering must not look at any cluster
    }));
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new LabError(`istioctl manifest generate failed for revision ${install.revision}: ${e.stderr?.trim() || e.message}`, err);
  }
  const objects = parseManifests(stdout);
  if (objects.length === 0) throw new LabError(`istioctl manifest generate rendered nothing for revision ${install.revision}`);
  await writeFileAtomic(`${base}.yaml`, stdout);
  await writeFileAtomic(`${base}.json`, JSON.stringify(objects));
  return objects;
}

export interface LoopbackWebhook {
  /** istiod's webhook port on loopback. */
  httpsPort: number;
  /** The CA that signed istiod's serving certificate. */
  caPem: string;
}

/**
 * Adapts rendered objects to an istiod that runs outside the cluster: CRDs are dropped (the lab installs them
 * first), and every webhook that names the istiod Service is pointed at `https://localhost:<port><path>` with
 * the lab CA as caBundle. Validation keeps the chart's `failurePolicy: Ignore`; istiod's own webhook controller
 * switches it to Fail once a dry-run of invalid config is rejected, which is our readiness signal. Pure: the
 * input is not modified.
 */
export function adaptForLoopback(objects: readonly KubeObject[], target: LoopbackWebhook): KubeObject[] {
  const caBundle = Buffer.from(target.caPem).toString('base64');
  const out: KubeObject[] = [];
  for (const original of objects) {
    if (original.kind === 'CustomResourceDefinition') continue;
    const obj = cloneJson(original);
    if (obj.kind === 'MutatingWebhookConfiguration' || obj.kind === 'ValidatingWebhookConfiguration') {
      const hooks = Array.isArray(obj.webhooks) ? obj.webhooks : [];
      for (const hook of hooks) {
        if (!isPlainObject(hook) || !isPlainObject(hook.clientConfig)) continue;
        const cc = hook.clientConfig;
        if (isPlainObject(cc.service)) {
          const p = typeof cc.service.path === 'string' && cc.service.path !== '' ? cc.service.path : '/';
          delete cc.service;
          cc.url = `https://localhost:${target.httpsPort}${p.startsWith('/') ? p : `/${p}`}`;
        }
        cc.caBundle = caBundle;
      }
    }
    out.push(obj);
  }
  return out;
}
