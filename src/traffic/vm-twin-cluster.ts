// `vm twin` against clusters: read the VM's objects (never write them) and server-side apply the twin's VirtualServices.
import { ClusterError, UsageError } from '../errors.js';
import { KubeApiError } from '../kube/errors.js';
import { FIELD_MANAGER } from '../kube/object-client.js';
import type { ObjectClient } from '../kube/object-client.js';
import type { KubeObject } from '../resources/object.js';
import type { ClusterSet } from './routers/router.js';
import type { VmKind, VmTwin } from './vm-twin.js';

const ISTIO_NETWORKING = 'networking.istio.io';

function served(client: ObjectClient, kind: string) {
  const r = client.discovery.resourceFor(ISTIO_NETWORKING, kind);
  if (!r) throw new ClusterError('NotServed', `the cluster ${client.transport.contextName} does not serve ${ISTIO_NETWORKING} ${kind}; is Istio installed?`);
  return r;
}

/** Reads the VM object and, for a WorkloadEntry/WorkloadGroup, the ServiceEntries of its namespace. Read only. */
export async function readVmObjects(client: ObjectClient, kind: VmKind, namespace: string, name: string): Promise<{ vm: KubeObject; serviceEntries: KubeObject[] }> {
  const vm = await client.get(served(client, kind), namespace, name);
  if (!vm) throw new UsageError(`${kind} ${namespace}/${name} is not in the cluster ${client.transport.contextName}`);
  const serviceEntries = kind === 'ServiceEntry' ? [] : await client.list(served(client, 'ServiceEntry'), { namespace });
  return { vm, serviceEntries };
}

/** What happened to one VirtualService. */
export interface TwinApplyResult {
  context: string | undefined;
  name: string;
  namespace: string;
  /** `created` (201) or `configured` (200). */
  result: 'created' | 'configured';
  /** False when the Kubernetes Service was not found in that cluster (the shift would send traffic nowhere). */
  serviceFound: boolean;
}

/**
 * Server-side applies each VirtualService into its cluster with field manager `meshferry`, without force: a
 * VirtualService of that name that someone else manages is a conflict, reported, never taken over. Only the
 * VirtualServices are written; the VM's ServiceEntry, WorkloadEntry and WorkloadGroup are never touched.
 */
export async function applyVmTwin(twin: VmTwin, clusters: ClusterSet): Promise<TwinApplyResult[]> {
  const out: TwinApplyResult[] = [];
  const [svcName, svcNamespace] = twin.kubernetesHost.split('.');
  for (const { context, object } of twin.virtualServices) {
    const client = await clusters.client(context);
    const services = client.discovery.resourceFor('', 'Service');
    const serviceFound = services ? (await client.get(services, svcNamespace, svcName!)) !== undefined : false;
    try {
      const res = await client.apply(object, { fieldManager: FIELD_MANAGER });
      out.push({ context, name: object.metadata.name, namespace: object.metadata.namespace ?? 'default', result: res.status === 201 ? 'created' : 'configured', serviceFound });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409)
        throw new ClusterError(
          'Conflict',
          `VirtualService ${object.metadata.namespace}/${object.metadata.name} in ${context ?? 'the current context'} is managed by someone else (${err.message}); choose another name with --name, or remove it`,
          { context: context ?? '', cause: err },
        );
      throw err;
    }
  }
  return out;
}
