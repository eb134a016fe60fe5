// transform's reference table against the pinned Istio release's CRD schemas (crd-all.gen.yaml from the lab build):
// every field that can hold a host, a namespace or a gateway reference is rewritten, or listed here with the reason
// it is not; and every field the table names exists in the schema.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ensureLabBinaries } from '../../src/lab/binaries.js';
import { HOST_FIELDS, NAMESPACE_FIELDS, tablePaths } from '../../src/transform/reference-fields.js';

/** Field names that suggest a reference (the last key of a string or string-list field). */
const REFERENCE_LIKE = /host|namespace|gateway|exportTo|address|authority|sni|serviceAccount|principal|subjectAltName|service$|domainName|credentialName|uri$|url$|issuer|audiences|trustDomain/i;

/** Fields that look like references but are not rewritten, each with its reason. Paths are `group/Kind spec...`. */
const NOT_REWRITTEN: Record<string, string> = {
  'DestinationRule spec.trafficPolicy.tls.credentialName': 'a Secret name in the proxy namespace, not a reference to a namespace',
  'DestinationRule spec.trafficPolicy.portLevelSettings[].tls.credentialName': 'as above',
  'DestinationRule spec.subsets[].trafficPolicy.tls.credentialName': 'as above',
  'DestinationRule spec.subsets[].trafficPolicy.portLevelSettings[].tls.credentialName': 'as above',
  'DestinationRule spec.trafficPolicy.tls.sni': 'the name the server certificate answers to; a rename does not change the certificate (reported by the mention scan)',
  'DestinationRule spec.trafficPolicy.portLevelSettings[].tls.sni': 'as above',
  'DestinationRule spec.subsets[].trafficPolicy.tls.sni': 'as above',
  'DestinationRule spec.subsets[].trafficPolicy.portLevelSettings[].tls.sni': 'as above',
  'Gateway spec.servers[].tls.credentialName': 'a Secret in the gateway namespace',
  'Gateway spec.servers[].tls.credentialNames[]': 'as above',
  'Gateway spec.servers[].tls.caCertCredentialName': 'as above',
  'Sidecar spec.ingress[].tls.credentialName': 'a Secret in the workload namespace',
  'Sidecar spec.ingress[].tls.credentialNames[]': 'as above',
  'Sidecar spec.ingress[].tls.caCertCredentialName': 'as above',
  'ServiceEntry spec.addresses[]': 'virtual IPs and CIDRs, not host names',
  'ServiceEntry spec.endpoints[].serviceAccount': 'a ServiceAccount of the entry namespace (no namespace part)',
  'WorkloadEntry spec.serviceAccount': 'as above',
  'WorkloadGroup spec.template.serviceAccount': 'as above',
  'WorkloadGroup spec.probe.grpc.service': 'a gRPC health service name, not a host',
  'VirtualService spec.http[].redirect.uri': 'a URL path',
  'VirtualService spec.http[].rewrite.uri': 'a URL path',
  'AuthorizationPolicy spec.rules[].from[].source.requestPrincipals[]': 'JWT iss/sub, not a workload identity',
  'AuthorizationPolicy spec.rules[].from[].source.notRequestPrincipals[]': 'as above',
  'AuthorizationPolicy spec.rules[].from[].source.trustDomains[]': 'trust domains, not namespaces',
  'AuthorizationPolicy spec.rules[].from[].source.notTrustDomains[]': 'as above',
  'RequestAuthentication spec.jwtRules[].issuer': 'a JWT issuer; a host inside a URL is reported by the mention scan',
  'RequestAuthentication spec.jwtRules[].jwksUri': 'as above',
  'RequestAuthentication spec.jwtRules[].jwks_uri': 'as above',
  'RequestAuthentication spec.jwtRules[].audiences[]': 'JWT audiences',
  'WasmPlugin spec.url': 'an image or HTTP URL; a host inside is reported by the mention scan',
  'TrafficExtension spec.wasm.url': 'as above',
};

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
}

/** Every string or string-list field under `schema`, as `a.b[].c` / `a.b[]`. */
function stringFields(schema: Schema | undefined, at: string, out: string[], depth = 0): void {
  if (!schema || depth > 20) return;
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const p = `${at}.${key}`;
    if (child.type === 'string') out.push(p);
    else if (child.type === 'array' && child.items?.type === 'string') out.push(`${p}[]`);
    stringFields(child, p, out, depth + 1);
    if (child.items) stringFields(child.items, `${p}[]`, out, depth + 1);
  }
}

interface Crd {
  kind: string;
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
}

describe('transform reference fields cover the Istio CRDs of the pinned release', async () => {
  const { istioCrds } = await ensureLabBinaries({ build: false });
  const crds = parseAllDocuments(readFileSync(istioCrds, 'utf8'))
    .map((d) => d.toJS() as Crd | null)
    .filter((d): d is Crd => d?.kind === 'CustomResourceDefinition');

  test('the CRD file holds the Istio kinds', () => {
    expect(crds.map((c) => c.spec.names.kind)).toEqual(expect.arrayContaining(['VirtualService', 'DestinationRule', 'AuthorizationPolicy', 'Sidecar', 'EnvoyFilter']));
  });

  test.each(crds.map((c) => ({ kind: c.spec.names.kind, crd: c })))('$kind', ({ kind, crd }) => {
    const gk = `${crd.spec.group}/${kind}`;
    const table = new Set([...tablePaths(HOST_FIELDS, gk), ...tablePaths(NAMESPACE_FIELDS, gk)].filter((p) => p.startsWith('spec')));
    // Every version of the kind, so a field only an older version still serves is covered too.
    const fields = new Set<string>();
    for (const v of crd.spec.versions) {
      const out: string[] = [];
      stringFields(v.schema.openAPIV3Schema.properties?.spec, 'spec', out);
      for (const f of out) fields.add(f);
    }
    const uncovered = [...fields].filter((f) => REFERENCE_LIKE.test(f.replace(/\[\]$/, '').split('.').pop() ?? '') && !table.has(f) && NOT_REWRITTEN[`${kind} ${f}`] === undefined);
    expect(uncovered, `fields of ${kind} that may hold a reference but are neither rewritten nor listed in NOT_REWRITTEN`).toEqual([]);
    // `when` conditions and key-selected list items are written without their condition; their list must exist.
    const missing = [...table].filter((p) => !fields.has(p) && ![...fields].some((f) => f.startsWith(`${p}.`) || f.startsWith(`${p}[]`)) && !/\.when\[\]\.(values|notValues)\[\]$/.test(p));
    expect(missing, `fields the table names for ${kind} that its schema does not have`).toEqual([]);
  });
});
