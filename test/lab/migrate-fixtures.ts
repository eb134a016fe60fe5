// Shared set-up for migrate lab tests: a lab with revisions default and canary, workloads on default, and readers of what a migration changes.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Cluster } from '../../src/kube/cluster.js';
import type { KubeObject } from '../../src/resources/object.js';
import { podInjection } from '../../src/migrate/cluster/injection.js';
import { eventually } from './lab-kubectl.js';
import type { KubectlResult } from './lab-kubectl.js';

export type Kubectl = (context: string, args: readonly string[], input?: string) => KubectlResult;

export const ok = (r: KubectlResult): string => {
  if (r.code !== 0) throw new Error(`kubectl failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
};

/** A namespace on the default revision (istio-injection=enabled) with Deployments of `replicas` pods each. */
export function seedNamespace(kubectl: Kubectl, ns: string, deployments: readonly string[], replicas = 2): void {
  ok(kubectl('lab', ['create', 'namespace', ns]));
  ok(kubectl('lab', ['label', 'namespace', ns, 'istio-injection=enabled', 'team=shop']));
  for (const d of deployments) ok(kubectl('lab', ['-n', ns, 'create', 'deployment', d, '--image=registry.k8s.io/pause:3.10', `--replicas=${replicas}`]));
}

/** A gateway Deployment injected with the gateway template by its pod label istio.io/rev (namespace unlabelled). */
export function seedGateway(kubectl: Kubectl, ns: string, name: string, revision = 'default'): void {
  ok(kubectl('lab', ['create', 'namespace', ns]));
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { istio: name } },
      template: {
        metadata: { labels: { istio: name, 'sidecar.istio.io/inject': 'true', 'istio.io/rev': revision }, annotations: { 'inject.istio.io/templates': 'gateway' } },
        spec: { containers: [{ name: 'istio-proxy', image: 'auto' }] },
      },
    },
  };
  ok(kubectl('lab', ['apply', '-f', '-'], JSON.stringify(dep)));
}

/** Waits until every pod of the namespaces is Running, none is terminating, and each Deployment and StatefulSet has its replicas. */
export async function settled(cluster: Cluster, namespaces: readonly string[]): Promise<void> {
  const deps = cluster.discovery.resourceFor('apps', 'Deployment')!;
  const sets = cluster.discovery.resourceFor('apps', 'StatefulSet')!;
  const pods = cluster.discovery.resourceFor('', 'Pod')!;
  await eventually(`pods of ${namespaces.join(', ')} settled`, async () => {
    for (const ns of namespaces) {
      const list = await cluster.client.list(pods, { namespace: ns });
      if (list.some((p) => p.metadata.deletionTimestamp !== undefined || (p.status as { phase?: string } | undefined)?.phase !== 'Running')) return undefined;
      for (const d of [...(await cluster.client.list(deps, { namespace: ns })), ...(await cluster.client.list(sets, { namespace: ns }))]) {
        const want = Number((d.spec as { replicas?: number }).replicas ?? 1);
        const mine = list.filter((p) => Object.entries((d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).every(([k, v]) => p.metadata.labels?.[k] === v));
        if (mine.length !== want) return undefined;
      }
    }
    return true;
  }, 240_000);
}

/** A StatefulSet with updateStrategy OnDelete: its pods move only when deleted. */
export function seedOnDeleteStatefulSet(kubectl: Kubectl, ns: string, name: string, replicas = 2): void {
  const sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: ns },
    spec: { replicas, serviceName: name, updateStrategy: { type: 'OnDelete' }, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'registry.k8s.io/pause:3.10' }] } } },
  };
  ok(kubectl('lab', ['apply', '-f', '-'], JSON.stringify(sts)));
}

/** Namespace labels, pod templates and pods' revisions (per Deployment and StatefulSet, sorted): what a migration changes and rollback restores. */
export interface WorldView {
  namespaces: Record<string, Record<string, string>>;
  templates: Record<string, unknown>;
  revisions: Record<string, string[]>;
}

export async function worldView(cluster: Cluster, namespaces: readonly string[]): Promise<WorldView> {
  const nsRes = cluster.discovery.resourceFor('', 'Namespace')!;
  const deps = cluster.discovery.resourceFor('apps', 'Deployment')!;
  const sets = cluster.discovery.resourceFor('apps', 'StatefulSet')!;
  const pods = cluster.discovery.resourceFor('', 'Pod')!;
  const view: WorldView = { namespaces: {}, templates: {}, revisions: {} };
  for (const ns of namespaces) {
    view.namespaces[ns] = (await cluster.client.get(nsRes, undefined, ns))?.metadata.labels ?? {};
    const podList = await cluster.client.list(pods, { namespace: ns });
    for (const d of [...(await cluster.client.list(deps, { namespace: ns })), ...(await cluster.client.list(sets, { namespace: ns }))]) {
      const key = `${ns}/${d.metadata.name}`;
      view.templates[key] = (d.spec as { template: unknown }).template;
      const sel = (d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      view.revisions[key] = podList
        .filter((p: KubeObject) => p.metadata.deletionTimestamp === undefined && Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v))
        .map((p) => podInjection(p).revision ?? 'none')
        .sort();
    }
  }
  return view;
}

/** Writes a MeshMigration file and returns its path. */
export async function migrationFile(dir: string, name: string, spec: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, JSON.stringify({ apiVersion: 'meshferry.dev/v1alpha1', kind: 'MeshMigration', metadata: { name }, spec }, null, 2));
  return file;
}

/** Every file under an export folder (`meshferry export --output-dir`), relative path → text. */
export async function exportTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    out[path.relative(dir, file)] = await readFile(file, 'utf8');
  }
  return out;
}
