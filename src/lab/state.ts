// The lab folder's lab.json: what runs, where, and how to reach it; written atomically (0600, it holds tokens).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { JSONSchemaType, ValidateFunction } from 'ajv';
import { LabError, isErrnoException } from '../errors.js';
import { writeFileAtomic } from '../resources/yaml-write.js';
import type { ProcessRecord } from './process.js';

export const LAB_STATE_FILE = 'lab.json';
export const LAB_STATE_VERSION = 'meshferry.dev/lab-v1';

/** Loopback ports of one istiod (pilot-discovery) run out of cluster. */
export interface IstiodPorts {
  http: number;
  grpc: number;
  secureGrpc: number;
  /** Webhooks (/inject, /validate). */
  https: number;
  monitoring: number;
  ctrlz: number;
}

/** One istiod revision of a lab cluster. */
export interface LabIstiod {
  revision: string;
  /** This revision answers `istio-injection=enabled` and validates unlabelled config (the `default` tag). */
  isDefault: boolean;
  ports: IstiodPorts;
  /** The sidecar-injection webhook URL written into the MutatingWebhookConfiguration(s). */
  injectionUrl: string;
  validationUrl: string;
}

/**
 * A cluster's own istiod CA (`istiodCa: 'per-cluster'`): file paths only, the keys stay in the files (0600).
 * Every istiod of the cluster, at `lab up` and at each `lab istiod start`, plugs it in.
 */
export interface LabMeshCa {
  /** The cluster's mesh root (PEM): its webhooks' caBundle and the `istio-ca-root-cert` its istiods publish. */
  rootCertFile: string;
  /** istiod's plugged-in CA folder (ROOT_CA_DIR): ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem. */
  cacertsDir: string;
  /** istiod's webhook serving certificate, signed by the root, and its key. */
  servingCertFile: string;
  servingKeyFile: string;
}

/** One lab cluster: its own etcd and API server on loopback. */
export interface LabCluster {
  name: string;
  /** The kubeconfig context naming this cluster (equal to the name). */
  context: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of the admin user (group system:masters). Never print it. */
  token: string;
  /** etcd + API server only (no controllers, nodes, CRDs or istiod). */
  bare: boolean;
  nodes: number;
  etcd: { clientPort: number; peerPort: number };
  istiods: LabIstiod[];
  /** Present when this cluster's istiods have their own CA; absent, they use the lab CA (`caFile`). */
  meshCa?: LabMeshCa;
}

export interface LabState {
  apiVersion: string;
  dir: string;
  createdAt: string;
  /** The kubeconfig with one context per cluster (0600). */
  kubeconfig: string;
  /** PEM of the lab CA that signed the API servers' (and, unless a cluster has its own meshCa, istiods') serving certificates. */
  caFile: string;
  /** `per-cluster` when `lab up --istiod-ca per-cluster` gave each cluster its own istiod CA; absent means shared. */
  istiodCa?: 'shared' | 'per-cluster';
  /** Set once every component reported ready. */
  ready: boolean;
  clusters: LabCluster[];
  processes: ProcessRecord[];
  /** The lab's Prometheus (`lab up --prometheus`); its process is also in `processes`. */
  prometheus?: LabPrometheus;
}

/** A Prometheus started for the lab: where it answers and which folder it discovers `lab traffic` targets in. */
export interface LabPrometheus {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  targetsDir: string;
  pid: number;
  log: string;
}

const portsSchema = {
  type: 'object',
  required: ['http', 'grpc', 'secureGrpc', 'https', 'monitoring', 'ctrlz'],
  properties: {
    http: { type: 'integer' },
    grpc: { type: 'integer' },
    secureGrpc: { type: 'integer' },
    https: { type: 'integer' },
    monitoring: { type: 'integer' },
    ctrlz: { type: 'integer' },
  },
} as const;

const stateSchema: JSONSchemaType<LabState> = {
  type: 'object',
  required: ['apiVersion', 'dir', 'createdAt', 'kubeconfig', 'caFile', 'ready', 'clusters', 'processes'],
  properties: {
    apiVersion: { type: 'string', const: LAB_STATE_VERSION },
    dir: { type: 'string' },
    createdAt: { type: 'string' },
    kubeconfig: { type: 'string' },
    caFile: { type: 'string' },
    istiodCa: { type: 'string', nullable: true, enum: ['shared', 'per-cluster'] },
    ready: { type: 'boolean' },
    clusters: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'context', 'server', 'token', 'bare', 'nodes', 'etcd', 'istiods'],
        properties: {
          name: { type: 'string' },
          context: { type: 'string' },
          server: { type: 'string' },
          token: { type: 'string' },
          bare: { type: 'boolean' },
          nodes: { type: 'integer' },
          etcd: {
            type: 'object',
            required: ['clientPort', 'peerPort'],
            properties: { clientPort: { type: 'integer' }, peerPort: { type: 'integer' } },
          },
          meshCa: {
            type: 'object',
            nullable: true,
            required: ['rootCertFile', 'cacertsDir', 'servingCertFile', 'servingKeyFile'],
            properties: { rootCertFile: { type: 'string' }, cacertsDir: { type: 'string' }, servingCertFile: { type: 'string' }, servingKeyFile: { type: 'string' } },
          },
          istiods: {
            type: 'array',
            items: {
              type: 'object',
              required: ['revision', 'isDefault', 'ports', 'injectionUrl', 'validationUrl'],
              properties: {
                revision: { type: 'string' },
                isDefault: { type: 'boolean' },
                ports: portsSchema,
                injectionUrl: { type: 'string' },
                validationUrl: { type: 'string' },
              },
            },
          },
        },
      },
    },
    prometheus: {
      type: 'object',
      nullable: true,
      required: ['url', 'targetsDir', 'pid', 'log'],
      properties: { url: { type: 'string' }, targetsDir: { type: 'string' }, pid: { type: 'integer' }, log: { type: 'string' } },
    },
    processes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['cluster', 'component', 'pid', 'bin', 'log'],
        properties: {
          cluster: { type: 'string' },
          component: { type: 'string' },
          pid: { type: 'integer' },
          bin: { type: 'string' },
          log: { type: 'string' },
          args: { type: 'array', nullable: true, items: { type: 'string' } },
          env: { type: 'object', nullable: true, required: [], additionalProperties: { type: 'string' } },
          cwd: { type: 'string', nullable: true },
        },
      },
    },
  },
};

// Compiled on first use: compiling at import would cost every meshferry command its start-up time.
let validateState: ValidateFunction<LabState> | undefined;

/** Writes lab.json atomically with mode 0600. */
export async function writeLabState(state: LabState): Promise<void> {
  await writeFileAtomic(path.join(state.dir, LAB_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

/** Reads lab.json; undefined when the folder holds no lab. Throws LabError on a damaged file. */
export async function readLabState(dir: string): Promise<LabState | undefined> {
  const file = path.join(dir, LAB_STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') return undefined;
    throw new LabError(`cannot read ${file}: ${(err as Error).message}`, err);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new LabError(`${file} is not valid JSON (${(err as Error).message}); remove the folder and start again`, err);
  }
  validateState ??= new Ajv({ allErrors: true, strict: false }).compile(stateSchema);
  if (!validateState(data)) {
    const first = validateState.errors?.[0];
    throw new LabError(`${file} is not a meshferry lab state (${first?.instancePath || '/'} ${first?.message ?? ''}); remove the folder and start again`);
  }
  return data;
}
