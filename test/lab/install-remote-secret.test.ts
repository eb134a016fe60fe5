// `meshferry install remote-secret` against a real lab cluster: the reader's role is checked, the Secret file is 0600,
// no user:password@ travels, and the kubeconfig inside the Secret can list its pods.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildRemoteSecret } from '../../src/install/remote-secret-live.js';
import { writeRemoteSecret } from '../../src/install/remote-secret-file.js';
import { KubeApiError } from '../../src/kube/errors.js';
import { openCluster, type Cluster } from '../../src/kube/cluster.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { isPlainObject, type KubeObject } from '../../src/resources/object.js';
import { hasStackTrace, runCli } from '../support/cli.js';

let lab: Lab;
let admin: Cluster;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'meshferry-remote-secret-'));
  // No istiod: the remote secret needs only the API server and the token controller.
  lab = await startLab({ dir: path.join(tmp, 'lab'), clusters: ['remote'], revisions: [] });
  admin = await openCluster({ kubeconfig: lab.kubeconfigPath, context: 'remote' });
});

afterAll(async () => {
  admin?.close();
  await lab?.stop({ purge: true });
  await rm(tmp, { recursive: true, force: true });
});

const secretArgs = (extra: string[] = []) => ['install', 'remote-secret', '--kubeconfig', lab.kubeconfigPath, '--context', 'remote', '--name', 'cls-remote', ...extra];

function secretOf(yamlText: string): KubeObject {
  const obj: unknown = parse(yamlText);
  if (!isPlainObject(obj)) throw new Error('not a Secret');
  return obj as KubeObject;
}

const rbac = (kind: 'ClusterRole' | 'ClusterRoleBinding') => admin.discovery.resourceAt('rbac.authorization.k8s.io', 'v1', kind)!;
const readerBinding = (name: string, role: string): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ kind: 'ServiceAccount', name: 'istio-reader-service-account', namespace: 'istio-system' }],
});

describe('install remote-secret (lab)', () => {
  let secret: KubeObject;
  let firstStderr: string;

  it("refuses a reader bound to a role that cannot read what istiod watches (Kubernetes' view), changing nothing", async () => {
    await admin.client.apply(readerBinding('reader-view', 'view'));
    const res = runCli(secretArgs());
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toBe('');
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.stderr).toMatch(/ServiceAccount istio-system\/istio-reader-service-account is bound, but no binding grants what istiod needs to read there: ClusterRoleBinding reader-view grants ClusterRole view, which lacks .*on secrets/);
    expect(await admin.client.get(admin.discovery.resourceAt('', 'v1', 'ServiceAccount')!, 'istio-system', 'istio-reader-service-account')).toBeUndefined();
    expect(await admin.client.get(rbac('ClusterRole'), undefined, 'istio-reader-clusterrole-istio-system')).toBeUndefined();
  });

  it('refuses a binding to a ClusterRole that does not exist', async () => {
    await admin.client.apply(readerBinding('reader-ghost', 'no-such-role'));
    await expect(buildRemoteSecret(admin, { name: 'cls-remote' })).rejects.toMatchObject({
      code: 'ReaderRoleInsufficient',
      exitCode: 1,
      message: expect.stringMatching(/ClusterRoleBinding reader-ghost refers to ClusterRole no-such-role, which does not exist/),
    });
    for (const name of ['reader-view', 'reader-ghost']) expect(await admin.client.delete(rbac('ClusterRoleBinding'), undefined, name)).toBe(true);
  });

  it('creates the reader account, RBAC and token, and prints the Secret', async () => {
    const res = runCli(secretArgs());
    firstStderr = res.stderr;
    expect(res.code, res.stderr).toBe(0);
    expect(hasStackTrace(res.stderr)).toBe(false);
    secret = secretOf(res.stdout);
    expect(secret.metadata).toMatchObject({
      name: 'istio-remote-secret-cls-remote',
      namespace: 'istio-system',
      labels: { 'istio/multiCluster': 'true' },
      annotations: { 'networking.istio.io/cluster': 'cls-remote' },
    });
    for (const what of ['ServiceAccount istio-system/istio-reader-service-account', 'ClusterRole istio-reader-clusterrole-istio-system', 'ClusterRoleBinding istio-reader-clusterrole-istio-system', 'Secret istio-system/istio-reader-service-account-istio-remote-secret-token'])
      expect(res.stderr).toContain(`created ${what}`);
  });

  it('writes the Secret file with mode 0600 (the library call behind --output-file)', async () => {
    const file = path.join(tmp, 'cls-remote.secret.yaml');
    const built = await buildRemoteSecret(admin, { name: 'cls-remote' });
    expect(built.created).toEqual([]);
    await writeRemoteSecret(file, built.secret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(secretOf(await readFile(file, 'utf8'))).toEqual(secret);
  });

  it('leaves user:password@ of the server URL out of the kubeconfig, and out of its notes', async () => {
    const notes: string[] = [];
    const server = admin.connection.server.replace('https://', 'https://alice:s3cret@');
    const built = await buildRemoteSecret(admin, { name: 'cls-remote', server, log: (m) => notes.push(m) });
    const kubeconfig = parse(String((built.secret.stringData as Record<string, string>)['cls-remote'])) as { clusters: { cluster: { server: string } }[] };
    expect(kubeconfig.clusters[0]?.cluster.server).toBe(admin.connection.server);
    expect(notes.join('\n')).toMatch(/left user:password@ out of the server URL/);
    expect(notes.join('\n')).not.toContain('s3cret');
  });

  it('never logs the token', () => {
    const kubeconfig = parse(String((secret.stringData as Record<string, string>)['cls-remote'])) as { users: { user: { token: string } }[] };
    const token = kubeconfig.users[0]?.user.token ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(firstStderr).not.toContain(token);
  });

  it('owns what it created with field manager meshferry', async () => {
    const sa = await admin.client.get(admin.discovery.resourceAt('', 'v1', 'ServiceAccount')!, 'istio-system', 'istio-reader-service-account');
    expect((sa?.metadata.managedFields as { manager: string }[] | undefined)?.map((m) => m.manager)).toContain('meshferry');
  });

  it('hands out a kubeconfig that can list pods in that cluster, and nothing more', async () => {
    // A pod to find: created by the admin, listed by the reader.
    await admin.client.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'example.invalid/probe' }] } });
    const kubeconfigFile = path.join(tmp, 'reader.kubeconfig');
    await writeFile(kubeconfigFile, String((secret.stringData as Record<string, string>)['cls-remote']), { mode: 0o600 });
    const reader = await openCluster({ kubeconfig: kubeconfigFile });
    try {
      expect(reader.connection.contextName).toBe('cls-remote');
      const pods = await reader.client.list(reader.discovery.resourceAt('', 'v1', 'Pod')!);
      expect(pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toContain('default/probe');
      const write = reader.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope', namespace: 'default' }, data: { a: 'b' } });
      await expect(write).rejects.toBeInstanceOf(KubeApiError);
      await expect(write).rejects.toMatchObject({ status: 403 });
    } finally {
      reader.close();
    }
  });

  it('is idempotent: a second run creates nothing and prints the same identity to stdout', () => {
    const res = runCli(secretArgs());
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('created ');
    expect(res.stderr).toContain('already had the reader account');
    const again = secretOf(res.stdout);
    expect(again.metadata).toEqual(secret.metadata);
    expect(again.stringData).toEqual(secret.stringData);
  });

  it('refuses a bad --name with exit 2 and no stack trace', () => {
    const res = runCli(['install', 'remote-secret', '--kubeconfig', lab.kubeconfigPath, '--context', 'remote', '--name', 'Bad_Name']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--name "Bad_Name" is not a DNS label/);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });
});
