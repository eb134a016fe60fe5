// The rendered istiod objects must point every webhook at loopback with the lab CA, and nothing else may change.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isPlainObject } from '../resources/object.js';
import { adaptForLoopback, istioOperatorFor, parseManifests } from './istio-manifests.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendered = parseManifests(readFileSync(path.join(here, 'testdata', 'istiod-canary.yaml'), 'utf8'));
const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function clientConfigs(objects: ReturnType<typeof adaptForLoopback>, name: string): Record<string, unknown>[] {
  const obj = objects.find((o) => o.metadata.name === name);
  const hooks = obj && Array.isArray(obj.webhooks) ? obj.webhooks : [];
  return hooks.flatMap((h) => (isPlainObject(h) && isPlainObject(h.clientConfig) ? [h.clientConfig] : []));
}

describe('istioOperatorFor', () => {
  it.each([
    {
      name: 'default revision holds the default itself (no revision field, no tag)',
      install: { revision: 'default', isDefault: true, clusterName: 'east' },
      want: { revision: undefined, defaultRevision: 'default', revisionTags: undefined },
    },
    {
      name: 'a named first revision gets the default tag, as istioctl install does on a fresh cluster',
      install: { revision: 'canary', isDefault: true, clusterName: 'east' },
      want: { revision: 'canary', defaultRevision: 'canary', revisionTags: ['default'] },
    },
    {
      name: 'a second revision is only itself',
      install: { revision: '1-31-1', isDefault: false, clusterName: 'west' },
      want: { revision: '1-31-1', defaultRevision: '', revisionTags: undefined },
    },
  ])('$name', ({ install, want }) => {
    const iop = parse(istioOperatorFor(install)) as { spec: { profile: string; revision?: string; values: Record<string, unknown> } };
    expect(iop.spec.profile).toBe('minimal');
    expect(iop.spec.revision).toBe(want.revision);
    expect(iop.spec.values.defaultRevision).toBe(want.defaultRevision);
    expect(iop.spec.values.revisionTags).toEqual(want.revisionTags);
    expect(iop.spec.values.global).toEqual({ istioNamespace: 'istio-system', multiCluster: { clusterName: install.clusterName } });
  });
});

describe('adaptForLoopback', () => {
  const adapted = adaptForLoopback(rendered, { httpsPort: 41017, caPem });
  const caBundle = Buffer.from(caPem).toString('base64');

  it('drops CRDs (the lab installs them first) and keeps everything else', () => {
    expect(rendered.map((o) => o.kind)).toContain('CustomResourceDefinition');
    expect(adapted.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/istio-canary',
      'MutatingWebhookConfiguration/istio-sidecar-injector-canary',
      'ValidatingWebhookConfiguration/istio-validator-canary-istio-system',
      'MutatingWebhookConfiguration/istio-revision-tag-default',
    ]);
  });

  it.each([
    ['istio-sidecar-injector-canary', 'https://localhost:41017/inject'],
    ['istio-validator-canary-istio-system', 'https://localhost:41017/validate'],
    ['istio-revision-tag-default', 'https://localhost:41017/inject'],
  ])('%s calls %s with the lab CA', (name, url) => {
    const ccs = clientConfigs(adapted, name);
    expect(ccs.length).toBeGreaterThan(0);
    for (const cc of ccs) expect(cc).toEqual({ url, caBundle });
  });

  it('leaves failure policies to istiod (validation stays Ignore until istiod proves its webhook)', () => {
    const vwc = adapted.find((o) => o.kind === 'ValidatingWebhookConfiguration');
    expect((vwc?.webhooks as { failurePolicy: string }[])[0]?.failurePolicy).toBe('Ignore');
  });

  it('does not modify its input', () => {
    expect(clientConfigs(rendered, 'istio-sidecar-injector-canary')[0]).toHaveProperty('service');
  });
});
