// The Gateway API CRDs (standard channel) in every lab cluster, read at start from the sigs.k8s.io/gateway-api
// module at the version Istio pins (lab/go/istio/go.mod), so httproute routers are tested against the real schema.
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import jsyaml from 'js-yaml';
import { LabError } from '../errors.js';
import { discover } from '../kube/discovery.js';
import { isPlainObject } from '../resources/object.js';
import { GO_YAML_SCHEMA } from '../resources/yaml-fast.js';
import { writeFileAtomic } from '../resources/yaml-write.js';
import { LAB_SOURCE_DIR } from './binaries.js';
import { servedKinds, type ClusterContext, type ClusterRun } from './cluster.js';

const execFileAsync = promisify(execFile);

let crdDir: Promise<string> | undefined;

/**
 * The module's `config/crd/standard` folder, as lab/build.sh finds it (downloading the module when missing):
 * one place knows where Go keeps modules and which version Istio pins.
 */
export function gatewayApiCrdDir(): Promise<string> {
  crdDir ??= execFileAsync('bash', [path.join(LAB_SOURCE_DIR, 'build.sh'), '--gateway-api-dir'])
    .then(({ stdout }) => stdout.trim())
    .catch((err: unknown) => {
      crdDir = undefined;
      const e = err as { stderr?: string; message?: string };
      throw new LabError(`cannot find the Gateway API CRDs (lab/build.sh --gateway-api-dir): ${(e.stderr ?? e.message ?? String(err)).trim()}`, err);
    });
  return crdDir;
}

const parsed = new Map<string, Promise<Record<string, unknown>[]>>();

/**
 * The CustomResourceDefinitions in `dir` (other objects there, the safe-upgrades admission policy, are left out:
 * they guard upgrades of a real cluster, not a lab). Parsing 1.2 MB of YAML takes seconds on a busy machine, so a
 * JSON copy is kept in `cacheDir` per module version (the module folder itself is read-only and never changes).
 */
export function loadGatewayApiCrds(dir: string, cacheDir: string): Promise<Record<string, unknown>[]> {
  let hit = parsed.get(dir);
  if (!hit) {
    hit = readGatewayApiCrds(dir, cacheDir);
    parsed.set(dir, hit);
    hit.catch(() => parsed.delete(dir));
  }
  return hit;
}

async function readGatewayApiCrds(dir: string, cacheDir: string): Promise<Record<string, unknown>[]> {
  const version = /@(v[^/]+)/.exec(dir)?.[1] ?? 'unversioned';
  const json = path.join(cacheDir, 'gateway-api', `crds-${version}.json`);
  try {
    const cached: unknown = JSON.parse(await readFile(json, 'utf8'));
    if (Array.isArray(cached) && cached.length > 0) return cached.filter(isPlainObject);
  } catch {
    // Not cached yet.
  }
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const crds: Record<string, unknown>[] = [];
  for (const f of files) {
    let docs: unknown[];
    try {
      docs = jsyaml.loadAll(await readFile(path.join(dir, f), 'utf8'), undefined, { schema: GO_YAML_SCHEMA });
    } catch (err) {
      throw new LabError(`cannot read ${path.join(dir, f)}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    for (const d of docs) if (isPlainObject(d) && d.kind === 'CustomResourceDefinition') crds.push(d);
  }
  if (!crds.some((c) => isPlainObject(c.spec) && isPlainObject(c.spec.names) && c.spec.names.kind === 'HTTPRoute'))
    throw new LabError(`${dir} holds no HTTPRoute CustomResourceDefinition`);
  await writeFileAtomic(json, JSON.stringify(crds)).catch(() => undefined); // a read-only cache only costs time
  return crds;
}

/** Creates the Gateway API CRDs in one lab cluster and waits until discovery serves every kind. */
export async function installGatewayApiCrds(run: ClusterRun, ctx: ClusterContext): Promise<void> {
  const crds = await loadGatewayApiCrds(await gatewayApiCrdDir(), ctx.binaries.cacheDir);
  const resource = await run.kube.resource('apiextensions.k8s.io', 'CustomResourceDefinition');
  await Promise.all(crds.map((crd) => run.kube.create(resource, crd)));
  const wanted = servedKinds(crds);
  await run.wait(`${crds.length} Gateway API CRDs to be Established`, async () => {
    const served = await discover(run.kube.probe);
    return wanted.every((w) => served.resourceAt(w.group, w.version, w.kind)) ? true : undefined;
  });
  run.step('Gateway API CRDs Established');
  ctx.log(`lab: ${run.cluster.name}: Gateway API CRDs established`);
}
