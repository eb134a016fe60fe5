// Opens one cluster for a command: kubeconfig context → transport → discovery → object client.
import { Discovery, discover } from './discovery.js';
import { loadConnection, type ClusterConnection, type KubeconfigOptions } from './kubeconfig.js';
import { ObjectClient, type ObjectClientOptions } from './object-client.js';
import { KubeTransport, type TransportOptions } from './transport.js';

/** A connected cluster: everything a command needs, and `close()` to release the sockets. */
export interface Cluster {
  connection: ClusterConnection;
  transport: KubeTransport;
  discovery: Discovery;
  client: ObjectClient;
  close(): void;
}

export interface OpenClusterOptions extends KubeconfigOptions, ObjectClientOptions {
  transport?: TransportOptions;
}

/** Loads the context, asks the cluster what it serves and returns a ready client. */
export async function openCluster(opts: OpenClusterOptions = {}): Promise<Cluster> {
  const connection = await loadConnection(opts);
  const transport = new KubeTransport(connection, opts.transport);
  try {
    const discovery = await discover(transport);
    const client = new ObjectClient(transport, discovery, opts);
    return { connection, transport, discovery, client, close: () => transport.close() };
  } catch (err) {
    transport.close();
    throw err;
  }
}
