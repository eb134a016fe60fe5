// CRDs generated from meshferry's JSON Schemas, installed by ensureCrd into a real API server: accepted, served,
// storing the example files unchanged under Strict field validation, rejecting what the schema forbids, and a clear
// error for a user RBAC does not allow to install them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { ensureCrd } from '../../src/kube/crd.js';
import { KubeApiError } from '../../src/kube/errors.js';
import { ClusterError } from '../../src/errors.js';
import { crdFromSchema } from '../../src/resources/crd-from-schema.js';
import type { KubeObject } from '../../src/resources/object.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { impersonatingKubeconfig } from './impersonation.js';

const REPO = new URL('../../', import.meta.url);
const read = async (rel: string) => readFile(new URL(rel, REPO), 'utf8');

let lab: Lab;
let admin: Cluster;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-crd-'));
  lab = await startLab({ dir: path.join(tmp, 'lab'), clusters: ['c'], bare: true });
  admin = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'c' });
});

afterAll(async () => {
  admin?.close();
  await lab?.stop({ purge: true });
  await rm(tmp, { recursive: true, force: true });
});

const KINDS = [
  { file: 'schemas/transform-rules.schema.json', kind: 'TransformRules', plural: 'transformrules', example: 'examples/tcm-to-istio.rules.yaml' },
  { file: 'schemas/mesh-topology.schema.json', kind: 'MeshTopology', plural: 'meshtopologies', example: 'examples/topology-tcm-replacement.yaml' },
] as const;

describe('ensureCrd with CRDs from crdFromSchema', () => {
  for (const k of KINDS) {
    it(`installs ${k.kind}, serves it, and stores ${k.example} unchanged under Strict validation`, async () => {
      const crd = crdFromSchema(JSON.parse(await read(k.file)), { group: 'meshferry.dev', version: 'v1alpha1', kind: k.kind, plural: k.plural, scope: 'Namespaced' });
      const served = await ensureCrd(admin.client, crd);
      expect(served).toMatchObject({ group: 'meshferry.dev', version: 'v1alpha1', kind: k.kind, plural: k.plural, namespaced: true });
      // A second call is a no-op that answers the same.
      expect(await ensureCrd(admin.client, crd)).toEqual(served);

      const doc = parse(await read(k.example)) as KubeObject;
      const obj: KubeObject = { ...doc, metadata: { ...doc.metadata, namespace: 'default' } };
      const res = await admin.client.apply(obj, { fieldValidation: 'Strict' });
      expect(res.warnings).toEqual([]);
      const { apiVersion: _a, kind: _k, metadata: _m, ...body } = doc;
      const { apiVersion: _a2, kind: _k2, metadata: _m2, ...stored } = (await admin.client.get(served, 'default', doc.metadata.name)) ?? { metadata: {} };
      expect(stored).toEqual(body);

      // The status subresource takes anything meshferry writes.
      const status = { phase: 'Migrating', waves: [{ name: 'a', state: 'Done', counts: { restarted: 3 } }] };
      await admin.client.patch(served, 'default', doc.metadata.name, { status }, 'merge', { subresource: 'status' });
      expect((await admin.client.get(served, 'default', doc.metadata.name))?.status).toEqual(status);
    });
  }

  it('keeps the schema\'s validations: a mapHost rule with `from` but no `to` is rejected by the API server', async () => {
    const crd = crdFromSchema(JSON.parse(await read(KINDS[0].file)), { group: 'meshferry.dev', version: 'v1alpha1', kind: 'TransformRules', plural: 'transformrules', scope: 'Namespaced' });
    await ensureCrd(admin.client, crd);
    const bad: KubeObject = { apiVersion: 'meshferry.dev/v1alpha1', kind: 'TransformRules', metadata: { name: 'bad', namespace: 'default' }, rules: [{ mapHost: { from: 'a.example.com' } }] };
    const err = await admin.client.create(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(422);
    expect((err as KubeApiError).serverMessage).toMatch(/mapHost/);
  });

  it('refuses with a ClusterError naming the permission when RBAC does not allow installing a CRD', async () => {
    // The admin token impersonating a user no role binds: authenticated, but allowed nothing beyond discovery.
    const file = await impersonatingKubeconfig(lab.kubeconfigPath, path.join(tmp, 'jane.kubeconfig'), 'jane');
    const jane = await openCluster({ kubeconfig: file, context: 'c' });
    try {
      const crd = crdFromSchema(JSON.parse(await read(KINDS[1].file)), { group: 'meshferry.dev', version: 'v1alpha1', kind: 'MeshTopology', plural: 'meshtopologies', scope: 'Namespaced' });
      const err = await ensureCrd(jane.client, crd).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterError);
      expect((err as ClusterError).code).toBe('CrdForbidden');
      expect((err as Error).message).toMatch(/may not install its CustomResourceDefinition meshtopologies\.meshferry\.dev: .*jane.* It needs get and patch on customresourcedefinitions\.apiextensions\.k8s\.io/);
    } finally {
      jane.close();
    }
  });
});
