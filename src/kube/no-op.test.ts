import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/object.js';
import { appliedFieldSet, isNoOpApply, sameContent } from './no-op.js';

const file: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'r', namespace: 'shop', labels: { app: 'r' }, annotations: { 'example.com/flag': 'yes' } },
  spec: { hosts: ['r'], http: [{ route: [{ destination: { host: 'r' } }] }], trafficPolicy: { tls: {}, outlierDetection: { consecutive5xxErrors: 3 } } },
};

/** managedFields as a real API server (Kubernetes 1.34) recorded them for `file` applied by meshferry. */
const recorded = {
  apiVersion: 'networking.istio.io/v1',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': { 'f:annotations': { 'f:example.com/flag': {} }, 'f:labels': { 'f:app': {} } },
    'f:spec': { 'f:hosts': {}, 'f:http': {}, 'f:trafficPolicy': { 'f:outlierDetection': { 'f:consecutive5xxErrors': {} }, 'f:tls': {} } },
  },
  manager: 'meshferry',
  operation: 'Apply',
  time: '2026-11-22T03:49:25Z',
};

const live = (overrides: { spec?: unknown; managedFields?: unknown[]; labels?: Record<string, string> } = {}): KubeObject => ({
  ...structuredClone(file),
  metadata: {
    ...structuredClone(file.metadata),
    ...(overrides.labels ? { labels: overrides.labels } : {}),
    uid: 'u',
    resourceVersion: '42',
    generation: 1,
    managedFields: overrides.managedFields ?? [recorded],
  },
  ...(overrides.spec ? { spec: overrides.spec } : {}),
  status: {},
});

describe('appliedFieldSet', () => {
  it('matches what the API server records for an Istio object', () => {
    expect(appliedFieldSet(file)).toEqual(recorded.fieldsV1);
  });

  it('models ServiceEntry ports as a list keyed by name, as the API server records it', () => {
    const se: KubeObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'se', namespace: 'shop' },
      spec: { hosts: ['x.example'], ports: [{ number: 443, name: 'https', protocol: 'TLS' }], resolution: 'DNS' },
    };
    // Recorded by Kubernetes 1.34 for this object applied with server-side apply.
    expect(appliedFieldSet(se)).toEqual({
      'f:spec': { 'f:hosts': {}, 'f:ports': { 'k:{"name":"https"}': { '.': {}, 'f:name': {}, 'f:number': {}, 'f:protocol': {} } }, 'f:resolution': {} },
    });
  });

  it.each([
    { name: 'a null value', obj: { ...file, spec: { hosts: null } } },
    { name: 'a keyed list item without its key', obj: { ...file, kind: 'ServiceEntry', spec: { ports: [{ number: 80 }] } } },
    { name: 'metadata beyond labels and annotations', obj: { ...file, metadata: { ...file.metadata, finalizers: ['x'] } } },
  ])('cannot model $name', ({ obj }) => {
    expect(appliedFieldSet(obj as KubeObject)).toBeUndefined();
  });
});

describe('isNoOpApply', () => {
  it.each([
    { name: 'same values, same owned fields', file, live: live(), want: true },
    { name: 'a value differs', file, live: live({ spec: { ...(file.spec as object), hosts: ['other'] } }), want: false },
    { name: 'another manager added a label', file, live: live({ labels: { app: 'r', team: 'x' } }), want: false },
    { name: 'meshferry owns a field the file no longer sets', file, live: live({ managedFields: [{ ...recorded, fieldsV1: { ...recorded.fieldsV1, 'f:spec': { 'f:hosts': {}, 'f:http': {}, 'f:gateways': {} } } }] }), want: false },
    { name: 'only kubectl applied it so far', file, live: live({ managedFields: [{ ...recorded, manager: 'kubectl' }] }), want: false },
    { name: 'meshferry wrote it with Update, not Apply', file, live: live({ managedFields: [{ ...recorded, operation: 'Update' }] }), want: false },
    { name: 'applied at another version', file, live: live({ managedFields: [{ ...recorded, apiVersion: 'networking.istio.io/v1beta1' }] }), want: false },
    {
      name: 'a Namespace with only labels',
      file: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio.io/rev': 'default' } } },
      live: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: 'shop',
          labels: { 'istio.io/rev': 'default', 'kubernetes.io/metadata.name': 'shop' },
          managedFields: [
            { manager: 'kube-apiserver', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:kubernetes.io/metadata.name': {} } } } },
            { manager: 'meshferry', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:istio.io/rev': {} } } } },
          ],
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      },
      want: true,
    },
    { name: 'a Namespace with a spec', file: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' }, spec: { finalizers: ['x'] } }, live: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' }, spec: { finalizers: ['x'] } }, want: false },
    { name: 'not an Istio kind', file: { ...file, apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' }, live: { ...live(), apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' }, want: false },
  ])('$name → $want', ({ file: f, live: l, want }) => {
    expect(isNoOpApply(f, l, 'meshferry')).toBe(want);
  });
});

describe('sameContent', () => {
  it('ignores server-set metadata, status and the version an object was read at', () => {
    expect(sameContent(file, { ...live(), apiVersion: 'networking.istio.io/v1beta1' })).toBe(true);
    expect(sameContent(file, live({ spec: { hosts: ['r'] } }))).toBe(false);
  });
});
