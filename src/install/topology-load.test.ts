// Topology validation: every error names file, line and field path; problems are collected, not thrown one by one.
import { describe, expect, it } from 'vitest';
import { InputError, InputErrors, type Problem } from '../errors.js';
import { parseTopology } from './topology-load.js';

const FILE = 'topo.yaml';

/** A valid two-cluster topology; `spec.clusters` is line 9, the primary starts on line 10, the remote on line 17. */
const head = `apiVersion: meshferry.dev/v1alpha1
kind: MeshTopology
metadata:
  name: t
spec:
  istio:
    version: 1.24.2
  meshID: mesh1
  clusters:
`;
const primary = `  - name: p1
    role: primary
    network: n1
    provider: tke
    externalIstiod: true
    eastWestGateway:
      loadBalancer: {internal: true, existingId: lb-1}
`;
const remote = (extra = '') => `  - name: r1
    role: remote
    primary: p1
    network: n1
    provider: tke
    remotePilotAddress: 10.0.0.1
${extra}`;

function problemsOf(text: string): Problem[] {
  try {
    parseTopology(text, FILE);
  } catch (err) {
    if (err instanceof InputErrors) return err.problems;
    if (err instanceof InputError)
      return [{ message: err.message, ...(err.position ? { position: err.position } : {}), ...(err.fieldPath ? { fieldPath: err.fieldPath } : {}) }];
    throw err;
  }
  return [];
}

describe('parseTopology accepts', () => {
  it('the base topology', () => {
    const { topology, locate } = parseTopology(head + primary + remote(), FILE);
    expect(topology.spec.clusters.map((c) => c.name)).toEqual(['p1', 'r1']);
    expect(locate(['spec', 'clusters', 1, 'remotePilotAddress'])).toMatchObject({ file: FILE, line: 22 });
  });
  it("addresses Istio's remote install takes: IPv4, IPv6 and DNS names", () => {
    for (const address of ['10.0.0.1', '"2001:db8::1"', 'eastwest.example.com', 'eastwest.example.com.'])
      expect(() => parseTopology(head + primary + remote().replace('remotePilotAddress: 10.0.0.1', `remotePilotAddress: ${address}`), FILE), address).not.toThrow();
  });
  it('plain and per-cluster namespaces', () => {
    const { topology } = parseTopology(`${head}${primary}${remote()}  namespaces:\n  - shop\n  - {name: pay, clusters: [r1]}\n`, FILE);
    expect(topology.spec.namespaces).toEqual(['shop', { name: 'pay', clusters: ['r1'] }]);
  });
});

interface BadCase {
  name: string;
  text: string;
  /** Expected problems: line, field path and a message pattern. */
  want: { line: number; field: string; message: RegExp }[];
}

const BAD: BadCase[] = [
  {
    name: 'unknown provider',
    text: head + primary.replace('provider: tke', 'provider: tencent'),
    want: [{ line: 13, field: 'spec.clusters[0].provider', message: /unknown provider "tencent"; expected one of: tke, ack, gke, eks, aks, generic/ }],
  },
  {
    name: 'remote whose primary does not exist',
    text: head + primary + remote().replace('primary: p1', 'primary: p9'),
    want: [{ line: 19, field: 'spec.clusters[1].primary', message: /names primary "p9", but no cluster has that name/ }],
  },
  {
    name: 'remote whose primary does not expose its control plane',
    text: head + primary.replace('    externalIstiod: true\n', '') + remote(),
    want: [{ line: 18, field: 'spec.clusters[1].primary', message: /p1 does not expose its control plane: set externalIstiod: true on spec.clusters\[0\]/ }],
  },
  {
    name: 'remote whose "primary" is a remote',
    text: head + primary + remote() + remote().replace('name: r1', 'name: r2').replace('primary: p1', 'primary: r1'),
    want: [{ line: 25, field: 'spec.clusters[2].primary', message: /r1 is a remote too/ }],
  },
  {
    name: 'remote without primary',
    text: head + primary + remote().replace('    primary: p1\n', ''),
    want: [{ line: 18, field: 'spec.clusters[1].role', message: /needs "primary"/ }],
  },
  {
    name: 'a network other networks must reach has no east-west gateway',
    text: head + primary + remote().replace('network: n1', 'network: n2'),
    want: [{ line: 20, field: 'spec.clusters[1].network', message: /network "n2" must be reachable from "n1", but no cluster on it has an east-west gateway: add eastWestGateway to r1/ }],
  },
  {
    name: 'revision with dots',
    text: head.replace('version: 1.24.2\n', 'version: 1.24.2\n    revision: 1.24.2\n') + primary,
    want: [{ line: 8, field: 'spec.istio.revision', message: /revision "1.24.2" is not a DNS label .*use "1-24-2"/ }],
  },
  {
    name: 'duplicate cluster names',
    text: head + primary + primary.replace('lb-1', 'lb-2'),
    want: [{ line: 17, field: 'spec.clusters[1].name', message: /duplicate cluster name "p1" \(first used at spec.clusters\[0\]\)/ }],
  },
  {
    name: 'externalIstiod without an east-west gateway',
    text: head + primary.replace(/ {4}eastWestGateway:\n.*\n/, ''),
    want: [{ line: 14, field: 'spec.clusters[0].externalIstiod', message: /has no eastWestGateway/ }],
  },
  {
    name: 'provider option the cloud does not have',
    text: head + primary.replace('existingId: lb-1', 'existingId: lb-1, weight: 10'),
    want: [{ line: 16, field: 'spec.clusters[0].eastWestGateway.loadBalancer.weight', message: /provider tke .* has no "weight" load balancer option/ }],
  },
  {
    name: 'misspelt field, with a suggestion',
    text: head + primary.replace('externalIstiod', 'externalIstio'),
    want: [{ line: 14, field: 'spec.clusters[0].externalIstio', message: /unknown field "externalIstio" \(did you mean externalIstiod\?\)/ }],
  },
  {
    name: 'number where a string belongs',
    text: head.replace('meshID: mesh1', 'meshID: 12') + primary,
    want: [{ line: 8, field: 'spec.meshID', message: /must be a string, not a number \(12\); quote it: "12"/ }],
  },
  {
    name: 'missing required field',
    text: head.replace('  meshID: mesh1\n', '') + primary,
    want: [{ line: 5, field: 'spec', message: /missing field "meshID"/ }],
  },
  {
    name: 'several problems at once, in document order',
    text: head + primary.replace('provider: tke', 'provider: ibm') + remote().replace('role: remote', 'role: edge'),
    want: [
      { line: 13, field: 'spec.clusters[0].provider', message: /unknown provider "ibm"/ },
      { line: 18, field: 'spec.clusters[1].role', message: /unknown role "edge"; expected one of: primary, remote/ },
    ],
  },
  {
    name: 'namespace that is not a DNS label',
    text: `${head}${primary}  namespaces:\n  - Shop\n`,
    want: [{ line: 18, field: 'spec.namespaces[0]', message: /must be a DNS label.*not "Shop"; use "shop"/ }],
  },
  {
    name: 'namespace for an unknown cluster',
    text: `${head}${primary}  namespaces:\n  - {name: shop, clusters: [p2]}\n`,
    want: [{ line: 18, field: 'spec.namespaces[0].clusters[0]', message: /names cluster "p2"/ }],
  },
  {
    name: 'not a MeshTopology',
    text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
    want: [
      { line: 1, field: 'apiVersion', message: /must be "meshferry.dev\/v1alpha1", not "v1"/ },
      { line: 2, field: 'kind', message: /must be "MeshTopology", not "ConfigMap"/ },
    ],
  },
  {
    name: 'network with a space (becomes the label topology.istio.io/network)',
    text: head + primary.replace('network: n1', 'network: net 1'),
    want: [{ line: 12, field: 'spec.clusters[0].network', message: /"net 1" becomes the label topology.istio.io\/network, which Kubernetes refuses: a label value must be empty or consist of letters/ }],
  },
  {
    name: 'remotePilotAddress that is no address',
    text: head + primary + remote().replace('remotePilotAddress: 10.0.0.1', 'remotePilotAddress: not an address!'),
    want: [{ line: 22, field: 'spec.clusters[1].remotePilotAddress', message: /"not an address!" is not an address Istio's remote install can use: it is neither an IP address nor a DNS name/ }],
  },
  {
    name: 'remotePilotAddress with a port',
    text: head + primary + remote().replace('remotePilotAddress: 10.0.0.1', 'remotePilotAddress: "10.0.0.1:15012"'),
    want: [{ line: 22, field: 'spec.clusters[1].remotePilotAddress', message: /has a port, but Istio adds its own/ }],
  },
  {
    name: 'meshID with a space',
    text: head.replace('meshID: mesh1', 'meshID: mesh 1') + primary,
    want: [{ line: 8, field: 'spec.meshID', message: /"mesh 1" is the mesh ID, held to the rule of a label value, which Kubernetes refuses/ }],
  },
  {
    name: 'ingress gateway name, labels and annotations Kubernetes refuses',
    text:
      head +
      primary +
      '    ingressGateways:\n' +
      '    - name: 1gw\n' +
      '      labels: {"a/b/c": x, app: "two words"}\n' +
      '      loadBalancer: {annotations: {"bad key!": v}}\n',
    want: [
      { line: 18, field: 'spec.clusters[0].ingressGateways[0].name', message: /"1gw" becomes a Service name, which Kubernetes refuses: a Service name must .*start with a letter/ },
      { line: 19, field: 'spec.clusters[0].ingressGateways[0].labels["a/b/c"]', message: /"a\/b\/c" is a label key, which Kubernetes refuses/ },
      { line: 19, field: 'spec.clusters[0].ingressGateways[0].labels.app', message: /"two words" becomes the value of label app/ },
      { line: 20, field: 'spec.clusters[0].ingressGateways[0].loadBalancer.annotations["bad key!"]', message: /"bad key!" is an annotation key, which Kubernetes refuses/ },
    ],
  },
  {
    name: 'a revision too long for the Service istiod-<rev>',
    text: head.replace('version: 1.24.2\n', `version: 1.24.2\n    revision: ${'r'.repeat(57)}\n`) + primary,
    want: [{ line: 8, field: 'spec.istio.revision', message: /makes the Service name istiod-r+, which Kubernetes refuses: a Service name must be no more than 63 bytes/ }],
  },
  {
    name: 'every value Kubernetes refuses, collected at once, in document order',
    text: head.replace('meshID: mesh1', 'meshID: mesh 1') + primary.replace('network: n1', 'network: net 1') + remote().replace('network: n1', 'network: net 1').replace('remotePilotAddress: 10.0.0.1', 'remotePilotAddress: not an address!'),
    want: [
      { line: 8, field: 'spec.meshID', message: /"mesh 1"/ },
      { line: 12, field: 'spec.clusters[0].network', message: /"net 1"/ },
      { line: 20, field: 'spec.clusters[1].network', message: /"net 1"/ },
      { line: 22, field: 'spec.clusters[1].remotePilotAddress', message: /"not an address!"/ },
    ],
  },
  {
    name: 'YAML syntax error',
    text: head + '  - name: [p1\n',
    want: [{ line: 11, field: '', message: /invalid YAML|cannot parse/ }],
  },
];

describe('parseTopology rejects', () => {
  it.each(BAD.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const problems = problemsOf(c.text);
    expect(problems.length).toBe(c.want.length);
    c.want.forEach((w, i) => {
      const p = problems[i];
      expect(p?.position?.file).toBe(FILE);
      expect(p?.position?.line).toBe(w.line);
      if (w.field) expect(p?.fieldPath).toBe(w.field);
      expect(p?.message).toMatch(w.message);
    });
  });

  it('throws an exit-2 error whose one paragraph names file:line and field', () => {
    let caught: unknown;
    try {
      parseTopology(head + primary.replace('provider: tke', 'provider: tencent'), FILE);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).exitCode).toBe(2);
    expect((caught as InputError).message).toBe(
      'topo.yaml:13:5: unknown provider "tencent"; expected one of: tke, ack, gke, eks, aks, generic (at spec.clusters[0].provider)',
    );
  });
});
