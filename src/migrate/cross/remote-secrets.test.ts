// The remote-secret verdicts (present, missing, differs), the kubeconfig server reading, and the rule that records an interrupted token create; pure.
import { describe, expect, it } from 'vitest';
import { remoteKubeconfig, remoteSecret } from '../../install/remote-secret.js';
import type { JournalEntry } from '../../journal/journal.js';
import type { KubeObject } from '../../resources/object.js';
import type { MeshMigrationSpec } from '../spec.js';
import { createdByMeshferry, ensureRemoteSecret, interruptedCreate, kubeconfigServer, remoteClustersOf, remoteSecretVerdict, type RegisteringSecret } from './remote-secrets.js';

const SERVER = 'https://127.0.0.1:6443';
const TOKEN = 'reader-token-value-7f3a';
const kubeconfig = (server: string, name = 'remote') => remoteKubeconfig({ clusterName: name, server, caPem: 'ca', token: TOKEN });
/** As the API server returns it: `data`, base64. */
const stored = (obj: KubeObject): KubeObject => {
  const { stringData, ...rest } = obj as KubeObject & { stringData: Record<string, string> };
  return { ...rest, data: Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
};
const ours = stored(remoteSecret('remote', kubeconfig(SERVER)));
const withMeta = (metadata: Partial<KubeObject['metadata']>): KubeObject => ({ ...ours, metadata: { ...ours.metadata, ...metadata } });
const keysOf = (s: KubeObject): RegisteringSecret => ({ name: s.metadata.name, keys: Object.keys(s.data as object) });

describe('remoteSecretVerdict', () => {
  it.each<[string, KubeObject | undefined, RegisteringSecret[], 'present' | 'missing' | 'differs', RegExp]>([
    ['meshferry\'s own (data as stored)', ours, [keysOf(ours)], 'present', /Secret istio-system\/istio-remote-secret-remote registers cluster "remote" at https:\/\/127\.0\.0\.1:6443/],
    ['the same as stringData', remoteSecret('remote', kubeconfig(SERVER)), [], 'present', /registers cluster "remote"/],
    ['none', undefined, [], 'missing', /istio-remote-secret-remote does not exist/],
    ['none, but another Secret registers the cluster', undefined, [{ name: 'istio-remote-secret-legacy', keys: ['remote'] }], 'differs', /istio-system\/istio-remote-secret-legacy already registers cluster "remote"/],
    ['ours, but another Secret registers the cluster too', ours, [keysOf(ours), { name: 'other', keys: ['a', 'remote'] }], 'differs', /istio-system\/other already registers/],
    ['without the label', withMeta({ labels: {} }), [], 'differs', /lacks label istio\/multiCluster=true, so istiod ignores it/],
    ['annotated for another cluster', withMeta({ annotations: { 'networking.istio.io/cluster': 'east' } }), [], 'differs', /annotation networking.istio.io\/cluster names cluster "east"/],
    ['without the annotation', withMeta({ annotations: {} }), [], 'differs', /has no annotation networking.istio.io\/cluster/],
    ['keyed by another name', stored(remoteSecret('east', kubeconfig(SERVER, 'east'))), [], 'differs', /no kubeconfig under key "remote"/],
    ['pointing at another server', stored(remoteSecret('remote', kubeconfig('https://10.9.9.9:6443'))), [], 'differs', /points at another API server than https:\/\/127\.0\.0\.1:6443; meshferry leaves it alone/],
    ['holding no kubeconfig', { ...ours, data: { remote: Buffer.from('not: [a kubeconfig').toString('base64') } }, [], 'differs', /names no server meshferry can read/],
  ])('%s', (_why, secret, others, state, detail) => {
    const v = remoteSecretVerdict('remote', SERVER, secret, others);
    expect(v.state).toBe(state);
    expect(v.detail).toMatch(detail);
    expect(v.cluster).toBe('remote');
  });

  it('never quotes the data: neither the token nor a foreign server', () => {
    const foreign = stored(remoteSecret('remote', kubeconfig('https://secret-host.example:6443')));
    for (const s of [ours, foreign, withMeta({ labels: {} })]) {
      const { detail } = remoteSecretVerdict('remote', SERVER, s, []);
      expect(detail).not.toContain(TOKEN);
      expect(detail).not.toContain('secret-host');
    }
  });

  it('compares servers without user:password@', () => {
    expect(remoteSecretVerdict('remote', 'https://alice:pw@127.0.0.1:6443', ours, []).state).toBe('present');
    expect(remoteSecretVerdict('remote', 'https://alice:pw@127.0.0.1:6443', ours, []).detail).not.toContain('pw');
  });
});

describe('kubeconfigServer', () => {
  it.each<[string, string, string | undefined]>([
    ['the current context\'s cluster', kubeconfig(SERVER), SERVER],
    ['the only cluster when no context is current', 'clusters: [{name: a, cluster: {server: "https://a"}}]', 'https://a'],
    ['none of two clusters without a current context', 'clusters: [{name: a, cluster: {server: "https://a"}}, {name: b, cluster: {server: "https://b"}}]', undefined],
    ['the current context\'s, of two', 'current-context: y\ncontexts: [{name: x, context: {cluster: a}}, {name: y, context: {cluster: b}}]\nclusters: [{name: a, cluster: {server: "https://a"}}, {name: b, cluster: {server: "https://b"}}]', 'https://b'],
    ['not YAML', '{{', undefined],
    ['a string', 'hello', undefined],
  ])('%s', (_why, text, server) => {
    expect(kubeconfigServer(text)).toBe(server);
  });
});

describe('remoteClustersOf', () => {
  const spec = (target: MeshMigrationSpec['target']) => ({ target }) as MeshMigrationSpec;
  it.each<[string, MeshMigrationSpec['target'], string[]]>([
    ['every cluster but home', { context: 'primary', revision: 'x', clusters: ['primary', 'remote', 'remote-2'] }, ['remote', 'remote-2']],
    ['home from the client when the spec names none', { revision: 'x', clusters: ['primary', 'remote'] }, ['remote']],
    ['none when home is the only cluster', { context: 'primary', revision: 'x', clusters: ['primary'] }, []],
    ['each once', { context: 'primary', revision: 'x', clusters: ['remote', 'remote'] }, ['remote']],
  ])('%s', (_why, target, remotes) => {
    expect(remoteClustersOf(spec(target), 'primary')).toEqual(remotes);
  });
});

describe('interruptedCreate', () => {
  const target = { apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: 'istio-reader-service-account-istio-remote-secret-token', context: 'remote' };
  const entry = (seq: number, state: JournalEntry['state'], extra: Partial<JournalEntry> = {}): JournalEntry => ({ seq, step: 'xc.created', target, before: { object: null }, intent: {}, state, at: '2026-11-30T00:00:00Z', ...extra });
  const settled = { reason: 'not applied before the interruption; redone if still needed' };
  it.each<[string, JournalEntry[], number | undefined]>([
    ['a create settled "not applied"', [entry(3, 'failed', { result: settled })], 3],
    ['the last of two such', [entry(3, 'failed', { result: settled }), entry(5, 'failed', { result: settled })], 5],
    ['none when one is done (already recorded)', [entry(3, 'failed', { result: settled }), entry(5, 'done')], undefined],
    ['none while one is pending (resume settles it first)', [entry(3, 'pending')], undefined],
    ['none when the server refused it (nothing was written)', [entry(3, 'failed', { result: { reason: 'HTTP 409 AlreadyExists' } })], undefined],
    ['none for another context', [entry(3, 'failed', { result: settled, target: { ...target, context: 'other' } })], undefined],
    ['none for another step', [entry(3, 'failed', { result: settled, step: 'xc.secret' })], undefined],
    ['none without entries', [], undefined],
  ])('%s', (_why, entries, seq) => {
    expect(interruptedCreate(entries, target)?.seq).toBe(seq);
  });
});

describe('createdByMeshferry', () => {
  const secret = (managedFields: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n', managedFields } });
  it.each<[string, unknown[], boolean]>([
    ['meshferry set its type', [{ manager: 'meshferry', operation: 'Update', fieldsV1: { 'f:type': {}, 'f:metadata': {} } }, { manager: 'kube-controller-manager', fieldsV1: { 'f:data': {} } }], true],
    ['meshferry only filled data', [{ manager: 'kubectl', fieldsV1: { 'f:type': {} } }, { manager: 'meshferry', fieldsV1: { 'f:data': {} } }], false],
    ['another manager', [{ manager: 'kubectl-client-side-apply', fieldsV1: { 'f:type': {} } }], false],
    ['no managedFields', [], false],
  ])('%s', (_why, fields, mine) => {
    expect(createdByMeshferry(secret(fields))).toBe(mine);
  });
});

describe('ensureRemoteSecret refuses before reading any cluster', () => {
  const never = new Proxy({}, { get: () => { throw new Error('touched a cluster'); } });
  it('a cluster name that cannot name a Secret (exit 2, naming the entry)', async () => {
    await expect(ensureRemoteSecret({ clusters: never as never, journal: never as never }, 'gke_Proj_zone')).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/spec.target.clusters entry "gke_Proj_zone" cannot name a remote secret/) });
  });
});
